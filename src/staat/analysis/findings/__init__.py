# SPDX-License-Identifier: EUPL-1.2
"""Finding extractor: knelpunten, lichtpunten, oproepen and dilemma's from Dutch text.

Pure Python (no Django): plain data in (:class:`DocumentInput`), plain data out
(:class:`Candidate`). See ``docs/quality.md`` for how well it works and
``docs/labelling.md`` for the labelling guideline of its training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from .codebook import load_default_codebook
from .documents import document_from_segmented
from .labels import LabelledSentence, default_labels, heldout_labels, read_labels, write_labels
from .mentions import find_laws, find_organisations
from .model import CODE_VERSION, EXTRACTOR_NAME, Extractor
from .types import (
    KINDS,
    NONE,
    Candidate,
    Cue,
    DocumentInput,
    Explanation,
    Mention,
    OrganisationDef,
    PassageInput,
    SentenceInput,
    ThemeDef,
    ThemeScore,
)

__all__ = [
    "CODE_VERSION",
    "EXTRACTOR_NAME",
    "KINDS",
    "NONE",
    "Candidate",
    "Cue",
    "DocumentInput",
    "EvaluationReport",
    "Explanation",
    "Extractor",
    "LabelledSentence",
    "Mention",
    "OrganisationDef",
    "PassageInput",
    "SentenceInput",
    "ThemeDef",
    "ThemeScore",
    "cross_validate",
    "default_extractor",
    "default_labels",
    "document_from_segmented",
    "evaluate",
    "find_laws",
    "find_organisations",
    "heldout_labels",
    "load_default_codebook",
    "read_labels",
    "write_labels",
]


_LAZY = {"EvaluationReport", "cross_validate", "evaluate"}


def __getattr__(name: str):
    """The evaluation (scikit-learn metrics, pandas) is imported when first asked for, so a
    process that only extracts, such as an extraction worker, starts quickly."""
    if name in _LAZY:
        from . import evaluation

        return getattr(evaluation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@lru_cache(maxsize=8)
def _cached(extra: tuple[LabelledSentence, ...], codebook: tuple[ThemeDef, ...] | None,
            organisations: tuple[OrganisationDef, ...]) -> Extractor:
    cb = codebook if codebook is not None else tuple(load_default_codebook())
    return Extractor.train(default_labels() + list(extra), cb, organisations)


def default_extractor(
    extra_labels: Sequence[LabelledSentence] = (),
    *,
    codebook: Sequence[ThemeDef] | None = None,
    organisations: Sequence[OrganisationDef] = (),
) -> Extractor:
    """The extractor trained on :func:`default_labels` plus ``extra_labels`` (e.g. curators'
    corrections) and the default codebook (or ``codebook``); cached per process."""
    return _cached(tuple(extra_labels), tuple(codebook) if codebook is not None else None,
                   tuple(organisations))

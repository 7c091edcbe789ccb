# SPDX-License-Identifier: EUPL-1.2
"""Labelled sentences: the development and held-out sets, and their JSONL form.

One JSON object a line: ``{"text", "kind", "themes", "doc", "context"}``. ``kind`` is one
of :data:`~staat.analysis.findings.types.KINDS` or :data:`~staat.analysis.findings.types.NONE`;
``themes`` are codebook codes (only labelled on finding sentences); ``doc`` names the
document the sentence comes from (used to group cross-validation folds) and ``context``
is its heading path, elements joined by ``" › "``. The labelling guideline is
``docs/labelling.md``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .types import KINDS, NONE

__all__ = [
    "DATA_DIR",
    "LabelledSentence",
    "default_labels",
    "heldout_labels",
    "read_labels",
    "write_labels",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
DEV_PATH = DATA_DIR / "labels" / "dev.jsonl"
HELDOUT_PATH = DATA_DIR / "labels" / "heldout.jsonl"
CONTEXT_SEPARATOR = " › "


@dataclass(frozen=True, slots=True)
class LabelledSentence:
    """One sentence labelled by a person."""

    text: str
    kind: str  # one of KINDS or NONE
    themes: tuple[str, ...] = ()
    doc: str = ""
    context: str = ""  # heading path ("A › B") or previous sentence; optional

    def __post_init__(self) -> None:
        if self.kind not in KINDS and self.kind != NONE:
            raise ValueError(f"unknown kind {self.kind!r}; expected one of {KINDS + (NONE,)}")
        if not isinstance(self.themes, tuple):
            object.__setattr__(self, "themes", tuple(self.themes))

    def to_json(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "themes": list(self.themes),
            "doc": self.doc,
            "context": self.context,
        }

    @classmethod
    def from_json(cls, obj: dict) -> LabelledSentence:
        return cls(
            text=str(obj["text"]),
            kind=str(obj["kind"]),
            themes=tuple(str(t) for t in obj.get("themes") or ()),
            doc=str(obj.get("doc") or ""),
            context=str(obj.get("context") or ""),
        )


def read_labels(path: str | os.PathLike[str]) -> list[LabelledSentence]:
    """Read a JSONL file of labelled sentences (blank lines are skipped).

    A line that is not a valid labelled sentence raises :class:`ValueError` naming the
    file and line number.
    """
    out: list[LabelledSentence] = []
    with open(path, encoding="utf-8") as fh:
        for no, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                out.append(LabelledSentence.from_json(json.loads(line)))
            except (ValueError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{no}: not a labelled sentence ({exc})") from exc
    return out


def write_labels(path: str | os.PathLike[str], labels: Iterable[LabelledSentence]) -> None:
    """Write labelled sentences as JSONL (UTF-8, one object a line, stable key order)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.writelines(json.dumps(lab.to_json(), ensure_ascii=False) + "\n" for lab in labels)


@lru_cache(maxsize=1)
def _default() -> tuple[LabelledSentence, ...]:
    return tuple(read_labels(DEV_PATH))


def default_labels() -> list[LabelledSentence]:
    """The committed development set (``data/labels/dev.jsonl``), labelled by hand."""
    return list(_default())


def heldout_labels() -> list[LabelledSentence]:
    """The committed held-out set (``data/labels/heldout.jsonl``). Never tune on it."""
    return read_labels(HELDOUT_PATH)


def themes_in(labels: Sequence[LabelledSentence]) -> list[str]:
    return sorted({t for lab in labels for t in lab.themes})

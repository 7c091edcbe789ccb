# SPDX-License-Identifier: EUPL-1.2
"""Data classes of the finding extractor: plain data in, plain data out (no Django).

The contract between the pure extractor (``staat.analysis.findings``) and the Django app
(``staat.findings``). Offsets are half-open character offsets into the source's normalised
text (``Source.text``), exactly like passages and sentences.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

KINDS = ("knelpunt", "lichtpunt", "oproep", "dilemma")
NONE = "geen"  # label of a sentence that is not a finding


@dataclass(frozen=True, slots=True)
class SentenceInput:
    index: int
    passage_index: int
    page: int
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class PassageInput:
    index: int
    heading_path: tuple[str, ...]
    page_start: int
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class DocumentInput:
    """One source: its text, passages and sentences (as stored by the sources app)."""

    key: str  # stable id of the source, e.g. its sha256 or primary key as text
    text: str
    passages: tuple[PassageInput, ...]
    sentences: tuple[SentenceInput, ...]
    kind: str = "stand"  # the source kind (stand, knelpuntenbrief, onderzoek, ...)


@dataclass(frozen=True, slots=True)
class ThemeDef:
    """A codebook theme as the extractor needs it."""

    code: str
    label: str
    description: str = ""
    cues: tuple[str, ...] = ()  # lemmas / lemma phrases that signal the theme
    parent: str | None = None


@dataclass(frozen=True, slots=True)
class OrganisationDef:
    code: str
    names: tuple[str, ...]  # full name, short name, other spellings


class Cue(NamedTuple):
    """A word or phrase that pushed the decision, with its weight and where it stands.

    A named tuple rather than a dataclass: findings have many cues, and tuples are made
    and sent between processes several times faster."""

    text: str
    weight: float
    char_start: int
    char_end: int
    label: str  # the kind or theme code it speaks for


@dataclass(frozen=True, slots=True)
class ThemeScore:
    code: str
    score: float
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True, slots=True)
class Mention:
    """A law, scheme, article or organisation named in the text."""

    text: str
    canonical: str  # e.g. "Algemene wet bestuursrecht" or an organisation code
    char_start: int
    char_end: int
    article: str = ""  # e.g. "4:84" for "artikel 4:84 van de Awb"


@dataclass(frozen=True, slots=True)
class Explanation:
    """Why the machine drew this finding: readable by a researcher, storable as JSON."""

    kind_scores: dict[str, float]  # probability per kind incl. NONE
    cues: tuple[Cue, ...]  # cue words for the chosen kind and against it
    model: str  # extractor name and version
    notes: tuple[str, ...] = ()  # e.g. "merged with the next sentence: same point"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A finding as the machine proposes it."""

    kind: str
    char_start: int
    char_end: int
    page: int
    passage_index: int
    sentence_indices: tuple[int, ...]
    confidence: float
    themes: tuple[ThemeScore, ...]
    laws: tuple[Mention, ...]
    organisations: tuple[Mention, ...]
    explanation: Explanation
    extra: dict = field(default_factory=dict)


class JSONText(str):
    """A value already encoded as JSON text, as ``json.dumps`` with its defaults writes it
    (what Django's ``JSONField`` stores for the decoded value)."""

    __slots__ = ()


class StoredCandidate(NamedTuple):
    """A :class:`Candidate` in the form the findings app stores: the few fields it looks at,
    and the rest as JSON text. Made where the extractor runs (a worker process, or the
    process that stores), so that the process that stores neither rebuilds the candidate's
    objects nor encodes them; a plain tuple, cheap to send between processes."""

    kind: str
    char_start: int
    char_end: int
    page: int
    passage_index: int
    sentence_indices: tuple[int, ...]
    confidence: float
    themes: tuple[tuple[str, float, JSONText], ...]  # code, score, cues
    organisations: tuple[str, ...]  # canonical codes of the organisations mentioned
    laws: JSONText  # the law mentions
    mentions: JSONText  # the organisation mentions
    suggestion: JSONText  # every field but the explanation, and "extractor_version"
    explanation: JSONText

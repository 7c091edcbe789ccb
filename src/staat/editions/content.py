# SPDX-License-Identifier: EUPL-1.2
"""Plain data the edition is built from (no Django): what ``inputs.collect`` gathers from the
database and what the site, PDF, chart and open-data writers read.

Every quoted statement is an :class:`Evidence`: the finding's own text (``Source.text``
between its offsets), its source, page and passage. The site links it to
``bronnen/<source_id>.html#passage-<index>``; the PDF prints "source title, p. N".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

KIND_LABELS = {
    "knelpunt": "Knelpunt",
    "lichtpunt": "Lichtpunt",
    "oproep": "Oproep",
    "dilemma": "Dilemma",
}
KIND_PLURALS = {
    "knelpunt": "Knelpunten",
    "lichtpunt": "Lichtpunten",
    "oproep": "Oproepen",
    "dilemma": "Dilemma's",
}
TREND_LABELS = {
    "new": "nieuw",
    "persisting": "aanhoudend",
    "growing": "groeiend",
    "shrinking": "krimpend",
    "returned": "weer genoemd",
    "gone": "niet meer genoemd",
    "no_longer_mentioned": "niet meer genoemd",
}
ORGANISATION_TYPE_LABELS = {
    "zbo": "ZBO",
    "agentschap": "agentschap",
    "dienst": "dienst",
    "gemeente": "gemeente",
    "provincie": "provincie",
    "waterschap": "waterschap",
    "overig": "overig",
}
FOLLOW_UP_LABELS = {
    "none": "geen reactie",
    "promised": "toegezegd",
    "in_progress": "in uitvoering",
    "done": "gedaan",
}
AUDIENCE_LABELS = {
    "politiek": "politiek",
    "beleid": "beleid",
    "uitvoering": "uitvoering",
    "allen": "iedereen",
}
SECTION_LABELS = {
    "wat-goed-gaat": "Wat goed gaat",
    "rode-draden": "Rode draden",
    "oproepen": "Oproepen",
    "terugblik": "Terugblik op eerdere oproepen",
    "metingen": "Metingen",
    "overig": "Verder",
}
SECTION_ORDER = tuple(SECTION_LABELS)


@dataclass(frozen=True)
class Evidence:
    """One quoted finding and where it stands."""

    finding_id: int
    kind: str
    text: str
    source_id: int
    source_title: str
    organisation: str  # names of the source's organisations, joined
    page: int | None
    passage_index: int | None
    char_start: int
    char_end: int
    status: str = "suggested"
    origin: str = "machine"
    year: int | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def href(self) -> str:
        """Relative to the site root."""
        anchor = f"#passage-{self.passage_index}" if self.passage_index is not None else ""
        return f"bronnen/{self.source_id}.html{anchor}"

    @property
    def reference(self) -> str:
        """"Organisation – title, p. N": titles repeat across organisations (every Stand)."""
        page = f", p. {self.page}" if self.page else ""
        who = f"{self.organisation} – " if self.organisation else ""
        return f"{who}{self.source_title}{page}"

    @property
    def reviewed(self) -> bool:
        return self.status in ("confirmed", "edited") or self.origin == "person"


@dataclass
class ThreadView:
    key: str
    slug: str
    label: str
    description: str
    kind: str
    trend: str
    figures: dict[str, Any]  # this year: findings, sources, organisations, organisation_types…
    history: dict[int, dict[str, Any]]  # year -> figures
    evidence: list[Evidence]
    rank: int = 0
    heading: str = ""  # the editor's heading, if any
    text: str = ""  # the editor's words, if any
    selected: bool = False  # in one of the edition's sections

    @property
    def has_page(self) -> bool:
        """A thread named this year by at least two organisations gets its own page (a
        common thread recurs across organisations); the others are listed in the overview
        and the open data only, unless the editor chose one."""
        return self.selected or (self.count("findings") > 0 and self.organisation_count >= 2)

    @property
    def title(self) -> str:
        return self.heading or self.label

    @property
    def trend_label(self) -> str:
        return TREND_LABELS.get(self.trend, self.trend)

    @property
    def href(self) -> str:
        return f"draden/{self.slug}.html"

    def count(self, name: str, year: int | None = None) -> int:
        figures = self.figures if year is None else self.history.get(year, {})
        value = figures.get(name, 0)
        return len(value) if isinstance(value, list | tuple | set | dict) else int(value or 0)

    @property
    def organisation_count(self) -> int:
        return self.count("organisations")

    @property
    def history_rows(self) -> list[dict]:
        rows = []
        for y in sorted(self.history):
            organisations, reporters = self.count("organisations", y), self.reporters(y)
            rows.append({
                "year": y, "organisations": organisations, "reporters": reporters,
                # sources without an organisation, each counted as one reporter
                "sourceless": max(reporters - organisations, 0),
                "findings": self.count("findings", y), "sources": self.count("sources", y),
                "trend": TREND_LABELS.get(self.history[y].get("trend", ""), "")})
        return rows

    def reporters(self, year: int | None = None) -> int:
        """What the trend counts: the organisations, plus every source that names none (a
        study, a session report) as one (docs/threads-app.md)."""
        figures = self.figures if year is None else self.history.get(year, {})
        if "reporters" in figures:
            return self.count("reporters", year)
        return self.count("organisations", year) or self.count("sources", year)


@dataclass
class CallView:
    id: str
    title: str
    wording: str
    original: str
    year: int
    audience: str
    versions: list[dict]  # {year, text, note}
    follow_ups: list[dict]  # {year, status, status_label, response, steps, evidence: [Evidence-like dict]}
    threads: list[str]  # thread keys
    uptake: list[dict] = field(default_factory=list)  # {source_id, title, page, passage_index}
    order: int = 0
    heading: str = ""
    text: str = ""

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS.get(self.audience, self.audience)

    @property
    def anchor(self) -> str:
        return f"oproep-{self.id}"


@dataclass
class Block:
    """A piece of a source shown on its page: one passage (or a run of passages a finding
    spans), with the cited findings marked."""

    passage_index: int
    page: int
    heading: str
    segments: list[dict]  # {text, marked, ids, starts}: see inputs.segments
    finding_ids: list[int]
    kind_labels: list[str] = field(default_factory=list)
    page_end: int = 0

    @property
    def pages(self) -> str:
        return f"{self.page}–{self.page_end}" if self.page_end > self.page else str(self.page)


@dataclass
class SourceView:
    id: int
    title: str
    kind: str
    kind_label: str
    year: int | None
    organisations: list[tuple[str, str]]  # (code, name)
    page_count: int
    authors: str
    institution: str
    publication_date: str
    sha256: str
    is_fictional: bool
    blocks: list[Block] = field(default_factory=list)

    @property
    def href(self) -> str:
        return f"bronnen/{self.id}.html"


@dataclass
class OrganisationView:
    code: str
    name: str
    short_name: str
    type: str
    is_fictional: bool
    source_ids: list[int]
    evidence: list[Evidence]
    thread_keys: list[str]

    @property
    def type_label(self) -> str:
        return ORGANISATION_TYPE_LABELS.get(self.type, self.type)

    @property
    def href(self) -> str:
        return f"organisaties/{self.code}.html"

    def by_kind(self) -> list[tuple[str, list[Evidence]]]:
        out = []
        for kind in ("lichtpunt", "knelpunt", "oproep", "dilemma"):
            items = [e for e in self.evidence if e.kind == kind]
            if items:
                out.append((KIND_PLURALS[kind], items))
        return out


@dataclass
class Item:
    """One entry of a section, resolved: exactly one of the payload fields is set."""

    kind: str
    heading: str = ""
    text: str = ""
    thread: ThreadView | None = None
    call: CallView | None = None
    evidence: Evidence | None = None
    chart: str = ""
    params: dict = field(default_factory=dict)
    #: an instrument result (``staat.instruments.services.EditionResult``): suppressed table,
    #: chart and notes
    result: object | None = None


@dataclass
class SectionView:
    code: str
    label: str
    items: list[Item]

    @property
    def href(self) -> str:
        return f"{self.code}.html"


class LazyList(Sequence):
    """A list made by ``make()`` when it is first used: the build's open-data rows, made in
    whichever process writes the open data (see ``staat.editions.builder``)."""

    def __init__(self, make: Callable[[], list]) -> None:
        self._make: Callable[[], list] | None = make
        self._items: list | None = None

    def _list(self) -> list:
        if self._items is None:
            self._items, self._make = self._make(), None
        return self._items

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self):
        return iter(self._list())


@dataclass
class EditionData:
    year: int
    title: str
    publication_date: str  # ISO date or ""
    intro: str
    closing: str
    sections: list[SectionView]
    threads: dict[str, ThreadView]  # every thread of the year (key -> view), ranked
    calls: list[CallView]
    organisations: list[OrganisationView]
    sources: dict[int, SourceView]
    findings: Sequence[dict]  # open-data rows (staat.findings.exports fields), maybe a LazyList
    codebook: list[dict]  # {code, label, description, parent, retired}
    methodology: dict[str, Any]
    chart_data: dict[str, list[dict]]
    fictional: bool
    log: list[str] = field(default_factory=list)
    items: list[dict] = field(default_factory=list)  # the selection the build used

    def thread_list(self) -> list[ThreadView]:
        return sorted(self.threads.values(), key=lambda t: t.rank)

    def section(self, code: str) -> SectionView | None:
        return next((s for s in self.sections if s.code == code), None)

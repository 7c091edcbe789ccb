# SPDX-License-Identifier: EUPL-1.2
"""Trend status of a thread in a year: new, persisting, growing, shrinking, returned, or no
longer mentioned.

**What is counted.** The primary measure is the number of *reporting organisations* in a
year (``YearFigures.reporters``): every organisation that names the thread counts once,
however many findings it writes (one organisation writing more is not growth); a finding from
a source that names no organisation (a study, a session report) counts its source as one
reporter. The number of findings is shown, never used for the status.

**Which year is compared.** ``counts_by_year`` holds an entry for every monitored year from
the thread's first mention on, with zero findings where the thread was not mentioned. "The
previous year" is the latest monitored year before ``year`` (so a year without an edition is
skipped, not counted as silence).

**The rules**, checked in this order; exactly one applies to every monitored year from the
first mention on (``n`` = reporters this year, ``p`` = reporters in the previous year,
``Δ = n − p``, ``X = min_change`` (2), ``Y = min_change_percent`` (25)):

1. ``no_longer_mentioned``: no findings this year (it was mentioned in an earlier year).
2. ``new``: findings this year, and in no earlier year.
3. ``returned``: findings this year, none in the previous year, some in an earlier year.
4. ``growing``: findings in both years and ``Δ ≥ X`` and ``Δ ≥ Y% of p``.
5. ``shrinking``: findings in both years and ``−Δ ≥ X`` and ``−Δ ≥ Y% of p``.
6. ``persisting``: findings in both years and neither 4 nor 5 (about the same number).

Years before the first mention have no status (:func:`trend_status` raises ``ValueError``).
Rules 1-3 split on "mentioned this year / earlier / in the previous year", rules 4-6 on the
sign and size of ``Δ`` (4 and 5 cannot both hold as ``X ≥ 1``), so the rules are total and
unambiguous. The percentage is compared in whole numbers (``100·|Δ| ≥ Y·p``): no rounding.

Why ``X = 2`` and ``Y = 25``: not every organisation writes a Stand every year, so a change
of one organisation is usually a report that is missing or late, not a trend; and with
larger threads a change of two is small (10 → 12 is 20 %: persisting; 10 → 13 is growing).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

__all__ = [
    "TREND_LABELS",
    "TREND_STATUSES",
    "TrendParams",
    "TrendStatus",
    "YearFigures",
    "trend_rules",
    "trend_status",
]

#: Every status, in the order the rules are checked.
TREND_STATUSES: tuple[str, ...] = (
    "no_longer_mentioned",
    "new",
    "returned",
    "growing",
    "shrinking",
    "persisting",
)

#: Dutch labels for the statuses (what the site and the app show).
TREND_LABELS: dict[str, str] = {
    "new": "nieuw",
    "persisting": "aanhoudend",
    "growing": "groeiend",
    "shrinking": "krimpend",
    "returned": "weer genoemd",
    "no_longer_mentioned": "niet meer genoemd",
}


@dataclass(frozen=True, slots=True)
class TrendParams:
    """Thresholds of the growing / shrinking rules."""

    min_change: int = 2  # X: at least this many reporting organisations more (or fewer)
    min_change_percent: int = 25  # Y: and at least this percentage of the previous year

    def __post_init__(self) -> None:
        if self.min_change < 1 or self.min_change_percent < 0:
            raise ValueError("min_change must be >= 1 and min_change_percent >= 0")


class YearFiguresLike(Protocol):
    @property
    def reporters(self) -> int: ...

    @property
    def findings(self) -> int: ...


@dataclass(frozen=True, slots=True)
class YearFigures:
    """The two numbers the trend rules look at, for one thread in one year."""

    reporters: int  # reporting organisations (a source naming none counts as one)
    findings: int


@dataclass(frozen=True, slots=True)
class TrendStatus:
    """The status of a thread in ``year`` with the numbers that decided it."""

    status: str  # one of TREND_STATUSES
    year: int
    reporters: int
    findings: int
    previous_year: int | None  # the monitored year compared with (None: there is none)
    previous_reporters: int | None
    change: int | None  # reporters − previous_reporters
    change_percent: float | None  # of previous_reporters, 1 decimal; None if not defined
    first_year: int  # first year with findings
    last_mentioned_year: int | None  # latest year ≤ year with findings
    reason: str  # Dutch sentence explaining the status

    @property
    def label(self) -> str:
        return TREND_LABELS[self.status]

    def to_dict(self) -> dict:
        return {
            "status": self.status,
            "label": self.label,
            "year": self.year,
            "reporters": self.reporters,
            "findings": self.findings,
            "previous_year": self.previous_year,
            "previous_reporters": self.previous_reporters,
            "change": self.change,
            "change_percent": self.change_percent,
            "first_year": self.first_year,
            "last_mentioned_year": self.last_mentioned_year,
            "reason": self.reason,
        }


def _orgs(n: int) -> str:
    return f"{n} organisatie" if n == 1 else f"{n} organisaties"


def _who(figures: YearFiguresLike) -> str:
    """The reporters in words: "6 organisaties", or, where figures also tell how many are
    organisations, "5 organisaties en 1 bron zonder organisatie"."""
    n = figures.reporters
    organisations = getattr(figures, "organisations", None)
    if isinstance(organisations, int) and 0 <= organisations < n:
        extra = n - organisations
        sources = "1 bron" if extra == 1 else f"{extra} bronnen"
        if not organisations:
            return f"{sources} zonder organisatie"
        return f"{_orgs(organisations)} en {sources} zonder organisatie"
    return _orgs(n)


def trend_status(
    counts_by_year: Mapping[int, YearFiguresLike],
    year: int,
    params: TrendParams = TrendParams(),
) -> TrendStatus:
    """The trend status of one thread in ``year`` (see the module docstring for the rules).

    ``counts_by_year`` maps every monitored year to the thread's figures that year (zero
    findings where it was not mentioned); ``year`` must be one of its keys, on or after the
    first year with findings.
    """
    if year not in counts_by_year:
        raise ValueError(f"{year} is not a monitored year of this thread")
    mentioned = sorted(y for y, f in counts_by_year.items() if f.findings > 0)
    if not mentioned or mentioned[0] > year:
        raise ValueError(f"the thread is not mentioned in or before {year}: no status")
    first = mentioned[0]
    now = counts_by_year[year]
    n = now.reporters if now.findings > 0 else 0
    earlier = [y for y in mentioned if y < year]
    last = year if now.findings > 0 else earlier[-1]
    prev_years = [y for y in counts_by_year if y < year]
    prev_year = max(prev_years) if prev_years else None
    prev = counts_by_year[prev_year] if prev_year is not None else None
    prev_mentioned = prev is not None and prev.findings > 0
    p = prev.reporters if prev_mentioned else (0 if prev is not None else None)

    def make(status: str, reason: str, change: int | None = None) -> TrendStatus:
        pct = None
        if change is not None and p:
            pct = round(100.0 * change / p, 1)
        return TrendStatus(
            status=status,
            year=year,
            reporters=n,
            findings=now.findings,
            previous_year=prev_year,
            previous_reporters=p,
            change=change,
            change_percent=pct,
            first_year=first,
            last_mentioned_year=last,
            reason=reason,
        )

    if now.findings <= 0:
        return make(
            "no_longer_mentioned",
            f"Niet genoemd in {year}; het laatst genoemd in {last} "
            f"(door {_who(counts_by_year[last])}).",
            None if p is None else -p,
        )
    if not earlier:
        return make("new", f"Voor het eerst genoemd in {year}, door {_who(now)}.")
    if not prev_mentioned:
        return make(
            "returned",
            f"Weer genoemd in {year} door {_who(now)}, na {prev_year} niet genoemd te zijn; "
            f"eerder het laatst in {earlier[-1]}.",
            n - (p or 0),
        )
    assert p is not None and prev_year is not None
    delta = n - p
    big = abs(delta) >= params.min_change and 100 * abs(delta) >= params.min_change_percent * p
    rule = f"(drempel: ten minste {params.min_change} en {params.min_change_percent}%)"
    if delta > 0 and big:
        return make(
            "growing",
            f"Genoemd door {_who(now)} in {year} tegen {p} in {prev_year}: "
            f"{delta} meer {rule}.",
            delta,
        )
    if delta < 0 and big:
        return make(
            "shrinking",
            f"Genoemd door {_who(now)} in {year} tegen {p} in {prev_year}: "
            f"{-delta} minder {rule}.",
            delta,
        )
    return make(
        "persisting",
        f"Genoemd door {_who(now)} in {year} en {p} in {prev_year}: ongeveer even veel "
        f"{rule.replace('drempel', 'drempel voor groei of afname')}.",
        delta,
    )


def trend_rules(params: TrendParams = TrendParams()) -> list[tuple[str, str, str]]:
    """The rules as ``(status, Dutch label, Dutch rule)``, in the order they are checked,
    with the current thresholds filled in: for the app's and the site's methodology page."""
    x, y = params.min_change, params.min_change_percent
    text = {
        "no_longer_mentioned": "Dit jaar niet genoemd, in een eerder jaar wel.",
        "new": "Dit jaar genoemd en in geen enkel eerder jaar.",
        "returned": "Dit jaar genoemd, vorig jaar niet, in een eerder jaar wel.",
        "growing": (
            f"Dit jaar en vorig jaar genoemd, door ten minste {x} organisaties meer en "
            f"ten minste {y}% meer dan vorig jaar."
        ),
        "shrinking": (
            f"Dit jaar en vorig jaar genoemd, door ten minste {x} organisaties minder en "
            f"ten minste {y}% minder dan vorig jaar."
        ),
        "persisting": (
            "Dit jaar en vorig jaar genoemd, door ongeveer even veel organisaties "
            "(niet groeiend en niet krimpend)."
        ),
    }
    return [(s, TREND_LABELS[s], text[s]) for s in TREND_STATUSES]

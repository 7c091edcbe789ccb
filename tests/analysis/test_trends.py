# SPDX-License-Identifier: EUPL-1.2
"""Trend rules on constructed cases: each status, the thresholds at their edges, gaps in the
monitored years, and totality (every case gets exactly one status) checked exhaustively
against an independent statement of the rules."""

from __future__ import annotations

import itertools

import pytest

from staat.analysis.trends import (
    TREND_LABELS,
    TREND_STATUSES,
    TrendParams,
    YearFigures,
    trend_rules,
    trend_status,
)


def figs(**by_year: tuple[int, int]) -> dict[int, YearFigures]:
    """figs(y2023=(reporters, findings), ...)"""
    return {int(k[1:]): YearFigures(reporters=r, findings=f) for k, (r, f) in by_year.items()}


def status(counts: dict[int, YearFigures], year: int, **params) -> str:
    return trend_status(counts, year, TrendParams(**params)).status


def test_new() -> None:
    c = figs(y2023=(2, 3))
    t = trend_status(c, 2023)
    assert t.status == "new" and t.previous_year is None and t.first_year == 2023
    assert t.label == "nieuw" and "Voor het eerst" in t.reason
    # also new when earlier monitored years exist without it
    assert status(figs(y2023=(0, 0), y2024=(3, 3)), 2024) == "new"


def test_persisting_growing_shrinking_at_the_thresholds() -> None:
    cases = [
        ((2, 3), "persisting"),  # +1: one more organisation is not growth
        ((2, 4), "growing"),  # +2 and +100 %
        ((4, 6), "growing"),  # +2 and +50 %
        ((8, 10), "growing"),  # +2 and exactly +25 %
        ((10, 12), "persisting"),  # +2 but +20 %
        ((10, 13), "growing"),  # +3 and +30 %
        ((3, 2), "persisting"),  # −1
        ((4, 2), "shrinking"),  # −2 and −50 %
        ((8, 6), "shrinking"),  # −2 and exactly −25 %
        ((10, 8), "persisting"),  # −2 but −20 %
        ((5, 5), "persisting"),
    ]
    for (before, after), want in cases:
        c = figs(y2024=(before, before), y2025=(after, after))
        t = trend_status(c, 2025)
        assert t.status == want, (before, after)
        assert t.change == after - before and t.previous_reporters == before


def test_organisations_count_not_findings() -> None:
    # one organisation writing ten findings instead of one is not growth
    c = figs(y2024=(1, 1), y2025=(1, 10))
    assert status(c, 2025) == "persisting"
    # and fewer findings from the same organisations is not shrinking
    assert status(figs(y2024=(4, 20), y2025=(4, 4)), 2025) == "persisting"


def test_no_longer_mentioned_and_returned() -> None:
    c = figs(y2023=(1, 1), y2024=(0, 0), y2025=(2, 2))
    t24 = trend_status(c, 2024)
    assert t24.status == "no_longer_mentioned" and t24.last_mentioned_year == 2023
    t25 = trend_status(c, 2025)
    assert t25.status == "returned" and t25.last_mentioned_year == 2025
    assert "eerder het laatst in 2023" in t25.reason
    # silent for two years: still "no longer mentioned", with the last year it was
    c = figs(y2023=(3, 3), y2024=(0, 0), y2025=(0, 0))
    t = trend_status(c, 2025)
    assert t.status == "no_longer_mentioned" and t.last_mentioned_year == 2023


def test_a_year_without_an_edition_is_skipped() -> None:
    # 2024 is not monitored: 2025 is compared with 2023
    c = figs(y2023=(2, 2), y2025=(4, 4))
    t = trend_status(c, 2025)
    assert t.status == "growing" and t.previous_year == 2023


def test_years_before_the_first_mention_have_no_status() -> None:
    c = figs(y2023=(0, 0), y2024=(2, 2))
    with pytest.raises(ValueError):
        trend_status(c, 2023)
    with pytest.raises(ValueError):
        trend_status(c, 2022)


def test_params_are_data() -> None:
    c = figs(y2024=(2, 2), y2025=(3, 3))
    assert status(c, 2025) == "persisting"
    assert status(c, 2025, min_change=1, min_change_percent=25) == "growing"
    with pytest.raises(ValueError):
        TrendParams(min_change=0)
    rules = trend_rules(TrendParams(min_change=3, min_change_percent=30))
    assert [r[0] for r in rules] == list(TREND_STATUSES)
    assert "ten minste 3 organisaties meer en ten minste 30% meer" in dict(
        (s, t) for s, _, t in rules)["growing"]
    assert set(TREND_LABELS) == set(TREND_STATUSES)


def reference(history: list[int], i: int, x: int, y: int) -> set[str]:
    """The rules as independent predicates; more than one true would be ambiguous."""
    n = history[i]
    earlier = any(h > 0 for h in history[:i])
    prev = history[i - 1] if i else None
    out = set()
    if n == 0 and earlier:
        out.add("no_longer_mentioned")
    if n > 0 and not earlier:
        out.add("new")
    if n > 0 and earlier and prev == 0:
        out.add("returned")
    if n > 0 and prev:
        d = n - prev
        if d >= x and d * 100 >= y * prev:
            out.add("growing")
        if -d >= x and -d * 100 >= y * prev:
            out.add("shrinking")
        if not (abs(d) >= x and abs(d) * 100 >= y * prev):
            out.add("persisting")
    return out


@pytest.mark.parametrize(("x", "y"), [(2, 25), (1, 0), (3, 50)])
def test_rules_are_total_and_unambiguous(x: int, y: int) -> None:
    params = TrendParams(min_change=x, min_change_percent=y)
    years = [2021, 2022, 2023, 2024]
    for history in itertools.product(range(0, 7), repeat=len(years)):
        c = {yr: YearFigures(reporters=h, findings=h) for yr, h in zip(years, history)}
        for i, yr in enumerate(years):
            if not any(history[: i + 1]):
                continue  # before the first mention: no status
            want = reference(list(history), i, x, y)
            assert len(want) == 1, (history, yr, want)
            assert trend_status(c, yr, params).status == want.pop()


def test_the_reason_names_sources_without_an_organisation_apart() -> None:
    # a source that names no organisation counts as one reporter; where the figures tell how
    # many reporters are organisations, the reason says so, so it matches the tables
    from staat.analysis.threads import ThreadFigures

    def fig(reporters: int, organisations: int) -> ThreadFigures:
        return ThreadFigures(findings=reporters, reporters=reporters, organisations=organisations,
                             sources=reporters, organisation_types={}, themes={}, laws={},
                             organisation_codes=(), source_ids=())

    t = trend_status({2024: fig(3, 3), 2025: fig(6, 5)}, 2025)
    assert t.status == "growing" and t.reporters == 6
    assert t.reason.startswith(
        "Genoemd door 5 organisaties en 1 bron zonder organisatie in 2025 tegen 3 in 2024")
    assert trend_status({2025: fig(2, 0)}, 2025).reason == (
        "Voor het eerst genoemd in 2025, door 2 bronnen zonder organisatie.")
    # figures without the split keep the plain count
    assert "door 4 organisaties" in trend_status(figs(y2025=(4, 4)), 2025).reason

# SPDX-License-Identifier: EUPL-1.2
"""Trend of a thread for the fallback grouping (used only without the threads app).

Delegates to :func:`staat.analysis.trends.trend_status` (the rules written down there), with
the number of reporting organisations per year as the measure.
"""

from __future__ import annotations

from collections.abc import Mapping


def simple_trend(reporters_by_year: Mapping[int, int], year: int) -> str:
    try:
        from staat.analysis.trends import YearFigures, trend_status
    except ImportError:  # pragma: no cover - the analysis core ships with the app
        YearFigures = trend_status = None
    if trend_status is not None:
        figures = {y: YearFigures(reporters=n, findings=n) for y, n in reporters_by_year.items()}
        try:
            return trend_status(figures, year).status
        except (ValueError, TypeError):
            return ""
    years = sorted(y for y in reporters_by_year if y < year)
    if not years:
        return "new"
    now, before = reporters_by_year.get(year, 0), reporters_by_year[years[-1]]
    if now - before >= 2:
        return "growing"
    if before - now >= 2:
        return "shrinking"
    return "persisting"

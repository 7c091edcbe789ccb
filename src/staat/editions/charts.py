# SPDX-License-Identifier: EUPL-1.2
"""The edition's charts: one Altair definition each, rendered to a Vega-Lite spec (kept next
to the picture as ``charts/<code>.vl.json``) and to SVG with vl-convert, offline. The site and
the PDF show the same SVG, so web and print cannot drift apart.

Numbers in, spec out: no Django here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

FONT = "Libertinus Serif, Georgia, serif"
#: Colours with at least 3:1 contrast against white (WCAG non-text contrast), colour-blind safe
#: order (Okabe–Ito, darkened where needed).
PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#3d3d3d", "#a61c00", "#1c4587", "#7f6000"]


@dataclass(frozen=True)
class ChartDef:
    code: str
    title: str
    description: str  # the alt text's first sentence; the data table follows on the page
    build: Callable[[list[dict]], dict]


def _config() -> dict:
    return {
        "font": FONT,
        "background": "white",
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelColor": "#222",
                 "titleColor": "#222", "gridColor": "#ddd"},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 420},
        "range": {"category": PALETTE},
    }


def _finish(chart) -> dict:
    spec = chart.to_dict()
    spec["config"] = _config()
    spec.pop("datasets", None) if not spec.get("datasets") else None
    return spec


def threads_over_years(rows: list[dict]) -> dict:
    import altair as alt

    data = alt.Data(values=rows)
    base = alt.Chart(data).encode(
        x=alt.X("jaar:O", title="Jaar", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("organisaties:Q", title="Organisaties die de draad noemen",
                axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("draad:N", title="Rode draad",
                        legend=alt.Legend(orient="bottom", columns=1)),
    )
    chart = (base.mark_line(strokeWidth=2.5) + base.mark_point(size=60, filled=True)).properties(
        width=420, height=220)
    return _finish(chart)


def findings_by_theme_year(rows: list[dict]) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("thema:N", title=None, sort="-x", axis=alt.Axis(labelLimit=260)),
        x=alt.X("sum(bevindingen):Q", title="Bevindingen"),
        color=alt.Color("jaar:O", title="Jaar", scale=alt.Scale(range=PALETTE[:4]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("jaar:O", sort="ascending"),
    ).properties(width=360, height=alt.Step(16))
    return _finish(chart)


def findings_by_organisation_type(rows: list[dict]) -> dict:
    import altair as alt

    chart = alt.Chart(alt.Data(values=rows)).mark_bar().encode(
        y=alt.Y("type:N", title="Type organisatie", sort="-x"),
        x=alt.X("sum(bevindingen):Q", title="Bevindingen"),
        color=alt.Color("soort:N", title="Soort", legend=alt.Legend(orient="bottom")),
        order=alt.Order("soort:N", sort="ascending"),
    ).properties(width=380, height=alt.Step(22))
    return _finish(chart)


CHARTS: dict[str, ChartDef] = {
    c.code: c for c in (
        ChartDef("threads-over-years", "Rode draden door de jaren",
                 "Lijndiagram: per rode draad het aantal organisaties dat de draad noemt, per jaar.",
                 threads_over_years),
        ChartDef("findings-by-theme-year", "Bevindingen per thema en jaar",
                 "Staafdiagram: het aantal gepubliceerde bevindingen per thema, gestapeld per jaar.",
                 findings_by_theme_year),
        ChartDef("findings-by-organisation-type", "Bevindingen per type organisatie",
                 "Staafdiagram: het aantal bevindingen per type organisatie, naar soort bevinding.",
                 findings_by_organisation_type),
    )
}


def spec_json(spec: dict) -> str:
    """Stable text of a spec (sorted keys), so equal data give equal files."""
    return json.dumps(spec, ensure_ascii=False, sort_keys=True, indent=1) + "\n"


def render_svg(spec: dict) -> str:
    import vl_convert as vlc

    global _rendered
    _rendered = True
    return vlc.vegalite_to_svg(spec, format_locale="nl-NL")


_rendered = False  # whether this process has rendered a chart (the renderer is started)


def warm_up() -> None:
    """Load Altair and start the renderer (its first picture in a process takes some half a
    second), so that a build that renders charts later does not wait for it."""
    import altair  # noqa: F401

    if not _rendered:
        render_svg({"data": {"values": [{"x": 1}]}, "mark": "point",
                    "encoding": {"x": {"field": "x", "type": "quantitative"}}})


def table_rows(rows: list[dict]) -> tuple[list[str], list[list]]:
    """The chart's data as a table (header, rows) for the page and the PDF."""
    if not rows:
        return [], []
    header = list(rows[0])
    return header, [[r.get(h, "") for h in header] for r in rows]

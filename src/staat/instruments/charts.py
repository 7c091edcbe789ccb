# SPDX-License-Identifier: EUPL-1.2
"""Charts of instrument results: Altair definitions rendered to Vega-Lite specs and, offline,
to SVG with vl-convert. The web page shows the SVG inline; the edition builder reuses the
same spec and SVG for the site and the PDF.

Numbers in, spec out: the rows given here are already published (suppressed) rows; a chart
never receives a hidden figure. No Django here; texts arrive translated.
"""

from __future__ import annotations

import json
from functools import lru_cache

FONT = "Source Sans Pro, Arial, sans-serif"
#: At least 3:1 contrast against white, colour-blind safe order (Okabe–Ito, darkened).
PALETTE = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#3d3d3d", "#a61c00", "#1c4587",
           "#7f6000"]


def _config() -> dict:
    return {
        # no ARIA roles on the marks: the page wraps the chart in role="img" with the
        # description as its label, and the figures are in the table next to it
        "aria": False,
        "font": FONT,
        "background": "white",
        "view": {"stroke": None},
        "axis": {"labelFontSize": 11, "titleFontSize": 12, "labelColor": "#222",
                 "titleColor": "#222", "gridColor": "#ddd", "labelLimit": 220},
        "legend": {"labelFontSize": 11, "titleFontSize": 12, "labelLimit": 260},
        "header": {"labelFontSize": 12, "labelFontWeight": "bold", "labelAlign": "left",
                   "labelAnchor": "start", "labelAngle": 0, "labelOrient": "top"},
        "range": {"category": PALETTE},
    }


def _finish(chart, description: str) -> dict:
    spec = chart.to_dict()
    spec["config"] = _config()
    spec["description"] = description
    if not spec.get("datasets"):
        spec.pop("datasets", None)
    return spec


def group_means(rows: list[dict], *, group_title: str, mean_title: str,
                description: str, domain: tuple[float, float] | None = None) -> dict:
    """Mean with its 95 % CI per group, one panel per dimension.

    ``rows``: dicts with ``dimension_label``, ``group_label``, ``mean``, ``ci_low``,
    ``ci_high``, ``n`` (published rows only)."""
    import altair as alt

    data = [r for r in rows if r.get("mean") is not None]
    scale = alt.Scale(domain=list(domain), zero=False) if domain else alt.Scale(zero=False)
    base = alt.Chart().encode(
        y=alt.Y("group_label:N", title=group_title, sort=None),
        tooltip=["dimension_label:N", "group_label:N", "n:Q", "mean:Q", "ci_low:Q",
                 "ci_high:Q"],
    )
    rule = base.mark_rule(strokeWidth=2, color="#555").encode(
        x=alt.X("ci_low:Q", title=mean_title, scale=scale), x2="ci_high:Q")
    point = base.mark_point(filled=True, size=70, color=PALETTE[0]).encode(
        x=alt.X("mean:Q", scale=scale))
    chart = alt.layer(rule, point, data=alt.Data(values=data)).properties(
        width=360, height=alt.Step(20)).facet(
        row=alt.Row("dimension_label:N", title=None, sort=None)).resolve_scale(y="independent")
    return _finish(chart, description)


def spread(rows: list[dict], *, group_title: str, score_title: str, description: str) -> dict:
    """Spread within each group next to the difference between groups: the box from the
    first to the third quartile, the median (tick) and the mean (dot)."""
    import altair as alt

    base = alt.Chart(alt.Data(values=rows)).encode(
        y=alt.Y("group_label:N", title=group_title, sort=None),
        tooltip=["group_label:N", "n:Q", "mean:Q", "sd:Q", "q1:Q", "median:Q", "q3:Q"])
    box = base.mark_bar(size=14, color="#c6dbef").encode(
        x=alt.X("q1:Q", title=score_title, scale=alt.Scale(zero=False)), x2="q3:Q")
    median = base.mark_tick(color="#222", thickness=2, size=16).encode(x="median:Q")
    mean = base.mark_point(filled=True, color=PALETTE[1], size=60).encode(x="mean:Q")
    chart = alt.layer(box, median, mean).properties(width=360, height=alt.Step(24))
    return _finish(chart, description)


def wave_change(rows: list[dict], *, wave_title: str, mean_title: str,
                description: str) -> dict:
    """Mean per wave and dimension (lines), from published rows with ``wave``,
    ``dimension_label`` and ``mean``."""
    import altair as alt

    base = alt.Chart(alt.Data(values=rows)).encode(
        x=alt.X("wave:N", title=wave_title, sort=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("mean:Q", title=mean_title, scale=alt.Scale(zero=False)),
        color=alt.Color("dimension_label:N", title=None,
                        legend=alt.Legend(orient="bottom", columns=2)),
        tooltip=["dimension_label:N", "wave:N", "mean:Q", "n:Q"])
    chart = (base.mark_line(strokeWidth=2.5) + base.mark_point(filled=True, size=60)).properties(
        width=360, height=220)
    return _finish(chart, description)


def subgroups(rows: list[dict], *, overall: float | None, group_title: str, mean_title: str,
              description: str) -> dict:
    """The lowest-scoring subgroups: mean with CI per subgroup, the overall mean as a line."""
    import altair as alt

    data = [{**r, "label": f"{r['attribute_label']}: {r['category_label']}"} for r in rows]
    base = alt.Chart().encode(y=alt.Y("label:N", title=group_title, sort=None),
                              tooltip=["label:N", "n:Q", "mean:Q", "diff:Q", "p_holm:Q"])
    layers = [
        base.mark_rule(strokeWidth=2, color="#555").encode(
            x=alt.X("ci_low:Q", title=mean_title, scale=alt.Scale(zero=False)), x2="ci_high:Q"),
        base.mark_point(filled=True, size=70, color=PALETTE[5]).encode(x="mean:Q"),
    ]
    if overall is not None:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 3], color="#222").encode(
            x=alt.datum(overall)))
    chart = alt.layer(*layers, data=alt.Data(values=data)).properties(
        width=360, height=alt.Step(22))
    return _finish(chart, description)


def correlations(rows: list[dict], *, x_title: str, y_title: str, description: str) -> dict:
    """Correlation matrix (management practices × outcome scales) as a heat map with r."""
    import altair as alt

    data = [r for r in rows if r.get("r") is not None]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("x_label:N", title=x_title, sort=None, axis=alt.Axis(labelAngle=-30)),
        y=alt.Y("y_label:N", title=y_title, sort=None))
    heat = base.mark_rect().encode(
        color=alt.Color("r:Q", scale=alt.Scale(scheme="blueorange", domain=[-1, 1]),
                        title="r"),
        tooltip=["x_label:N", "y_label:N", "r:Q", "ci_low:Q", "ci_high:Q", "n:Q"])
    text = base.mark_text(fontSize=11, color="#111").encode(text=alt.Text("r:Q", format=".2f"))
    chart = (heat + text).properties(width=alt.Step(70), height=alt.Step(26))
    return _finish(chart, description)


def bars(rows: list[dict], *, field: str, label_field: str, value_title: str,
         description: str, rules: tuple[float, ...] = (), domain=None) -> dict:
    """Horizontal bars (reliability per scale, Krippendorff's alpha per criterion) with
    reference lines (for example 0.667 and 0.8 for alpha)."""
    import altair as alt

    data = [r for r in rows if r.get(field) is not None]
    scale = alt.Scale(domain=list(domain)) if domain else alt.Scale()
    layers = [alt.Chart().mark_bar(color=PALETTE[0], size=14).encode(
        y=alt.Y(f"{label_field}:N", title=None, sort=None),
        x=alt.X(f"{field}:Q", title=value_title, scale=scale),
        tooltip=[f"{label_field}:N", f"{field}:Q"])]
    for value in rules:
        layers.append(alt.Chart().mark_rule(strokeDash=[4, 3], color="#222").encode(
            x=alt.datum(value)))
    chart = alt.layer(*layers, data=alt.Data(values=data)).properties(
        width=360, height=alt.Step(22))
    return _finish(chart, description)


@lru_cache(maxsize=256)
def _svg(spec_json: str) -> str:
    import vl_convert

    svg = vl_convert.vegalite_to_svg(json.loads(spec_json))
    # the chart is a picture with a text alternative around it (role="img" + aria-label on
    # the page, alt on an <img> in the edition): keep Vega's mark roles out of the tree
    return svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)


def to_svg(spec: dict | None) -> str:
    """The chart as SVG text (rendered offline by vl-convert; cached per spec)."""
    if not spec:
        return ""
    return _svg(json.dumps(spec, sort_keys=True, ensure_ascii=False))

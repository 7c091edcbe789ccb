# SPDX-License-Identifier: EUPL-1.2
"""Results of an instrument as publishable data: numbers in, JSON-friendly dicts out.

No Django here. Input is a *response frame*: one row per respondent with the item and
attribute columns of the instrument and, where known, the meta columns ``respondent``
(pseudonym), ``organisation`` (code), ``type``, ``sector``, ``wave`` and ``year``. Every
statistic comes from :mod:`staat.analysis` (scoring, statistics, agreement, disclosure);
this module only assembles them and applies **disclosure control to every table it returns**:

* group scores pass :func:`~staat.analysis.disclosure.publishable_summary` (one-way tables
  with their published total) or :func:`~staat.analysis.disclosure.suppress_nested`
  (organisations within their type, with type totals and the grand total: one suppression
  pattern serves the type table and the organisation table, so they cannot be combined
  against each other);
* comparisons, spreads, changes and "one organisation against its type" use only groups
  that are *visible* in the published score table, so they cannot reveal a hidden group
  either;
* subgroups (attributes) are suppressed per attribute as a one-way table with its total,
  because "the rest" of a subgroup implies the total;
* reliability and correlations need at least ``min_group_size`` respondents.

A suppressed row keeps its label, has ``suppressed: true``, a ``reason`` and no figures
(``n`` included). Figures are rounded for publication (:data:`DECIMALS`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from staat.analysis import agreement, disclosure, scoring, statistics
from staat.analysis.disclosure import TOTAL
from staat.analysis.instrument_schema import Instrument

META_COLUMNS = ("respondent", "organisation", "type", "sector", "wave", "year")
UNKNOWN = "(unknown)"
TOTAL_LABEL = "(total)"
DECIMALS = 4
#: Above this many groups the pairwise Games-Howell table is left out: too many pairs to
#: read, and each pair's studentized-range quantile costs scipy some 0.4 s.
MAX_PAIRWISE_GROUPS = 6

WELCH_WHY = (
    "Welch's tests do not assume equal variances; organisation types differ in size and in "
    "spread, and with unequal variances and sizes the classic t-test and ANOVA give wrong "
    "error rates (Welch 1947, 1951; Delacre, Lakens & Leys 2017).")


# --------------------------------------------------------------------------- helpers


def clean(value):
    """A JSON-friendly scalar: NaN/inf become None, numpy types become Python types."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return round(v, DECIMALS) if math.isfinite(v) else None
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: clean(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _label(text, language: str) -> str:
    return text.get(language) if text is not None else ""


def score(frame: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """Dimension scores per respondent (only dimensions whose items are all in the frame)."""
    dims = [d.code for d in instrument.dimensions
            if all(c in frame.columns for c in d.item_codes)]
    if not dims:
        return pd.DataFrame(index=frame.index)
    return scoring.score_dimensions(frame, instrument, dimensions=dims)


def _group_values(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column] if column in frame.columns else pd.Series(None, index=frame.index)
    values = values.astype(object).where(values.notna(), UNKNOWN)
    return values.map(lambda v: UNKNOWN if str(v).strip() == "" else str(v))


def _level(instrument: Instrument, dim_code: str, mean) -> int | None:
    dim = instrument.dimension(dim_code)
    if dim.scoring != "maturity" or mean is None or not math.isfinite(mean):
        return None
    return int(scoring.levels_for(np.array([mean]), dim)[0])


# --------------------------------------------------------------------------- group scores


def group_table(frame: pd.DataFrame, scores: pd.DataFrame, instrument: Instrument,
                by: str | None, min_group_size: int | None = None) -> pd.DataFrame:
    """Published scores per group (long: group, [parent,] dimension, n, mean, sd, se,
    ci_low, ci_high, suppressed, reason); the total has group :data:`TOTAL_LABEL`.

    ``by`` None: one overall row per dimension. ``"organisation"``: organisations nested in
    their type, protected together with the type totals (rows of type totals have
    ``group == parent`` and ``is_subtotal``). ``"type"``: derived from the same nested
    pattern when organisations are known, so both tables agree. Any other column: a
    one-way table with its total.
    """
    m = min_group_size or instrument.min_group_size
    cols = list(scores.columns)
    if not cols:
        return pd.DataFrame()
    if by is None:  # one row per dimension: only primary suppression applies
        total = scoring.group_summary(scores, columns=cols)
        total.insert(0, "group", TOTAL_LABEL)
        total["n"] = total["n"].fillna(0).astype(int)
        total["suppressed"] = (total["n"] > 0) & (total["n"] < m)
        total["reason"] = np.where(total["suppressed"], disclosure.PRIMARY, "")
        stat_cols = [c for c in disclosure.STAT_COLUMNS if c in total.columns]
        total[stat_cols] = total[stat_cols].astype(float)
        total.loc[total["suppressed"], stat_cols] = np.nan
        return total
    if by in ("organisation", "type") and {"organisation", "type"} <= set(frame.columns):
        return _nested(frame, scores, by, m)
    groups = pd.DataFrame({"g": _group_values(frame, by)}, index=frame.index)
    body = scoring.group_summary(scores, groups, by="g", columns=cols)
    total = scoring.group_summary(scores, columns=cols).assign(g=TOTAL)
    pub = _one_way(pd.concat([body, total], ignore_index=True), "g", m)
    pub["g"] = pub["g"].map(lambda g: TOTAL_LABEL if g == TOTAL else g)
    return pub.rename(columns={"g": "group"})


def _one_way(summary: pd.DataFrame, by: str, m: int) -> pd.DataFrame:
    summary = summary.copy()
    summary["n"] = summary["n"].fillna(0).astype(int)
    return disclosure.publishable_summary(summary, by=by, min_group_size=m)


def _nested(frame: pd.DataFrame, scores: pd.DataFrame, by: str, m: int) -> pd.DataFrame:
    cols = list(scores.columns)
    g = pd.DataFrame({"parent": _group_values(frame, "type"),
                      "child": _group_values(frame, "organisation")}, index=frame.index)
    child = scoring.group_summary(scores, g, by=["parent", "child"], columns=cols)
    parent = scoring.group_summary(scores, g, by="parent", columns=cols).assign(child=TOTAL)
    total = scoring.group_summary(scores, columns=cols).assign(parent=TOTAL, child=TOTAL)
    summary = pd.concat([child, parent, total], ignore_index=True)
    summary["n"] = summary["n"].fillna(0).astype(int)
    parts = []
    for dim, part in summary.groupby("dimension", sort=False):
        part = part.copy()
        body = part[(part.parent != TOTAL) & (part.child != TOTAL)]
        sup = disclosure.suppress_nested(body.set_index(["parent", "child"])["n"], m)
        flags = {(p, c): (h, r) for p, c, h, r in
                 zip(sup["parent"], sup["child"], sup["suppressed"], sup["reason"])}
        status = [flags.get((p, c), (False, "")) for p, c in zip(part.parent, part.child)]
        part["suppressed"] = [s[0] for s in status]
        part["reason"] = [s[1] for s in status]
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    stat_cols = [c for c in disclosure.STAT_COLUMNS if c in out.columns]
    out[stat_cols] = out[stat_cols].astype(float)
    out.loc[out["suppressed"], stat_cols] = np.nan
    out["is_subtotal"] = (out.child == TOTAL) & (out.parent != TOTAL)
    if by == "type":
        out = out[out.child == TOTAL].copy()
        out["group"] = out["parent"].map(lambda p: TOTAL_LABEL if p == TOTAL else p)
        return out.drop(columns=["child", "parent", "is_subtotal"])
    out["group"] = [TOTAL_LABEL if (p == TOTAL and c == TOTAL) else (p if c == TOTAL else c)
                    for p, c in zip(out.parent, out.child)]
    out["parent"] = out["parent"].map(lambda p: TOTAL_LABEL if p == TOTAL else p)
    return out.drop(columns=["child"])


def visible_groups(table: pd.DataFrame, dimension: str) -> list:
    """Groups (not totals) published with figures for ``dimension``."""
    part = table[(table.dimension == dimension) & (~table.suppressed)
                 & (table.group != TOTAL_LABEL)]
    if "is_subtotal" in part.columns:
        part = part[~part.is_subtotal]
    return sorted(part["group"].tolist(), key=str)


# --------------------------------------------------------------------------- reliability


def reliability(frame: pd.DataFrame, instrument: Instrument, dimension: str,
                min_group_size: int | None = None) -> dict:
    """Cronbach's alpha (Feldt CI) and McDonald's omega on complete cases of the dimension.

    Left out (``suppressed``) below ``min_group_size`` complete cases; not defined for a
    dimension of one item.
    """
    m = min_group_size or instrument.min_group_size
    dim = instrument.dimension(dimension)
    if len(dim.items) < 2:
        return {"applicable": False, "note": "one item: reliability is not defined"}
    matrix = scoring.item_matrix(frame, instrument, dim)
    complete = int((~np.isnan(matrix).any(axis=1)).sum())
    if complete < m:
        return {"applicable": True, "suppressed": True, "n": None, "k": len(dim.items),
                "reason": "primary", "cronbach_alpha": None, "mcdonald_omega": None}
    a = statistics.cronbach_alpha(matrix)
    o = statistics.mcdonald_omega(matrix)
    return {"applicable": True, "suppressed": False, "n": a.n, "k": a.k,
            "cronbach_alpha": {"estimate": clean(a.estimate), "ci_low": clean(a.ci_low),
                               "ci_high": clean(a.ci_high), "method": "Cronbach 1951; "
                               "CI Feldt, Woodruff & Salih 1987"},
            "mcdonald_omega": {"estimate": clean(o.estimate), "heywood": o.heywood,
                               "method": "omega total, one-factor minres (McDonald 1999)"}}


# --------------------------------------------------------------------------- comparisons


def compare(values: pd.Series, groups: pd.Series, visible: Sequence, ci: float = 0.95,
            pairwise: bool = True) -> dict | None:
    """Compare the visible groups on one score: Welch's t (2 groups) or Welch's ANOVA with
    Games-Howell (3 or more), with effect sizes and CIs, ICC(1) and the spread per group."""
    keep = groups.isin(list(visible)) & values.notna()
    v, g = values[keep].to_numpy(dtype=float), groups[keep].to_numpy()
    labels = sorted(set(g.tolist()), key=str)
    if len(labels) < 2:
        return None
    out: dict = {"groups": labels, "n": int(len(v)), "why": WELCH_WHY}
    if len(labels) == 2:
        a, b = labels
        r = statistics.welch_t_test(v[g == a], v[g == b], ci)
        out.update({
            "test": "welch_t", "test_label": "Welch's t-test",
            "statistic_name": "t", "statistic": clean(r.t), "df": clean(r.df),
            "df1": None, "df2": clean(r.df), "p": clean(r.p),
            "difference": {"A": a, "B": b, "diff": clean(r.diff), "ci_low": clean(r.ci_low),
                           "ci_high": clean(r.ci_high)},
            "effect_sizes": {"hedges_g": clean(r.effect_size),
                             "hedges_g_ci_low": clean(r.effect_ci_low),
                             "hedges_g_ci_high": clean(r.effect_ci_high)},
            "pairwise": [],
        })
    else:
        r = statistics.welch_anova(v, g)
        out.update({
            "test": "welch_anova", "test_label": "Welch's ANOVA with Games-Howell",
            "statistic_name": "F", "statistic": clean(r.f), "df": None, "df1": clean(r.df1),
            "df2": clean(r.df2), "p": clean(r.p),
            "effect_sizes": {"eta_squared": clean(r.eta_squared),
                             "omega_squared": clean(r.omega_squared)},
            "pairwise": (_records(statistics.games_howell(v, g, ci))
                         if pairwise and len(labels) <= MAX_PAIRWISE_GROUPS else []),
            "pairwise_left_out": len(labels) > MAX_PAIRWISE_GROUPS,
        })
    try:
        icc = statistics.icc1(v, g, ci)
        out["icc1"] = {"icc1": clean(icc.icc1), "ci_low": clean(icc.ci_low),
                       "ci_high": clean(icc.ci_high), "sd_between": clean(icc.sd_between),
                       "sd_within": clean(icc.sd_within)}
    except ValueError:
        out["icc1"] = None
    spread = statistics.group_spread(v, g)
    out["spread"] = _records(spread[["group", "n", "mean", "sd", "q1", "median", "q3", "iqr"]])
    return out


def analyse(frame: pd.DataFrame, instrument: Instrument, by: str | None = None,
            min_group_size: int | None = None, language: str = "nl",
            pairwise: bool | Sequence[str] = True) -> dict:
    """Every scale's published scores per group, its reliability and the comparison between
    the visible groups. The structure is the JSON of ``staat instruments score``.

    ``pairwise``: Games-Howell pairs for every scale (True), none (False) or the listed
    dimension codes (the web page computes them for the scale on screen)."""
    m = min_group_size or instrument.min_group_size
    scores = score(frame, instrument)
    table = group_table(frame, scores, instrument, by, m)
    groups = (_group_values(frame, "organisation" if by == "organisation" else by)
              if by else None)
    scales = []
    for code in scores.columns:
        dim = instrument.dimension(code)
        rows = table[table.dimension == code].drop(columns=["dimension"])
        recs = _records(rows)
        for rec in recs:
            rec["level"] = _level(instrument, code, rec.get("mean"))
        comparison = None
        if by is not None:
            wanted = pairwise if isinstance(pairwise, bool) else code in pairwise
            comparison = compare(scores[code], groups, visible_groups(table, code),
                                 pairwise=wanted)
        scales.append({
            "code": code, "label": _label(dim.label, language), "scoring": dim.scoring,
            "n_items": len(dim.items), "reliability": reliability(frame, instrument, code, m),
            "groups": recs, "comparison": comparison,
        })
    return {
        "instrument": {"code": instrument.code, "version": instrument.version,
                       "title": _label(instrument.title, language)},
        "n_respondents": int(len(frame)), "min_group_size": m, "group_by": by,
        "suppression": ("Groups with fewer than {m} respondents are not shown, and other "
                        "groups are hidden where a hidden group could otherwise be computed "
                        "from the totals (complementary suppression).").format(m=m),
        "scales": scales,
    }


# --------------------------------------------------------------------------- change, org, subgroups


def wave_change(before: pd.DataFrame, after: pd.DataFrame, instrument: Instrument,
                min_group_size: int | None = None, language: str = "nl") -> list[dict]:
    """Per dimension: mean in each wave and the change (after - before), Welch's t-test for
    independent samples with Hedges' g. Left out when a wave has fewer than the minimum."""
    m = min_group_size or instrument.min_group_size
    s0, s1 = score(before, instrument), score(after, instrument)
    out = []
    for code in [c for c in s0.columns if c in s1.columns]:
        x0, x1 = s0[code].dropna(), s1[code].dropna()
        row = {"dimension": code, "label": _label(instrument.dimension(code).label, language)}
        if len(x0) < m or len(x1) < m:
            row.update({"suppressed": True, "reason": "primary"})
        else:
            r = statistics.wave_change(x0.to_numpy(), x1.to_numpy())
            row.update({"suppressed": False, "reason": "", "n_before": r.n2, "n_after": r.n1,
                        "mean_before": clean(r.mean2), "mean_after": clean(r.mean1),
                        "diff": clean(r.diff), "ci_low": clean(r.ci_low),
                        "ci_high": clean(r.ci_high), "t": clean(r.t), "df": clean(r.df),
                        "p": clean(r.p), "hedges_g": clean(r.effect_size),
                        "test": "welch_t"})
        out.append(row)
    return out


def organisation_vs_type(frame: pd.DataFrame, instrument: Instrument, organisation: str,
                         min_group_size: int | None = None, language: str = "nl") -> dict:
    """One organisation against the other organisations of its type (Welch's t, Hedges' g,
    Glass's delta), per dimension, only where the organisation *and* its type total are
    published in the nested table (so "the rest" follows from published figures anyway)."""
    m = min_group_size or instrument.min_group_size
    scores = score(frame, instrument)
    table = group_table(frame, scores, instrument, "organisation", m)
    orgs = _group_values(frame, "organisation")
    types = _group_values(frame, "type")
    mine = orgs == organisation
    if not mine.any():
        raise KeyError(organisation)
    org_type = types[mine].iloc[0]
    rows = []
    for code in scores.columns:
        part = table[table.dimension == code]
        org_row = part[(part.group == organisation) & (part.parent == org_type)]
        type_row = part[(part.group == org_type) & part.is_subtotal]
        label = _label(instrument.dimension(code).label, language)
        rest = scores[code][(types == org_type) & ~mine].dropna()
        own = scores[code][mine].dropna()
        if (org_row.empty or type_row.empty or bool(org_row.suppressed.iloc[0])
                or bool(type_row.suppressed.iloc[0]) or len(rest) < m):
            rows.append({"dimension": code, "label": label, "suppressed": True,
                         "reason": "complementary" if len(own) >= m else "primary"})
            continue
        r = statistics.organisation_vs_type(own.to_numpy(), rest.to_numpy())
        rows.append({"dimension": code, "label": label, "suppressed": False, "reason": "",
                     "n_organisation": r.n1, "n_rest": r.n2, "mean_organisation": clean(r.mean1),
                     "mean_rest": clean(r.mean2), "diff": clean(r.diff),
                     "ci_low": clean(r.ci_low), "ci_high": clean(r.ci_high), "p": clean(r.p),
                     "hedges_g": clean(r.effect_size), "glass_delta": clean(r.glass_delta),
                     "test": "welch_t"})
    return {"organisation": organisation, "type": org_type, "rows": rows}


def lowest_subgroups(frame: pd.DataFrame, instrument: Instrument, dimension: str,
                     attributes: Sequence[str] | None = None,
                     min_group_size: int | None = None, top: int = 8,
                     language: str = "nl") -> list[dict]:
    """The subgroups (categories of attributes) with the lowest mean on ``dimension``, each
    against the rest (Welch's t, Holm-adjusted p). Per attribute the categories pass
    one-way suppression with their total first: only categories that would be published
    in that attribute's table are compared."""
    m = min_group_size or instrument.min_group_size
    scores = score(frame, instrument)
    if dimension not in scores.columns:
        raise KeyError(dimension)
    values = scores[dimension]
    codes = [a.code for a in instrument.attributes if a.type == "category"]
    codes = [c for c in (attributes or codes) if c in frame.columns]
    visible = {}
    for code in codes:
        col = frame[code].where(values.notna())
        counts = col.dropna().astype(str).value_counts()
        if counts.empty:
            continue
        sup = disclosure.suppress_one_way(counts, m)
        shown = sup[(~sup.suppressed) & (sup.group != TOTAL)]["group"].tolist()
        if sup.loc[sup.group == TOTAL, "suppressed"].any():
            shown = []
        visible[code] = frame[code].astype(object).where(
            frame[code].astype(str).isin(shown), None)
    if not visible:
        return []
    attrs = pd.DataFrame(visible, index=frame.index)
    res = statistics.lowest_subgroups(values.to_numpy(), attrs, m, top=None)
    if res.empty:
        return []
    res = res[res.rest_n >= m].head(top)
    labels = {a.code: a for a in instrument.attributes}
    out = []
    for rec in _records(res):
        at = labels.get(rec["attribute"])
        rec["attribute_label"] = _label(at.label, language) if at else rec["attribute"]
        opt = next((o for o in (at.options if at else ()) if str(o.value) == str(rec["category"])),
                   None)
        rec["category_label"] = opt.label.get(language) if opt else str(rec["category"])
        out.append(rec)
    return out


def correlations(x: pd.DataFrame, y: pd.DataFrame, min_group_size: int = 10,
                 method: str = "pearson") -> list[dict]:
    """Correlations of every column of ``x`` (management practices) with every column of
    ``y`` (outcome scales), pairwise complete, Fisher-z CI; left out below the minimum n."""
    res = statistics.correlation_table(x, y, method)
    out = []
    for rec in _records(res):
        if (rec.get("n") or 0) < min_group_size:
            rec.update({"r": None, "ci_low": None, "ci_high": None, "p": None, "n": None,
                        "suppressed": True, "reason": "primary"})
        else:
            rec.update({"suppressed": False, "reason": ""})
        out.append(rec)
    return out


def assessments(frame: pd.DataFrame, instrument: Instrument, language: str = "nl") -> dict:
    """Combined scores per case and criterion and Krippendorff's alpha (ordinal) per
    criterion, for a rubric instrument whose attributes include ``case`` and ``assessor``.
    Internal (researchers): individual assessments are not published."""
    criteria = [i.code for i in instrument.items]
    present = [c for c in criteria if c in frame.columns]
    if not {"case", "assessor"} <= set(frame.columns) or not present:
        return {"combined": [], "agreement": []}
    long = frame[["case", "assessor", *present]].melt(
        id_vars=["case", "assessor"], var_name="criterion", value_name="score")
    long["score"] = pd.to_numeric(long["score"], errors="coerce")
    long = long.dropna(subset=["case", "assessor", "score"])
    if long.empty:
        return {"combined": [], "agreement": []}
    domain = instrument.scale_of(present[0]).scored_values
    labels = {i.code: _label(instrument.dimension(d.code).label, language)
              for d in instrument.dimensions for i in d.items}
    combined = _records(agreement.combine_assessments(long))
    agree = _records(agreement.assessment_agreement(long, value_domain=domain))
    for rec in [*combined, *agree]:
        rec["criterion_label"] = labels.get(rec["criterion"], rec["criterion"])
    return {"combined": combined, "agreement": agree}

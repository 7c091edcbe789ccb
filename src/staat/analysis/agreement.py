# SPDX-License-Identifier: EUPL-1.2
"""Agreement between assessors: Krippendorff's alpha, and combining several assessments.

A success story (a *case*) is judged on four criteria with a 1–5 rubric by several assessors.
:func:`combine_assessments` gives the combined score per case and criterion (median by
default, the mean beside it) with the spread between assessors;
:func:`assessment_agreement` gives Krippendorff's alpha per criterion and overall.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = ("nominal", "ordinal", "interval", "ratio")


@dataclass(frozen=True, slots=True)
class AlphaResult:
    level: str
    alpha: float
    n_units: int  # units with at least two values (pairable)
    n_values: int  # pairable values
    observed_disagreement: float
    expected_disagreement: float


def _delta2(values: np.ndarray, marginals: np.ndarray, level: str) -> np.ndarray:
    """Squared difference function δ²(c, k) of Krippendorff (2011)."""
    c = values[:, None]
    k = values[None, :]
    if level == "nominal":
        return (c != k).astype(float)
    if level == "interval":
        return (c - k) ** 2
    if level == "ratio":
        with np.errstate(invalid="ignore", divide="ignore"):
            d = ((c - k) / (c + k)) ** 2
        return np.nan_to_num(d)
    if level == "ordinal":
        cum = np.concatenate([[0.0], np.cumsum(marginals)])
        i = np.arange(len(values))
        lo, hi = np.minimum(i[:, None], i[None, :]), np.maximum(i[:, None], i[None, :])
        # Σ_{g=c..k} n_g − (n_c + n_k)/2
        between = cum[hi + 1] - cum[lo] - (marginals[:, None] + marginals[None, :]) / 2
        return between**2
    raise ValueError(f"level must be one of {LEVELS}")


def krippendorff_alpha(reliability_data, level: str = "ordinal",
                       value_domain: Sequence | None = None) -> AlphaResult:
    """Krippendorff's alpha for any number of coders, missing values and four metrics.

    ``reliability_data`` is a coders × units matrix (rows: assessors; columns: units such
    as cases or case × criterion); NaN (or None) where a coder gave no value. Units with
    fewer than two values are not pairable and are left out. From the coincidence matrix
    o_ck = Σᵤ (number of c-k pairs in unit u) / (mᵤ - 1) with marginals n_c and n = Σ n_c:
    alpha = 1 - D_o / D_e, D_o = Σ o_ck δ²_ck / n, D_e = Σ n_c n_k δ²_ck / (n (n - 1)), with
    δ² nominal (0/1), ordinal ((Σ_{g=c}^{k} n_g - (n_c + n_k)/2)²), interval ((c - k)²) or
    ratio (((c - k)/(c + k))²). For the ordinal metric the values are ranked in numeric
    order; values in ``value_domain`` that never occur do not change the result.

    Reference: Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability.
    Annenberg School for Communication, University of Pennsylvania (departmental paper 43);
    Krippendorff, K. (2019). *Content analysis*, 4th ed., ch. 12. Tested against the
    ``krippendorff`` package and the worked example of Krippendorff (2011) (4 observers,
    12 units: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797).
    """
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}")
    data = pd.DataFrame(reliability_data).T  # units × coders
    values = np.array([v for v in data.to_numpy(dtype=object).ravel()
                       if v is not None and not (isinstance(v, float) and math.isnan(v))],
                      dtype=object)
    if level == "nominal":
        domain = sorted(set(values.tolist()) | set(value_domain or ()),
                        key=lambda v: (str(type(v)), v))
    else:
        domain = sorted(set(float(v) for v in values) | {float(v) for v in value_domain or ()})
    index = {v: i for i, v in enumerate(domain)}
    c = len(domain)
    # counts per unit and value
    counts = np.zeros((data.shape[0], c))
    arr = data.to_numpy(dtype=object)
    for u in range(arr.shape[0]):
        for v in arr[u]:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            counts[u, index[v if level == "nominal" else float(v)]] += 1
    m = counts.sum(axis=1)
    pairable = m >= 2
    counts, m = counts[pairable], m[pairable]
    if counts.size == 0:
        return AlphaResult(level, math.nan, 0, 0, math.nan, math.nan)
    weighted = counts / (m - 1)[:, None]
    o = counts.T @ weighted - np.diag(weighted.sum(axis=0))
    nc = o.sum(axis=1)
    n = nc.sum()
    vals = np.arange(c, dtype=float) if level == "nominal" else np.asarray(domain, dtype=float)
    d2 = _delta2(vals, nc, level)
    d_o = (o * d2).sum() / n
    d_e = (np.outer(nc, nc) * d2).sum() / (n * (n - 1))
    alpha = 1 - d_o / d_e if d_e > 0 else math.nan
    return AlphaResult(level, float(alpha), int(pairable.sum()), int(n), float(d_o), float(d_e))


def _wide(frame: pd.DataFrame, unit: Sequence[str], assessor: str, score: str) -> pd.DataFrame:
    dup = frame.duplicated([*unit, assessor])
    if dup.any():
        raise ValueError(f"{int(dup.sum())} duplicate assessment(s) of the same unit by the "
                         "same assessor")
    return frame.pivot_table(index=assessor, columns=list(unit), values=score, aggfunc="first")


def combine_assessments(frame: pd.DataFrame, case: str = "case", assessor: str = "assessor",
                        criterion: str = "criterion", score: str = "score",
                        method: str = "median", disagreement_range: float = 2) -> pd.DataFrame:
    """Combine the scores of several assessors per case and criterion.

    ``frame`` is long: one row per case, assessor and criterion with a numeric ``score``.
    Returns per case and criterion: n_assessors, combined (the median by default; ``method``
    "mean" for the mean), median, mean, min, max, range and ``disagreement`` (range ≥
    ``disagreement_range``, default 2 rubric points: a case to discuss). The median is the
    default because the rubric is ordinal and one deviating assessor should not move it.
    """
    if method not in ("median", "mean"):
        raise ValueError("method must be 'median' or 'mean'")
    g = frame.dropna(subset=[score]).groupby([case, criterion], sort=True)[score]
    out = g.agg(n_assessors="count", median="median", mean="mean", min="min", max="max")
    out["range"] = out["max"] - out["min"]
    out["combined"] = out[method]
    out["disagreement"] = out["range"] >= disagreement_range
    cols = ["n_assessors", "combined", "median", "mean", "min", "max", "range", "disagreement"]
    return out[cols].reset_index()


def assessment_agreement(frame: pd.DataFrame, case: str = "case", assessor: str = "assessor",
                         criterion: str = "criterion", score: str = "score",
                         level: str = "ordinal",
                         value_domain: Sequence | None = (1, 2, 3, 4, 5)) -> pd.DataFrame:
    """Krippendorff's alpha per criterion and overall.

    Per criterion the units are the cases. Overall, every case × criterion is a unit (the
    agreement on all scores given), which is how one alpha for a multi-criterion rubric is
    usually reported. Columns: criterion ("(overall)" for the last row), alpha, n_units,
    n_values, level.
    """
    rows = []
    for crit, part in frame.dropna(subset=[score]).groupby(criterion, sort=True):
        res = krippendorff_alpha(_wide(part, [case], assessor, score), level, value_domain)
        rows.append({"criterion": crit, "alpha": res.alpha, "n_units": res.n_units,
                     "n_values": res.n_values, "level": level})
    res = krippendorff_alpha(_wide(frame.dropna(subset=[score]), [case, criterion], assessor,
                                   score), level, value_domain)
    rows.append({"criterion": "(overall)", "alpha": res.alpha, "n_units": res.n_units,
                 "n_values": res.n_values, "level": level})
    return pd.DataFrame(rows)


def missing_justifications(frame: pd.DataFrame, required_criteria: Sequence[str],
                           criterion: str = "criterion",
                           justification: str = "justification") -> pd.DataFrame:
    """Rows whose criterion requires a justification but whose justification is empty."""
    text = frame[justification].fillna("").astype(str).str.strip()
    return frame[frame[criterion].isin(list(required_criteria)) & (text == "")]


__all__ = ["AlphaResult", "assessment_agreement", "combine_assessments", "krippendorff_alpha",
           "missing_justifications"]

# SPDX-License-Identifier: EUPL-1.2
"""Scoring responses on an instrument's dimensions, vectorised with numpy and pandas.

Input is a frame with one row per respondent and one column per item code, holding the
answer *values* of the item's response scale (numbers, or texts for nominal scales; NaN or
None for no answer). Output is a frame of dimension scores with the same index.

Rules (also in ``docs/statistics.md``):

* **Answers that count as missing.** Options marked ``missing: true`` ("weet niet",
  "niet van toepassing") are valid answers but carry no score; they are treated as no answer.
* **Reverse coding.** A reverse item on an ordinal scale from ``low`` to ``high`` is scored
  ``low + high - answer`` (on likert 1..5: 1↔5, 2↔4).
* **Mapping.** In a ``mapped_mean`` dimension every answer is replaced by its mapped value
  in 0..1 (the US Census Management and Organizational Practices Survey scores each answer
  from 0, least structured, to 1, most structured, and averages per dimension).
* **Missing answers.** A respondent gets a score on a dimension only when they answered at
  least the dimension's required number of items: by default half of the items, rounded up
  (3 of 5, 3 of 6); a definition may set ``min_answered``. The score is the mean of the
  answered items (``mean``, ``mapped_mean``, ``maturity``). A ``sum`` score is prorated:
  the mean of the answered items times the number of items, so a missing answer does not
  lower the sum.
* **Maturity.** The level is the highest level whose threshold (``min``) the dimension
  mean reaches.
* **Unknown values** (not on the item's scale) raise :class:`ValueError`: validate first
  (:mod:`staat.analysis.microdata`), scoring never guesses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .instrument_schema import Dimension, Instrument, ResponseScale

SUMMARY_COLUMNS = ("n", "mean", "sd", "se", "ci_low", "ci_high")


def reverse_code(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Reverse-code answers on a scale from ``low`` to ``high``: ``low + high - value``."""
    return low + high - np.asarray(values, dtype=float)


def _numeric_column(values: pd.Series | np.ndarray) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "fiub":
        return arr.astype(float, copy=False)
    return pd.to_numeric(pd.Series(arr), errors="coerce").to_numpy(dtype=float)


def _check_values(arr: np.ndarray, scale: ResponseScale, codes: Sequence[str], raw=None) -> None:
    allowed = np.asarray(scale.values, dtype=float)
    bad = ~np.isnan(arr) & ~np.isin(arr, allowed)
    if raw is not None:  # a text that did not parse as a number is also bad
        bad |= np.isnan(arr) & raw
    if bad.any():
        rows, cols = np.nonzero(bad.reshape(arr.shape[0], -1))
        examples = sorted({codes[c] for c in cols})[:5]
        raise ValueError(f"{int(bad.sum())} answer(s) not on scale '{scale.code}' in column(s) "
                         f"{examples}; first at row {int(rows[0])}. Validate the data first.")


def item_matrix(data: pd.DataFrame, instrument: Instrument, dimension: Dimension | str,
                check: bool = True) -> np.ndarray:
    """The n × k float matrix of a dimension's items, ready to average.

    Answers that count as missing become NaN, reverse items are reverse-coded and
    ``mapped_mean`` items are mapped to 0..1. With ``check`` (default) a value that is not on
    the item's scale raises ``ValueError``.
    """
    dim = instrument.dimension(dimension) if isinstance(dimension, str) else dimension
    codes = list(dim.item_codes)
    absent = [c for c in codes if c not in data.columns]
    if absent:
        raise KeyError(f"dimension '{dim.code}': item column(s) missing from the data: {absent}")
    if dim.scoring == "mapped_mean":
        return np.column_stack([_mapped_column(data[it.code], instrument.scales[it.scale],
                                               it.mapping, it.code, check)
                                for it in dim.items])
    scale = instrument.scales[dim.items[0].scale]
    block = data[codes]
    if all(block.dtypes.map(lambda t: t.kind in "fiub")):
        arr = block.to_numpy(dtype=float, copy=True)
        raw_bad = None
    else:
        arr = np.column_stack([_numeric_column(block[c]) for c in codes])
        raw_bad = np.column_stack([block[c].notna().to_numpy() & ~block[c].astype(str).str.strip()
                                   .eq("").to_numpy() for c in codes])
    if check:
        _check_values(arr, scale, codes, raw_bad)
    if scale.missing_values:
        arr[np.isin(arr, np.asarray(scale.missing_values, dtype=float))] = np.nan
    rev = np.array([it.reverse for it in dim.items])
    if rev.any():
        arr[:, rev] = scale.low + scale.high - arr[:, rev]
    return arr


def _mapped_column(col: pd.Series, scale: ResponseScale, mapping, code: str,
                   check: bool) -> np.ndarray:
    if scale.numeric:
        arr = _numeric_column(col)
        keys = np.asarray(sorted(mapping), dtype=float)
        vals = np.asarray([mapping[k] for k in sorted(mapping)], dtype=float)
        if check:
            _check_values(arr[:, None], scale, [code])
        pos = np.clip(np.searchsorted(keys, arr), 0, len(keys) - 1)
        hit = keys[pos] == arr
        return np.where(hit, vals[pos], np.nan)
    lookup = {str(k).lower(): v for k, v in mapping.items()}
    allowed = {str(v).lower() for v in scale.values}
    s = col.astype("string").str.strip().str.lower()
    if check:
        bad = s.notna() & (s != "") & ~s.isin(list(allowed))
        if bad.any():
            raise ValueError(f"{int(bad.sum())} answer(s) not on scale '{scale.code}' in column "
                             f"'{code}'. Validate the data first.")
    return s.map(lookup).astype(float).to_numpy()


def row_scores(matrix: np.ndarray, required: int, method: str = "mean") -> tuple[np.ndarray,
                                                                                  np.ndarray]:
    """Scores per row of an item matrix and the number of answered items per row.

    ``method`` ``mean`` averages the answered items; ``sum`` prorates (mean × k). Rows with
    fewer than ``required`` answered items get NaN.
    """
    valid = ~np.isnan(matrix)
    answered = valid.sum(axis=1)
    total = np.where(valid, matrix, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / answered
    mean[answered < max(1, required)] = np.nan
    if method == "sum":
        mean = mean * matrix.shape[1]
    return mean, answered


def score_dimensions(data: pd.DataFrame, instrument: Instrument,
                     dimensions: Sequence[str] | None = None, check: bool = True,
                     with_counts: bool = False) -> pd.DataFrame:
    """Dimension scores per respondent (columns: dimension codes; same index as ``data``).

    With ``with_counts`` a column ``<code>__answered`` per dimension gives how many of its
    items each respondent answered.
    """
    out: dict[str, np.ndarray] = {}
    for dim in instrument.dimensions:
        if dimensions is not None and dim.code not in dimensions:
            continue
        matrix = item_matrix(data, instrument, dim, check=check)
        method = "sum" if dim.scoring == "sum" else "mean"
        score, answered = row_scores(matrix, dim.required_answers(), method)
        out[dim.code] = score
        if with_counts:
            out[f"{dim.code}__answered"] = answered
    return pd.DataFrame(out, index=data.index)


def maturity_levels(scores: pd.DataFrame, instrument: Instrument) -> pd.DataFrame:
    """The maturity level (1, 2, ...) per respondent for every ``maturity`` dimension.

    Works on individual scores and equally on group means (a frame of means per group).
    """
    out = {}
    for dim in instrument.dimensions:
        if dim.scoring != "maturity" or dim.code not in scores.columns:
            continue
        out[dim.code] = levels_for(scores[dim.code].to_numpy(dtype=float), dim)
    return pd.DataFrame(out, index=scores.index)


def levels_for(values: np.ndarray, dimension: Dimension) -> pd.array:
    """Level numbers for mean scores on a maturity dimension (``<NA>`` where no score)."""
    thresholds = np.array([lv.min for lv in dimension.levels])
    values = np.asarray(values, dtype=float)
    idx = np.searchsorted(thresholds, values, side="right")  # number of thresholds reached
    idx = np.maximum(idx, 1)  # scores below the first threshold count as level 1
    return pd.array(np.where(np.isnan(values), pd.NA, idx), dtype="Int64")


def summary_from_moments(n, mean, sd, ci: float = 0.95) -> pd.DataFrame:
    """n, mean, sd, se and a t-based confidence interval for the mean, vectorised."""
    n = np.asarray(n, dtype=float)
    mean = np.asarray(mean, dtype=float)
    sd = np.asarray(sd, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = sd / np.sqrt(n)
        tcrit = stats.t.ppf(0.5 + ci / 2, np.where(n > 1, n - 1, np.nan))
    half = tcrit * se
    return pd.DataFrame({"n": n.astype(int), "mean": mean, "sd": sd, "se": se,
                         "ci_low": mean - half, "ci_high": mean + half})


def group_summary(scores: pd.DataFrame, groups: pd.DataFrame | pd.Series | None = None,
                  by: str | Sequence[str] | None = None, columns: Sequence[str] | None = None,
                  ci: float = 0.95) -> pd.DataFrame:
    """Group aggregates of scores: one row per group and dimension.

    Columns: the group column(s), ``dimension``, ``n`` (respondents with a score), ``mean``,
    ``sd`` (n - 1), ``se`` and the t-based ``ci_low``/``ci_high`` (``ci`` level). ``groups``
    holds the grouping columns (organisation, type, sector, wave or any attribute) aligned on
    the index of ``scores``; with ``by=None`` the result is one overall row per dimension.
    Rows with a missing group value are left out. Apply :mod:`staat.analysis.disclosure`
    before publishing.
    """
    columns = list(columns or scores.columns)
    if by is None:
        n = scores[columns].count().to_numpy()
        res = summary_from_moments(n, scores[columns].mean().to_numpy(),
                                   scores[columns].std(ddof=1).to_numpy(), ci)
        res.insert(0, "dimension", columns)
        return res
    by = [by] if isinstance(by, str) else list(by)
    if groups is None:
        groups = scores
    if isinstance(groups, pd.Series):
        groups = groups.to_frame()
    frame = scores[columns].copy()
    for b in by:
        frame[b] = groups[b].to_numpy() if len(groups) == len(frame) else groups[b]
    g = frame.groupby(by, observed=True, sort=True, dropna=True)
    count, mean, sd = g.count(), g.mean(), g.std(ddof=1)
    long = pd.concat({"n": count.stack(), "mean": mean.stack(), "sd": sd.stack()}, axis=1)
    long.index = long.index.set_names([*by, "dimension"])
    long = long.reset_index()
    order = {c: i for i, c in enumerate(columns)}
    long = long.sort_values([*by, "dimension"], kind="stable",
                            key=lambda s: s.map(order) if s.name == "dimension" else s)
    long = long.reset_index(drop=True)
    res = summary_from_moments(long["n"], long["mean"], long["sd"], ci)
    return pd.concat([long[[*by, "dimension"]], res], axis=1)

__all__ = [
    "group_summary", "item_matrix", "levels_for", "maturity_levels", "reverse_code",
    "row_scores", "score_dimensions", "summary_from_moments",
]

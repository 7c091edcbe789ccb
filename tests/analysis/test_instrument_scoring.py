# SPDX-License-Identifier: EUPL-1.2
"""Scoring: reverse coding, missing answers, mapping, maturity levels, group aggregates."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from staat.analysis.instrument_schema import load_shipped, parse_instrument
from staat.analysis.scoring import (
    group_summary,
    item_matrix,
    maturity_levels,
    reverse_code,
    score_dimensions,
)

DEF = """\
format: staat-instrument/1
code: t
version: 1
title: T
response_scales:
  l5:
    options:
      - {value: 1, label: a}
      - {value: 2, label: b}
      - {value: 3, label: c}
      - {value: 4, label: d}
      - {value: 5, label: e}
      - {value: 9, label: weet niet, missing: true}
  mc:
    type: nominal
    options:
      - {value: x, label: X}
      - {value: y, label: Y}
      - {value: z, label: Z}
dimensions:
  - code: m
    label: M
    scoring: maturity
    levels:
      - {level: 1, min: 1, label: L1, description: d1}
      - {level: 2, min: 2.5, label: L2, description: d2}
      - {level: 3, min: 4, label: L3, description: d3}
    items:
      - {code: q1, text: q1, scale: l5}
      - {code: q2, text: q2, scale: l5, reverse: true}
      - {code: q3, text: q3, scale: l5}
      - {code: q4, text: q4, scale: l5}
  - code: s
    label: S
    scoring: sum
    items:
      - {code: s1, text: s1, scale: l5}
      - {code: s2, text: s2, scale: l5}
  - code: mm
    label: MM
    scoring: mapped_mean
    items:
      - {code: c1, text: c1, scale: mc, mapping: {x: 0, y: 0.5, z: 1}}
      - {code: c2, text: c2, scale: l5, mapping: {1: 0, 2: 0.25, 3: 0.5, 4: 0.75, 5: 1}}
"""


@pytest.fixture
def inst():
    return parse_instrument(DEF)


def test_reverse_code():
    assert reverse_code(np.array([1, 2, 5]), 1, 5).tolist() == [5, 4, 1]
    assert reverse_code(np.array([1, 10]), 1, 10).tolist() == [10, 1]


def test_scores_by_hand(inst):
    nan = np.nan
    df = pd.DataFrame({
        "q1": [5, 5, 1, nan, 9], "q2": [1, 9, 5, nan, 9], "q3": [5, nan, 1, 3, 9],
        "q4": [5, 5, 1, nan, 2],
        "s1": [1, 5, nan, 2, 3], "s2": [1, 3, nan, nan, 3],
        "c1": ["x", "Z", None, "y", "z"], "c2": [5, 1, nan, nan, 3],
    })
    sc = score_dimensions(df, inst, with_counts=True)
    # row 0: 5, (6-1)=5, 5, 5 -> 5; row 1: q1 and q4 answered (9 = weet niet), 2 of 4
    assert sc["m"].tolist()[:3] == [5.0, 5.0, 1.0]
    assert np.isnan(sc["m"][3])  # 1 of 4 answered < ceil(4/2) = 2
    assert np.isnan(sc["m"][4])  # "weet niet" counts as missing: 1 answered
    assert sc["m__answered"].tolist() == [4, 2, 4, 1, 1]
    # sum is prorated: mean of answered × k
    assert sc["s"].tolist()[:2] == [2.0, 8.0]
    assert np.isnan(sc["s"][2]) and sc["s"][3] == 4.0
    # mapped mean: x=0 & 5->1 => .5 ; Z=1 & 1->0 => .5; y=.5 alone (1 of 2 ≥ ceil(2/2)=1)
    assert sc["mm"].tolist()[0:2] == [0.5, 0.5]
    assert np.isnan(sc["mm"][2]) and sc["mm"][3] == 0.5 and sc["mm"][4] == 0.75
    lv = maturity_levels(sc, inst)
    assert lv["m"].tolist()[:3] == [3, 3, 1] and lv["m"].isna().tolist()[3:] == [True, True]


def test_levels_thresholds(inst):
    dim = inst.dimension("m")
    from staat.analysis.scoring import levels_for
    vals = np.array([1.0, 2.49, 2.5, 3.99, 4.0, 5.0, np.nan, 0.5])
    assert levels_for(vals, dim).tolist() == [1, 1, 2, 2, 3, 3, pd.NA, 1]


def test_unknown_values_raise(inst):
    df = pd.DataFrame({c: [1.0] for c in inst.item_codes})
    df["c1"] = ["x"]
    df.loc[0, "q3"] = 7
    with pytest.raises(ValueError, match="not on scale 'l5'"):
        score_dimensions(df, inst)
    df.loc[0, "q3"] = 3
    df["c1"] = ["w"]
    with pytest.raises(ValueError, match="not on scale 'mc'"):
        score_dimensions(df, inst)


def test_item_matrix_reverse_and_missing(inst):
    df = pd.DataFrame({"q1": [1, 9], "q2": [2, 5], "q3": [3, 3], "q4": [4, 4]})
    m = item_matrix(df, inst, "m")
    assert np.isnan(m[1, 0]) and m[0].tolist() == [1, 4, 3, 4] and m[1, 1] == 1


def test_group_summary_matches_scipy():
    rng = np.random.default_rng(7)
    scores = pd.DataFrame({"a": rng.normal(3, 1, 500), "b": rng.normal(2, 0.5, 500)})
    scores.loc[::7, "b"] = np.nan
    groups = pd.DataFrame({"type": rng.choice(["zbo", "agentschap", "dienst"], 500),
                           "wave": rng.choice([2024, 2025], 500)})
    out = group_summary(scores, groups, by=["type", "wave"])
    assert len(out) == 3 * 2 * 2
    row = out[(out.type == "dienst") & (out.wave == 2025) & (out.dimension == "b")].iloc[0]
    sel = scores["b"][(groups.type == "dienst") & (groups.wave == 2025)].dropna()
    assert row.n == len(sel)
    assert row["mean"] == pytest.approx(sel.mean())
    assert row.sd == pytest.approx(sel.std(ddof=1))
    lo, hi = stats.t.interval(0.95, len(sel) - 1, loc=sel.mean(), scale=stats.sem(sel))
    assert (row.ci_low, row.ci_high) == pytest.approx((lo, hi))
    overall = group_summary(scores)
    assert overall.n.tolist() == [500, scores.b.count()]


def test_shipped_culture_scores_random_data():
    inst = load_shipped()["culture"]
    rng = np.random.default_rng(1)
    df = pd.DataFrame({c: rng.integers(1, 6, 200).astype(float) for c in inst.item_codes})
    sc = score_dimensions(df, inst)
    assert list(sc.columns) == [d.code for d in inst.dimensions]
    assert sc.notna().all().all() and ((sc >= 1) & (sc <= 5)).all().all()

# SPDX-License-Identifier: EUPL-1.2
"""Krippendorff's alpha against the published example and the krippendorff package."""

import itertools

import krippendorff
import numpy as np
import pandas as pd
import pytest

from staat.analysis.agreement import (
    assessment_agreement,
    combine_assessments,
    krippendorff_alpha,
    missing_justifications,
)

nan = np.nan
# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section C: 4 observers,
# 12 units, values 1-5, missing data. Published: nominal .743, ordinal .815, interval .849,
# ratio .797.
K2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
]


@pytest.mark.parametrize("level,published", [("nominal", 0.743), ("ordinal", 0.815),
                                             ("interval", 0.849), ("ratio", 0.797)])
def test_published_worked_example(level, published):
    res = krippendorff_alpha(K2011, level)
    assert round(res.alpha, 3) == published
    assert res.n_units == 11  # unit 12 has one value: not pairable
    assert res.n_values == 40
    ref = krippendorff.alpha(reliability_data=np.array(K2011, float), level_of_measurement=level)
    assert res.alpha == pytest.approx(ref, abs=1e-12)


def test_wikipedia_example_and_random_data_match_package():
    # The example on Wikipedia's page (3 coders, 15 units): nominal .691, interval .811
    wiki = [[nan, nan, nan, nan, nan, 3, 4, 1, 2, 1, 1, 3, 3, nan, 3],
            [1, nan, 2, 1, 3, 3, 4, 3, nan, nan, nan, nan, nan, nan, nan],
            [nan, nan, 2, 1, 3, 4, 4, nan, 2, 1, 1, 3, 3, nan, 4]]
    assert round(krippendorff_alpha(wiki, "nominal").alpha, 3) == 0.691
    assert round(krippendorff_alpha(wiki, "interval").alpha, 3) == 0.811
    rng = np.random.default_rng(4)
    for seed, level in itertools.product(range(5), ["nominal", "ordinal", "interval"]):
        truth = rng.integers(1, 6, 30)
        data = np.clip(truth + rng.integers(-1, 2, (4, 30)), 1, 5).astype(float)
        data[rng.random((4, 30)) < 0.15] = nan
        ours = krippendorff_alpha(data, level, value_domain=[1, 2, 3, 4, 5]).alpha
        ref = krippendorff.alpha(reliability_data=data, level_of_measurement=level,
                                 value_domain=[1, 2, 3, 4, 5])
        assert ours == pytest.approx(ref, abs=1e-10)


def test_nominal_with_text_codes():
    data = [["a", "b", "a", None], ["a", "b", "b", "c"], ["a", None, "b", "c"]]
    codes = {"a": 1, "b": 2, "c": 3}
    num = np.array([[codes.get(v, nan) if v else nan for v in row] for row in data], float)
    ref = krippendorff.alpha(reliability_data=num, level_of_measurement="nominal")
    assert krippendorff_alpha(data, "nominal").alpha == pytest.approx(ref)


def assessments():
    rows = []
    scores = {  # case -> criterion -> scores of assessors A, B, C
        "c1": {"programmatic": [4, 4, 5], "process": [3, 3, 3], "political": [2, 3, 2],
               "endurance": [5, 4, 5]},
        "c2": {"programmatic": [2, 2, 1], "process": [4, 5, 4], "political": [4, 4, 4],
               "endurance": [1, 2, 1]},
        "c3": {"programmatic": [3, 5, 3], "process": [2, 2, 1], "political": [5, 5, 4],
               "endurance": [3, 3, None]},
        "c4": {"programmatic": [5, 5, 5], "process": [1, 2, 2], "political": [1, 1, 2],
               "endurance": [4, 4, 4]},
    }
    for case, crits in scores.items():
        for crit, vals in crits.items():
            for who, v in zip("ABC", vals):
                rows.append({"case": case, "criterion": crit, "assessor": who, "score": v,
                             "justification": "" if (case, who) == ("c2", "B") else "omdat"})
    return pd.DataFrame(rows)


def test_combine_and_agreement():
    df = assessments()
    comb = combine_assessments(df).set_index(["case", "criterion"])
    assert comb.loc[("c3", "programmatic"), "combined"] == 3
    assert comb.loc[("c3", "programmatic"), "mean"] == pytest.approx(11 / 3)
    assert bool(comb.loc[("c3", "programmatic"), "disagreement"])
    assert comb.loc[("c3", "endurance"), "n_assessors"] == 2
    agr = assessment_agreement(df).set_index("criterion")
    # per criterion: the units are the cases; compare with the package
    part = df[df.criterion == "process"].pivot(index="assessor", columns="case", values="score")
    ref = krippendorff.alpha(reliability_data=part.to_numpy(float),
                             level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])
    assert agr.loc["process", "alpha"] == pytest.approx(ref)
    wide = df.pivot_table(index="assessor", columns=["case", "criterion"], values="score")
    ref = krippendorff.alpha(reliability_data=wide.to_numpy(float),
                             level_of_measurement="ordinal", value_domain=[1, 2, 3, 4, 5])
    assert agr.loc["(overall)", "alpha"] == pytest.approx(ref)
    assert agr.loc["(overall)", "n_units"] == 16
    missing = missing_justifications(df, ["programmatic", "process", "political", "endurance"])
    assert set(missing.assessor) == {"B"} and set(missing.case) == {"c2"}


def test_duplicate_assessment_rejected():
    df = assessments()
    df = pd.concat([df, df.iloc[[0]]])
    with pytest.raises(ValueError, match="duplicate"):
        assessment_agreement(df)

# SPDX-License-Identifier: EUPL-1.2
"""``staat instruments score``: its JSON against an independent computation (numpy, scipy,
pingouin) on data with known answers."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
from django.core.management import call_command
from scipy import stats

YAML = """format: staat-instrument/1
code: test-scale
version: 1
title: {nl: Testschaal, en: Test scale}
min_group_size: 10
response_scales:
  agree5:
    type: ordinal
    options:
      - {value: 1, label: {nl: Helemaal oneens, en: Strongly disagree}}
      - {value: 2, label: {nl: Oneens, en: Disagree}}
      - {value: 3, label: {nl: Neutraal, en: Neutral}}
      - {value: 4, label: {nl: Eens, en: Agree}}
      - {value: 5, label: {nl: Helemaal eens, en: Strongly agree}}
      - {value: 9, label: {nl: Weet niet, en: Don't know}, missing: true}
dimensions:
  - code: trust
    label: {nl: Vertrouwen, en: Trust}
    scoring: mean
    min_answered: 4
    items:
      - {code: t1, text: Een, scale: agree5}
      - {code: t2, text: Twee, scale: agree5}
      - {code: t3, text: Drie, scale: agree5, reverse: true}
      - {code: t4, text: Vier, scale: agree5}
attributes:
  - code: region
    label: {nl: Regio}
    type: category
    options:
      - {value: noord, label: Noord}
      - {value: zuid, label: Zuid}
"""

GROUPS = {"alfa": (40, 0.6), "beta": (30, 0.0), "gamma": (25, -0.5), "delta": (35, 0.2),
          "klein": (4, 0.0)}


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(20250623)
    rows = []
    for group, (n, shift) in GROUPS.items():
        latent = rng.normal(shift, 1, n)
        for i in range(n):
            answers = np.clip(np.rint(3 + latent[i] + rng.normal(0, 0.8, 4)), 1, 5).astype(int)
            answers[2] = 6 - answers[2]  # t3 is asked the other way round
            rows.append({"respondent": f"{group}-{i}", "t1": answers[0], "t2": answers[1],
                         "t3": answers[2], "t4": answers[3], "team": group,
                         "region": "noord" if i % 2 else "zuid"})
    data = pd.DataFrame(rows)
    definition = tmp_path / "test-scale.yaml"
    definition.write_text(YAML, encoding="utf-8")
    csv_path = tmp_path / "antwoorden.csv"
    data.to_csv(csv_path, sep=";", index=False)
    return definition, csv_path, data


def run(*args) -> dict:
    out = io.StringIO()
    call_command("instruments", "score", *args, "--format", "json", stdout=out)
    return json.loads(out.getvalue())


def _scored(data: pd.DataFrame) -> pd.DataFrame:
    items = data[["t1", "t2", "t3", "t4"]].astype(float).copy()
    items["t3"] = 6 - items["t3"]
    return items


def test_score_json_matches_an_independent_computation(files):
    definition, csv_path, data = files
    out = run(str(definition), str(csv_path), "--group-by", "team")
    assert out["instrument"]["code"] == "test-scale" and out["group_by"] == "team"
    assert out["n_respondents"] == len(data) and out["problems"] == []
    (scale,) = out["scales"]
    items = _scored(data)
    score = items.mean(axis=1)
    groups = {g["group"]: g for g in scale["groups"]}

    # primary suppression of the small group and one complement (the next-smallest, gamma)
    assert groups["klein"]["suppressed"] and groups["klein"]["n"] is None
    assert groups["klein"]["mean"] is None
    assert groups["gamma"]["suppressed"] and groups["gamma"]["reason"] == "complementary"
    for name in ("alfa", "beta", "delta"):
        g = groups[name]
        values = score[data.team == name]
        assert not g["suppressed"]
        assert g["n"] == len(values)
        assert g["mean"] == pytest.approx(values.mean(), abs=1e-4)
        assert g["sd"] == pytest.approx(values.std(ddof=1), abs=1e-4)
        lo, hi = stats.t.interval(0.95, len(values) - 1, loc=values.mean(),
                                  scale=stats.sem(values))
        assert (g["ci_low"], g["ci_high"]) == (pytest.approx(lo, abs=1e-4),
                                               pytest.approx(hi, abs=1e-4))
    assert groups["(total)"]["n"] == len(data)
    assert groups["(total)"]["mean"] == pytest.approx(score.mean(), abs=1e-4)

    # reliability: pingouin's Cronbach's alpha on the reverse-coded items
    alpha, ci = pg.cronbach_alpha(items)
    rel = scale["reliability"]
    assert rel["cronbach_alpha"]["estimate"] == pytest.approx(alpha, abs=1e-4)
    assert rel["cronbach_alpha"]["ci_low"] == pytest.approx(ci[0], abs=2e-3)
    assert rel["mcdonald_omega"]["estimate"] > 0.5

    # comparison between the published groups: Welch's ANOVA and Games-Howell (pingouin)
    comp = scale["comparison"]
    shown = data.team.isin(["alfa", "beta", "delta"])
    frame = pd.DataFrame({"score": score[shown], "team": data.team[shown]})
    ref = pg.welch_anova(frame, dv="score", between="team").iloc[0]
    assert comp["test"] == "welch_anova" and comp["groups"] == ["alfa", "beta", "delta"]
    assert comp["statistic"] == pytest.approx(ref["F"], abs=1e-3)
    assert comp["df1"] == pytest.approx(ref["ddof1"], abs=1e-3)
    assert comp["df2"] == pytest.approx(ref["ddof2"], abs=1e-3)
    assert comp["p"] == pytest.approx(ref["p_unc"] if "p_unc" in ref else ref["p-unc"], abs=1e-4)
    assert comp["effect_sizes"]["eta_squared"] == pytest.approx(ref["np2"], abs=1e-3)
    gh = pg.pairwise_gameshowell(frame, dv="score", between="team")
    for pair in comp["pairwise"]:
        r = gh[(gh.A == pair["A"]) & (gh.B == pair["B"])].iloc[0]
        assert pair["diff"] == pytest.approx(r["diff"], abs=1e-4)
        assert pair["p"] == pytest.approx(r["pval"], abs=1e-3)
        assert pair["hedges_g"] == pytest.approx(r["hedges"], abs=1e-3)
    assert comp["icc1"]["icc1"] is not None and "Welch" in comp["why"]


def test_two_groups_use_welch_t(files):
    definition, csv_path, data = files
    out = run(str(definition), str(csv_path), "--group-by", "region", "--no-pairwise")
    comp = out["scales"][0]["comparison"]
    score = _scored(data).mean(axis=1)
    a, b = score[data.region == "noord"], score[data.region == "zuid"]
    t, p = stats.ttest_ind(a, b, equal_var=False)
    assert comp["test"] == "welch_t"
    assert comp["statistic"] == pytest.approx(t, abs=1e-4)
    assert comp["p"] == pytest.approx(p, abs=1e-4)
    g = pg.compute_effsize(a, b, eftype="hedges")
    assert comp["effect_sizes"]["hedges_g"] == pytest.approx(g, abs=1e-3)


def test_invalid_values_are_reported_and_left_out(files, tmp_path):
    definition, _csv, data = files
    bad = data.copy().astype(object)
    bad.loc[0, "t1"] = "7"
    path = tmp_path / "fout.csv"
    bad.to_csv(path, sep=";", index=False)
    out = run(str(definition), str(path))
    assert out["problems"] == [{"row": 2, "column": "t1", "value": "7",
                                "reason": out["problems"][0]["reason"]}]
    assert out["scales"][0]["groups"][0]["n"] == len(data) - 1  # min_answered: 4 of 4


def test_shipped_code_and_errors(files, tmp_path):
    _definition, csv_path, _data = files
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="unknown instrument"):
        run("no-such-instrument", str(csv_path))
    with pytest.raises(CommandError, match="not in the file"):
        run(str(_definition), str(csv_path), "--group-by", "nope")


def test_the_console_script(files, tmp_path):
    definition, csv_path, _data = files
    staat = Path(sys.executable).with_name("staat")
    env = {**os.environ, "STAAT_DATA_DIR": str(tmp_path / "var")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run([str(staat), "instruments", "score", str(definition), str(csv_path),
                           "--group-by", "region", "--format", "json"],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["scales"][0]["comparison"]["test"] == "welch_t"

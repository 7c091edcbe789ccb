# SPDX-License-Identifier: EUPL-1.2
"""Correlations across questionnaires and change between waves, against scipy."""

from __future__ import annotations

import pytest
from scipy import stats

from staat.analysis.scoring import score_dimensions
from staat.instruments import services
from tests.instruments.conftest import populate, wave_for


def test_correlations_link_respondents_by_pseudonym(loaded, organisations):
    mp = wave_for(loaded["management-practices"], "MP 2025", 2025)
    cu = wave_for(loaded["culture"], "Cultuur 2025", 2025)
    a = populate(mp, organisations, seed=1, key_prefix="P")
    b = populate(cu, organisations, seed=1, key_prefix="P")  # the same people
    rows = services.correlations_for("management-practices", "culture", 2025)
    x = score_dimensions(a, mp.instrument.parsed())
    y = score_dimensions(b, cu.instrument.parsed())
    row = next(r for r in rows if r["x"] == x.columns[0] and r["y"] == "engagement")
    keep = x[x.columns[0]].notna() & y["engagement"].notna()
    r, p = stats.pearsonr(x[x.columns[0]][keep], y["engagement"][keep])
    assert row["r"] == pytest.approx(r, abs=1e-4) and row["n"] == keep.sum()
    assert row["p"] == pytest.approx(p, abs=1e-4)
    result = services.edition_result("correlations", {"x": "management-practices",
                                                      "y": "culture", "year": 2025})
    assert result.chart_svg.startswith("<svg")


def test_change_between_waves(loaded, organisations):
    w1 = wave_for(loaded["culture"], "Cultuur 2024", 2024)
    w2 = wave_for(loaded["culture"], "Cultuur 2025", 2025)
    a = populate(w1, organisations, seed=2, key_prefix="A")
    b = populate(w2, organisations, seed=3, key_prefix="B")
    rows = services.wave_change_for(w1, w2)
    definition = w1.instrument.parsed()
    s1, s2 = score_dimensions(a, definition), score_dimensions(b, definition)
    for row in rows:
        t, p = stats.ttest_ind(s2[row["dimension"]].dropna(), s1[row["dimension"]].dropna(),
                               equal_var=False)
        assert row["t"] == pytest.approx(t, abs=1e-3) and row["p"] == pytest.approx(p, abs=1e-4)
        assert row["diff"] == pytest.approx(s2[row["dimension"]].mean()
                                            - s1[row["dimension"]].mean(), abs=1e-4)

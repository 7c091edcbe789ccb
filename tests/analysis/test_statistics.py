# SPDX-License-Identifier: EUPL-1.2
"""Every statistic against an independent implementation or data with a known answer."""

import math

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.formula.api as smf
from scipy import optimize, stats
from statsmodels.multivariate.factor import Factor
from statsmodels.stats.anova import anova_lm

from staat.analysis import statistics as st


def one_factor_data(n, loadings, seed, sds=None):
    rng = np.random.default_rng(seed)
    lam = np.asarray(loadings)
    f = rng.normal(size=(n, 1))
    e = rng.normal(size=(n, len(lam))) * np.sqrt(1 - lam**2)
    x = f * lam + e
    if sds is not None:
        x = x * np.asarray(sds) + 3
    return x


# --------------------------------------------------------------------------- reliability


def test_cronbach_alpha_matches_pingouin():
    x = one_factor_data(300, [0.7, 0.6, 0.5, 0.8, 0.4], seed=1)
    x[::13, 2] = np.nan
    ours = st.cronbach_alpha(x)
    ref, _ = pg.cronbach_alpha(pd.DataFrame(x), nan_policy="listwise")
    assert ours.estimate == pytest.approx(ref, abs=1e-12)
    assert ours.n == 300 - len(range(0, 300, 13)) and ours.k == 5
    # pingouin's Feldt interval uses the number of rows *before* listwise deletion; compare
    # the interval on complete data (ours uses the complete cases, as Feldt et al. do)
    complete = x[~np.isnan(x).any(axis=1)]
    ref, ci = pg.cronbach_alpha(pd.DataFrame(complete))
    ours = st.cronbach_alpha(complete)
    assert ours.estimate == pytest.approx(ref, abs=1e-12)
    assert (ours.ci_low, ours.ci_high) == pytest.approx(tuple(ci), abs=0.0006)  # pg rounds


def test_cronbach_alpha_known_value():
    # 3 items, covariance matrix known: alpha = k/(k-1) (1 - trace/sum)
    x = np.array([[1, 2, 2], [2, 2, 3], [3, 4, 3], [4, 4, 5], [5, 5, 4]], float)
    c = np.cov(x, rowvar=False)
    expected = 3 / 2 * (1 - np.trace(c) / c.sum())
    assert st.cronbach_alpha(x).estimate == pytest.approx(expected)


def test_minres_equals_statsmodels_principal_axis_and_direct_uls():
    x = one_factor_data(500, [0.8, 0.7, 0.6, 0.5, 0.4, 0.3], seed=2)
    r = np.corrcoef(x, rowvar=False)
    lam, psi, heywood = st.one_factor_minres(r)
    # 1) statsmodels' iterated principal-axis factoring (an independent implementation)
    fa = Factor(corr=r, n_factor=1, method="pa", smc=True, nobs=500).fit(maxiter=5000,
                                                                          tol=1e-12)
    ref = np.abs(np.asarray(fa.loadings).ravel())
    assert np.abs(lam) == pytest.approx(ref, abs=1e-5)
    # 2) direct numerical minimisation of the ULS criterion (sum of squared off-diagonal
    # residuals) with scipy: a different algorithm for the same estimator
    off = ~np.eye(6, dtype=bool)

    def uls(lv):
        return ((r - np.outer(lv, lv))[off] ** 2).sum()

    direct = optimize.minimize(uls, np.full(6, 0.5), method="BFGS", options={"gtol": 1e-12}).x
    assert np.abs(lam) == pytest.approx(np.abs(direct), abs=1e-5)
    assert psi == pytest.approx(1 - lam**2) and not heywood


def test_omega_recovers_known_population_value():
    # A population covariance matrix with a known one-factor structure: the model fits
    # exactly, so omega must equal its closed form.
    lam = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    sds = np.array([1.0, 2.0, 0.5, 1.5, 1.2])
    corr = np.outer(lam, lam)
    np.fill_diagonal(corr, 1.0)
    cov = corr * np.outer(sds, sds)
    lam_raw, psi_raw = lam * sds, (1 - lam**2) * sds**2
    expected = lam_raw.sum() ** 2 / (lam_raw.sum() ** 2 + psi_raw.sum())
    expected_std = lam.sum() ** 2 / (lam.sum() ** 2 + (1 - lam**2).sum())
    # data whose sample covariance equals cov exactly
    rng = np.random.default_rng(3)
    z = rng.normal(size=(400, 5))
    z = (z - z.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False)).T)
    x = z @ np.linalg.cholesky(cov).T + 3
    assert np.cov(x, rowvar=False) == pytest.approx(cov, abs=1e-9)
    res = st.mcdonald_omega(x)
    assert res.estimate == pytest.approx(expected, abs=1e-7)
    assert st.mcdonald_omega(x, standardized=True).estimate == pytest.approx(expected_std,
                                                                             abs=1e-7)
    assert res.loadings == pytest.approx(tuple(lam), abs=1e-6)
    # with equal loadings and SDs (tau-equivalent), omega equals alpha
    corr = np.full((4, 4), 0.49)
    np.fill_diagonal(corr, 1)
    z4 = z[:, :4]
    z4 = (z4 - z4.mean(0)) @ np.linalg.inv(np.linalg.cholesky(np.cov(z4, rowvar=False)).T)
    x = z4 @ np.linalg.cholesky(corr).T
    assert st.mcdonald_omega(x).estimate == pytest.approx(st.cronbach_alpha(x).estimate,
                                                          abs=1e-7)


# --------------------------------------------------------------------------- comparisons


@pytest.fixture
def three_groups():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({
        "g": ["zbo"] * 40 + ["agentschap"] * 120 + ["dienst"] * 25,
        "v": np.concatenate([rng.normal(3.6, 0.5, 40), rng.normal(3.3, 0.9, 120),
                             rng.normal(3.2, 1.4, 25)]),
    })
    return df


def test_welch_anova_matches_pingouin_and_statsmodels(three_groups):
    df = three_groups
    ours = st.welch_anova(df.v, df.g)
    ref = pg.welch_anova(data=df, dv="v", between="g").iloc[0]
    assert ours.f == pytest.approx(ref["F"])
    assert ours.df2 == pytest.approx(ref["ddof2"])
    assert ours.p == pytest.approx(ref["p_unc"] if "p_unc" in ref else ref["p-unc"])
    aov = anova_lm(smf.ols("v ~ C(g)", data=df).fit())
    ss_b, ss_w = aov.sum_sq.iloc[0], aov.sum_sq.iloc[1]
    ms_w = aov.mean_sq.iloc[1]
    assert ours.eta_squared == pytest.approx(ss_b / (ss_b + ss_w))
    assert ours.omega_squared == pytest.approx((ss_b - 2 * ms_w) / (ss_b + ss_w + ms_w))
    assert ours.eta_squared == pytest.approx(ref["np2"], abs=1e-6)


def test_games_howell_matches_pingouin(three_groups):
    df = three_groups
    ours = st.games_howell(df.v, df.g).set_index(["A", "B"])
    ref = pg.pairwise_gameshowell(data=df, dv="v", between="g").set_index(["A", "B"])
    for key, row in ref.iterrows():
        o = ours.loc[key]
        assert o["diff"] == pytest.approx(row["diff"])
        assert o["se"] == pytest.approx(row["se"])
        assert o["t"] == pytest.approx(row["T"])
        assert o["df"] == pytest.approx(row["df"])
        assert o["p"] == pytest.approx(row["pval"], abs=1e-5)  # numerical integration
        assert o["hedges_g"] == pytest.approx(row["hedges"], rel=1e-4)  # pg: approximate J


@pytest.mark.parametrize("df", [50.5, 1500.0, 30000.0])
def test_studentized_range_quantile(df):
    exact = stats.studentized_range.ppf(0.95, 4, df)
    assert st.studentized_range_quantile(0.95, 4, df) == pytest.approx(exact, abs=2e-6)


def test_welch_t_matches_scipy_and_pingouin():
    rng = np.random.default_rng(5)
    a, b = rng.normal(3.5, 0.6, 30), rng.normal(3.1, 1.2, 80)
    ours = st.welch_t_test(a, b)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert ours.t == pytest.approx(ref.statistic) and ours.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval(0.95)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((ci.low, ci.high))
    assert ours.df == pytest.approx(pg.ttest(a, b, correction=True)["dof"].iloc[0])
    g = pg.compute_effsize(a, b, eftype="hedges")
    assert ours.effect_size == pytest.approx(g, rel=1e-3)  # pg uses the approximate J
    lo, hi = pg.compute_esci(ours.effect_size, nx=30, ny=80, eftype="cohen", decimals=10)
    assert (ours.effect_ci_low, ours.effect_ci_high) == pytest.approx((lo, hi), abs=1e-8)


def test_wave_change_paired_and_independent():
    rng = np.random.default_rng(8)
    before = rng.normal(3, 1, 60)
    after = before + rng.normal(0.2, 0.5, 60)
    after[3] = np.nan
    paired = st.wave_change(before, after, paired=True)
    keep = ~np.isnan(after)
    ref = stats.ttest_rel(after[keep], before[keep])
    assert paired.t == pytest.approx(ref.statistic) and paired.p == pytest.approx(ref.pvalue)
    ci = ref.confidence_interval()
    assert (paired.ci_low, paired.ci_high) == pytest.approx((ci.low, ci.high))
    indep = st.wave_change(before, after)
    ref = stats.ttest_ind(after[keep], before, equal_var=False)
    assert indep.diff == pytest.approx(np.nanmean(after) - before.mean())
    assert indep.p == pytest.approx(ref.pvalue)


def test_organisation_vs_type():
    rng = np.random.default_rng(9)
    org, rest = rng.normal(3.8, 0.7, 45), rng.normal(3.4, 0.9, 400)
    r = st.organisation_vs_type(org, rest)
    assert r.diff == pytest.approx(org.mean() - rest.mean())
    assert r.glass_delta == pytest.approx(r.diff / rest.std(ddof=1))
    assert r.p == pytest.approx(stats.ttest_ind(org, rest, equal_var=False).pvalue)


# --------------------------------------------------------------------------- ICC and spread


def test_icc1_balanced_matches_pingouin():
    rng = np.random.default_rng(12)
    k, m = 15, 8
    effects = rng.normal(0, 0.6, k)
    vals = np.repeat(effects, m) + rng.normal(0, 1, k * m)
    grp = np.repeat(np.arange(k), m)
    ours = st.icc1(vals, grp)
    data = pd.DataFrame({"target": grp, "rater": np.tile(np.arange(m), k), "score": vals})
    ref = pg.intraclass_corr(data, targets="target", raters="rater", ratings="score")
    ref = ref.set_index("Type").loc["ICC(1,1)"]
    assert ours.icc1 == pytest.approx(ref["ICC"])
    assert ours.f == pytest.approx(ref["F"]) and ours.p == pytest.approx(ref["pval"])
    assert (ours.ci_low, ours.ci_high) == pytest.approx(tuple(ref["CI95"]), abs=0.0051)


def test_icc1_unbalanced_matches_anova_and_known_truth():
    rng = np.random.default_rng(13)
    sizes = rng.integers(20, 400, 30)
    effects = rng.normal(0, 0.5, 30)  # true ICC = .25 / (.25 + 1) = 0.2
    grp = np.repeat(np.arange(30), sizes)
    vals = effects[grp] + rng.normal(0, 1, sizes.sum())
    ours = st.icc1(vals, grp)
    aov = anova_lm(smf.ols("v ~ C(g)", data=pd.DataFrame({"v": vals, "g": grp})).fit())
    assert ours.ms_between == pytest.approx(aov.mean_sq.iloc[0])
    assert ours.ms_within == pytest.approx(aov.mean_sq.iloc[1])
    n, big_n = sizes, sizes.sum()
    n0 = (big_n - (n**2).sum() / big_n) / 29
    assert ours.n0 == pytest.approx(n0)
    assert ours.icc1 == pytest.approx((ours.ms_between - ours.ms_within)
                                      / (ours.ms_between + (n0 - 1) * ours.ms_within))
    assert ours.ci_low < 0.2 < ours.ci_high
    assert ours.sd_within == pytest.approx(1.0, abs=0.03)


def test_group_spread_quantiles():
    vals = np.arange(1, 21, dtype=float)
    grp = ["a"] * 10 + ["b"] * 10
    out = st.group_spread(vals, grp).set_index("group")
    assert out.loc["a", "median"] == np.median(np.arange(1, 11))
    assert out.loc["b", "iqr"] == pytest.approx(np.subtract(*np.percentile(np.arange(11, 21),
                                                                           [75, 25])))


# --------------------------------------------------------------------------- correlation


def test_pearson_matches_scipy():
    rng = np.random.default_rng(14)
    x = rng.normal(size=120)
    y = 0.4 * x + rng.normal(size=120)
    x[5] = np.nan
    ours = st.correlation(x, y)
    keep = ~np.isnan(x)
    ref = stats.pearsonr(x[keep], y[keep])
    ci = ref.confidence_interval(0.95)
    assert ours.r == pytest.approx(ref.statistic) and ours.p == pytest.approx(ref.pvalue)
    assert (ours.ci_low, ours.ci_high) == pytest.approx((ci.low, ci.high))
    assert ours.n == 119


def test_spearman_matches_scipy_with_fieller_ci():
    rng = np.random.default_rng(15)
    x = rng.normal(size=80)
    y = np.exp(0.5 * x + rng.normal(size=80))
    ours = st.correlation(x, y, "spearman")
    ref = stats.spearmanr(x, y)
    assert ours.r == pytest.approx(ref.statistic) and ours.p == pytest.approx(ref.pvalue)
    z, se = math.atanh(ours.r), math.sqrt(1.06 / 77)
    assert ours.ci_low == pytest.approx(math.tanh(z - 1.959963984540054 * se))
    table = st.correlation_table(pd.DataFrame({"targets": x}), pd.DataFrame({"learn": y}),
                                 "spearman")
    assert table.r.iloc[0] == pytest.approx(ours.r)


# --------------------------------------------------------------------------- subgroups


def test_lowest_subgroups():
    rng = np.random.default_rng(16)
    n = 2000
    income = rng.choice(["laag", "midden", "hoog"], n, p=[0.3, 0.5, 0.2])
    event = rng.choice(["schulden", "verhuizing", "geen", "zeldzaam"], n,
                       p=[0.2, 0.3, 0.497, 0.003])
    mark = 7.2 - 1.0 * (income == "laag") - 1.5 * (event == "schulden") + rng.normal(0, 1, n)
    out = st.lowest_subgroups(mark, pd.DataFrame({"income": income, "event": event}), top=None)
    assert out.iloc[0][["attribute", "category"]].tolist() == ["event", "schulden"]
    assert bool(out.iloc[0]["below_rest"])
    assert "zeldzaam" not in out.category.tolist()  # fewer than 10: not even named
    row = out.set_index("category").loc["laag"]
    rest = mark[(income != "laag")]
    assert row["diff"] == pytest.approx(mark[income == "laag"].mean() - rest.mean())
    assert row["p"] == pytest.approx(stats.ttest_ind(mark[income == "laag"], rest,
                                                     equal_var=False).pvalue)
    assert (out.p_holm >= out.p).all()

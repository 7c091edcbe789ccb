# SPDX-License-Identifier: EUPL-1.2
"""Statistics for instrument results: reliability, group comparisons, variance between and
within groups, correlations, change between waves and the lowest-scoring subgroups.

Every function names its method and a reference in its docstring, and has a test against an
independent implementation (pingouin, scipy, statsmodels) or data with a known answer.
Functions take arrays (or a frame of items) and return frozen dataclasses or frames.
Missing values (NaN) are dropped as documented per function.

Why Welch. Organisation types differ in size (a handful of ZBOs against many agencies; a
department of 30,000 against an inspectorate of 300) and in spread. The classic t-test and
F-test assume equal variances; with unequal variances *and* unequal sizes their error rate is
wrong in either direction (Zimmerman 2004; Delacre, Lakens & Leys 2017). Welch's tests lose
almost nothing when variances are equal and stay correct when they are not, so we use them
by default (Welch 1947, 1951; Games & Howell 1976 for the pairwise comparisons).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import stats

# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Summary:
    n: int
    mean: float
    sd: float
    se: float
    ci_low: float
    ci_high: float


@dataclass(frozen=True, slots=True)
class Reliability:
    method: str  # "cronbach_alpha" | "mcdonald_omega"
    estimate: float
    n: int  # respondents used (complete cases)
    k: int  # items
    ci_low: float = math.nan
    ci_high: float = math.nan
    loadings: tuple[float, ...] = ()  # omega: standardized one-factor loadings
    heywood: bool = False  # omega: a communality reached 1 and was bounded


@dataclass(frozen=True, slots=True)
class AnovaResult:
    """Welch's one-way ANOVA with classical effect sizes."""

    method: str
    f: float
    df1: float
    df2: float
    p: float
    eta_squared: float
    omega_squared: float
    n: int
    k: int


@dataclass(frozen=True, slots=True)
class TwoGroupResult:
    """A difference of means (``mean1 - mean2``) with CI, test and standardized effect."""

    method: str
    n1: int
    n2: int
    mean1: float
    mean2: float
    diff: float
    se: float
    ci_low: float
    ci_high: float
    t: float
    df: float
    p: float
    effect_size: float  # Hedges' g (independent) or d_z (paired)
    effect_ci_low: float
    effect_ci_high: float
    glass_delta: float = math.nan  # diff / sd of group 2 (the reference group)


@dataclass(frozen=True, slots=True)
class VarianceDecomposition:
    """Between and within-group variance from a one-way random-effects ANOVA."""

    icc1: float
    ci_low: float
    ci_high: float
    f: float
    df1: int
    df2: int
    p: float
    ms_between: float
    ms_within: float
    n0: float  # the 'average' group size for unequal groups
    var_between: float  # variance component of the group means (≥ 0)
    var_within: float
    sd_between: float  # sqrt(var_between): spread of the true group means
    sd_within: float  # pooled within-group SD: spread of people within a group
    n: int
    k: int


@dataclass(frozen=True, slots=True)
class Correlation:
    method: str
    r: float
    ci_low: float
    ci_high: float
    p: float
    n: int


# --------------------------------------------------------------------------- helpers


def _clean(x) -> np.ndarray:
    a = np.asarray(x, dtype=float).ravel()
    return a[~np.isnan(a)]


def _groups(values, groups) -> tuple[list, list[np.ndarray]]:
    frame = pd.DataFrame({"v": np.asarray(values, dtype=float), "g": np.asarray(groups)})
    frame = frame.dropna()
    labels, arrays = [], []
    for label, part in frame.groupby("g", sort=True):
        labels.append(label)
        arrays.append(part["v"].to_numpy())
    return labels, arrays


def _moments(arrays) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = np.array([len(a) for a in arrays], dtype=float)
    m = np.array([a.mean() if len(a) else np.nan for a in arrays])
    v = np.array([a.var(ddof=1) if len(a) > 1 else np.nan for a in arrays])
    return n, m, v


def describe(values, ci: float = 0.95) -> Summary:
    """n, mean, SD (n - 1), standard error and t-based confidence interval of the mean."""
    a = _clean(values)
    n = len(a)
    mean = float(a.mean()) if n else math.nan
    sd = float(a.std(ddof=1)) if n > 1 else math.nan
    se = sd / math.sqrt(n) if n > 1 else math.nan
    half = float(stats.t.ppf(0.5 + ci / 2, n - 1)) * se if n > 1 else math.nan
    return Summary(n, mean, sd, se, mean - half, mean + half)


def _items(data) -> np.ndarray:
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError("reliability needs a respondents × items matrix with at least 2 items")
    return arr[~np.isnan(arr).any(axis=1)]  # listwise deletion


# --------------------------------------------------------------------------- reliability


def cronbach_alpha(data, ci: float = 0.95) -> Reliability:
    """Cronbach's alpha with Feldt's exact F-based confidence interval.

    alpha = k / (k - 1) · (1 - Σ var(item) / var(sum)), on complete cases (listwise
    deletion). The interval: 1 - (1 - alpha) · F(·; n - 1, (n - 1)(k - 1)) quantiles.

    References: Cronbach, L. J. (1951). Coefficient alpha and the internal structure of
    tests. *Psychometrika* 16, 297–334. Feldt, L. S., Woodruff, D. J., & Salih, F. A.
    (1987). Statistical inference for coefficient alpha. *Applied Psychological Measurement*
    11, 93–103. Tested against ``pingouin.cronbach_alpha(nan_policy="listwise")``.
    """
    x = _items(data)
    n, k = x.shape
    if n < 2:
        return Reliability("cronbach_alpha", math.nan, n, k)
    cov = np.cov(x, rowvar=False, ddof=1)
    total = cov.sum()
    alpha = k / (k - 1) * (1 - np.trace(cov) / total) if total > 0 else math.nan
    df1, df2 = n - 1, (n - 1) * (k - 1)
    q = 1 - ci
    lo = 1 - (1 - alpha) * stats.f.isf(q / 2, df1, df2)
    hi = 1 - (1 - alpha) * stats.f.isf(1 - q / 2, df1, df2)
    return Reliability("cronbach_alpha", float(alpha), n, k, float(lo), float(hi))


def one_factor_minres(corr, max_iter: int = 1000, tol: float = 1e-10
                      ) -> tuple[np.ndarray, np.ndarray, bool]:
    """One-factor minimum-residual (minres/ULS) solution of a correlation matrix.

    Iterated principal-axis factoring: start from squared multiple correlations as
    communalities, take the first eigenvector of the reduced correlation matrix, set the
    communalities to the squared loadings, repeat until they change less than ``tol``. At
    convergence this is the unweighted-least-squares (minres) solution: it minimises the sum
    of squared off-diagonal residuals (Harman & Jones 1966; Revelle, *psych::fa*).
    Communalities are bounded at 0.995 (a Heywood case is reported by the caller).

    Returns (loadings, uniquenesses, heywood). Loadings are signed so their sum is positive.
    """
    r = np.asarray(corr, dtype=float)
    k = r.shape[0]
    try:
        h2 = 1 - 1 / np.diag(np.linalg.inv(r))
    except np.linalg.LinAlgError:
        h2 = np.full(k, 0.5)
    h2 = np.clip(h2, 0.005, 0.995)
    heywood = False
    for _ in range(max_iter):
        reduced = r.copy()
        np.fill_diagonal(reduced, h2)
        w, v = np.linalg.eigh(reduced)
        lam = v[:, -1] * math.sqrt(max(w[-1], 0.0))
        new = lam**2
        if (new > 0.995).any():
            heywood = True
            new = np.minimum(new, 0.995)
        if np.max(np.abs(new - h2)) < tol:
            h2 = new
            break
        h2 = new
    lam = np.sqrt(h2) * np.sign(lam)
    if lam.sum() < 0:
        lam = -lam
    return lam, 1 - lam**2, heywood


def mcdonald_omega(data, standardized: bool = False) -> Reliability:
    """McDonald's omega total from a one-factor model fitted by minres.

    omega = (Σ λᵢ)² / ((Σ λᵢ)² + Σ ψᵢ): the share of the variance of the item sum that the
    common factor explains, under a one-factor (congeneric) model. Unlike alpha it does not
    assume equal loadings (tau-equivalence). The factor model is fitted to the correlation
    matrix of complete cases (:func:`one_factor_minres`); by default loadings and
    uniquenesses are rescaled by the item SDs (λᵢ·sᵢ, ψᵢ·sᵢ²), so omega is the reliability of
    the unweighted sum (or mean) of the raw items, the score we report. With
    ``standardized=True`` it is the reliability of the sum of standardized items.

    The denominator is the model-implied variance of the sum (McDonald 1999, eq. 6.20b;
    Hayes & Coutts 2020); *psych::omega* divides by the observed variance instead, which
    differs slightly when the one-factor model does not fit exactly.

    References: McDonald, R. P. (1999). *Test theory: A unified treatment*. Erlbaum.
    Hayes, A. F., & Coutts, J. J. (2020). Use omega rather than Cronbach's alpha for
    estimating reliability. But…. *Communication Methods and Measures* 14, 1–24.
    Tested against statsmodels' principal-axis factor analysis, a direct numerical
    minimisation of the ULS criterion, and a population covariance matrix whose one-factor
    structure (and so omega) is known exactly.
    """
    x = _items(data)
    n, k = x.shape
    if n < 3:
        return Reliability("mcdonald_omega", math.nan, n, k)
    cov = np.cov(x, rowvar=False, ddof=1)
    sd = np.sqrt(np.diag(cov))
    if (sd == 0).any():
        return Reliability("mcdonald_omega", math.nan, n, k)
    corr = cov / np.outer(sd, sd)
    lam, psi, heywood = one_factor_minres(corr)
    if not standardized:
        lam_s, psi_s = lam * sd, psi * sd**2
    else:
        lam_s, psi_s = lam, psi
    common = lam_s.sum() ** 2
    omega = common / (common + psi_s.sum())
    return Reliability("mcdonald_omega", float(omega), n, k,
                       loadings=tuple(float(v) for v in lam), heywood=heywood)


# --------------------------------------------------------------------------- group comparison


def welch_anova_from_moments(n, mean, var) -> AnovaResult:
    """Welch's heteroscedastic one-way ANOVA from group sizes, means and variances.

    F* = [Σ wⱼ(x̄ⱼ - x̄_w)² / (k - 1)] / [1 + 2(k - 2)/(k² - 1) · Σ (1 - wⱼ/W)²/(nⱼ - 1)],
    wⱼ = nⱼ/s²ⱼ, with df1 = k - 1 and df2 = (k² - 1) / (3 Σ (1 - wⱼ/W)²/(nⱼ - 1)).
    Effect sizes are the classical ones from the ordinary ANOVA sums of squares:
    eta² = SS_between / SS_total and omega² = (SS_between - (k - 1) MS_within) /
    (SS_total + MS_within) (Hays 1963; Olejnik & Algina 2003), bounded below at 0.

    Reference: Welch, B. L. (1951). On the comparison of several mean values: an alternative
    approach. *Biometrika* 38, 330–336. Tested against ``pingouin.welch_anova`` and, for the
    effect sizes, the sums of squares of ``statsmodels`` ``anova_lm``.
    """
    n = np.asarray(n, dtype=float)
    m = np.asarray(mean, dtype=float)
    v = np.asarray(var, dtype=float)
    keep = n >= 2
    n, m, v = n[keep], m[keep], v[keep]
    k = len(n)
    big_n = n.sum()
    if k < 2 or (v <= 0).any():
        return AnovaResult("welch_anova", math.nan, k - 1, math.nan, math.nan, math.nan,
                           math.nan, int(big_n), k)
    w = n / v
    ww = w.sum()
    grand_w = (w * m).sum() / ww
    a = (w * (m - grand_w) ** 2).sum() / (k - 1)
    lam = ((1 - w / ww) ** 2 / (n - 1)).sum()
    b = 1 + 2 * (k - 2) / (k**2 - 1) * lam
    f = a / b
    df2 = (k**2 - 1) / (3 * lam)
    p = float(stats.f.sf(f, k - 1, df2))
    grand = (n * m).sum() / big_n
    ss_b = (n * (m - grand) ** 2).sum()
    ss_w = ((n - 1) * v).sum()
    ss_t = ss_b + ss_w
    ms_w = ss_w / (big_n - k)
    eta2 = ss_b / ss_t
    omega2 = max(0.0, (ss_b - (k - 1) * ms_w) / (ss_t + ms_w))
    return AnovaResult("welch_anova", float(f), float(k - 1), float(df2), p, float(eta2),
                       float(omega2), int(big_n), k)


def welch_anova(values, groups) -> AnovaResult:
    """Welch's one-way ANOVA for ≥ 2 groups (use it for ≥ 3; :func:`welch_t_test` for 2).

    See :func:`welch_anova_from_moments` for the method and references. NaN values and
    missing group labels are dropped.
    """
    _, arrays = _groups(values, groups)
    return welch_anova_from_moments(*_moments(arrays))


def games_howell(values, groups, ci: float = 0.95) -> pd.DataFrame:
    """Games-Howell pairwise comparisons after a Welch ANOVA.

    For each pair: difference of means (A - B), Welch standard error
    sqrt(s²_A/n_A + s²_B/n_B), Welch-Satterthwaite df, t, a p-value and CI from the
    studentized range distribution with k groups (so the family-wise error is controlled),
    and Hedges' g. Columns: A, B, mean_A, mean_B, diff, se, t, df, p, ci_low, ci_high,
    hedges_g.

    Reference: Games, P. A., & Howell, J. F. (1976). Pairwise multiple comparison procedures
    with unequal n's and/or variances. *Journal of Educational Statistics* 1, 113–125.
    Tested against ``pingouin.pairwise_gameshowell``.
    """
    labels, arrays = _groups(values, groups)
    n, m, v = _moments(arrays)
    k = len(labels)
    rows = []
    for i in range(k):
        for j in range(i + 1, k):
            se = math.sqrt(v[i] / n[i] + v[j] / n[j])
            df = (v[i] / n[i] + v[j] / n[j]) ** 2 / (
                (v[i] / n[i]) ** 2 / (n[i] - 1) + (v[j] / n[j]) ** 2 / (n[j] - 1))
            diff = m[i] - m[j]
            t = diff / se
            p = float(stats.studentized_range.sf(abs(t) * math.sqrt(2), k, df))
            q = studentized_range_quantile(ci, k, df) / math.sqrt(2)
            g, _, _ = _hedges_g(m[i], m[j], v[i], v[j], n[i], n[j], ci)
            rows.append({"A": labels[i], "B": labels[j], "mean_A": m[i], "mean_B": m[j],
                         "diff": diff, "se": se, "t": t, "df": df, "p": min(p, 1.0),
                         "ci_low": diff - q * se, "ci_high": diff + q * se, "hedges_g": g})
    return pd.DataFrame(rows)


_LARGE_DF = 1000.0


@lru_cache(maxsize=256)
def _q_exact(p: float, k: int, df: float) -> float:
    return float(stats.studentized_range.ppf(p, k, df))


def studentized_range_quantile(p: float, k: int, df: float) -> float:
    """Quantile of the studentized range distribution (k groups, df degrees of freedom).

    Exact (scipy) up to 1000 df. Above that, scipy's numerical integration takes some 0.15 s
    per call, while the quantile is linear in 1/df to within 1e-6 there: we interpolate
    between the exact values at 1000 df and at infinite df (both cached). Tested against
    the exact value.
    """
    if df <= _LARGE_DF:
        return _q_exact(p, k, float(df))
    q_inf, q_big = _q_exact(p, k, math.inf), _q_exact(p, k, _LARGE_DF)
    return q_inf + (q_big - q_inf) * _LARGE_DF / df


def _hedges_g(m1, m2, v1, v2, n1, n2, ci) -> tuple[float, float, float]:
    """Hedges' g (pooled SD, small-sample corrected) with Hedges & Olkin's SE.

    The CI uses SE = sqrt((n1 + n2)/(n1 n2) + g²/(2(n1 + n2))) and a t quantile with
    n1 + n2 - 2 df (as R's effsize::cohen.d and pingouin.compute_esci).
    """
    dof = n1 + n2 - 2
    pooled = math.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / dof)
    d = (m1 - m2) / pooled if pooled > 0 else math.nan
    # exact small-sample correction J = Γ(df/2) / (sqrt(df/2) Γ((df-1)/2))
    j = math.exp(math.lgamma(dof / 2) - math.log(math.sqrt(dof / 2)) - math.lgamma((dof - 1) / 2))
    g = d * j
    se = math.sqrt((n1 + n2) / (n1 * n2) + g**2 / (2 * (n1 + n2)))
    crit = float(stats.t.ppf(0.5 + ci / 2, dof))
    return g, g - crit * se, g + crit * se


def welch_t_from_moments(n1, mean1, var1, n2, mean2, var2, ci: float = 0.95,
                         method: str = "welch_t") -> TwoGroupResult:
    """Welch's two-sample t-test from sizes, means and variances; see :func:`welch_t_test`."""
    n1, n2 = float(n1), float(n2)
    a, b = var1 / n1, var2 / n2
    se = math.sqrt(a + b)
    df = (a + b) ** 2 / (a**2 / (n1 - 1) + b**2 / (n2 - 1)) if se > 0 else math.nan
    diff = mean1 - mean2
    t = diff / se if se > 0 else math.nan
    p = float(2 * stats.t.sf(abs(t), df)) if se > 0 else math.nan
    half = float(stats.t.ppf(0.5 + ci / 2, df)) * se if se > 0 else math.nan
    g, glo, ghi = _hedges_g(mean1, mean2, var1, var2, n1, n2, ci)
    glass = diff / math.sqrt(var2) if var2 > 0 else math.nan
    return TwoGroupResult(method, int(n1), int(n2), float(mean1), float(mean2), float(diff),
                          se, diff - half, diff + half, t, df, p, g, glo, ghi, glass)


def welch_t_test(a, b, ci: float = 0.95) -> TwoGroupResult:
    """Welch's unequal-variances t-test for two groups, with Hedges' g and its CI.

    Difference ``mean(a) - mean(b)`` with SE sqrt(s²_a/n_a + s²_b/n_b), Welch–Satterthwaite
    degrees of freedom and a t-based CI. Effect size: Hedges' g, the difference divided by
    the pooled SD with the exact small-sample correction, CI from Hedges & Olkin's SE. Welch
    rather than Student because unequal variances and sizes are the norm between
    organisation types (see the module docstring). ``glass_delta`` divides by the SD of
    ``b`` (useful when ``b`` is a reference group). NaN values are dropped.

    References: Welch, B. L. (1947). The generalization of 'Student's' problem when several
    different population variances are involved. *Biometrika* 34, 28–35. Hedges, L. V., &
    Olkin, I. (1985). *Statistical methods for meta-analysis*. Academic Press. Tested
    against ``scipy.stats.ttest_ind(equal_var=False)``, ``pingouin.ttest`` and
    ``pingouin.compute_effsize``/``compute_esci``.
    """
    x, y = _clean(a), _clean(b)
    if len(x) < 2 or len(y) < 2:
        raise ValueError("each group needs at least two values")
    return welch_t_from_moments(len(x), x.mean(), x.var(ddof=1), len(y), y.mean(),
                                y.var(ddof=1), ci)


def paired_t_test(before, after, ci: float = 0.95) -> TwoGroupResult:
    """Paired t-test for the same respondents measured twice: ``after - before``.

    Pairs with a missing value are dropped. Effect size d_z = mean difference / SD of the
    differences, with SE sqrt(1/n + d_z²/(2n)) and a t quantile (pingouin's formula).

    Reference: Student (1908); Lakens, D. (2013). Calculating and reporting effect sizes to
    facilitate cumulative science. *Frontiers in Psychology* 4, 863. Tested against
    ``scipy.stats.ttest_rel``.
    """
    x0 = np.asarray(before, dtype=float)
    x1 = np.asarray(after, dtype=float)
    keep = ~np.isnan(x0) & ~np.isnan(x1)
    d = x1[keep] - x0[keep]
    n = len(d)
    if n < 2:
        raise ValueError("need at least two complete pairs")
    mean, sd = d.mean(), d.std(ddof=1)
    se = sd / math.sqrt(n)
    t = mean / se if se > 0 else math.nan
    df = n - 1
    p = float(2 * stats.t.sf(abs(t), df)) if se > 0 else math.nan
    crit = float(stats.t.ppf(0.5 + ci / 2, df))
    dz = mean / sd if sd > 0 else math.nan
    dz_se = math.sqrt(1 / n + dz**2 / (2 * n))
    return TwoGroupResult("paired_t", n, n, float(x1[keep].mean()), float(x0[keep].mean()),
                          float(mean), se, mean - crit * se, mean + crit * se, t, df, p,
                          dz, dz - crit * dz_se, dz + crit * dz_se)


def wave_change(before, after, paired: bool = False, ci: float = 0.95) -> TwoGroupResult:
    """Change between two waves: ``mean(after) - mean(before)`` with CI.

    Independent samples (a new sample each wave): Welch's t-test (:func:`welch_t_test`),
    effect size Hedges' g. The same respondents in both waves (``paired=True``, arrays
    aligned by respondent): paired t-test (:func:`paired_t_test`), effect size d_z.
    """
    if paired:
        return paired_t_test(before, after, ci)
    return welch_t_test(after, before, ci)


def organisation_vs_type(organisation, rest_of_type, ci: float = 0.95) -> TwoGroupResult:
    """One organisation against the *other* organisations of its type.

    The organisation is compared with the rest of its type (itself left out, so it is not
    compared partly with itself) by Welch's t-test: difference ``organisation - rest`` with
    CI, Hedges' g (pooled SD) and Glass's delta (difference in SDs of the rest of the type:
    "0.4 standard deviations of its type above the type's mean").

    References: Welch (1947); Glass, G. V. (1976). Primary, secondary, and meta-analysis of
    research. *Educational Researcher* 5, 3–8.
    """
    return replace(welch_t_test(organisation, rest_of_type, ci), method="welch_t_org_vs_type")


# --------------------------------------------------------------------------- within vs between


def icc1(values, groups, ci: float = 0.95) -> VarianceDecomposition:
    """ICC(1) from a one-way random-effects ANOVA, with the variance components.

    ICC(1) = (MS_B - MS_W) / (MS_B + (n₀ - 1) MS_W): the share of the variance in individual
    scores that lies between groups (types, organisations). With unequal group sizes n₀ =
    (N - Σ nⱼ² / N) / (k - 1). Variance components: σ²_between = max(0, (MS_B - MS_W)/n₀),
    σ²_within = MS_W. A reader needs both: a clear difference between types (F, p) and a
    small ICC together mean "ZBOs score higher, but the spread within each type is large".
    CI from the F distribution (Shrout & Fleiss 1979; McGraw & Wong 1996), with n₀ for
    unequal sizes (then approximate).

    References: Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: uses in
    assessing rater reliability. *Psychological Bulletin* 86, 420–428. Snijders, T. A. B., &
    Bosker, R. J. (2012). *Multilevel analysis*, 2nd ed., §3.3. Tested against
    ``pingouin.intraclass_corr`` (balanced) and statsmodels' ANOVA mean squares (unbalanced).
    """
    labels, arrays = _groups(values, groups)
    n, m, v = _moments(arrays)
    k = len(labels)
    big_n = int(n.sum())
    if k < 2 or big_n - k < 1:
        raise ValueError("need at least two groups and more values than groups")
    grand = (n * m).sum() / big_n
    ss_b = (n * (m - grand) ** 2).sum()
    ss_w = np.nansum((n - 1) * v)
    df1, df2 = k - 1, big_n - k
    ms_b, ms_w = ss_b / df1, ss_w / df2
    n0 = (big_n - (n**2).sum() / big_n) / (k - 1)
    icc = (ms_b - ms_w) / (ms_b + (n0 - 1) * ms_w)
    f = ms_b / ms_w if ms_w > 0 else math.inf
    p = float(stats.f.sf(f, df1, df2))
    q = 1 - ci
    fl = f / stats.f.ppf(1 - q / 2, df1, df2)
    fu = f * stats.f.ppf(1 - q / 2, df2, df1)
    lo = (fl - 1) / (fl + n0 - 1)
    hi = (fu - 1) / (fu + n0 - 1)
    var_b = max(0.0, (ms_b - ms_w) / n0)
    return VarianceDecomposition(float(icc), float(lo), float(hi), float(f), df1, df2, p,
                                 float(ms_b), float(ms_w), float(n0), var_b, float(ms_w),
                                 math.sqrt(var_b), math.sqrt(ms_w), big_n, k)


def group_spread(values, groups) -> pd.DataFrame:
    """Spread within each group, to show next to the differences between groups.

    Columns: group, n, mean, sd, p10, q1, median, q3, p90, iqr (quantiles by linear
    interpolation, numpy's default "type 7").
    """
    labels, arrays = _groups(values, groups)
    rows = []
    for label, a in zip(labels, arrays):
        p10, q1, med, q3, p90 = np.percentile(a, [10, 25, 50, 75, 90])
        rows.append({"group": label, "n": len(a), "mean": a.mean(),
                     "sd": a.std(ddof=1) if len(a) > 1 else math.nan, "p10": p10, "q1": q1,
                     "median": med, "q3": q3, "p90": p90, "iqr": q3 - q1})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- correlation


def correlation(x, y, method: str = "pearson", ci: float = 0.95) -> Correlation:
    """Pearson or Spearman correlation with a Fisher-z confidence interval.

    Pairs with a missing value are dropped. Pearson: r, p from the t distribution, CI
    tanh(atanh(r) ± z·1/sqrt(n - 3)) (Fisher 1921). Spearman: ρ with p from scipy, CI with the
    Fieller, Hartley & Pearson (1957) standard error sqrt(1.06/(n - 3)), which is better
    calibrated for rank correlations than 1/sqrt(n - 3) (Bonett & Wright 2000).

    References: Fisher, R. A. (1921). *Metron* 1, 3–32. Fieller, E. C., Hartley, H. O., &
    Pearson, E. S. (1957). Tests for rank correlation coefficients I. *Biometrika* 44,
    470–481. Tested against ``scipy.stats.pearsonr`` (r, p and its Fisher CI) and
    ``scipy.stats.spearmanr``.
    """
    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    keep = ~np.isnan(a) & ~np.isnan(b)
    a, b = a[keep], b[keep]
    n = len(a)
    if n < 4:
        return Correlation(method, math.nan, math.nan, math.nan, math.nan, n)
    if method == "pearson":
        r, p = stats.pearsonr(a, b)
        se = 1 / math.sqrt(n - 3)
    elif method == "spearman":
        r, p = stats.spearmanr(a, b)
        se = math.sqrt(1.06 / (n - 3))
    else:
        raise ValueError("method must be 'pearson' or 'spearman'")
    r = float(r)
    z = math.atanh(max(min(r, 1 - 1e-15), -1 + 1e-15))
    crit = float(stats.norm.ppf(0.5 + ci / 2))
    return Correlation(method, r, math.tanh(z - crit * se), math.tanh(z + crit * se),
                       float(p), n)


def correlation_table(x: pd.DataFrame, y: pd.DataFrame, method: str = "pearson",
                      ci: float = 0.95) -> pd.DataFrame:
    """Correlations of every column of ``x`` (e.g. management practices) with every column of
    ``y`` (e.g. outcome scales), pairwise complete. Columns: x, y, method, r, ci_low, ci_high,
    p, n."""
    rows = []
    for cx in x.columns:
        for cy in y.columns:
            c = correlation(x[cx].to_numpy(), y[cy].to_numpy(), method, ci)
            rows.append({"x": cx, "y": cy, "method": method, "r": c.r, "ci_low": c.ci_low,
                         "ci_high": c.ci_high, "p": c.p, "n": c.n})
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- subgroups


def lowest_subgroups(values, attributes: pd.DataFrame, min_group_size: int = 10,
                     top: int | None = 5, ci: float = 0.95) -> pd.DataFrame:
    """The subgroups with the lowest mean, each compared with everyone else.

    For every category of every attribute column (age group, income, life event, ...) with
    at least ``min_group_size`` respondents with a score: n, mean, SD and t-based CI, and the
    difference with the rest of the respondents whose attribute is known (Welch's t-test:
    difference, CI, p, Hedges' g). p-values are Holm-adjusted over all subgroups tested
    (``p_holm``); ``below_rest`` is true when the CI of the difference lies entirely below
    0. Groups smaller than ``min_group_size`` are left out altogether (not even named).
    Sorted by mean ascending; ``top`` limits the rows (None: all).

    References: Welch (1947); Holm, S. (1979). A simple sequentially rejective multiple test
    procedure. *Scandinavian Journal of Statistics* 6, 65–70.
    """
    v = np.asarray(values, dtype=float)
    rows = []
    for col in attributes.columns:
        frame = pd.DataFrame({"v": v, "g": attributes[col].to_numpy()}).dropna()
        if frame.empty:
            continue
        vals = frame["v"].to_numpy()
        cats = frame["g"].to_numpy()
        for cat in sorted(pd.unique(cats), key=str):
            mask = cats == cat
            n, rest_n = int(mask.sum()), int((~mask).sum())
            if n < min_group_size or n < 2 or rest_n < 2:
                continue
            own, rest = vals[mask], vals[~mask]
            r = {"mean": own.mean(), "var": own.var(ddof=1)}
            rest_mean = rest.mean()
            w = welch_t_from_moments(n, r["mean"], r["var"], rest_n, rest_mean,
                                     rest.var(ddof=1), ci)
            sd = math.sqrt(r["var"])
            half = float(stats.t.ppf(0.5 + ci / 2, n - 1)) * sd / math.sqrt(n)
            rows.append({"attribute": col, "category": cat, "n": n, "mean": r["mean"],
                         "sd": sd, "ci_low": r["mean"] - half, "ci_high": r["mean"] + half,
                         "rest_n": rest_n, "rest_mean": rest_mean, "diff": w.diff,
                         "diff_ci_low": w.ci_low, "diff_ci_high": w.ci_high, "p": w.p,
                         "hedges_g": w.effect_size, "below_rest": w.ci_high < 0})
    out = pd.DataFrame(rows)
    if out.empty:
        return out
    from statsmodels.stats.multitest import multipletests

    out["p_holm"] = multipletests(out["p"].fillna(1.0), method="holm")[1]
    out = out.sort_values(["mean", "attribute"], kind="stable").reset_index(drop=True)
    return out.head(top) if top is not None else out


__all__ = [
    "AnovaResult", "Correlation", "Reliability", "Summary", "TwoGroupResult",
    "VarianceDecomposition", "correlation", "correlation_table", "cronbach_alpha", "describe",
    "games_howell", "group_spread", "icc1", "lowest_subgroups", "mcdonald_omega",
    "one_factor_minres", "organisation_vs_type", "paired_t_test", "studentized_range_quantile",
    "wave_change",
    "welch_anova", "welch_anova_from_moments", "welch_t_from_moments", "welch_t_test",
]

"""Two-group comparisons as SPSS prints them: independent t and cross-tabulation tests.

SPSS's "Independent Samples Test" shows Levene's test (mean-centred) and two t rows,
"equal variances assumed" (Student) and "not assumed" (Welch); its "Chi-Square Tests" row
"Pearson Chi-Square" has no continuity correction; "Continuity Correction" (Yates, 2 x 2),
"Likelihood Ratio" and "Fisher's Exact Test" (two- and one-sided) stand beside it, and
"Symmetric Measures" gives phi and Cramer's V. scipy's defaults differ (Levene is
median-centred, ``chi2_contingency`` applies Yates to 2 x 2 tables), so the choices are made
explicit here. SPSS 25 (the paper's) prints no effect size for t; Cohen's d and Hedges' g
come with the noncentral-t intervals of R's effectsize.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, special, stats

__all__ = ["CROSSTAB_EXTRAS", "EFFECT_SIZES", "cohens_d", "crosstab_test", "independent_t"]

_TESTS = (
    *("t", "dof", "p_val", "ci_low", "ci_high"),
    *("welch_t", "welch_dof", "welch_p_val"),
    *("levene_f", "levene_df1", "levene_df2", "levene_p_val"),
)
#: Cohen's d and Hedges' g with their intervals (:func:`cohens_d`).
EFFECT_SIZES = (
    *("cohens_d", "cohens_d_ci_low", "cohens_d_ci_high"),
    *("hedges_g", "hedges_g_ci_low", "hedges_g_ci_high"),
)
#: The crosstab statistics beside Pearson's (SPSS "Chi-Square Tests", "Symmetric Measures").
CROSSTAB_EXTRAS = (
    *("yates_chi2", "yates_p_val", "lr_chi2", "lr_p_val"),
    *("fisher_p_val_one_sided", "phi", "cramers_v"),
)


def independent_t(a: ArrayLike, b: ArrayLike) -> dict[str, Any]:
    """Compare the means of two independent groups: Student's t, Welch's t and Levene.

    Parameters
    ----------
    a, b : array-like of float
        The two groups (missing values, NaN, are left out). The difference is ``a - b``.

    Returns
    -------
    dict
        ``n_a``, ``mean_a``, ``sd_a`` (n - 1 denominator), the same for ``b``;
        ``mean_difference``; Student ``t``, ``dof``, ``p_val``, ``ci_low``, ``ci_high``
        (95% CI of the difference, pooled variance); ``welch_t``, ``welch_dof``,
        ``welch_p_val``; ``levene_f``, ``levene_df1``, ``levene_df2``, ``levene_p_val``
        (mean-centred, SPSS's Levene); ``cohens_d``, ``hedges_g`` and their 95% CIs
        (``cohens_d_ci_low``, ... , see :func:`cohens_d`). Statistics that need two values
        per group are NaN when a group has fewer.

    Notes
    -----
    Two-sided tests. Levene's test is the one-way ANOVA of ``|x - mean(group)|``
    (``scipy.stats.levene(center="mean")``, R ``car::leveneTest(center = mean)``); the scipy
    and car default, the median, is the Brown-Forsythe variant.

    References
    ----------
    R: ``t.test(var.equal = TRUE)``, ``t.test()``, ``car::leveneTest(center = mean)``,
    ``effectsize::cohens_d(a, b)``, ``effectsize::hedges_g(a, b)``.

    Examples
    --------
    >>> out = independent_t([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0],
    ...                     [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])
    >>> round(out["t"], 4), out["dof"], round(out["p_val"], 5)
    (-1.8608, 18.0, 0.07919)
    >>> round(out["welch_dof"], 3), round(out["welch_p_val"], 5)
    (17.776, 0.07939)
    """
    x = np.asarray(a, dtype=float)
    y = np.asarray(b, dtype=float)
    x = x[~np.isnan(x)]
    y = y[~np.isnan(y)]
    out: dict[str, Any] = {
        "n_a": int(x.size),
        "mean_a": float(x.mean()) if x.size else np.nan,
        "sd_a": float(x.std(ddof=1)) if x.size > 1 else np.nan,
        "n_b": int(y.size),
        "mean_b": float(y.mean()) if y.size else np.nan,
        "sd_b": float(y.std(ddof=1)) if y.size > 1 else np.nan,
    }
    out["mean_difference"] = out["mean_a"] - out["mean_b"]
    out.update(dict.fromkeys(_TESTS, np.nan))
    out.update(dict.fromkeys(EFFECT_SIZES, np.nan))
    if x.size < 2 or y.size < 2:
        return out
    student = stats.ttest_ind(x, y)
    ci = student.confidence_interval(0.95)
    welch = stats.ttest_ind(x, y, equal_var=False)
    out.update(
        t=float(student.statistic),
        dof=float(student.df),
        p_val=float(student.pvalue),
        ci_low=float(ci.low),
        ci_high=float(ci.high),
        welch_t=float(welch.statistic),
        welch_dof=float(welch.df),
        welch_p_val=float(welch.pvalue),
    )
    if math.isfinite(out["t"]):
        out.update(cohens_d(out["t"], x.size, y.size))
    spread = np.concatenate([x, y])
    if np.ptp(spread) > 0 and (np.ptp(x) > 0 or np.ptp(y) > 0):
        levene = stats.levene(x, y, center="mean")
        out.update(
            levene_f=float(levene.statistic),
            levene_df1=1.0,
            levene_df2=float(x.size + y.size - 2),
            levene_p_val=float(levene.pvalue),
        )
    return out


def cohens_d(t: float, n_a: int, n_b: int, *, ci_level: float = 0.95) -> dict[str, float]:
    """Cohen's d and Hedges' g of two independent groups from Student's t, with CIs.

    ``d = t sqrt(1/n_a + 1/n_b)`` (the mean difference over the pooled SD). Its interval
    inverts the noncentral t distribution: the noncentrality parameters ``ncp`` with
    ``P(T' <= t; df, ncp) = 0.975`` and ``0.025`` (df = n_a + n_b - 2), each times
    ``sqrt(1/n_a + 1/n_b)`` (Steiger & Fouladi 1997; R ``effectsize::cohens_d``, MBESS
    ``ci.smd``). Hedges' g is ``d J`` with the exact small-sample factor
    ``J = Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))`` and its interval is the d interval
    times J (R ``effectsize::hedges_g``). SPSS's "Hedges' correction" uses the
    approximation ``1 - 3/(4 df - 1)``, which differs from J by less than 1e-4 for
    df >= 20.

    Returns
    -------
    dict
        ``cohens_d``, ``cohens_d_ci_low``, ``cohens_d_ci_high``, ``hedges_g``,
        ``hedges_g_ci_low``, ``hedges_g_ci_high``.

    Examples
    --------
    R's ``sleep`` data (t = -1.8608, 18 df); R ``effectsize::cohens_d(extra ~ group,
    sleep)`` prints d = -0.83, 95% CI [-1.74, 0.10], ``hedges_g`` g = -0.80 [-1.67, 0.09]:

    >>> out = cohens_d(-1.860813, 10, 10)
    >>> round(out["cohens_d"], 4), round(out["cohens_d_ci_low"], 4)
    (-0.8322, -1.7388)
    >>> round(out["hedges_g"], 4), round(out["hedges_g_ci_high"], 4)
    (-0.7969, 0.0914)
    """
    dof = n_a + n_b - 2
    scale = math.sqrt(1.0 / n_a + 1.0 / n_b)
    tail = (1.0 - ci_level) / 2.0
    low, high = (_noncentrality(t, dof, p) * scale for p in (1.0 - tail, tail))
    # In one exponent: each gammaln alone overflows exp() past about 340 participants.
    j = math.exp(
        special.gammaln(dof / 2) - special.gammaln((dof - 1) / 2) - math.log(math.sqrt(dof / 2))
    )
    d = t * scale
    return {
        "cohens_d": d,
        "cohens_d_ci_low": low,
        "cohens_d_ci_high": high,
        "hedges_g": d * j,
        "hedges_g_ci_low": low * j,
        "hedges_g_ci_high": high * j,
    }


def _noncentrality(t: float, dof: float, p: float) -> float:
    """The ncp with ``nct.cdf(t, dof, ncp) = p`` (the cdf falls as ncp grows)."""

    def gap(ncp: float) -> float:
        return float(stats.nct.cdf(t, dof, ncp)) - p

    # Widen a bracket around t step by step: scipy's nct.cdf is NaN far in the tails.
    width = 1.0 + math.sqrt(1.0 + t * t / (2.0 * dof))
    while not (gap(t - width) > 0.0 > gap(t + width)):
        width *= 1.5
        if width > 1e3:
            return math.nan
    return float(optimize.brentq(gap, t - width, t + width, xtol=1e-13))


def crosstab_test(table: ArrayLike | pd.DataFrame) -> dict[str, Any]:
    """The "Chi-Square Tests" and "Symmetric Measures" of SPSS CROSSTABS for a table.

    Parameters
    ----------
    table : array-like, shape (r, c)
        Observed counts (rows: groups, columns: categories).

    Returns
    -------
    dict
        ``n`` (total count), ``chi2``, ``dof``, ``p_val`` (Pearson, uncorrected: SPSS's
        "Pearson Chi-Square" row), ``yates_chi2``, ``yates_p_val`` ("Continuity
        Correction", 2 x 2 only: ``n (max(|ad - bc| - n/2, 0))^2 / (r1 r2 c1 c2)``),
        ``lr_chi2``, ``lr_p_val`` ("Likelihood Ratio", ``G2 = 2 sum O ln(O/E)``, on
        ``dof``), ``fisher_p_val`` (two-sided) and ``fisher_p_val_one_sided`` (SPSS
        "Exact Sig. (1-sided)": the tail of the hypergeometric distribution of cell
        ``a`` in the direction it lies from its expectation; the smaller tail when it
        equals it), both 2 x 2 only, ``phi`` (2 x 2: signed ``(ad - bc) / sqrt(r1 r2 c1
        c2)``; larger tables ``sqrt(chi2 / n)``, as SPSS), ``cramers_v``
        (``sqrt(chi2 / (n (min(r, c) - 1)))``, no bias correction), ``min_expected`` (the
        smallest expected count; below 5 the chi-square approximation is poor). The
        statistics that are not defined for the table are NaN; the chi-squares are NaN
        when a row or column total is zero.

    References
    ----------
    R: ``chisq.test(table, correct = FALSE)``, ``chisq.test(table)`` (Yates),
    ``fisher.test(table)``, ``fisher.test(table, alternative = "greater" / "less")``,
    ``psych::phi(table)``, ``effectsize::cramers_v(table, adjust = FALSE)``;
    G2 as in Agresti (2007, sec. 2.4.3).

    Examples
    --------
    Agresti (2007, p. 39), the example of R's ``?chisq.test`` (its G2, by the formula
    above, is 30.02):

    >>> out = crosstab_test([[762, 327, 468], [484, 239, 477]])
    >>> round(out["chi2"], 2), out["dof"], float(f"{out['p_val']:.4g}")
    (30.07, 2, 2.954e-07)
    >>> round(out["lr_chi2"], 2), round(out["cramers_v"], 4)
    (30.02, 0.1044)
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or min(counts.shape) < 2:
        raise ValueError(f"expected a table of at least 2 x 2 counts, got shape {counts.shape}")
    if np.isnan(counts).any() or (counts < 0).any():
        raise ValueError("expected non-negative counts, got a negative or missing cell")
    out: dict[str, Any] = {
        "n": int(counts.sum()),
        "chi2": np.nan,
        "dof": int((counts.shape[0] - 1) * (counts.shape[1] - 1)),
        "p_val": np.nan,
        "fisher_p_val": np.nan,
        "min_expected": np.nan,
    }
    out.update(dict.fromkeys(CROSSTAB_EXTRAS, np.nan))
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    square = counts.shape == (2, 2)
    if (rows > 0).all() and (columns > 0).all():
        n = counts.sum()
        result = stats.chi2_contingency(counts, correction=False)
        chi2 = float(result.statistic)
        observed = counts[counts > 0]
        expected = result.expected_freq[counts > 0]
        lr = 2.0 * float(np.sum(observed * np.log(observed / expected)))
        out.update(
            chi2=chi2,
            p_val=float(result.pvalue),
            min_expected=float(result.expected_freq.min()),
            lr_chi2=lr,
            lr_p_val=float(stats.chi2.sf(lr, out["dof"])),
            cramers_v=math.sqrt(chi2 / (n * (min(counts.shape) - 1))),
            phi=math.sqrt(chi2 / n),
        )
        if square:
            yates = stats.chi2_contingency(counts, correction=True)
            (a, b), (c, d) = counts
            out.update(
                yates_chi2=float(yates.statistic),
                yates_p_val=float(yates.pvalue),
                phi=float((a * d - b * c) / math.sqrt(rows.prod() * columns.prod())),
            )
    if square and counts.sum() > 0:
        out["fisher_p_val"] = float(stats.fisher_exact(counts).pvalue)
        greater = float(stats.fisher_exact(counts, alternative="greater").pvalue)
        less = float(stats.fisher_exact(counts, alternative="less").pvalue)
        expected_a = rows[0] * columns[0] / counts.sum()
        if counts[0, 0] > expected_a:
            out["fisher_p_val_one_sided"] = greater
        elif counts[0, 0] < expected_a:
            out["fisher_p_val_one_sided"] = less
        else:
            out["fisher_p_val_one_sided"] = min(greater, less)
    return out

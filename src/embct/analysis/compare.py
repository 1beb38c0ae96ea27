"""Two-group comparisons as SPSS prints them: independent t and cross-tabulation tests.

SPSS's "Independent Samples Test" shows Levene's test (mean-centred) and two t rows,
"equal variances assumed" (Student) and "not assumed" (Welch); its "Chi-Square Tests" row
"Pearson Chi-Square" has no continuity correction, and "Fisher's Exact Test" stands beside
it for a 2 x 2 table. scipy's defaults differ (Levene is median-centred, ``chi2_contingency``
applies Yates to 2 x 2 tables), so the choices are made explicit here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["crosstab_test", "independent_t"]

_TESTS = (
    *("t", "dof", "p_val", "ci_low", "ci_high"),
    *("welch_t", "welch_dof", "welch_p_val"),
    *("levene_f", "levene_df1", "levene_df2", "levene_p_val"),
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
        (mean-centred, SPSS's Levene). Statistics that need two values per group are NaN
        when a group has fewer.

    Notes
    -----
    Two-sided tests. Levene's test is the one-way ANOVA of ``|x - mean(group)|``
    (``scipy.stats.levene(center="mean")``, R ``car::leveneTest(center = mean)``); the scipy
    and car default, the median, is the Brown-Forsythe variant.

    References
    ----------
    R: ``t.test(var.equal = TRUE)``, ``t.test()``, ``car::leveneTest(center = mean)``.

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


def crosstab_test(table: ArrayLike | pd.DataFrame) -> dict[str, Any]:
    """Pearson chi-square without continuity correction, and Fisher's exact test (2 x 2).

    Parameters
    ----------
    table : array-like, shape (r, c)
        Observed counts (rows: groups, columns: categories).

    Returns
    -------
    dict
        ``n`` (total count), ``chi2``, ``dof``, ``p_val`` (Pearson, uncorrected: SPSS's
        "Pearson Chi-Square" row), ``fisher_p_val`` (two-sided, 2 x 2 tables only, else NaN),
        ``min_expected`` (the smallest expected count; below 5 the chi-square approximation
        is poor). The chi-square is NaN when a row or column total is zero.

    References
    ----------
    R: ``chisq.test(table, correct = FALSE)``, ``fisher.test(table)``.

    Examples
    --------
    Agresti (2007, p. 39), the example of R's ``?chisq.test``:

    >>> out = crosstab_test([[762, 327, 468], [484, 239, 477]])
    >>> round(out["chi2"], 2), out["dof"], float(f"{out['p_val']:.4g}")
    (30.07, 2, 2.954e-07)
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
    rows, columns = counts.sum(axis=1), counts.sum(axis=0)
    if (rows > 0).all() and (columns > 0).all():
        result = stats.chi2_contingency(counts, correction=False)
        out.update(
            chi2=float(result.statistic),
            p_val=float(result.pvalue),
            min_expected=float(result.expected_freq.min()),
        )
    if counts.shape == (2, 2) and counts.sum() > 0:
        out["fisher_p_val"] = float(stats.fisher_exact(counts).pvalue)
    return out

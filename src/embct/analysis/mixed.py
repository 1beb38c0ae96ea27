"""A linear mixed model for the alliance on every available observation (beyond the paper):
random intercept per participant, fixed week x arm, fitted by REML in closed form per
participant so that it scales to millions of participants."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import optimize, stats

from embct.analysis.linalg import (
    FloatArray,
    ModelError,
    check_arm,
    check_numeric,
    json_number,
    missing_columns,
)

__all__ = ["RandomInterceptFit", "alliance_mixed_model", "random_intercept_reml"]


@dataclass(frozen=True)
class RandomInterceptFit:
    """REML fit of ``y = X b + u_group + e`` with ``u ~ N(0, tau2)``, ``e ~ N(0, sigma2)``."""

    params: FloatArray
    cov: FloatArray
    group_var: float
    residual_var: float
    llf: float  # restricted log-likelihood, constants included (as statsmodels MixedLM)
    n_obs: int
    n_groups: int
    converged: bool


def random_intercept_reml(x: ArrayLike, y: ArrayLike, groups: ArrayLike) -> RandomInterceptFit:
    """REML estimates of the random-intercept linear mixed model, by profiling.

    With ``gamma = tau2 / sigma2`` each participant's covariance is
    ``sigma2 (I + gamma J)``, whose inverse is ``(I - c_i J) / sigma2`` with
    ``c_i = gamma / (1 + n_i gamma)``. Hence ``X'V^-1 X``, ``X'V^-1 y`` and ``y'V^-1 y``
    need only per-participant sums (one pass), ``sigma2`` profiles out as
    ``Q(gamma) / (N - p)`` and the restricted log-likelihood
    ``-1/2 [(N-p) log(2 pi sigma2) + sum log(1 + n_i gamma) + log|A(gamma)| + N - p]``
    (``A = sigma2 X'V^-1 X``) is maximised over ``gamma >= 0`` by bounded Brent search.
    ``Cov(b) = sigma2 A^-1``. The same model as statsmodels
    ``MixedLM(y, X, groups).fit(reml=True)`` and R ``lme4::lmer(y ~ ... + (1 | id))``.

    Parameters
    ----------
    x : array_like, shape (N, p)
        Fixed-effects design (intercept included).
    y : array_like, shape (N,)
        Response.
    groups : array_like, shape (N,)
        Participant of each observation.

    Returns
    -------
    RandomInterceptFit

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(50), 3)
    >>> y = 10 + rng.normal(0, 2, 50)[g] + rng.normal(0, 1, 150)
    >>> fit = random_intercept_reml(np.ones((150, 1)), y, g)
    >>> fit.n_groups, round(fit.residual_var, 1) > 0
    (50, True)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    codes, uniques = pd.factorize(np.asarray(groups))
    n_obs, p = x.shape
    n_groups = len(uniques)
    if n_obs - p <= 0:
        raise ModelError(f"{n_obs} observations leave no degrees of freedom for {p} effects")
    # Centre y for accuracy (the intercept absorbs the shift: column 0 must be the intercept).
    shift = float(y.mean()) if np.all(x[:, 0] == 1.0) else 0.0
    y = y - shift
    counts = np.bincount(codes, minlength=n_groups)
    sx = np.column_stack(
        [np.bincount(codes, weights=x[:, j], minlength=n_groups) for j in range(p)]
    )
    sy = np.bincount(codes, weights=y, minlength=n_groups)
    # c_i depends on the group only through its size: aggregate the outer products of the
    # group sums per size once, so each likelihood evaluation costs O(sizes p^2).
    sizes, size_index = np.unique(counts, return_inverse=True)
    n_sizes = len(sizes)
    groups_per_size = np.bincount(size_index, minlength=n_sizes).astype(np.float64)
    sxx = np.zeros((n_sizes, p, p))
    sxy = np.zeros((n_sizes, p))
    syy = np.zeros(n_sizes)
    for s in range(n_sizes):
        members = size_index == s
        block = sx[members]
        sxx[s] = block.T @ block
        sxy[s] = block.T @ sy[members]
        syy[s] = float(sy[members] @ sy[members])
    size_values = sizes.astype(np.float64)
    xtx = x.T @ x
    xty = x.T @ y
    yty = float(y @ y)
    dof = n_obs - p

    def parts(gamma: float) -> tuple[FloatArray, FloatArray, float]:
        c = gamma / (1.0 + size_values * gamma)
        a = xtx - np.einsum("s,sij->ij", c, sxx)
        b = xty - c @ sxy
        beta = np.linalg.solve(a, b)
        q = yty - float(c @ syy) - float(b @ beta)
        return a, beta, q

    def neg2ll(gamma: float) -> float:
        a, _, q = parts(gamma)
        sign, logdet = np.linalg.slogdet(a)
        if sign <= 0 or q <= 0:
            return math.inf
        log_v = float(groups_per_size @ np.log1p(size_values * gamma))
        return float(dof * math.log(2 * math.pi * q / dof) + log_v + logdet + dof)

    # Search on rho = gamma / (1 + gamma) in [0, 1).
    def objective(rho: float) -> float:
        return neg2ll(rho / (1.0 - rho))

    res = optimize.minimize_scalar(
        objective, bounds=(0.0, 1.0 - 1e-9), method="bounded", options={"xatol": 1e-12}
    )
    rho = float(res.x)
    if objective(0.0) <= res.fun:
        rho = 0.0
    gamma = rho / (1.0 - rho)
    a, beta, q = parts(gamma)
    sigma2 = q / dof
    cov = sigma2 * np.linalg.inv(a)
    beta = beta.copy()
    beta[0] += shift
    return RandomInterceptFit(
        params=beta,
        cov=cov,
        group_var=gamma * sigma2,
        residual_var=sigma2,
        llf=-0.5 * neg2ll(gamma),
        n_obs=n_obs,
        n_groups=n_groups,
        converged=bool(res.success),
    )


def alliance_mixed_model(
    frame: pd.DataFrame,
    *,
    waves: Sequence[tuple[str, int]] = (("wai_w2", 2), ("wai_w5", 5), ("wai_w9", 9)),
    alpha: float = 0.05,
) -> dict[str, Any]:
    """Linear mixed model of the alliance on all available observations.

    Long format: one row per participant and week with a WAI total, for every starter
    (``started`` when the column exists) with at least one; so dropouts with a week-2 WAI
    count. Fixed effects: intercept, a dummy per later week (first week = reference),
    ``arm`` and week x arm (terms ``intercept``, ``week_5``, ``week_9``, ``arm``,
    ``week_5:arm``, ``week_9:arm``); a random intercept per participant; REML
    (:func:`random_intercept_reml`). Wald z tests per term; Wald chi-square tests of week
    (the week effects averaged over the two arms, like the repeated-measures time test, so
    the test does not depend on which arm is coded 0) and week x arm (all product terms).
    Unlike the repeated-measures
    MANOVA this uses incomplete cases under missing-at-random.

    Parameters
    ----------
    frame : DataFrame
        The normalized analysis frame.
    waves : sequence of (column, week)
        The repeated measures, first one the reference week.
    alpha : float
        One minus the confidence level of the term intervals.

    Returns
    -------
    dict
        ``n_participants``, ``n_obs``, ``method`` ("REML"), ``converged``, ``random``,
        ``terms[]`` {``term``, ``b``, ``se``, ``z``, ``p_val``, ``ci_low``, ``ci_high``},
        ``random_intercept_var``, ``residual_var``, ``icc``, ``loglik`` (restricted),
        ``tests`` {``time``,
        ``time_x_arm``: {``chi2``, ``dof``, ``p_val``}}, ``missing_data``; or
        ``{"skipped": reason}``.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> n = 30
    >>> base = rng.normal(36, 8, n)
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], n // 2), "wai_w2": base,
    ...                       "wai_w5": base + 2 + rng.normal(0, 3, n),
    ...                       "wai_w9": base + 3 + rng.normal(0, 3, n)})
    >>> frame.loc[:4, "wai_w9"] = np.nan
    >>> res = alliance_mixed_model(frame)
    >>> res["n_participants"], res["n_obs"], [t["term"] for t in res["terms"]][:3]
    (30, 85, ['intercept', 'week_5', 'week_9'])
    """
    columns = [column for column, _ in waves]
    weeks = [week for _, week in waves]
    absent = missing_columns(frame, ["arm", columns[0]])
    if absent:
        return {"skipped": f"no data for {', '.join(absent)}"}
    present = [c for c in columns if c in frame.columns]
    check_arm(frame)
    check_numeric(frame, present)
    rows = frame[present].notna().any(axis=1)
    rule = "starters with at least one of " + ", ".join(columns) + " (all available observations)"
    if "started" in frame.columns:
        rows &= frame["started"].fillna(False).astype(bool)
    sub = frame.loc[rows]
    values = np.column_stack(
        [
            sub[c].to_numpy(dtype=np.float64) if c in sub.columns else np.full(len(sub), np.nan)
            for c in columns
        ]
    )
    k = len(columns)
    participant = np.repeat(np.arange(len(sub)), k)
    week_index = np.tile(np.arange(k), len(sub))
    arm = np.repeat(sub["arm"].to_numpy(dtype=np.float64), k)
    y = values.reshape(-1)
    keep = ~np.isnan(y)
    y, participant, week_index, arm = y[keep], participant[keep], week_index[keep], arm[keep]
    observed_weeks = np.flatnonzero(np.bincount(week_index, minlength=k))
    if not (np.any(arm == 0) and np.any(arm == 1)) or len(observed_weeks) < k:
        return {"skipped": f"every arm and every week must have observations ({rule})"}
    dummies = [(week_index == j).astype(np.float64) for j in range(1, k)]
    names = ["intercept", *(f"week_{w}" for w in weeks[1:]), "arm"]
    names += [f"week_{w}:arm" for w in weeks[1:]]
    x = np.column_stack([np.ones(len(y)), *dummies, arm, *(d * arm for d in dummies)])
    n_participants = int(np.count_nonzero(np.bincount(participant)))
    if len(y) - n_participants < 1 or len(y) <= x.shape[1]:
        return {"skipped": f"too few repeated observations for a mixed model ({rule})"}
    if np.linalg.matrix_rank(x.T @ x) < x.shape[1]:
        return {"skipped": f"every arm must be observed in every week ({rule})"}
    fit = random_intercept_reml(x, y, participant)
    se = np.sqrt(np.diag(fit.cov))
    z = fit.params / se
    crit = float(stats.norm.ppf(1 - alpha / 2))
    terms = [
        {
            "term": name,
            "b": json_number(fit.params[j]),
            "se": json_number(se[j]),
            "z": json_number(z[j]),
            "p_val": json_number(2 * stats.norm.sf(abs(z[j]))),
            "ci_low": json_number(fit.params[j] - crit * se[j]),
            "ci_high": json_number(fit.params[j] + crit * se[j]),
        }
        for j, name in enumerate(names)
    ]
    # Time is tested averaged over the two arms (week_j + week_j:arm / 2), as the
    # repeated-measures time test is, so it does not depend on which arm is coded 0.
    time_contrast = np.zeros((k - 1, x.shape[1]))
    interaction_contrast = np.zeros((k - 1, x.shape[1]))
    for j in range(k - 1):
        time_contrast[j, 1 + j] = 1.0
        time_contrast[j, k + 1 + j] = 0.5
        interaction_contrast[j, k + 1 + j] = 1.0
    tests = {}
    for label, contrast in (("time", time_contrast), ("time_x_arm", interaction_contrast)):
        estimate = contrast @ fit.params
        chi2 = float(estimate @ np.linalg.solve(contrast @ fit.cov @ contrast.T, estimate))
        tests[label] = {
            "chi2": json_number(chi2),
            "dof": k - 1,
            "p_val": json_number(stats.chi2.sf(chi2, k - 1)),
        }
    total = fit.group_var + fit.residual_var
    return {
        "n_participants": n_participants,
        "n_obs": len(y),
        "method": "REML",
        "random": "intercept per participant",
        "terms": terms,
        "converged": fit.converged,
        "random_intercept_var": json_number(fit.group_var),
        "residual_var": json_number(fit.residual_var),
        "icc": json_number(fit.group_var / total) if total > 0 else None,
        "loglik": json_number(fit.llf),
        "tests": tests,
        "missing_data": rule,
    }

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

__all__ = ["RandomInterceptFit", "alliance_mixed_model", "random_intercept_reml", "satterthwaite"]


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


class _Sums:
    """The per-participant sums the random-intercept likelihood needs (one pass)."""

    def __init__(self, x: FloatArray, y: FloatArray, groups: ArrayLike) -> None:
        codes, uniques = pd.factorize(np.asarray(groups))
        self.n_obs, self.p = x.shape
        self.n_groups = len(uniques)
        if self.n_obs - self.p <= 0:
            raise ModelError(
                f"{self.n_obs} observations leave no degrees of freedom for {self.p} effects"
            )
        p = self.p
        # Centre y for accuracy (the intercept absorbs the shift: column 0 must be it).
        self.shift = float(y.mean()) if np.all(x[:, 0] == 1.0) else 0.0
        y = y - self.shift
        counts = np.bincount(codes, minlength=self.n_groups)
        sx = np.column_stack(
            [np.bincount(codes, weights=x[:, j], minlength=self.n_groups) for j in range(p)]
        )
        sy = np.bincount(codes, weights=y, minlength=self.n_groups)
        # c_i depends on the group only through its size: aggregate the outer products of
        # the group sums per size once, so each evaluation costs O(sizes p^2).
        sizes, size_index = np.unique(counts, return_inverse=True)
        n_sizes = len(sizes)
        self.groups_per_size = np.bincount(size_index, minlength=n_sizes).astype(np.float64)
        self.sxx = np.zeros((n_sizes, p, p))
        self.sxy = np.zeros((n_sizes, p))
        self.syy = np.zeros(n_sizes)
        for s in range(n_sizes):
            members = size_index == s
            block = sx[members]
            self.sxx[s] = block.T @ block
            self.sxy[s] = block.T @ sy[members]
            self.syy[s] = float(sy[members] @ sy[members])
        self.size_values = sizes.astype(np.float64)
        self.xtx = x.T @ x
        self.xty = x.T @ y
        self.yty = float(y @ y)

    def parts(self, gamma: float) -> tuple[FloatArray, FloatArray, float]:
        """``A = sigma2 X'V^-1 X``, the GLS estimate and ``Q = sigma2 (y-Xb)'V^-1(y-Xb)``."""
        c = gamma / (1.0 + self.size_values * gamma)
        a = self.xtx - np.einsum("s,sij->ij", c, self.sxx)
        b = self.xty - c @ self.sxy
        beta = np.linalg.solve(a, b)
        q = self.yty - float(c @ self.syy) - float(b @ beta)
        return a, beta, q

    def log_v(self, gamma: float) -> float:
        return float(self.groups_per_size @ np.log1p(self.size_values * gamma))

    def deviance(self, tau2: float, sigma2: float, *, reml: bool = True) -> float:
        """``-2 log L`` (REML or ML, constants included) at the variances (not profiled)."""
        gamma = tau2 / sigma2
        a, _, q = self.parts(gamma)
        logdet = float(np.linalg.slogdet(a)[1]) - self.p * math.log(sigma2) if reml else 0.0
        dof = self.n_obs - self.p if reml else self.n_obs
        return float(
            dof * math.log(2 * math.pi)
            + self.n_obs * math.log(sigma2)
            + self.log_v(gamma)
            + logdet
            + q / sigma2
        )

    def cov_jacobian(self, tau2: float, sigma2: float) -> tuple[FloatArray, FloatArray]:
        """``d Cov(b) / d tau2`` and ``d Cov(b) / d sigma2`` with ``Cov(b) = sigma2 A^-1``.

        ``dA/dgamma = -D``, ``D = sum_i (1 + n_i gamma)^-2 s_i s_i'`` (``s_i`` the group sums
        of ``X``), ``gamma = tau2 / sigma2``: ``dC/dtau2 = A^-1 D A^-1`` and
        ``dC/dsigma2 = A^-1 - gamma A^-1 D A^-1``."""
        gamma = tau2 / sigma2
        a, _, _ = self.parts(gamma)
        a_inv = np.linalg.inv(a)
        d = np.einsum("s,sij->ij", 1.0 / (1.0 + self.size_values * gamma) ** 2, self.sxx)
        ada = a_inv @ d @ a_inv
        return ada, a_inv - gamma * ada


def random_intercept_reml(
    x: ArrayLike, y: ArrayLike, groups: ArrayLike, *, reml: bool = True
) -> RandomInterceptFit:
    """REML (or, with ``reml=False``, ML) estimates of the random-intercept linear mixed
    model, by profiling.

    With ``gamma = tau2 / sigma2`` each participant's covariance is
    ``sigma2 (I + gamma J)``, whose inverse is ``(I - c_i J) / sigma2`` with
    ``c_i = gamma / (1 + n_i gamma)``. Hence ``X'V^-1 X``, ``X'V^-1 y`` and ``y'V^-1 y``
    need only per-participant sums (one pass), ``sigma2`` profiles out as
    ``Q(gamma) / (N - p)`` and the restricted log-likelihood
    ``-1/2 [(N-p) log(2 pi sigma2) + sum log(1 + n_i gamma) + log|A(gamma)| + N - p]``
    (``A = sigma2 X'V^-1 X``) is maximised over ``gamma >= 0`` by bounded Brent search.
    ML: ``sigma2 = Q / N`` and ``-1/2 [N log(2 pi sigma2) + sum log(1 + n_i gamma) + N]``
    (lme4's ``REML = FALSE``, the fits ``anova(m0, m1)`` compares).
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
    reml : bool
        Restricted (default) or full maximum likelihood.

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
    >>> random_intercept_reml(np.ones((150, 1)), y, g, reml=False).llf > fit.llf
    True
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sums = _Sums(x, y, groups)
    dof = sums.n_obs - sums.p if reml else sums.n_obs

    def neg2ll(gamma: float) -> float:
        a, _, q = sums.parts(gamma)
        sign, logdet = np.linalg.slogdet(a)
        if sign <= 0 or q <= 0:
            return math.inf
        return float(
            dof * math.log(2 * math.pi * q / dof)
            + sums.log_v(gamma)
            + (logdet if reml else 0.0)
            + dof
        )

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
    a, beta, q = sums.parts(gamma)
    sigma2 = q / dof
    cov = sigma2 * np.linalg.inv(a)
    beta = beta.copy()
    beta[0] += sums.shift
    return RandomInterceptFit(
        params=beta,
        cov=cov,
        group_var=gamma * sigma2,
        residual_var=sigma2,
        llf=-0.5 * neg2ll(gamma),
        n_obs=sums.n_obs,
        n_groups=sums.n_groups,
        converged=bool(res.success),
    )


def satterthwaite(
    x: ArrayLike, y: ArrayLike, groups: ArrayLike, fit: RandomInterceptFit, *lmats: ArrayLike
) -> list[dict[str, Any]]:
    """Satterthwaite's F test of each ``L b = 0`` in a REML random-intercept fit, as lmerTest.

    ``A = 2 H^-1`` is the asymptotic covariance of the variance parameters
    (``H`` the Hessian of the REML deviance in ``(tau2, sigma2)``, by central
    differences, as lmerTest's numerical Hessian; the degrees of freedom do not depend on
    the parameterisation at the optimum) and ``J_k = d Cov(b) / d theta_k`` in closed
    form. One row: ``df = 2 (l'Cl)^2 / (g'Ag)``, ``g_k = l'J_k l``, ``t = l'b / sqrt(l'Cl)``.
    Several rows (lmerTest's ``contestMD``): with ``LCL' = P D P'``, ``F = sum_m
    (p_m'Lb)^2 / d_m / q``, ``nu_m = 2 d_m^2 / (g_m'Ag_m)``, ``E = sum nu_m/(nu_m - 2)``
    and ``df2 = 2E / (E - q)`` (``2`` when some ``nu_m <= 2``; the common value when all
    are equal). At the boundary ``tau2 = 0`` only ``sigma2`` is free; where the Hessian
    is not positive definite the df (and p) are NaN. Reference:
    Kuznetsova, Brockhoff & Christensen (2017), J. Stat. Softw. 82(13), lmerTest.

    The data pass and the Hessian are computed once for all the ``L`` given.

    Returns
    -------
    list of dict
        One per ``L``: ``f``, ``df1``, ``df2``, ``p_val``; with one row also ``t``,
        ``estimate``, ``se``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(40), 3)
    >>> arm = (np.arange(120) >= 60).astype(float)
    >>> y = 10 + arm + rng.normal(0, 2, 40)[g] + rng.normal(0, 1, 120)
    >>> x = np.column_stack([np.ones(120), arm])
    >>> fit = random_intercept_reml(x, y, g)
    >>> [res] = satterthwaite(x, y, g, fit, [[0.0, 1.0]])
    >>> 37 < res["df2"] < 39  # about the 38 participants' df of a between effect
    True
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sums = _Sums(x, y, groups)
    tau2, sigma2 = fit.group_var, fit.residual_var
    jac_tau, jac_sigma = sums.cov_jacobian(tau2, sigma2)
    theta = np.array([tau2, sigma2])
    free = [0, 1] if tau2 > 0 else [1]
    jacobians = [[jac_tau, jac_sigma][k] for k in free]

    def dev(values: FloatArray) -> float:
        full = theta.copy()
        full[free] = values
        return sums.deviance(float(full[0]), float(full[1]))

    point = theta[free]
    steps = 1e-4 * np.maximum(np.abs(point), 1e-8)
    hess = np.zeros((len(free), len(free)))
    for i in range(len(free)):
        for j in range(len(free)):
            total = 0.0
            for si, sj, sign in ((1, 1, 1), (1, -1, -1), (-1, 1, -1), (-1, -1, 1)):
                shifted = point.copy()
                shifted[i] += si * steps[i]
                shifted[j] += sj * steps[j]
                total += sign * dev(shifted)
            hess[i, j] = total / (4 * steps[i] * steps[j])
    if np.all(np.isfinite(hess)) and float(np.linalg.eigvalsh(hess).min()) > 0:
        a_cov: FloatArray = np.asarray(2.0 * np.linalg.inv(hess), dtype=np.float64)
    else:  # not at a maximum: no Satterthwaite df (NaN, null in the document)
        a_cov = np.full_like(hess, np.nan)
    return [
        _satterthwaite_test(
            fit, np.atleast_2d(np.asarray(lmat, dtype=np.float64)), jacobians, a_cov
        )
        for lmat in lmats
    ]


def _satterthwaite_test(
    fit: RandomInterceptFit,
    lmat: FloatArray,
    jacobians: list[FloatArray],
    a_cov: FloatArray,
) -> dict[str, Any]:
    cov = fit.cov
    estimate = lmat @ fit.params
    q = lmat.shape[0]

    def quad(row: FloatArray, matrix: np.ndarray[Any, Any]) -> float:
        return float(row @ matrix @ row)

    if q == 1:
        row = lmat[0]
        var = quad(row, cov)
        grad = np.array([quad(row, j) for j in jacobians])
        df = 2 * var * var / quad(grad, a_cov)
        t = float(estimate[0]) / math.sqrt(var)
        return {
            "estimate": float(estimate[0]),
            "se": math.sqrt(var),
            "t": t,
            "f": t * t,
            "df1": 1,
            "df2": df,
            "p_val": float(2 * stats.t.sf(abs(t), df)),
        }
    vals, vecs = np.linalg.eigh(lmat @ cov @ lmat.T)
    order = np.argsort(vals)[::-1]
    vals, vecs = vals[order], vecs[:, order]
    rank = int(np.sum(vals > max(np.finfo(float).eps * vals[0], 0.0)))
    ptl = (vecs.T @ lmat)[:rank]
    f = float(np.sum((ptl @ fit.params) ** 2 / vals[:rank]) / rank)
    nu = np.array(
        [
            2 * vals[m] ** 2 / quad(np.array([quad(ptl[m], j) for j in jacobians]), a_cov)
            for m in range(rank)
        ]
    )
    if np.all(np.abs(np.diff(nu)) < 1e-8):
        df2 = float(nu.mean())
    elif np.any(nu <= 2):
        df2 = 2.0
    else:
        e_sum = float(np.sum(nu / (nu - 2)))
        df2 = 2 * e_sum / (e_sum - rank)
    return {"f": f, "df1": rank, "df2": df2, "p_val": float(stats.f.sf(f, rank, df2))}


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
    (:func:`random_intercept_reml`). Wald z tests per term, and t tests on Satterthwaite's
    df (:func:`satterthwaite`, lmerTest's default); Wald chi-square tests of week
    (the week effects averaged over the two arms, like the repeated-measures time test, so
    the test does not depend on which arm is coded 0) and week x arm (all product terms),
    each also as an F on Satterthwaite's df; likelihood-ratio tests of ML refits (week x
    arm against week + arm; week and arm each against week + arm without it), as lme4's
    ``anova(m0, m1)``. Unlike the repeated-measures
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
        each term also with ``satterthwaite`` {``df``, ``t``, ``p_val``, ``ci_low``,
        ``ci_high``} (lmerTest's ``summary``, REML),
        ``random_intercept_var``, ``residual_var``, ``icc``, ``loglik`` (restricted),
        ``tests`` {``time``,
        ``time_x_arm``: {``chi2``, ``dof``, ``p_val``, ``satterthwaite`` {``f``, ``df1``,
        ``df2``, ``p_val``} (lmerTest's ``contestMD``)}}, ``lr_tests`` {``time_x_arm``,
        ``time``, ``arm``: {``m0`` (the smaller model's terms), ``loglik_m0``,
        ``loglik_m1``, ``aic_m0``, ``aic_m1``, ``chi2``, ``dof``, ``p_val``}} (ML refits,
        lme4's ``anova(m0, m1)``), ``missing_data``; or ``{"skipped": reason}``.

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
    terms: list[dict[str, Any]] = [
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
    identity = np.eye(x.shape[1])
    *by_term, satt_time, satt_inter = satterthwaite(
        x,
        y,
        participant,
        fit,
        *(identity[j : j + 1] for j in range(x.shape[1])),
        time_contrast,
        interaction_contrast,
    )
    for label, contrast, satt in (
        ("time", time_contrast, satt_time),
        ("time_x_arm", interaction_contrast, satt_inter),
    ):
        estimate = contrast @ fit.params
        chi2 = float(estimate @ np.linalg.solve(contrast @ fit.cov @ contrast.T, estimate))
        tests[label] = {
            "chi2": json_number(chi2),
            "dof": k - 1,
            "p_val": json_number(stats.chi2.sf(chi2, k - 1)),
            "satterthwaite": {key: json_number(satt[key]) for key in ("f", "df1", "df2", "p_val")},
        }
    for j, (term, one) in enumerate(zip(terms, by_term, strict=True)):
        half = float(stats.t.ppf(1 - alpha / 2, one["df2"])) * se[j]
        term["satterthwaite"] = {
            "df": json_number(one["df2"]),
            "t": json_number(one["t"]),
            "p_val": json_number(one["p_val"]),
            "ci_low": json_number(fit.params[j] - half),
            "ci_high": json_number(fit.params[j] + half),
        }
    # Likelihood-ratio tests on ML refits, hierarchical (each term after the terms it does
    # not contain), as lme4's anova(m0, m1): week x arm against week + arm, then week and
    # arm each against the additive model without it.
    additive = list(range(k + 1))
    nested = {
        "time_x_arm": (additive, list(range(x.shape[1])), "week + arm"),
        "time": ([0, k], additive, "arm"),
        "arm": (list(range(k)), additive, "week"),
    }
    ml_fits: dict[tuple[int, ...], RandomInterceptFit] = {}

    def ml(columns: list[int]) -> RandomInterceptFit:
        key = tuple(columns)
        if key not in ml_fits:
            ml_fits[key] = random_intercept_reml(x[:, columns], y, participant, reml=False)
        return ml_fits[key]

    lr_tests = {}
    for label, (small, large, m0) in nested.items():
        f0, f1 = ml(small), ml(large)
        chi2 = max(0.0, 2 * (f1.llf - f0.llf))
        dof = len(large) - len(small)
        lr_tests[label] = {
            "m0": m0,
            "loglik_m0": json_number(f0.llf),
            "loglik_m1": json_number(f1.llf),
            "aic_m0": json_number(-2 * f0.llf + 2 * (len(small) + 2)),
            "aic_m1": json_number(-2 * f1.llf + 2 * (len(large) + 2)),
            "chi2": json_number(chi2),
            "dof": dof,
            "p_val": json_number(stats.chi2.sf(chi2, dof)),
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
        "lr_tests": lr_tests,
        "missing_data": rule,
    }

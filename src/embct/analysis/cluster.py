"""Clustering of patients in therapists and groups (beyond the paper): ICCs, CR2 cluster-robust
standard errors with Satterthwaite df, and a random intercept for the therapist.

Patients of the trial are nested: in group MBCT in the course's group (and its therapist),
in eMBCT in their online therapist. OLS treats them as independent. A methods reviewer asks
how much of the outcome's variance lies between clusters (the ICC), and whether the
regressions' inference survives the clustering: with cluster-robust (CR2, bias-reduced
linearization) standard errors and Satterthwaite degrees of freedom (Bell & McCaffrey 2002;
Pustejovsky & Tipton 2018), and in a linear mixed model with a random therapist intercept
(REML, Satterthwaite df as lmerTest).

References
----------
Donner A. (1986). A review of inference procedures for the intraclass correlation coefficient
in the one-way random effects model. Int Stat Rev 54:67-82.
Bell R.M., McCaffrey D.F. (2002). Bias reduction in standard errors for linear regression with
multi-stage samples. Survey Methodology 28:169-181.
Pustejovsky J.E., Tipton E. (2018). Small-sample methods for cluster-robust variance estimation
and hypothesis testing in fixed effects models. J Bus Econ Stat 36:672-683.
Kuznetsova A., Brockhoff P.B., Christensen R.H.B. (2017). lmerTest package: tests in linear
mixed effects models. J Stat Softw 82(13).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from embct.analysis.linalg import (
    FloatArray,
    ModelError,
    json_number,
)
from embct.analysis.mixed import random_intercept_reml, satterthwaite
from embct.analysis.regression import outcome_sample

__all__ = [
    "CLUSTER_COLUMNS",
    "OUTCOME_TERMS",
    "cr2_coef_test",
    "icc_oneway",
    "outcome_clustering",
    "random_intercept_test",
]

#: The cluster columns of the canonical table: the therapist (both arms) and the MBCT group.
CLUSTER_COLUMNS = {"therapist": "therapist_id", "group": "group_id"}
#: The terms of the paper's three regression steps, in coefficient order (after the intercept).
OUTCOME_TERMS = ("baseline", "arm", "wai_w2", "wai_w2:arm")
_STEP_K = (3, 4, 5)  # columns (with the intercept) of steps 1, 2 and 3


def icc_oneway(values: ArrayLike, clusters: ArrayLike) -> dict[str, Any]:
    """Intraclass correlation of ``values`` by cluster: ICC(1) from the one-way ANOVA, and the
    share of variance of a random cluster intercept (REML).

    ICC(1) = (MSB - MSW) / (MSB + (n0 - 1) MSW), with the mean squares between and within
    clusters of the one-way ANOVA and Donner's (1986) average cluster size for unequal sizes,
    n0 = (N - sum n_j^2 / N) / (J - 1); it may be negative. The REML ICC is
    tau2 / (tau2 + sigma2) of ``y = mu + u_j + e`` (``lme4::lmer(y ~ 1 + (1 | cluster))``),
    never negative. Rows with a missing value or cluster are dropped.

    Parameters
    ----------
    values : array_like
        The outcome.
    clusters : array_like
        The cluster of each value (any hashable labels; None/NaN = unknown).

    Returns
    -------
    dict
        ``n``, ``n_clusters``, ``n0``, ``ms_between``, ``ms_within``, ``f``, ``df1``,
        ``df2``, ``p_val`` (the ANOVA F test of no cluster effect), ``icc1`` (ANOVA),
        ``icc_reml``, ``tau2``, ``sigma2`` (the REML variances).

    Raises
    ------
    ModelError
        With fewer than 2 clusters or no within-cluster degrees of freedom.

    Examples
    --------
    >>> y = [1.0, 2, 3, 2, 3, 4, 6, 7, 8]
    >>> res = icc_oneway(y, ["a"] * 3 + ["b"] * 3 + ["c"] * 3)
    >>> res["n_clusters"], res["ms_between"], res["ms_within"], round(res["icc1"], 4)
    (3, 21.0, 1.0, 0.8696)
    >>> round(res["icc_reml"], 4)
    0.8696
    """
    y = np.asarray(values, dtype=np.float64)
    labels = pd.Series(np.asarray(clusters, dtype=object))
    keep = ~np.isnan(y) & labels.notna().to_numpy() & (labels.astype(str) != "").to_numpy()
    y = y[keep]
    codes, uniques = pd.factorize(labels[keep].astype(str))
    n, j = len(y), len(uniques)
    if j < 2 or n - j < 1:
        raise ModelError(f"{n} values in {j} clusters: an ICC needs 2 clusters and replication")
    counts = np.bincount(codes, minlength=j).astype(np.float64)
    means = np.bincount(codes, weights=y, minlength=j) / counts
    grand = float(y.mean())
    msb = float(counts @ (means - grand) ** 2) / (j - 1)
    msw = float(np.sum((y - means[codes]) ** 2)) / (n - j)
    n0 = (n - float(counts @ counts) / n) / (j - 1)
    f = msb / msw if msw > 0 else math.inf
    fit = random_intercept_reml(np.ones((n, 1)), y, codes)
    total = fit.group_var + fit.residual_var
    return {
        "n": n,
        "n_clusters": j,
        "n0": json_number(n0),
        "ms_between": json_number(msb),
        "ms_within": json_number(msw),
        "f": json_number(f),
        "df1": j - 1,
        "df2": n - j,
        "p_val": json_number(stats.f.sf(f, j - 1, n - j)),
        "icc1": json_number((msb - msw) / (msb + (n0 - 1.0) * msw)),
        "icc_reml": json_number(fit.group_var / total if total > 0 else math.nan),
        "tau2": json_number(fit.group_var),
        "sigma2": json_number(fit.residual_var),
    }


def _cr2_adjust(xj: FloatArray, m: FloatArray, *columns: FloatArray) -> list[FloatArray]:
    """``A_j v`` for each ``v`` in ``columns``, ``A_j = (I - X_j M X_j')^(-1/2)`` (symmetric;
    Moore-Penrose where singular, as clubSandwich), without forming the n_j x n_j matrix.

    ``H_jj = X_j M X_j'`` has rank at most p: with ``X_j = Q R`` (thin QR) and
    ``R M R' = W diag(l) W'``, ``H_jj = Z diag(l) Z'`` for the orthonormal ``Z = Q W``, so
    ``A_j = I + Z diag(f(l)) Z'`` with ``f(l) = (1 - l)^(-1/2) - 1`` (and ``-1`` where
    ``1 - l`` is 0: the pseudo-inverse). O(n_j p^2).
    """
    q, r = np.linalg.qr(xj)
    values, w = np.linalg.eigh(r @ m @ r.T)
    z = q @ w
    rest = 1.0 - values
    factor = np.where(rest > 1e-12, 1.0 / np.sqrt(np.maximum(rest, 1e-300)), 0.0) - 1.0
    return [
        v + z @ (factor[:, None] * (z.T @ v)) if v.ndim == 2 else v + z @ (factor * (z.T @ v))
        for v in columns
    ]


def cr2_coef_test(x: ArrayLike, y: ArrayLike, clusters: ArrayLike) -> dict[str, FloatArray]:
    """OLS coefficients with CR2 cluster-robust standard errors and Satterthwaite df.

    The bias-reduced linearization of Bell & McCaffrey (2002) for unweighted OLS, as
    ``clubSandwich::coef_test(lm(...), vcov = "CR2", cluster = ..., test = "Satterthwaite")``:
    ``V = M (sum_j X_j' A_j e_j e_j' A_j X_j) M`` with ``M = (X'X)^-1`` and
    ``A_j = (I - H_jj)^(-1/2)`` (symmetric; pseudo-inverse where singular; computed in
    O(n_j p^2), see :func:`_cr2_adjust`). For a coefficient
    ``c``, with ``G_j = c' M X_j' A_j (I - H)_j`` (working model: independent, homoskedastic
    errors), ``P_ij = G_i G_j'`` and the df are ``(sum_j P_jj)^2 / sum_ij P_ij^2``
    (Pustejovsky & Tipton 2018). ``P`` reduces to ``diag(|w_j|^2) - U' M U`` with
    ``w_j = A_j X_j M c`` and ``u_j = X_j' w_j``, so nothing is n x n.

    Parameters
    ----------
    x : array_like, shape (n, p)
        Design (intercept included), full column rank.
    y : array_like, shape (n,)
    clusters : array_like, shape (n,)
        Cluster labels (no missing values).

    Returns
    -------
    dict of numpy arrays, one value per coefficient
        ``b``, ``se``, ``t``, ``dof`` (Satterthwaite), ``p_val`` (two-sided), and
        ``se_ols`` (the classical standard error, for comparison).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> g = np.repeat(np.arange(8), 5)
    >>> x = np.column_stack([np.ones(40), rng.normal(size=40)])
    >>> y = 1 + 0.5 * x[:, 1] + rng.normal(size=8)[g] + rng.normal(size=40)
    >>> res = cr2_coef_test(x, y, g)
    >>> [round(float(v), 3) for v in res["dof"]]
    [6.989, 3.783]
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    codes, uniques = pd.factorize(np.asarray(clusters))
    n, p = x.shape
    if len(uniques) < 2:
        raise ModelError("cluster-robust standard errors need at least 2 clusters")
    q, r = np.linalg.qr(x)
    b = np.linalg.solve(r, q.T @ y)
    m = np.linalg.inv(r.T @ r)
    e = y - x @ b
    rows = [np.flatnonzero(codes == j) for j in range(len(uniques))]
    # A_j X_j (n_j x p) per cluster; the meat is sum_j (X_j' A_j e_j)(X_j' A_j e_j)'
    ax: list[FloatArray] = []
    meat = np.zeros((p, p))
    for idx in rows:
        (axj,) = _cr2_adjust(x[idx], m, x[idx])
        ax.append(axj)
        s = axj.T @ e[idx]
        meat += np.outer(s, s)
    vcr = m @ meat @ m
    # A coefficient identified within a single cluster has no cluster-robust variance (0 up
    # to rounding): its SE, df and p are NaN (null in the document), not a spurious 0.
    var = np.diag(vcr)
    positive = var > 1e-12 * np.abs(np.diag(m)) * float(e @ e)
    se = np.where(positive, np.sqrt(np.where(positive, var, 1.0)), np.nan)
    dof = np.empty(p)
    for k in range(p):
        mc = m[:, k]
        w = [axj @ mc for axj in ax]
        u = np.column_stack([x[idx].T @ wj for idx, wj in zip(rows, w, strict=True)])
        pm = np.diag([float(wj @ wj) for wj in w]) - u.T @ m @ u
        denominator = float(np.sum(pm**2))
        dof[k] = float(np.trace(pm)) ** 2 / denominator if denominator > 0 else math.nan
    dof[~positive] = math.nan
    t = b / se
    scale = float(e @ e) / (n - p)
    return {
        "b": b,
        "se": se,
        "t": t,
        "dof": dof,
        "p_val": 2 * stats.t.sf(np.abs(t), dof),
        "se_ols": np.sqrt(np.diag(m) * scale),
    }


def random_intercept_test(x: ArrayLike, y: ArrayLike, clusters: ArrayLike) -> dict[str, Any]:
    """Fixed effects of a random-intercept model (REML) with Satterthwaite df, as lmerTest.

    The model ``y = X b + u_j + e`` is fitted by
    :func:`embct.analysis.mixed.random_intercept_reml`; the df of coefficient ``k`` are
    Satterthwaite's ``2 C_kk^2 / (g' A g)`` of :func:`embct.analysis.mixed.satterthwaite`
    (``C = Cov(b)``, ``g`` its gradient in ``(tau2, sigma2)``, ``A = 2 H^-1`` from the
    Hessian of the REML deviance), those of ``lmerTest::lmer(y ~ ... + (1 | cluster))``.
    At a zero therapist variance (boundary, ``singular``) only ``sigma2`` is free, as there.

    Parameters
    ----------
    x : array_like, shape (n, p)
        Fixed-effects design, intercept first.
    y : array_like, shape (n,)
    clusters : array_like, shape (n,)

    Returns
    -------
    dict
        ``b``, ``se``, ``t``, ``dof``, ``p_val`` (arrays per coefficient), ``tau2``,
        ``sigma2``, ``icc`` (``tau2 / (tau2 + sigma2)``, adjusted for the fixed effects),
        ``n_clusters``, ``singular`` (tau2 estimated as 0).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> g = np.repeat(np.arange(10), 6)
    >>> x = np.column_stack([np.ones(60), rng.normal(size=60)])
    >>> y = 2 + x[:, 1] + rng.normal(size=10)[g] + rng.normal(size=60)
    >>> res = random_intercept_test(x, y, g)
    >>> res["n_clusters"], res["singular"], bool(res["dof"][0] < 60)
    (10, False, True)
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    codes, uniques = pd.factorize(np.asarray(clusters))
    fit = random_intercept_reml(x, y, codes)
    tau2, sigma2 = fit.group_var, fit.residual_var
    se = np.sqrt(np.diag(fit.cov))
    t = fit.params / se
    singular = tau2 <= 1e-10 * sigma2
    p = x.shape[1]
    tests = satterthwaite(x, y, codes, fit, *np.eye(p)[:, None, :])
    dof = np.array([test["df2"] for test in tests], dtype=np.float64)
    return {
        "b": fit.params,
        "se": se,
        "t": t,
        "dof": dof,
        "p_val": 2 * stats.t.sf(np.abs(t), dof),
        "tau2": tau2,
        "sigma2": sigma2,
        "icc": tau2 / (tau2 + sigma2),
        "n_clusters": len(uniques),
        "singular": bool(singular),
    }


def design(sample: pd.DataFrame, k: int = 5) -> FloatArray:
    """The first ``k`` columns of ``[1, baseline, arm, wai_w2, wai_w2 * arm]``."""
    columns = [
        np.ones(len(sample)),
        sample["baseline"].to_numpy(),
        sample["arm"].to_numpy(),
        sample["wai_w2"].to_numpy(),
        sample["wai_w2"].to_numpy() * sample["arm"].to_numpy(),
    ]
    return np.column_stack(columns[:k])


def _cluster_labels(sample: pd.DataFrame, column: str) -> pd.Series:
    labels = sample[column].astype(object)
    return labels.where(labels.notna() & (labels.astype(str).str.strip() != ""), None)


def outcome_clustering(frame: pd.DataFrame, outcome: str) -> dict[str, Any]:
    """ICCs of the outcome by therapist and by group, and the three regression steps of the
    paper with OLS, CR2 (by therapist) and random-therapist-intercept inference side by side.

    The sample is the completers' listwise sample of :func:`embct.analysis.outcome_regression`
    (restricted to rows with a therapist for the cluster models). ICCs are of the
    post-treatment outcome: ICC(1) of the one-way ANOVA and the REML ICC of the empty
    random-intercept model (:func:`icc_oneway`), by therapist over both arms and by group
    over the rows with a group (MBCT). The models: per step, OLS (classical SE, df n - p),
    CR2 cluster-robust SE with Satterthwaite df by therapist (:func:`cr2_coef_test`) and the
    random-intercept model for therapist (REML, Satterthwaite df, :func:`random_intercept_test`).

    Parameters
    ----------
    frame : DataFrame
        The normalized frame, with ``therapist_id`` and optionally ``group_id``.
    outcome : {"hads", "mhc"}

    Returns
    -------
    dict
        ``n``, ``n_therapists``, ``missing_data``, ``icc`` {``therapist``, ``group``: each
        :func:`icc_oneway`'s dict or ``{"skipped": reason}``}, ``models`` (a list per step:
        ``step``, ``tau2``, ``sigma2``, ``icc_residual``, ``singular``, ``terms[]`` with
        ``term``, ``b``, ``se_ols``, ``dof_ols``, ``p_val_ols``, ``se_cr2``, ``dof_cr2``,
        ``p_val_cr2``, ``b_mixed``, ``se_mixed``, ``dof_mixed``, ``p_val_mixed``), or
        ``{"skipped": reason}``.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> n = 80
    >>> therapist = np.repeat([f"t{k}" for k in range(8)], n // 8)
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], n // 2), "completer": True,
    ...     "therapist_id": therapist, "wai_w2": rng.normal(36, 9, n),
    ...     "hads_pre": rng.normal(18, 6, n)})
    >>> effect = dict(zip(sorted(set(therapist)), rng.normal(0, 2, 8)))
    >>> frame["hads_post"] = (4 + 0.6 * frame["hads_pre"] + frame["therapist_id"].map(effect)
    ...                       + rng.normal(0, 4, n))
    >>> res = outcome_clustering(frame, "hads")
    >>> res["n"], res["n_therapists"], list(res["icc"]["group"])
    (80, 8, ['skipped'])
    >>> [t["term"] for t in res["models"][2]["terms"]]
    ['intercept', 'baseline', 'arm', 'wai_w2', 'wai_w2:arm']
    """
    if "therapist_id" not in frame.columns or not frame["therapist_id"].notna().any():
        return {"skipped": "no therapist_id in the data"}
    got = outcome_sample(frame, outcome, extra=list(CLUSTER_COLUMNS.values()))
    if isinstance(got, str):
        return {"skipped": got}
    sample, rule = got
    therapist = _cluster_labels(sample, "therapist_id")
    sample = sample[therapist.notna().to_numpy()].reset_index(drop=True)
    therapist_ids = therapist[therapist.notna()].to_numpy()
    n = len(sample)
    n_therapists = len(set(therapist_ids))
    if n_therapists < 3 or n < 8:
        return {
            "skipped": f"{n} cases with {n_therapists} therapists ({rule}); at least 3 "
            "therapists and 8 cases are needed"
        }
    per_arm = np.bincount(sample["arm"].to_numpy(dtype=np.int64), minlength=2)
    if per_arm.min() < 2:
        return {"skipped": f"{per_arm.min()} case(s) in an arm ({rule}); at least 2 per arm"}
    icc: dict[str, Any] = {}
    for name, column in CLUSTER_COLUMNS.items():
        if column not in sample.columns or not sample[column].notna().any():
            icc[name] = {"skipped": f"no {column} in the data"}
            continue
        labels = _cluster_labels(sample, column)
        try:
            icc[name] = icc_oneway(sample["post"], labels)
        except (ModelError, np.linalg.LinAlgError) as error:
            icc[name] = {"skipped": str(error)}
    models = []
    y = sample["post"].to_numpy()
    names = ["intercept", *OUTCOME_TERMS]
    for step, k in enumerate(_STEP_K, start=1):
        x = design(sample, k)
        try:
            robust = cr2_coef_test(x, y, therapist_ids)
            mixed = random_intercept_test(x, y, therapist_ids)
        except (ModelError, np.linalg.LinAlgError) as error:
            return {"skipped": f"step {step}: {error}"}
        dof_ols = n - k
        t_ols = robust["b"] / robust["se_ols"]
        terms = []
        for j in range(k):
            terms.append(
                {
                    "term": names[j],
                    "b": json_number(robust["b"][j]),
                    "se_ols": json_number(robust["se_ols"][j]),
                    "dof_ols": dof_ols,
                    "p_val_ols": json_number(2 * stats.t.sf(abs(t_ols[j]), dof_ols)),
                    "se_cr2": json_number(robust["se"][j]),
                    "dof_cr2": json_number(robust["dof"][j]),
                    "p_val_cr2": json_number(robust["p_val"][j]),
                    "b_mixed": json_number(mixed["b"][j]),
                    "se_mixed": json_number(mixed["se"][j]),
                    "dof_mixed": json_number(mixed["dof"][j]),
                    "p_val_mixed": json_number(mixed["p_val"][j]),
                }
            )
        models.append(
            {
                "step": step,
                "tau2": json_number(mixed["tau2"]),
                "sigma2": json_number(mixed["sigma2"]),
                "icc_residual": json_number(mixed["icc"]),
                "singular": mixed["singular"],
                "terms": terms,
            }
        )
    return {
        "outcome": outcome,
        "n": n,
        "n_therapists": n_therapists,
        "missing_data": f"{rule}, with a therapist",
        "icc": icc,
        "models": models,
    }

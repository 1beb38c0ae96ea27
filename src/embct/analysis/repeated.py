"""Split-plot repeated measures as SPSS GLM Repeated Measures (and car::Anova) compute
them: the multivariate linear model ``Y = X B + E`` with hypotheses ``L B M = 0``
(Type III, sum-to-zero coding), Mauchly's test, Greenhouse-Geisser and Huynh-Feldt
corrected univariate tests, estimated marginal means; and the paper's alliance development
analysis (analysis 5) in closed form for two arms."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import stats

from embct.analysis.linalg import (
    FloatArray,
    ModelError,
    arm_labels,
    check_arm,
    check_numeric,
    json_number,
    missing_columns,
)

__all__ = [
    "WAI_WAVES",
    "alliance_development",
    "alliance_development_table",
    "box_m",
    "contrast_names",
    "hypothesis_sscp",
    "multivariate_tests",
    "orthonormal_contrasts",
    "sphericity",
    "univariate_tests",
]

WAI_WAVES = (("wai_w2", 2), ("wai_w5", 5), ("wai_w9", 9))


def orthonormal_contrasts(levels: int) -> FloatArray:
    """Orthonormal polynomial contrasts (``levels`` x ``levels - 1``), as R's ``contr.poly``.

    Examples
    --------
    >>> np.round(orthonormal_contrasts(3), 4)
    array([[-0.7071,  0.4082],
           [ 0.    , -0.8165],
           [ 0.7071,  0.4082]])
    """
    if levels < 2:
        raise ModelError(f"{levels} levels: contrasts need at least 2")
    x = np.arange(1, levels + 1, dtype=np.float64)
    vander = np.vander(x - x.mean(), levels, increasing=True)
    q, r = np.linalg.qr(vander)
    q = q * np.sign(np.diag(r))
    q[np.abs(q) < 1e-12] = 0.0
    return np.asarray(q[:, 1:], dtype=np.float64)


def contrast_names(count: int) -> list[str]:
    """SPSS's names of the polynomial contrasts of a factor with ``count + 1`` levels.

    Examples
    --------
    >>> contrast_names(4)
    ['linear', 'quadratic', 'cubic', 'order_4']
    """
    names = ["linear", "quadratic", "cubic"]
    return [names[j] if j < 3 else f"order_{j + 1}" for j in range(count)]


def box_m(y: ArrayLike, groups: ArrayLike) -> dict[str, Any]:
    """Box's M test of equality of the groups' covariance matrices, with SPSS's F.

    ``M = (N - g) ln|S| - sum (n_i - 1) ln|S_i|`` with ``S_i`` the groups' covariance
    matrices and ``S`` the pooled one (``p`` variables, ``g`` groups, ``N`` cases). Box's
    (1949) F approximation, as SPSS GLM prints it: ``c1 = (sum 1/(n_i - 1) - 1/(N - g))
    (2p^2 + 3p - 1) / (6 (p + 1)(g - 1))``, ``c2 = (sum 1/(n_i - 1)^2 - 1/(N - g)^2)
    (p - 1)(p + 2) / (6 (g - 1))``, ``df1 = (g - 1) p (p + 1) / 2``,
    ``df2 = (df1 + 2) / |c2 - c1^2|``; if ``c2 > c1^2``, ``F = M / b`` with
    ``b = df1 / (1 - c1 - df1/df2)``, else ``F = df2 M / (df1 (b - M))`` with
    ``b = df2 / (1 - c1 + 2/df2)``. Box's chi-square approximation, ``M (1 - c1)`` on
    ``df1`` df, is what R's heplots and biotools print. Reference: Box, G. E. P. (1949),
    Biometrika 36, 317-346; the same formulas in R
    (tests/reference/R/models/rm_mixed_reference.R).

    Parameters
    ----------
    y : array_like, shape (N, p)
        Complete cases.
    groups : array_like, shape (N,)
        Group of each case.

    Returns
    -------
    dict
        ``m``, ``f``, ``df1``, ``df2``, ``p_val``, ``chi2`` (on ``df1``); or
        ``{"skipped": reason}`` when a
        group's covariance matrix is singular (fewer cases than ``p + 1``, or collinear).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> res = box_m(rng.normal(size=(40, 3)), np.repeat([0, 1], 20))
    >>> res["df1"], round(res["df2"])
    (6.0, 10462)
    """
    y = np.asarray(y, dtype=np.float64)
    codes, uniques = pd.factorize(np.asarray(groups))
    n, p = y.shape
    g = len(uniques)
    if g < 2:
        return {"skipped": "Box's M needs at least two groups"}
    sizes = np.bincount(codes, minlength=g)
    dfs = sizes - 1.0
    logdets = []
    pooled = np.zeros((p, p))
    for j in range(g):
        block = y[codes == j]
        if len(block) <= p:
            return {"skipped": f"a group has {len(block)} cases: Box's M needs at least {p + 1}"}
        centred = block - block.mean(axis=0)
        sscp = centred.T @ centred
        pooled += sscp
        sign, logdet = np.linalg.slogdet(sscp / dfs[j])
        if sign <= 0:
            return {"skipped": "a group's covariance matrix is singular"}
        logdets.append(logdet)
    dfe = float(n - g)
    sign, logdet_pooled = np.linalg.slogdet(pooled / dfe)
    if sign <= 0:
        return {"skipped": "the pooled covariance matrix is singular"}
    m = dfe * logdet_pooled - float(dfs @ np.asarray(logdets))
    c1 = (np.sum(1 / dfs) - 1 / dfe) * (2 * p * p + 3 * p - 1) / (6 * (p + 1) * (g - 1))
    c2 = (np.sum(1 / dfs**2) - 1 / dfe**2) * (p - 1) * (p + 2) / (6 * (g - 1))
    df1 = (g - 1) * p * (p + 1) / 2
    df2 = (df1 + 2) / abs(c2 - c1 * c1)
    if c2 > c1 * c1:
        f = m / (df1 / (1 - c1 - df1 / df2))
    else:
        b = df2 / (1 - c1 + 2 / df2)
        f = df2 * m / (df1 * (b - m))
    return {
        "m": float(m),
        "f": float(f),
        "df1": float(df1),
        "df2": float(df2),
        "p_val": float(stats.f.sf(f, df1, df2)),
        "chi2": float(m * (1 - c1)),
    }


def hypothesis_sscp(
    y: ArrayLike, x: ArrayLike, lmat: ArrayLike, m: ArrayLike
) -> tuple[FloatArray, FloatArray, int]:
    """Hypothesis and error SSCP of ``L B M = 0`` in the multivariate linear model.

    ``B = (X'X)^-1 X'Y``; ``H = (L B M)' [L (X'X)^-1 L']^-1 (L B M)`` and
    ``E = M' (Y - X B)' (Y - X B) M`` on ``n - rank(X)`` degrees of freedom.

    Parameters
    ----------
    y : array_like, shape (n, r)
        Responses (one column per occasion or cell of the within design).
    x : array_like, shape (n, k)
        Between-subjects design (sum-to-zero coded for Type III).
    lmat : array_like, shape (q, k)
        Rows of coefficients tested.
    m : array_like, shape (r, p)
        Within-subjects transformation.

    Returns
    -------
    H, E, df_error

    Examples
    --------
    >>> y = np.array([[1.0, 2, 4], [2, 2, 5], [1, 3, 3], [3, 4, 7], [2, 5, 6]])
    >>> x = np.column_stack([np.ones(5), [1.0, 1, 1, -1, -1]])
    >>> h, e, dfe = hypothesis_sscp(y, x, [[1.0, 0]], orthonormal_contrasts(3))
    >>> h.shape, dfe
    ((2, 2), 3)
    """
    y = np.asarray(y, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    lmat = np.atleast_2d(np.asarray(lmat, dtype=np.float64))
    m = np.asarray(m, dtype=np.float64)
    if m.ndim == 1:
        m = m[:, None]
    q, r = np.linalg.qr(x)
    rank = int(np.sum(np.abs(np.diag(r)) > 1e-10 * np.abs(r).max()))
    if rank < x.shape[1]:
        raise ModelError("the between-subjects design is rank deficient")
    r_inv = np.linalg.inv(r)
    b = r_inv @ (q.T @ y)
    resid = (y - x @ b) @ m
    e = resid.T @ resid
    lbm = lmat @ b @ m
    middle = lmat @ r_inv @ r_inv.T @ lmat.T
    h = lbm.T @ np.linalg.solve(middle, lbm)
    return h, e, x.shape[0] - rank


def multivariate_tests(h: ArrayLike, e: ArrayLike, q: int, df_error: int) -> dict[str, Any]:
    """Wilks, Pillai, Hotelling-Lawley and Roy for hypothesis SSCP ``H`` (rank ``q``) and
    error SSCP ``E`` on ``df_error`` degrees of freedom, with their F approximations.

    Wilks: Rao's F. Pillai: ``F = (2n+s+1)/(2m+s+1) V/(s-V)``. Hotelling-Lawley: the
    McKeon-free form ``F = 2(sn+1) U / (s^2 (2m+s+1))`` on ``s(2m+s+1), 2(sn+1)`` (car's
    and, we believe, SPSS's; statsmodels differs when ``s > 1``). Roy: upper bound
    ``F = theta (v - r + q) / r``, ``r = max(p, q)``. With ``s = min(p, q) = 1`` all four
    are exact and give the same F. Partial eta2 per statistic as SPSS:
    ``1 - Lambda^(1/s)``, ``V/s``, ``(U/s)/(1 + U/s)``, ``theta/(1 + theta)``.

    Returns
    -------
    dict
        One entry per statistic (``wilks``, ``pillai``, ``hotelling_lawley``, ``roy``)
        each {``value``, ``f``, ``df1``, ``df2``, ``p_val``, ``partial_eta2``}; ``s``.

    Examples
    --------
    >>> res = multivariate_tests(np.array([[4.0]]), np.array([[10.0]]), 1, 20)
    >>> round(res["wilks"]["value"], 4), round(res["wilks"]["f"], 4), res["wilks"]["df2"]
    (0.7143, 8.0, 20.0)
    """
    h = np.atleast_2d(np.asarray(h, dtype=np.float64))
    e = np.atleast_2d(np.asarray(e, dtype=np.float64))
    p = h.shape[0]
    v = float(df_error)
    eig = np.linalg.eigvals(np.linalg.solve(e, h)).real
    eig = np.clip(np.sort(eig)[::-1], 0.0, None)
    s = min(p, q)
    eig = eig[:s]
    mm = (abs(p - q) - 1) / 2
    nn = (v - p - 1) / 2

    def entry(value: float, f: float, df1: float, df2: float, eta: float) -> dict[str, Any]:
        return {
            "value": float(value),
            "f": float(f),
            "df1": float(df1),
            "df2": float(df2),
            "p_val": float(stats.f.sf(f, df1, df2)),
            "partial_eta2": float(eta),
        }

    # Wilks (Rao)
    wilks = float(np.prod(1.0 / (1.0 + eig)))
    denom = p * p + q * q - 5
    t = math.sqrt((p * p * q * q - 4) / denom) if denom > 0 else 1.0
    df1 = p * q
    df2 = t * (v - (p - q + 1) / 2) - (p * q - 2) / 2
    root = wilks ** (1 / t)
    wilks_f = (1 - root) / root * df2 / df1 if root > 0 else math.inf
    out: dict[str, Any] = {"s": s}
    out["wilks"] = entry(wilks, wilks_f, df1, df2, 1 - wilks ** (1 / s))
    # Pillai
    pillai = float(np.sum(eig / (1 + eig)))
    out["pillai"] = entry(
        pillai,
        (2 * nn + s + 1) / (2 * mm + s + 1) * pillai / (s - pillai) if pillai < s else math.inf,
        s * (2 * mm + s + 1),
        s * (2 * nn + s + 1),
        pillai / s,
    )
    # Hotelling-Lawley
    hl = float(np.sum(eig))
    out["hotelling_lawley"] = entry(
        hl,
        2 * (s * nn + 1) * hl / (s * s * (2 * mm + s + 1)),
        s * (2 * mm + s + 1),
        2 * (s * nn + 1),
        (hl / s) / (1 + hl / s),
    )
    # Roy's largest root
    roy = float(eig[0]) if len(eig) else 0.0
    r_max = max(p, q)
    out["roy"] = entry(roy, roy * (v - r_max + q) / r_max, r_max, v - r_max + q, roy / (1 + roy))
    return out


def sphericity(e: ArrayLike, df_error: int, n_subjects: int | None = None) -> dict[str, Any]:
    """Mauchly's test and the Greenhouse-Geisser and Huynh-Feldt epsilons.

    ``E`` is the error SSCP of an orthonormal within-subjects transformation (``p``
    columns). ``W = det(E) / (tr(E)/p)^p``, ``chi2 = -(v - (2p^2 + p + 2)/(6p)) ln W`` on
    ``p(p+1)/2 - 1`` df (SPSS's "Approx. Chi-Square"; R's ``mauchly.test`` and car add a
    second-order term to the p value, which vanishes for ``p = 2``, i.e. three waves);
    ``eps_GG = tr(E)^2 / (p tr(E^2))``. Huynh-Feldt in two forms:
    ``hf_epsilon`` with Lecoutre's (1991) correction, ``((v+1) p eps - 2) / (p (v - p eps))``
    (car, afex), and ``hf_epsilon_original`` (Huynh & Feldt 1976),
    ``(N p eps - 2) / (p (v - p eps))`` with ``N`` the number of subjects (given as
    ``n_subjects``, else ``v + 1``). Both are reported unbounded; the corrected tests use
    ``min(1, eps)``. ``lower_bound`` is ``1/p``.

    Examples
    --------
    >>> e = np.array([[10.0, 2.0], [2.0, 6.0]])
    >>> res = sphericity(e, 20)
    >>> round(res["mauchly_w"], 4), round(res["gg_epsilon"], 4)
    (0.875, 0.8889)
    """
    e = np.atleast_2d(np.asarray(e, dtype=np.float64))
    p = e.shape[0]
    v = float(df_error)
    trace = float(np.trace(e))
    gg = trace * trace / (p * float(np.trace(e @ e)))
    n_total = float(n_subjects) if n_subjects is not None else v + 1
    out: dict[str, Any] = {
        "mauchly_w": None,
        "chi2": None,
        "dof": None,
        "p_val": None,
        "gg_epsilon": gg,
        "hf_epsilon": ((v + 1) * p * gg - 2) / (p * (v - p * gg)),
        "hf_epsilon_original": (n_total * p * gg - 2) / (p * (v - p * gg)),
        "lower_bound_epsilon": 1.0 / p,
    }
    if p > 1:
        w = float(np.linalg.det(e)) / (trace / p) ** p
        chi2 = -(v - (2 * p * p + p + 2) / (6 * p)) * math.log(w)
        dof = p * (p + 1) // 2 - 1
        out.update(mauchly_w=w, chi2=chi2, dof=dof, p_val=float(stats.chi2.sf(chi2, dof)))
    return out


def univariate_tests(
    h: ArrayLike, e: ArrayLike, q: int, df_error: int, eps: dict[str, float]
) -> dict[str, Any]:
    """Averaged univariate F of an effect from orthonormal-``M`` SSCPs, with corrections.

    ``F = (tr H / (q p)) / (tr E / (v p))`` on ``q p, v p`` df; the corrected tests
    multiply both df by ``min(1, eps)``. ``eps`` maps a correction name (e.g.
    ``greenhouse_geisser``) to its epsilon. The result holds the test flat (``ss``,
    ``ss_error``, ``f``, ``df1``, ``df2``, ``p_val``, ``partial_eta2``) and once more as
    ``sphericity_assumed``, and one entry per correction, each {``epsilon``, ``f``,
    ``df1``, ``df2``, ``p_val``}.

    Examples
    --------
    >>> res = univariate_tests(np.eye(2) * 3, np.eye(2) * 10, 1, 20, {"greenhouse_geisser": 0.5})
    >>> round(res["f"], 3), res["df1"], res["greenhouse_geisser"]["df1"]
    (6.0, 2.0, 1.0)
    """
    h = np.atleast_2d(np.asarray(h, dtype=np.float64))
    e = np.atleast_2d(np.asarray(e, dtype=np.float64))
    p = h.shape[0]
    ss_h, ss_e = float(np.trace(h)), float(np.trace(e))
    df1, df2 = float(q * p), float(df_error * p)
    f = (ss_h / df1) / (ss_e / df2)
    out: dict[str, Any] = {
        "ss": ss_h,
        "ss_error": ss_e,
        "f": f,
        "df1": df1,
        "df2": df2,
        "p_val": float(stats.f.sf(f, df1, df2)),
        "partial_eta2": ss_h / (ss_h + ss_e),
    }
    out["sphericity_assumed"] = {
        "epsilon": 1.0,
        "f": f,
        "df1": df1,
        "df2": df2,
        "p_val": out["p_val"],
    }
    for name, epsilon in eps.items():
        factor = min(1.0, float(epsilon))
        out[name] = {
            "epsilon": float(epsilon),
            "f": f,
            "df1": df1 * factor,
            "df2": df2 * factor,
            "p_val": float(stats.f.sf(f, df1 * factor, df2 * factor)),
        }
    return out


def _sample(frame: pd.DataFrame, waves: Sequence[str]) -> tuple[pd.DataFrame, str] | str:
    needed = ["arm", *waves]
    absent = missing_columns(frame, needed)
    if absent:
        return f"no data for {', '.join(absent)}"
    check_arm(frame)
    check_numeric(frame, list(waves))
    rows = frame[needed].notna().all(axis=1)
    rule = f"completers with all of {', '.join(waves)} (complete cases)"
    if "completer" in frame.columns:
        rows &= frame["completer"].fillna(False).astype(bool)
    else:
        rule = f"all participants with all of {', '.join(waves)} (no completer column)"
    return frame.loc[rows, needed], rule


def alliance_development(
    frame: pd.DataFrame,
    *,
    mixed: bool = True,
    alpha: float = 0.05,
    waves: Sequence[tuple[str, int]] = WAI_WAVES,
) -> dict[str, Any]:
    """Development of the alliance over weeks 2, 5 and 9 by arm (analysis 5).

    SPSS GLM Repeated Measures on the complete cases (completers with all three WAI
    totals): week (within) x arm (between), Type III. With two arms the multivariate
    model has closed forms, computed from the arm means ``m0``, ``m1`` and the pooled
    within-arm SSCP ``W`` on ``v = n - 2`` df. With ``M`` orthonormal polynomial week
    contrasts, ``E = M'WM``, the week test is ``H = (M'g)(M'g)' / c`` with ``g`` the
    unweighted mean of the arm means and ``c = (1/n0 + 1/n1)/4`` (sum-to-zero coding:
    the week effect averaged over the arms, not in the reference arm), and week x arm is
    ``H = (M'd)(M'd)' / (1/n0 + 1/n1)`` with ``d = m1 - m0``. Each has ``s = 1``, so
    Wilks, Pillai, Hotelling-Lawley and Roy give one exact ``F(p, v - p + 1)``. The
    between-subjects arm F compares the participants' mean WAI. Mauchly's test, the
    Greenhouse-Geisser and Huynh-Feldt corrected univariate tests and the estimated
    marginal means (cell means with the pooled error of each week, t on ``v`` df) follow
    SPSS. Beside it, with ``mixed=True``, a linear mixed model on every available
    observation (:func:`embct.analysis.mixed.alliance_mixed_model`).

    Parameters
    ----------
    frame : DataFrame
        The normalized analysis frame (``arm`` 0/1, ``completer``, ``wai_w2``, ``wai_w5``,
        ``wai_w9``).
    mixed : bool
        Also fit the linear mixed model.
    alpha : float
        One minus the confidence level of the marginal means.
    waves : sequence of (column, week)
        The repeated measures, in time order.

    Returns
    -------
    dict
        The ``alliance_development`` section of results.json: ``n``, ``n_by_arm``,
        ``multivariate`` {``time``, ``time_x_arm``} each {``wilks_lambda``,
        ``pillai_trace``, ``hotelling_lawley``, ``roys_root``, ``f``, ``df1``, ``df2``,
        ``p_val``, ``partial_eta2``}, ``between`` {``arm``: {``f``, ``df1``, ``df2``,
        ``p_val``, ``partial_eta2``}}, ``sphericity`` {``mauchly_w``, ``chi2``, ``dof``,
        ``p_val``, ``gg_epsilon``, ``hf_epsilon`` (Lecoutre, as car/afex),
        ``hf_epsilon_original`` (Huynh & Feldt 1976), ``lower_bound_epsilon``},
        ``univariate`` {``time``, ``time_x_arm``} each {``f``, ``df1``, ``df2``, ``p_val``,
        ``partial_eta2``, ``sphericity_assumed``, ``greenhouse_geisser``, ``huynh_feldt``
        (Lecoutre epsilon), ``lower_bound``, ``huynh_feldt_1976`` (the original epsilon,
        what SPSS prints)} (each {``epsilon``, ``f``, ``df1``, ``df2``, ``p_val``}),
        ``within_contrasts[]`` (SPSS's "Tests of Within-Subjects Contrasts": one row per
        orthonormal polynomial contrast of the equally spaced waves, {``contrast``
        (``linear``, ``quadratic``, ...), ``degree``, ``time`` and ``time_x_arm`` each
        {``ss``, ``df``, ``ms``, ``f``, ``p_val``, ``partial_eta2``}, ``error`` {``ss``,
        ``df``, ``ms``}}; the rows' SS add up to the univariate test's), ``box_m``
        (:func:`box_m` of the waves by arm), ``levene[]`` (per wave, mean-centred as SPSS:
        {``wave``, ``week``, ``f``, ``df1``, ``df2``, ``p_val``}), ``means[]`` {``arm``,
        ``arm_label``, ``week``, ``mean``, ``se``, ``ci_low``, ``ci_high``, ``n``},
        ``mixed_model`` and ``missing_data`` (the sample rule); or ``{"skipped": reason}``.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> n = 40
    >>> base = rng.normal(36, 8, n)
    >>> frame = pd.DataFrame({"arm": np.repeat([0, 1], n // 2), "completer": True,
    ...                       "wai_w2": base + rng.normal(0, 3, n),
    ...                       "wai_w5": base + 2 + rng.normal(0, 3, n),
    ...                       "wai_w9": base + 3 + rng.normal(0, 3, n)})
    >>> res = alliance_development(frame, mixed=False)
    >>> res["n"], res["multivariate"]["time"]["df1"], res["multivariate"]["time"]["df2"]
    (40, 2, 37)
    >>> [(m["arm"], m["week"]) for m in res["means"]][:3]
    [(0, 2), (0, 5), (0, 9)]
    """
    columns = [column for column, _ in waves]
    weeks = [week for _, week in waves]
    if len(columns) < 2:
        raise ModelError("repeated measures need at least two waves")
    picked = _sample(frame, columns)
    if isinstance(picked, str):
        return {"skipped": picked}
    sample, rule = picked
    arm = sample["arm"].to_numpy()
    y = sample[columns].to_numpy(dtype=np.float64)
    n = len(y)
    counts = [int(np.sum(arm == 0)), int(np.sum(arm == 1))]
    k = len(columns)
    p = k - 1
    if min(counts) < 1 or n - 2 < p:
        return {
            "skipped": f"{counts[0]} and {counts[1]} complete cases per arm ({rule}): "
            f"at least one per arm and {p + 2} in all are needed"
        }
    labels = arm_labels(frame)
    v = n - 2
    means = np.vstack([y[arm == code].mean(axis=0) for code in (0, 1)])
    centred = y - means[arm.astype(int)]
    w = centred.T @ centred
    m = orthonormal_contrasts(k)
    e = m.T @ w @ m
    if float(np.linalg.eigvalsh(e).min()) <= 1e-10 * max(float(np.trace(w)), 1e-300):
        return {"skipped": f"the week differences have no within-arm variation ({rule})"}
    inv_n = 1.0 / counts[0] + 1.0 / counts[1]
    g = means.mean(axis=0)
    d = means[1] - means[0]
    h_time = np.outer(m.T @ g, m.T @ g) / (inv_n / 4)
    h_inter = np.outer(m.T @ d, m.T @ d) / inv_n
    multivariate = {}
    for name, h in (("time", h_time), ("time_x_arm", h_inter)):
        mv = multivariate_tests(h, e, 1, v)
        multivariate[name] = {
            "wilks_lambda": mv["wilks"]["value"],
            "pillai_trace": mv["pillai"]["value"],
            "hotelling_lawley": mv["hotelling_lawley"]["value"],
            "roys_root": mv["roy"]["value"],
            "f": mv["wilks"]["f"],
            "df1": round(mv["wilks"]["df1"]),
            "df2": round(mv["wilks"]["df2"]),
            "p_val": mv["wilks"]["p_val"],
            "partial_eta2": mv["wilks"]["partial_eta2"],
        }
    ones = np.ones(k) / math.sqrt(k)
    ss_between = float(ones @ d) ** 2 / inv_n
    ss_error = float(ones @ w @ ones)
    f_between = ss_between / (ss_error / v)
    between = {
        "arm": {
            "f": f_between,
            "df1": 1,
            "df2": v,
            "p_val": float(stats.f.sf(f_between, 1, v)),
            "partial_eta2": ss_between / (ss_between + ss_error),
        }
    }
    sph = sphericity(e, v, n)
    eps = {
        "greenhouse_geisser": sph["gg_epsilon"],
        "huynh_feldt": sph["hf_epsilon"],
        "lower_bound": sph["lower_bound_epsilon"],
        "huynh_feldt_1976": sph["hf_epsilon_original"],
    }
    univariate = {
        "time": univariate_tests(h_time, e, 1, v, eps),
        "time_x_arm": univariate_tests(h_inter, e, 1, v, eps),
    }
    contrasts = []
    for j, name in enumerate(contrast_names(p)):
        ss_error = float(e[j, j])
        row: dict[str, Any] = {"contrast": name, "degree": j + 1}
        for effect, h in (("time", h_time), ("time_x_arm", h_inter)):
            ss = float(h[j, j])
            f = ss / (ss_error / v)
            row[effect] = {
                "ss": ss,
                "df": 1,
                "ms": ss,
                "f": f,
                "p_val": float(stats.f.sf(f, 1, v)),
                "partial_eta2": ss / (ss + ss_error),
            }
        row["error"] = {"ss": ss_error, "df": v, "ms": ss_error / v}
        contrasts.append(row)
    levene = []
    for j, (column, week) in enumerate(zip(columns, weeks, strict=True)):
        lev = stats.levene(y[arm == 0, j], y[arm == 1, j], center="mean")
        levene.append(
            {
                "wave": column,
                "week": week,
                "f": float(lev.statistic),
                "df1": 1,
                "df2": v,
                "p_val": float(lev.pvalue),
            }
        )
    crit = float(stats.t.ppf(1 - alpha / 2, v))
    rows = []
    for code in (0, 1):
        for j, week in enumerate(weeks):
            se = math.sqrt(w[j, j] / v / counts[code])
            rows.append(
                {
                    "arm": code,
                    "arm_label": labels[code],
                    "week": week,
                    "mean": float(means[code, j]),
                    "se": se,
                    "ci_low": float(means[code, j]) - crit * se,
                    "ci_high": float(means[code, j]) + crit * se,
                    "n": counts[code],
                }
            )
    result: dict[str, Any] = {
        "n": n,
        "n_by_arm": {labels[0]: counts[0], labels[1]: counts[1]},
        "missing_data": rule,
        "multivariate": multivariate,
        "between": between,
        "sphericity": sph,
        "univariate": univariate,
        "within_contrasts": contrasts,
        "box_m": box_m(y, arm),
        "levene": levene,
        "means": rows,
    }
    if mixed:
        from embct.analysis.mixed import alliance_mixed_model

        result["mixed_model"] = alliance_mixed_model(frame, waves=waves, alpha=alpha)
    return _jsonify(result)


def _jsonify(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonify(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_jsonify(item) for item in value]
    if isinstance(value, (bool, np.bool_, str)) or value is None:
        return bool(value) if isinstance(value, np.bool_) else value
    if isinstance(value, (int, float, np.integer, np.floating)):
        return json_number(value)
    return value


def alliance_development_table(frame: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """:func:`alliance_development`'s tests as a tidy table (no mixed model).

    Returns
    -------
    DataFrame
        One row per test: columns ``test`` (``multivariate``, ``between``,
        ``univariate``, ``greenhouse_geisser``, ``huynh_feldt``), ``effect``, ``statistic``
        (Wilks' lambda for the multivariate rows, epsilon for the corrected rows),
        ``f``, ``df1``, ``df2``, ``p_val``, ``partial_eta2``; empty when skipped.

    Examples
    --------
    >>> rng = np.random.default_rng(5)
    >>> y = rng.normal(36, 8, (30, 3))
    >>> frame = pd.DataFrame(y, columns=["wai_w2", "wai_w5", "wai_w9"])
    >>> frame["arm"], frame["completer"] = np.repeat([0, 1], 15), True
    >>> alliance_development_table(frame)["effect"].tolist()[:3]
    ['time', 'time_x_arm', 'arm']
    """
    columns = ["test", "effect", "statistic", "f", "df1", "df2", "p_val", "partial_eta2"]
    res = alliance_development(frame, mixed=False, alpha=alpha)
    if "skipped" in res:
        return pd.DataFrame(columns=columns)
    rows: list[dict[str, Any]] = []
    for effect, mv in res["multivariate"].items():
        rows.append(
            {"test": "multivariate", "effect": effect, "statistic": mv["wilks_lambda"]}
            | {key: mv[key] for key in ("f", "df1", "df2", "p_val", "partial_eta2")}
        )
    arm = res["between"]["arm"]
    rows.append(
        {"test": "between", "effect": "arm", "statistic": None}
        | {key: arm[key] for key in ("f", "df1", "df2", "p_val", "partial_eta2")}
    )
    for effect, uni in res["univariate"].items():
        rows.append(
            {"test": "univariate", "effect": effect, "statistic": None}
            | {key: uni[key] for key in ("f", "df1", "df2", "p_val", "partial_eta2")}
        )
        for correction in ("greenhouse_geisser", "huynh_feldt"):
            c = uni[correction]
            rows.append(
                {
                    "test": correction,
                    "effect": effect,
                    "statistic": c["epsilon"],
                    "f": uni["f"],
                    "df1": c["df1"],
                    "df2": c["df2"],
                    "p_val": c["p_val"],
                    "partial_eta2": uni["partial_eta2"],
                }
            )
    return pd.DataFrame(rows, columns=columns)

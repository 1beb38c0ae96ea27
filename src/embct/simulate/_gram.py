"""Test statistics computed from cross-product ("Gram") matrices, vectorized.

Every statistic the paper prints (OLS B, t, R2, F; two-group Wilks lambda; Student t) is a
function of the sample cross-product matrix ``G = F'F`` of a small set of per-row features
(``F[:, 0]`` is always the constant 1). Working on ``G`` lets the integer repair step in
:mod:`embct.simulate._repair` evaluate hundreds of candidate one-point changes at once: a
change of one row is the rank-two update ``G - f f' + g g'``. All functions accept a stack of
matrices with shape ``(..., q, q)`` and return arrays with the leading shape ``(...)``.

These are internal helpers; the public verification routes through statsmodels live in
``tests/support/verify.py`` (test code, not shipped).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

__all__ = ["half_unit", "hierarchical", "ols", "repeated_measures", "two_groups"]


def half_unit(value: float) -> float:
    """Half a unit of the last printed digit of ``value`` (its rounding tolerance).

    >>> half_unit(0.732), half_unit(-2.3), half_unit(16.46)
    (0.0005, 0.05, 0.005)
    """
    text = repr(float(value))
    decimals = len(text.split(".")[1]) if "." in text and "e" not in text else 0
    return 0.5 * 10.0 ** (-decimals)


def _sub(G: np.ndarray, rows: Sequence[int], cols: Sequence[int]) -> np.ndarray:
    return G[..., np.asarray(rows)[:, None], np.asarray(cols)[None, :]]


def ols(G: np.ndarray, predictors: Sequence[int], response: int) -> dict[str, np.ndarray]:
    """OLS of feature ``response`` on features ``predictors`` (which must include 0, the constant).

    Returns ``b`` and ``t`` (shape ``(..., k+1)``, in predictor order) and ``r2``, ``adj_r2``,
    ``f``, ``sse``, ``dof`` (residual df), ``n``.
    """
    P = list(predictors)
    XtX = _sub(G, P, P)
    Xty = _sub(G, P, [response])[..., 0]
    yty = G[..., response, response]
    n = G[..., 0, 0]
    inv = np.linalg.inv(XtX)
    b = np.einsum("...ij,...j->...i", inv, Xty)
    sse = yty - np.einsum("...i,...i->...", b, Xty)
    sst = yty - G[..., 0, response] ** 2 / n
    k = len(P) - 1
    dof = n - k - 1
    r2 = 1.0 - sse / sst
    adj_r2 = 1.0 - (1.0 - r2) * (n - 1.0) / dof
    f = (r2 / k) / ((1.0 - r2) / dof)
    se = np.sqrt(np.maximum(sse / dof, 0.0)[..., None] * np.diagonal(inv, axis1=-2, axis2=-1))
    return {"b": b, "t": b / se, "r2": r2, "adj_r2": adj_r2, "f": f, "sse": sse, "dof": dof, "n": n}


def hierarchical(
    G: np.ndarray, baseline: int, arm: int, wai: int, interaction: int, outcome: int
) -> dict[str, np.ndarray]:
    """The paper's three-step regression (Tables 2 and 3), entry-step reading of each term.

    Step 1: outcome ~ baseline + arm; step 2: + wai; step 3: + wai x arm. Returns per step
    ``step{k}_f``, ``step{k}_adj_r2``, ``step{k}_r2``; ``step2_r2_change``, ``step2_f_change``,
    ``step3_r2_change``, ``step3_f_change``; and B and t of each term at the step where it
    enters: ``baseline_b``/``baseline_t`` and ``arm_b``/``arm_t`` (step 1), ``wai_w2_b``/
    ``wai_w2_t`` (step 2), ``interaction_b``/``interaction_t`` (step 3).
    """
    s1 = ols(G, [0, baseline, arm], outcome)
    s2 = ols(G, [0, baseline, arm, wai], outcome)
    s3 = ols(G, [0, baseline, arm, wai, interaction], outcome)
    out: dict[str, np.ndarray] = {}
    for k, s in enumerate((s1, s2, s3), start=1):
        out[f"step{k}_f"] = s["f"]
        out[f"step{k}_adj_r2"] = s["adj_r2"]
        out[f"step{k}_r2"] = s["r2"]
    for k, (lo, hi) in ((2, (s1, s2)), (3, (s2, s3))):
        change = hi["r2"] - lo["r2"]
        out[f"step{k}_r2_change"] = change
        out[f"step{k}_f_change"] = change / ((1.0 - hi["r2"]) / hi["dof"])
    out["baseline_b"], out["baseline_t"] = s1["b"][..., 1], s1["t"][..., 1]
    out["arm_b"], out["arm_t"] = s1["b"][..., 2], s1["t"][..., 2]
    out["wai_w2_b"], out["wai_w2_t"] = s2["b"][..., 3], s2["t"][..., 3]
    out["interaction_b"], out["interaction_t"] = s3["b"][..., 4], s3["t"][..., 4]
    return out


def repeated_measures(G: np.ndarray) -> dict[str, np.ndarray]:
    """SPSS GLM repeated measures (Type III) for 2 groups x 3 occasions, from ``G``.

    ``G`` is the cross-product matrix of the features ``[1, c, y1, y2, y3]`` where ``c`` is the
    sum-to-zero arm code (+1 / -1). With two groups every within test has s = 1, so Wilks'
    lambda gives the exact F(2, df_e - 1) (statistics.md sections 1.2 and 5.1). Returns
    ``time_wilks``, ``time_f``, ``interaction_wilks``, ``interaction_f``, ``between_f``.
    """
    XtX = G[..., :2, :2]
    XtY = G[..., :2, 2:5]
    YtY = G[..., 2:5, 2:5]
    inv = np.linalg.inv(XtX)
    B = inv @ XtY
    E = YtY - np.swapaxes(XtY, -1, -2) @ B
    df_e = G[..., 0, 0] - 2.0
    M = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    EM = M.T @ E @ M
    EM_inv = np.linalg.inv(EM)
    out: dict[str, np.ndarray] = {}
    for name, row in (("time", 0), ("interaction", 1)):
        h = B[..., row, :] @ M
        lam = np.einsum("...i,...ij,...j->...", h, EM_inv, h) / inv[..., row, row]
        out[f"{name}_wilks"] = 1.0 / (1.0 + lam)
        out[f"{name}_f"] = lam * (df_e - 1.0) / 2.0
    v = np.ones(3) / 3.0
    hb = B[..., 1, :] @ v
    eb = np.einsum("i,...ij,j->...", v, E, v)
    out["between_f"] = hb**2 / inv[..., 1, 1] / (eb / df_e)
    return out


def two_groups(G: np.ndarray) -> dict[str, np.ndarray]:
    """Means, SDs and Student t of one variable in two groups, from ``G`` of ``[1, g, x, g*x]``.

    ``g`` is 1 in the second group and 0 in the first. Returns ``mean0``, ``sd0``, ``mean1``,
    ``sd1``, ``t`` (first minus second) and its two-sided ``p_val``.
    """
    n = G[..., 0, 0]
    n1 = G[..., 1, 1]
    n0 = n - n1
    s1 = G[..., 1, 2]
    s0 = G[..., 0, 2] - s1
    q1 = G[..., 3, 3]
    q0 = G[..., 2, 2] - q1
    m0, m1 = s0 / n0, s1 / n1
    ss0, ss1 = q0 - n0 * m0**2, q1 - n1 * m1**2
    pooled = (ss0 + ss1) / (n - 2.0)
    t = (m0 - m1) / np.sqrt(pooled * (1.0 / n0 + 1.0 / n1))
    return {
        "mean0": m0,
        "sd0": np.sqrt(ss0 / (n0 - 1.0)),
        "mean1": m1,
        "sd1": np.sqrt(ss1 / (n1 - 1.0)),
        "t": t,
        "p_val": 2.0 * stats.t.sf(np.abs(t), n - 2.0),
    }

"""Probing a two-way interaction (Hayes PROCESS model 1): simple slopes, spotlight values
and the Johnson-Neyman interval, in closed form from a fit's coefficients and covariance."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats

__all__ = ["johnson_neyman", "linear_combination"]


def linear_combination(
    params: ArrayLike, cov: ArrayLike, weights: ArrayLike, dof: float, *, alpha: float = 0.05
) -> dict[str, float]:
    """Estimate, standard error, t test and confidence interval of ``w'b``.

    ``se = sqrt(w' V w)``, ``t = w'b / se`` on ``dof`` degrees of freedom; the
    ``1 - alpha`` interval is ``w'b -+ t_{1-alpha/2, dof} se``. This is the simple slope
    ``b_x + w b_xw`` of PROCESS and statsmodels' ``t_test('x + w*x:w = 0')``.

    Parameters
    ----------
    params, cov : array_like
        The coefficients and their covariance matrix.
    weights : array_like
        One weight per coefficient.
    dof : float
        Residual degrees of freedom of the fit.
    alpha : float
        One minus the confidence level.

    Returns
    -------
    dict
        ``b``, ``se``, ``t``, ``dof``, ``p_val`` (two-sided), ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> out = linear_combination([1.0, 2.0], [[0.25, 0.0], [0.0, 0.25]], [1, 1], 10)
    >>> round(out["b"], 3), round(out["se"], 4), round(out["t"], 4)
    (3.0, 0.7071, 4.2426)
    """
    b = np.asarray(params, dtype=np.float64)
    v = np.asarray(cov, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    estimate = float(w @ b)
    se = math.sqrt(max(float(w @ v @ w), 0.0))
    t = estimate / se if se > 0 else math.nan
    p = float(2 * stats.t.sf(abs(t), dof)) if se > 0 else math.nan
    crit = float(stats.t.ppf(1 - alpha / 2, dof))
    return {
        "b": estimate,
        "se": se,
        "t": t,
        "dof": float(dof),
        "p_val": p,
        "ci_low": estimate - crit * se,
        "ci_high": estimate + crit * se,
    }


def johnson_neyman(
    b_x: float,
    b_xw: float,
    v_x: float,
    v_x_xw: float,
    v_xw: float,
    dof: float,
    *,
    alpha: float = 0.05,
    w_range: Sequence[float] | None = None,
) -> dict[str, object]:
    """Johnson-Neyman boundaries of the conditional effect ``b_x + b_xw W`` of X.

    The effect at ``W`` is significant at ``alpha`` (two-sided) where
    ``(b_x + b_xw W)^2 >= t^2 (v_x + 2 W v_x_xw + W^2 v_xw)`` with
    ``t = t_{1-alpha/2, dof}``; the boundaries are the real roots of the quadratic
    ``(b_xw^2 - t^2 v_xw) W^2 + 2 (b_x b_xw - t^2 v_x_xw) W + (b_x^2 - t^2 v_x) = 0``.
    When the leading coefficient is positive (the interaction itself is significant) the
    effect is significant outside the roots; when negative, between them.

    Parameters
    ----------
    b_x, b_xw : float
        Coefficient of X and of the product X*W.
    v_x, v_x_xw, v_xw : float
        Var(b_x), Cov(b_x, b_xw), Var(b_xw).
    dof : float
        Residual degrees of freedom.
    alpha : float
        Significance level.
    w_range : (min, max), optional
        Observed range of W, echoed in the result.

    Returns
    -------
    dict
        ``lower``, ``upper`` (``None`` when there is no real root), ``inside_significant``
        (True when the effect is significant between the roots), ``range``, ``alpha``,
        ``t_crit``; ``always_significant`` / ``never_significant`` when no root exists.

    Examples
    --------
    Penguins (statistics.md section 4): boundaries 52.0562 and 77.9393.

    >>> jn = johnson_neyman(1476.313192, -25.534925, 110895.1095, -2495.27591, 57.007866, 328)
    >>> round(jn["lower"], 3), round(jn["upper"], 3), jn["inside_significant"]
    (52.056, 77.939, False)
    """
    t = float(stats.t.ppf(1 - alpha / 2, dof))
    t2 = t * t
    a = b_xw * b_xw - t2 * v_xw
    b = 2.0 * (b_x * b_xw - t2 * v_x_xw)
    c = b_x * b_x - t2 * v_x
    result: dict[str, object] = {
        "lower": None,
        "upper": None,
        "inside_significant": bool(a < 0),
        "range": None if w_range is None else [float(w_range[0]), float(w_range[1])],
        "alpha": float(alpha),
        "t_crit": t,
        "always_significant": False,
        "never_significant": False,
    }
    if a == 0.0:
        # Linear: one boundary.
        if b != 0.0:
            root = -c / b
            result["lower"] = root
            result["upper"] = root
        return result
    disc = b * b - 4 * a * c
    if disc < 0:
        result["always_significant"] = bool(a > 0)
        result["never_significant"] = bool(a < 0)
        return result
    sq = math.sqrt(disc)
    roots = sorted(((-b - sq) / (2 * a), (-b + sq) / (2 * a)))
    result["lower"], result["upper"] = roots
    return result

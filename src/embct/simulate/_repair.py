"""Exact-moment construction and the integer repair step.

The exact cohort is built in two moves (statistics.md section 5.1):

1. a continuous construction whose sample moments are forced to solved targets
   (:func:`standardize`, :func:`residualize`), then
2. rounding to the integers a questionnaire total can take, followed by a discrete local
   search (:func:`integer_repair`) that moves single values by one unit until every targeted
   statistic again rounds to its printed value.

Rounding moves each value by at most half a unit, which shifts statistics such as a t of 2.245
in the second or third decimal. The repair sees every candidate one-unit move at once through
rank-two updates of the cross-product matrix (see :mod:`embct.simulate._gram`) and takes the
move that most reduces ``sum(((stat - target) / tol) ** 2)``; it stops when every statistic is
within ``margin * tol`` of its target.

The search is bounded by moves, never by time: it stops after ``max_iter`` moves, or after
``patience`` moves that found no better state than the best so far. Its result depends only on
its inputs and the state of ``rng``, so the same seed gives the same cohort on any machine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

__all__ = ["RepairError", "feedback_round", "integer_repair", "residualize", "standardize"]


class RepairError(ValueError):
    """The integer repair could not bring every statistic within its printed precision."""


def standardize(z: np.ndarray, groups: np.ndarray | None = None) -> np.ndarray:
    """Columns with sample mean exactly 0 (per group) and pooled within covariance exactly I.

    >>> rng = np.random.default_rng(1)
    >>> z = standardize(rng.standard_normal((20, 2)))
    >>> bool(np.allclose(z.mean(0), 0) and np.allclose(np.cov(z.T), np.eye(2)))
    True
    """
    z = np.array(z, dtype=float, copy=True)
    if z.ndim == 1:
        z = z[:, None]
    n = z.shape[0]
    if groups is None:
        groups = np.zeros(n, dtype=int)
    labels = np.unique(groups)
    for g in labels:
        z[groups == g] -= z[groups == g].mean(0)
    cov = z.T @ z / (n - len(labels))
    chol = np.linalg.cholesky(np.atleast_2d(cov))
    return np.linalg.solve(chol, z.T).T


def residualize(v: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The part of ``v`` orthogonal to the columns of ``X`` (least-squares residual)."""
    coef, *_ = np.linalg.lstsq(X, v, rcond=None)
    return v - X @ coef


Features = Callable[[np.ndarray], np.ndarray]
Statistics = Callable[[np.ndarray], np.ndarray]


def integer_repair(
    values: np.ndarray,
    free: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    features: Features,
    statistics: Statistics,
    targets: np.ndarray,
    tol: np.ndarray,
    *,
    rng: np.random.Generator,
    strict: bool = True,
    margin: float = 0.98,
    max_iter: int = 5000,
    patience: int = 200,
    pair_pool: int = 64,
    max_kicks: int = 40,
    kick_size: int = 4,
    names: Sequence[str] | None = None,
) -> np.ndarray:
    """Move free integer cells by one unit until every statistic rounds to its target.

    Parameters
    ----------
    values : (n, m) array of integers (as floats), modified copy returned
    free : (n, m) bool, which cells may move
    lower, upper : (m,) bounds of each column
    features : maps rows ``(..., m)`` to feature rows ``(..., q)`` (first feature = 1)
    statistics : maps Gram matrices ``(..., q, q)`` to statistics ``(..., s)``
    targets, tol : (s,) printed values and half a unit of their last digit
    rng : used only to escape a local minimum with a random move
    margin : stop when ``|stat - target| <= margin * tol`` for every statistic
    strict : raise when the targets are not reached; otherwise return the best state found
    max_iter : moves searched at most
    patience : stop after this many moves without a state better than the best so far
    max_kicks : stop after this many kicks in a row that led to no better state
    kick_size : random one-unit moves of a kick out of a local minimum (from the best state)
    names : the statistics' names, for the error message (default: their positions)

    Raises
    ------
    RepairError
        When ``strict`` and the targets are not reached within ``max_iter`` moves (or
        ``patience`` moves without progress); the message names the statistic furthest
        from its target.

    Examples
    --------
    Three integers whose mean must print as 2.3 (one decimal):

    >>> feats = lambda v: np.stack([np.ones(v.shape[:-1]), v[..., 0]], axis=-1)
    >>> stat = lambda G: (G[..., 0, 1] / G[..., 0, 0])[..., None]
    >>> v = integer_repair(np.array([[1.0], [2.0], [3.0]]), np.ones((3, 1), bool),
    ...                    np.array([0.0]), np.array([9.0]), feats, stat,
    ...                    np.array([2.3]), np.array([0.05]), rng=np.random.default_rng(0))
    >>> round(float(v.mean()), 1)
    2.3
    """
    values = np.array(values, dtype=float, copy=True)
    _n, _m = values.shape
    targets = np.asarray(targets, dtype=float)
    tol = np.asarray(tol, dtype=float)

    def objective(S: np.ndarray) -> np.ndarray:
        # free inside +/- half the tolerance, quadratic outside: statistics already within
        # their window do not block moves that the others need
        z = np.abs(np.where(np.isfinite(S), (S - targets) / tol, 1e6))
        return (np.maximum(z - 0.5, 0.0) ** 2 + 0.01 * z**2).sum(-1)

    cells = np.argwhere(free)
    if cells.size == 0:
        raise RepairError("no free cells to repair")
    rows, cols = cells[:, 0], cells[:, 1]
    stuck = 0
    best_values, best_score, since_best = values.copy(), np.inf, 0
    for _ in range(max_iter):
        F = features(values)
        G = F.T @ F
        current = statistics(G)
        if np.all(np.abs(current - targets) <= margin * tol):
            return values
        base = float(objective(current))
        if base < best_score:
            best_values, best_score, since_best, stuck = values.copy(), base, 0, 0
        else:
            since_best += 1
            if since_best > patience:
                break
        # every candidate: (cell, +1) and (cell, -1)
        cand_rows = np.concatenate([rows, rows])
        cand_cols = np.concatenate([cols, cols])
        delta = np.concatenate([np.ones(len(rows)), -np.ones(len(rows))])
        new_vals = values[cand_rows, cand_cols] + delta
        ok = (new_vals >= lower[cand_cols]) & (new_vals <= upper[cand_cols])
        cand_rows, cand_cols, delta = cand_rows[ok], cand_cols[ok], delta[ok]
        new_rows = values[cand_rows].copy()
        new_rows[np.arange(len(cand_rows)), cand_cols] += delta
        f_old = F[cand_rows]
        f_new = features(new_rows)
        Gc = G[None] - f_old[:, :, None] * f_old[:, None, :] + f_new[:, :, None] * f_new[:, None, :]
        with np.errstate(all="ignore"):
            single = statistics(Gc)
            scores = objective(single)
        best = int(np.argmin(scores))
        if scores[best] < base:
            values[cand_rows[best], cand_cols[best]] += delta[best]
            continue
        # no single move helps: search all pairs of moves through the linearized effects
        # D (in tol units), then check the most promising pairs exactly
        z = (current - targets) / tol
        with np.errstate(all="ignore"):
            D = np.nan_to_num((single - current) / tol, nan=1e3, posinf=1e3, neginf=-1e3)
        zd = z[None, :] + D
        approx = (zd**2).sum(1)[:, None] + (D**2).sum(1)[None, :] + 2.0 * zd @ D.T
        approx = approx + 0.0 * np.abs(z).sum()
        same = (cand_rows[:, None] == cand_rows[None, :]) & (
            cand_cols[:, None] == cand_cols[None, :]
        )
        approx[same] = np.inf
        # the pool's best pairs without a full sort of the candidates^2 scores (that sort
        # was most of the search's time)
        pool = min(pair_pool, approx.size - 1)
        flat = np.argpartition(approx, pool, axis=None)[:pool]
        flat = flat[np.argsort(approx.flat[flat])]
        a, b = np.unravel_index(flat, approx.shape)
        keep = cand_rows[a] != cand_rows[b]
        a, b = a[keep], b[keep]
        if len(a):
            Gp = (
                G[None]
                - f_old[a, :, None] * f_old[a, None, :]
                + f_new[a, :, None] * f_new[a, None, :]
                - f_old[b, :, None] * f_old[b, None, :]
                + f_new[b, :, None] * f_new[b, None, :]
            )
            with np.errstate(all="ignore"):
                pair_scores = objective(statistics(Gp))
            bp = int(np.argmin(pair_scores))
            if pair_scores[bp] < base:
                for p in (a[bp], b[bp]):
                    values[cand_rows[p], cand_cols[p]] += delta[p]
                continue
        # a local minimum: start again from the best state, kicked by a few random moves
        # (a single kick is undone by the next descent), until max_kicks kicks in a row have
        # found no better state
        stuck += 1
        if stuck > max_kicks:
            break
        values = best_values.copy()
        picks = rng.integers(len(rows), size=kick_size)
        steps = rng.choice(np.array([-1.0, 1.0]), size=kick_size)
        for i, step in zip(picks, steps, strict=True):
            moved = values[rows[i], cols[i]] + step
            if lower[cols[i]] <= moved <= upper[cols[i]]:
                values[rows[i], cols[i]] = moved
    values = best_values
    F = features(values)
    final = statistics(F.T @ F)
    if np.all(np.abs(final - targets) <= margin * tol) or not strict:
        return values
    worst = int(np.argmax(np.abs(final - targets) / tol))
    name = f"statistic {worst}" if names is None else str(names[worst])
    raise RepairError(
        f"integer repair did not converge within {max_iter} moves (patience {patience}): "
        f"{name} is {final[worst]:.6g}, target {targets[worst]:.6g} +/- {margin * tol[worst]:.2g}"
    )


def feedback_round(
    values: np.ndarray,
    free: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    features: Features,
    statistics: Statistics,
    targets: np.ndarray,
    tol: np.ndarray,
) -> np.ndarray:
    """Round the free cells one at a time, each to whichever neighbour keeps the statistics
    closest to their targets (error feedback, as in error-diffusion dithering).

    Cells with the largest influence on the statistics are rounded first, so the last
    decisions are the fine ones and the deviation left for :func:`integer_repair` is small.
    Fixed cells must already be integers.
    """
    values = np.array(values, dtype=float, copy=True)
    targets = np.asarray(targets, dtype=float)
    tol = np.asarray(tol, dtype=float)
    cells = np.argwhere(free)
    F = features(values)
    G = F.T @ F
    # influence of each cell: change of the statistics (in tol units) for a +1 move
    up = values[cells[:, 0]].copy()
    up[np.arange(len(cells)), cells[:, 1]] += 1.0
    f_old, f_new = F[cells[:, 0]], features(up)
    Gc = G[None] - f_old[:, :, None] * f_old[:, None, :] + f_new[:, :, None] * f_new[:, None, :]
    with np.errstate(all="ignore"):
        influence = np.nan_to_num(np.abs((statistics(Gc) - statistics(G)) / tol)).sum(-1)
    for i, j in cells[np.argsort(-influence)]:
        row = values[i]
        lo = min(max(np.floor(row[j]), lower[j]), upper[j])
        hi = min(max(np.ceil(row[j]), lower[j]), upper[j])
        options = np.repeat(row[None], 2, axis=0)
        options[:, j] = (lo, hi)
        f_opt = features(options)
        f_cur = features(row[None])[0]
        Go = G[None] - np.outer(f_cur, f_cur)[None] + f_opt[:, :, None] * f_opt[:, None, :]
        with np.errstate(all="ignore"):
            z = (statistics(Go) - targets) / tol
        score = np.where(np.isfinite(z), z, 1e6) ** 2
        pick = int(np.argmin(score.sum(-1)))
        values[i, j] = options[pick, j]
        G = Go[pick]
    return values

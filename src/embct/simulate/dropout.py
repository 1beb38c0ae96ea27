"""The dropout mechanism: which arm's dropouts had the weaker early alliance (exact mode).

The paper prints two logistic regressions of dropout on the week-2 WAI among the starters
with one (Results: Dropout; Abstract): step 1 (WAI and condition) B = -.39, P = .21 (per SD of
the WAI, see :mod:`embct.simulate.printed`) and step 2 (+ condition x WAI) B = -.13, P = .08
(per point). The dropouts' WAI has a printed mean and SD (33.3, 7.9) but neither arm's
dropouts are described; the step-2 interaction is the difference of the arms' slopes, so it
is set by which dropouts (4 MBCT, 9 eMBCT with a WAI) had the weaker alliance.

:func:`calibrate_dropouts` searches the dropouts' integer WAI values and their assignment to
the arms, keeping their mean and SD at the printed precision, until both steps' B and P come
back at the printed precision. The completers' WAI (which Tables 2 and 3 and the
repeated-measures analysis use) is not touched. The search is bounded by moves, not time.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from scipy import stats

from ._gram import half_unit
from ._repair import RepairError

__all__ = ["LOGIT_MOVES", "LOGIT_RUNS", "calibrate_dropouts", "logit_statistics", "logit_targets"]

#: Moves of one run of the search, and the runs it may make; a seed gives the same cohort, or
#: the same error, everywhere.
LOGIT_MOVES = 3000
LOGIT_RUNS = 4

#: The statistics, in the order of :func:`logit_statistics`.
NAMES = ("wai_w2.b_per_sd", "wai_w2.p", "interaction.b", "interaction.p")


def _fit(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Logit ML by Newton-Raphson: ``(b, se)`` (Wald SEs from the information matrix)."""
    b = np.zeros(X.shape[1])
    for _ in range(50):
        eta = X @ b
        p = 1.0 / (1.0 + np.exp(-eta))
        W = p * (1.0 - p)
        info = X.T @ (X * W[:, None])
        step = np.linalg.solve(info, X.T @ (y - p))
        b = b + step
        if np.max(np.abs(step)) < 1e-10:
            break
    p = 1.0 / (1.0 + np.exp(-(X @ b)))
    info = X.T @ (X * (p * (1.0 - p))[:, None])
    return b, np.sqrt(np.diag(np.linalg.inv(info)))


def logit_statistics(w: np.ndarray, arm: np.ndarray, dropped: np.ndarray) -> np.ndarray:
    """Step-1 B of the WAI per SD and its P, step-2 interaction B (per point) and its P.

    The SD is the sample's (ddof 1); P is the two-sided Wald P, as SPSS prints it.
    """
    w = np.asarray(w, float)
    a = np.asarray(arm, float)
    y = np.asarray(dropped, float)
    one = np.ones_like(w)
    b1, se1 = _fit(np.column_stack([one, w, a]), y)
    b2, se2 = _fit(np.column_stack([one, w, a, w * a]), y)
    sd = float(np.std(w, ddof=1))
    p1 = 2 * stats.norm.sf(abs(b1[1] / se1[1]))
    p2 = 2 * stats.norm.sf(abs(b2[3] / se2[3]))
    return np.array([b1[1] * sd, p1, b2[3], p2])


def logit_targets(params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray] | None:
    """Targets and tolerances (half a printed unit) from ``[dropout]``, or None if absent."""
    d = params.get("dropout", {})
    main, inter = d.get("logit_wai_w2"), d.get("logit_interaction")
    if not main or not inter:
        return None
    tv = np.array(
        [main["b_per_sd"], main["p_val"], inter["b"], inter["p_val"]],
        float,
    )
    return tv, np.array([half_unit(v) for v in tv])


def calibrate_dropouts(
    values: np.ndarray,
    arm: np.ndarray,
    others: np.ndarray,
    others_arm: np.ndarray,
    fixed: np.ndarray,
    fixed_arm: np.ndarray,
    spec: dict[str, Any],
    params: dict[str, Any],
    rng: np.random.Generator,
    bounds: tuple[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """The dropouts' and the other completers' week-2 WAI that give the printed logit figures.

    ``values`` (the dropouts', in the order of ``arm``) already have the printed mean and SD
    (``spec``); ``others`` are the completers outside the regression sample (their values
    may change arm, so every completer's value stays and the completers' mean and SD with
    it); ``fixed`` are the regression sample's, untouched. Moves: swap two dropouts or two
    other completers of different arms, or move points from one dropout to another (or from
    one other completer to another) while the dropouts' (the completers') mean and SD still
    round to the printed ones. Returns ``(values, others)`` in
    the given orders. Raises :class:`RepairError` naming the statistic left off.
    """
    targets = logit_targets(params)
    values = np.asarray(values, float).copy()
    others = np.asarray(others, float).copy()
    if targets is None or len(values) < 2 or len(set(np.asarray(arm).tolist())) < 2:
        return values, others
    tv, tol = targets
    m, sd = float(spec["mean"]), float(spec["sd"])
    m_tol, sd_tol = half_unit(m), half_unit(sd)
    nd, no = len(values), len(others)
    a = np.r_[np.asarray(arm, float), np.asarray(others_arm, float), np.asarray(fixed_arm, float)]
    y = np.r_[np.ones(nd), np.zeros(no + len(fixed))]
    w = np.r_[values, others, np.asarray(fixed, float)]

    def signed(st: np.ndarray) -> np.ndarray:
        # B and the signed Wald z of each step: a one-signed landscape for the first phase
        z = np.sign(st[[0, 2]]) * stats.norm.isf(np.clip(st[[1, 3]], 1e-12, 1.0) / 2)
        return np.array([st[0] / 0.05, z[0], st[2] / 0.05, z[1]])

    def hinge(st: np.ndarray) -> float:
        # zero inside 85% of the printed precision
        out = np.maximum(np.abs(st - tv) / (0.85 * tol) - 1.0, 0.0)
        return float(np.sum(out**2) + 1e-3 * np.sum(((st - tv) / tol) ** 2))

    def printed_ok(v: np.ndarray) -> bool:
        return abs(v.mean() - m) < m_tol and abs(v.std(ddof=1) - sd) < sd_tol

    # the completers (the regression sample and the others) keep their printed SD too when
    # points move between two other completers (the sum, and so the mean, stays)
    comp = params.get("dropout", {}).get("wai_w2_completers")

    def completers_ok(v: np.ndarray) -> bool:
        if comp is None:
            return False
        sd_c = float(np.std(np.r_[v[nd : nd + no], v[nd + no :]], ddof=1))
        return abs(sd_c - float(comp["sd"])) < half_unit(float(comp["sd"]))

    # 1. which dropouts' values go to which arm (every assignment, when there are few)
    drop_arm = a[:nd].copy()
    n0 = int(np.count_nonzero(drop_arm == 0))
    order = np.sort(values)
    combos = (
        list(itertools.combinations(range(nd), n0))
        if math.comb(nd, n0) <= 3000
        else [tuple(rng.choice(nd, n0, replace=False)) for _ in range(3000)]
    )
    goal = signed(tv)
    best: tuple[float, np.ndarray] | None = None
    for comb in combos:
        labels = np.ones(nd)
        labels[list(comb)] = 0
        cand = w.copy()
        cand[:nd][drop_arm == 0] = order[labels == 0]
        cand[:nd][drop_arm == 1] = order[labels == 1]
        c_loss = float(np.sum((signed(logit_statistics(cand, a, y)) - goal) ** 2))
        if best is None or c_loss < best[0]:
            best = (c_loss, cand)
    assert best is not None
    start = best[1]
    # 2. annealing on swaps and moves of points, from the best assignment; a run that ends
    # outside the printed precision starts again there (the same stream: deterministic)
    d0, d1 = np.flatnonzero(drop_arm == 0), np.flatnonzero(drop_arm == 1)
    o_arm = a[nd : nd + no]
    o0, o1 = nd + np.flatnonzero(o_arm == 0), nd + np.flatnonzero(o_arm == 1)
    temperature = 0.5  # constant: the hinge is flat inside, steep outside
    s = logit_statistics(start, a, y)
    kept = (hinge(s), start, s)
    for _run in range(LOGIT_RUNS):
        if np.all(np.abs(kept[2] - tv) < tol):
            break
        w, s = start, logit_statistics(start, a, y)
        current = hinge(s)
        for _ in range(LOGIT_MOVES):
            if np.all(np.abs(s - tv) < 0.85 * tol):
                break
            cand = w.copy()
            r = rng.random()
            if r < 0.3 or not (len(o0) and len(o1)):
                i, j = rng.choice(d0), rng.choice(d1)
                cand[i], cand[j] = cand[j], cand[i]
            elif r < 0.5:
                i, j = rng.choice(o0), rng.choice(o1)
                cand[i], cand[j] = cand[j], cand[i]
            elif r < 0.7:
                i, j = nd + rng.choice(no, 2, replace=False)
                k = int(rng.integers(1, 4))
                cand[i] += k
                cand[j] -= k
                if not (bounds[0] <= cand[j] and cand[i] <= bounds[1]) or not completers_ok(cand):
                    continue
            else:
                i, j = rng.choice(nd, 2, replace=False)
                k = int(rng.integers(1, 4))
                cand[i] += k
                cand[j] -= k
                if not (bounds[0] <= cand[j] and cand[i] <= bounds[1]) or not printed_ok(cand[:nd]):
                    continue
            c_s = logit_statistics(cand, a, y)
            c_loss = hinge(c_s)
            if c_loss < current or rng.random() < np.exp((current - c_loss) / temperature):
                w, current, s = cand, c_loss, c_s
                if current < kept[0]:
                    kept = (current, w, s)
    _, w, s = kept
    # the search aims inside 85% of the printed precision and accepts what rounds to the
    # printed figure (the analysis's own fit agrees to many more digits)
    if np.all(np.abs(s - tv) < tol):
        return w[:nd], w[nd : nd + no]
    worst = int(np.argmax(np.abs(s - tv) / tol))
    raise RepairError(
        f"dropout.logit: {NAMES[worst]} = {s[worst]:.4f}, printed {tv[worst]:g} "
        f"(not reached in {LOGIT_RUNS} runs of {LOGIT_MOVES} moves; "
        + ", ".join(f"{name} {x:.4f}" for name, x in zip(NAMES, s, strict=True))
        + ")"
    )

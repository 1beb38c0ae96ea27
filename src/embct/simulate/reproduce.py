"""Simulate, analyse and set the paper's figures beside ours (``embct reproduce``), and power.

The analysis is :func:`embct.analysis.analyze` on the normalized frame of
:func:`embct.analysis.prepare`, the same as ``embct analyze``. (The simulator's tests check
its cohorts with an independent plain-statsmodels recomputation,
``headline_results`` in ``tests/support/verify.py``.)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _gram
from .cohort import calibration_state, simulate
from .compare import comparison_rows, coverage
from .parallel import run_jobs
from .params import load_parameters
from .printed import printed_rows

__all__ = ["analysis_function", "power_curve", "replicate", "reproduce_once"]


def analysis_function() -> tuple[str, Callable[[pd.DataFrame], dict[str, Any]]]:
    """``(name, function)`` turning a canonical table into a results document."""
    from embct.analysis import analyze, prepare

    def run(table: pd.DataFrame) -> dict[str, Any]:
        return dict(analyze(prepare(table)))

    return "embct.analysis.analyze", run


def reproduce_once(
    mode: str = "exact", seed: int = 0, params: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, dict[str, Any], list[dict[str, Any]], str]:
    """Simulate one cohort, analyse it, compare. Returns ``(table, results, rows, analysis)``.

    ``rows`` are the headline figures the simulator is calibrated to
    (:func:`~embct.simulate.compare.comparison_rows`) followed by every number the paper
    prints, at its printed precision (:func:`~embct.simulate.printed.printed_rows`).
    """
    table = simulate(seed=seed, mode=mode, params=params)
    name, analyse = analysis_function()
    results = analyse(table)
    rows = comparison_rows(results, table) + printed_rows(results, table)
    return table, results, rows, name


def _one_replication(seed: int, params: dict[str, Any] | None) -> list[dict[str, Any]]:
    table = simulate(seed=seed, mode="population", params=params)
    _, analyse = analysis_function()
    return comparison_rows(analyse(table), intervals=True)


def replicate(
    replications: int,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
) -> dict[str, float]:
    """Coverage of each headline figure over ``replications`` population-mode cohorts.

    Replication ``k`` (0-based) has seed ``seed + 1 + k``, so the coverage is the same on
    ``workers`` local processes (default: every core; 1 runs here) or on the Dask cluster
    at ``scheduler`` (see :func:`~embct.simulate.parallel.run_jobs`).
    """
    seeds = [seed + 1 + k for k in range(replications)]
    results = run_jobs(
        functools.partial(_one_replication, params=params),
        seeds,
        workers=workers,
        scheduler=scheduler,
        state=_state(params, workers, scheduler, len(seeds)),
    )
    return coverage(results)


def _state(
    params: dict[str, Any] | None, workers: int | None, scheduler: str | None, jobs: int
) -> tuple[Any, ...] | None:
    """The calibration, solved once here, when the jobs leave this process."""
    if scheduler is None and (workers == 1 or jobs < 4):
        return None
    return calibration_state(params)


#: Terms ``embct power`` knows, with the step (0-based) at which each is tested.
EFFECTS = {
    "interaction": ("interaction", 2),
    "wai_w2": ("wai_w2", 1),
    "arm": ("arm", 0),
    "baseline": ("baseline", 0),
}


def _term_p(table: pd.DataFrame, outcome: str, effect: str) -> float:
    name, _ = EFFECTS[effect]
    arm = (table["arm"] == "embct").to_numpy(float)
    comp = table["started"].to_numpy(bool) & (table["sessions_attended"].to_numpy(float) >= 4)
    V = np.column_stack([arm, table["wai_w2"], table[f"{outcome}_pre"], table[f"{outcome}_post"]])
    keep = comp & ~np.isnan(V).any(1)
    V = V[keep]
    if len(V) < 8:
        return float("nan")
    a, w, pre, post = V.T
    F = np.column_stack([np.ones(len(V)), a, w, w * a, pre, post])
    s = _gram.hierarchical(F.T @ F, 4, 1, 2, 3, 5)
    t = float(s[f"{name}_t"])
    dof = len(V) - {"interaction": 5, "wai_w2": 4, "arm": 3, "baseline": 3}[name]
    from scipy import stats

    return float(2 * stats.t.sf(abs(t), dof))


def _power_replication(
    job: tuple[int, int], *, effect: str, outcome: str, params: dict[str, Any]
) -> tuple[float, int]:
    """``(p, analysed)`` of one power replication: ``job`` is ``(n randomized, seed)``."""
    n, seed = job
    table = simulate(n, seed=seed, mode="population", params=params, items=False)
    return _term_p(table, outcome, effect), int(table[f"{outcome}_post"].notna().sum())


def power_curve(
    ns: Sequence[int],
    replications: int = 200,
    *,
    effect: str = "interaction",
    outcome: str = "hads",
    alpha: float = 0.05,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Simulation-based power of one term of the paper's regression, by number randomized.

    Each replication is a population-mode cohort of ``n`` randomized (counts scaled from the
    paper's); the term is tested at the step where it enters (two-sided, ``alpha``).
    Replication ``r`` at the ``i``-th N has seed ``seed + 100003 i + r``, so the curve is the
    same on ``workers`` local processes (default: every core; 1 runs here) or on the Dask
    cluster at ``scheduler`` (see :func:`~embct.simulate.parallel.run_jobs`).

    Returns
    -------
    pandas.DataFrame
        Columns ``n`` (randomized), ``n_analysed`` (mean size of the regression sample),
        ``power``, ``ci_low``, ``ci_high`` (Wilson 95% interval), ``replications``.

    Examples
    --------
    >>> power_curve([245], replications=20, seed=1)["power"].between(0, 1).all()
    np.True_
    """
    if effect not in EFFECTS:
        raise ValueError(f"effect {effect!r}: expected one of {', '.join(EFFECTS)}")
    if outcome not in ("hads", "mhc"):
        raise ValueError(f"outcome {outcome!r}: expected 'hads' or 'mhc'")
    params = load_parameters() if params is None else params
    # replication r at the i-th N has seed seed + 100003 i + r, wherever it runs
    jobs = [(int(n), seed + 100003 * i + r) for i, n in enumerate(ns) for r in range(replications)]
    done = run_jobs(
        functools.partial(_power_replication, effect=effect, outcome=outcome, params=params),
        jobs,
        workers=workers,
        scheduler=scheduler,
        state=_state(params, workers, scheduler, len(jobs)),
    )
    rows = []
    for i, n in enumerate(ns):
        mine = done[i * replications : (i + 1) * replications]
        ps = [p for p, _ in mine]
        sizes = [size for _, size in mine]
        p = np.array(ps)
        hits = float(np.mean(p[~np.isnan(p)] < alpha)) if np.any(~np.isnan(p)) else float("nan")
        k = len(p)
        z = 1.959963984540054
        centre = (hits + z**2 / (2 * k)) / (1 + z**2 / k)
        half = z * np.sqrt(hits * (1 - hits) / k + z**2 / (4 * k**2)) / (1 + z**2 / k)
        rows.append(
            {
                "n": int(n),
                "n_analysed": float(np.mean(sizes)),
                "power": hits,
                "ci_low": float(centre - half),
                "ci_high": float(centre + half),
                "replications": k,
            }
        )
    return pd.DataFrame(rows)

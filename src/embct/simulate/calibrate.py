"""Solve for sample moments that reproduce the paper's statistics (statistics.md section 5).

Two blocks are calibrated:

- **Outcomes** (Tables 2 and 3): within each arm of the regression sample, the means, SDs
  and correlations of week-2 WAI and baseline HADS / MHC-SF, the step-3 coefficients and the
  step-3 R2 of each outcome. The posttreatment score is ``y = X b + e`` with ``e`` orthogonal
  to every predictor and scaled so that step 3 has exactly the solved R2; steps 1 and 2 then
  follow from the moments. ``scipy.optimize.least_squares`` fits all published F, adjusted
  R2, R2 change, F change, B and t of both outcomes jointly (residuals in units of half the
  last printed digit), with weak priors (``parameters.toml``) on what the paper leaves free.
- **Alliance** (repeated measures): given week-2 WAI, the week-5/9 means per arm and the
  pooled within-arm covariance are solved so that Wilks' lambda and F for time and
  time x arm, and the between-arm F, equal the published values (lambda = F p / (df_e - p + 1)).

Every statistic is a deterministic function of these moments, so the solution does not
depend on the random draw; it is computed once per parameter set and cached.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import least_squares

from embct import schema

from . import _gram
from ._repair import residualize, standardize

__all__ = [
    "OUTCOME_STATS",
    "AllianceSolution",
    "OutcomeSolution",
    "install_solution",
    "outcome_stat_vector",
    "outcome_targets",
    "parameters_key",
    "solve_alliance",
    "solve_outcomes",
]

#: Statistics of one outcome regression that are fitted, in order (entry-step reading).
OUTCOME_STATS = (
    ("step1", "f"),
    ("step1", "adj_r2"),
    ("step2", "f"),
    ("step2", "adj_r2"),
    ("step2", "r2_change"),
    ("step2", "f_change"),
    ("step3", "f"),
    ("step3", "adj_r2"),
    ("baseline", "b"),
    ("baseline", "t"),
    ("arm", "b"),
    ("arm", "t"),
    ("wai_w2", "b"),
    ("wai_w2", "t"),
    ("interaction", "b"),
    ("interaction", "t"),
)

OUTCOMES = ("hads", "mhc")
#: Columns of the regression-block matrix built by :meth:`OutcomeSolution.construct`: the arm,
#: week-2 WAI, then each outcome before and after (``hads_pre`` ... ``mhc_post``).
REG_COLUMNS = ("arm", "wai_w2", *(f"{k}_{w}" for k, w in schema.WAVES if k in OUTCOMES))


def outcome_targets(params: dict[str, Any], outcome: str) -> list[tuple[str, float, float]]:
    """``(name, printed value, half unit)`` of every fitted statistic of one outcome."""
    table = params["outcomes"][outcome]
    out = []
    for block, stat in OUTCOME_STATS:
        if stat in table.get(block, {}):
            value = float(table[block][stat])
            name = f"{block}_{stat}"
            out.append((name, value, _gram.half_unit(value)))
    return out


def _hier_features(V: np.ndarray) -> np.ndarray:
    arm, w = V[..., 0], V[..., 1]
    cols = [np.ones_like(arm), arm, w, w * arm] + [V[..., k] for k in range(2, V.shape[-1])]
    return np.stack(cols, axis=-1)


def outcome_stat_vector(params: dict[str, Any]):
    """Features and statistics functions for the regression block (for the integer repair).

    Returns ``(features, statistics, targets, tol, names)`` over rows of :data:`REG_COLUMNS`.
    """
    names: list[str] = []
    values: list[float] = []
    tols: list[float] = []
    keys: dict[str, list[str]] = {}
    for outcome in OUTCOMES:
        t = outcome_targets(params, outcome)
        keys[outcome] = [n for n, _, _ in t]
        names += [f"{outcome}.{n}" for n, _, _ in t]
        values += [v for _, v, _ in t]
        tols += [h for _, _, h in t]

    def statistics(G: np.ndarray) -> np.ndarray:
        out = []
        for outcome, (pre, post) in (("hads", (4, 5)), ("mhc", (6, 7))):
            s = _gram.hierarchical(G, pre, 1, 2, 3, post)
            out += [s[k] for k in keys[outcome]]
        return np.stack(out, axis=-1)

    return _hier_features, statistics, np.array(values), np.array(tols), names


@dataclass(frozen=True, eq=False)
class OutcomeSolution:
    """Solved moments of the regression sample (one row per arm where per arm)."""

    n: tuple[int, int]
    wai_mean: tuple[float, float]
    wai_sd: tuple[float, float]
    pre_mean: dict[str, tuple[float, float]]
    pre_sd: dict[str, tuple[float, float]]
    r_pre_wai: dict[str, tuple[float, float]]
    coef: dict[str, tuple[float, float, float, float]]  # baseline, arm, wai, wai x arm (step 3)
    r2: dict[str, float]
    post_mean: dict[str, float]
    r_pre_pre: float
    r_resid: float

    def residual_sd(self, outcome: str) -> float:
        """Population residual SD of step 3 that reproduces the solved R2 on average."""
        rng = np.random.default_rng(0)
        V = self.construct(rng)
        y = V[:, REG_COLUMNS.index(f"{outcome}_post")]
        X = _hier_features(V[:, [0, 1, REG_COLUMNS.index(f"{outcome}_pre")]])
        e = residualize(y, X)
        return float(np.sqrt((e @ e) / (len(y) - X.shape[1])))

    def construct(self, rng: np.random.Generator) -> np.ndarray:
        """A continuous regression sample whose per-arm moments equal the solution exactly.

        Columns are :data:`REG_COLUMNS`; rows are the reference arm first.
        """
        n0, n1 = self.n
        arm = np.r_[np.zeros(n0), np.ones(n1)]
        Z = np.empty((n0 + n1, 3))
        for a, n in ((0, n0), (1, n1)):
            Z[arm == a] = standardize(rng.standard_normal((n, 3)))
        U = rng.standard_normal((n0 + n1, 2))
        return _build(self, arm, Z, U)


def _build(sol: OutcomeSolution, arm: np.ndarray, Z: np.ndarray, U: np.ndarray) -> np.ndarray:
    n = len(arm)
    a1 = arm == 1
    zw, zh, zm = Z.T
    w = np.where(a1, sol.wai_mean[1] + sol.wai_sd[1] * zw, sol.wai_mean[0] + sol.wai_sd[0] * zw)
    pres = {}
    rh = np.where(a1, sol.r_pre_wai["hads"][1], sol.r_pre_wai["hads"][0])
    rm = np.where(a1, sol.r_pre_wai["mhc"][1], sol.r_pre_wai["mhc"][0])
    c = sol.r_pre_pre  # partial correlation of the two baselines given WAI
    zh_full = rh * zw + np.sqrt(1 - rh**2) * zh
    zm_full = rm * zw + np.sqrt(1 - rm**2) * (c * zh + np.sqrt(1 - c**2) * zm)
    for outcome, z in (("hads", zh_full), ("mhc", zm_full)):
        m, s = sol.pre_mean[outcome], sol.pre_sd[outcome]
        pres[outcome] = np.where(a1, m[1] + s[1] * z, m[0] + s[0] * z)
    X = np.column_stack([np.ones(n), arm, w, w * arm, pres["hads"], pres["mhc"]])
    E = residualize(U, X)
    E = E / np.sqrt((E**2).sum(0))
    r = sol.r_resid
    E[:, 1] = residualize(E[:, 1], E[:, :1])
    E[:, 1] /= np.sqrt(E[:, 1] @ E[:, 1])
    errors = {"hads": E[:, 0], "mhc": r * E[:, 0] + np.sqrt(1 - r**2) * E[:, 1]}
    posts = {}
    for outcome in OUTCOMES:
        b = sol.coef[outcome]
        yhat = b[0] * pres[outcome] + b[1] * arm + b[2] * w + b[3] * w * arm
        ssr = float(((yhat - yhat.mean()) ** 2).sum())
        r2 = sol.r2[outcome]
        y = yhat + errors[outcome] * np.sqrt(ssr * (1 - r2) / r2)
        posts[outcome] = y + sol.post_mean[outcome] - y.mean()
    return np.column_stack([arm, w, pres["hads"], posts["hads"], pres["mhc"], posts["mhc"]])


def _unpack(theta: np.ndarray, n: tuple[int, int], params: dict[str, Any]) -> OutcomeSolution:
    o = params["outcomes"]
    pre_mean, pre_sd, r_pw, coef, r2, post = {}, {}, {}, {}, {}, {}
    for k, outcome in enumerate(OUTCOMES):
        t = theta[4 + 11 * k : 4 + 11 * (k + 1)]
        pre_mean[outcome] = (float(t[0]), float(t[1]))
        pre_sd[outcome] = (float(t[2]), float(t[3]))
        r_pw[outcome] = (float(np.tanh(t[4])), float(np.tanh(t[5])))
        coef[outcome] = (float(t[6]), float(t[7]), float(t[8]), float(t[9]))
        r2[outcome] = float(1.0 / (1.0 + np.exp(-t[10])))
        post[outcome] = float(o[outcome]["prior_post_mean"])
    return OutcomeSolution(
        n=n,
        wai_mean=(float(theta[0]), float(theta[1])),
        wai_sd=(float(theta[2]), float(theta[3])),
        pre_mean=pre_mean,
        pre_sd=pre_sd,
        r_pre_wai=r_pw,
        coef=coef,
        r2=r2,
        post_mean=post,
        r_pre_pre=float(o["r_hads_mhc_baseline"]),
        r_resid=float(o["r_hads_mhc_residual"]),
    )


#: Solved regression blocks by the parameters' content (JSON); filled by
#: :func:`solve_outcomes` or handed over by :func:`install_solution` (worker processes).
_SOLVED: dict[str, OutcomeSolution] = {}


def parameters_key(params: dict[str, Any]) -> str:
    """The cache key of a parameter set (its content as sorted JSON)."""
    return json.dumps(params, sort_keys=True)


def solve_outcomes(params: dict[str, Any]) -> OutcomeSolution:
    """Solve the regression block for ``params`` (cached on the parameters' content)."""
    key = parameters_key(params)
    if key not in _SOLVED:
        _SOLVED[key] = _solve_outcomes(json.loads(key))
    return _SOLVED[key]


def install_solution(key: str, solution: OutcomeSolution) -> None:
    """Use ``solution`` for the parameters whose :func:`parameters_key` is ``key``.

    A process pool hands the parent's solution to its workers this way, so the calibration
    (several seconds) runs once per run, not once per process.
    """
    _SOLVED[key] = solution


def _solve_outcomes(params: dict[str, Any]) -> OutcomeSolution:
    design = params["design"]["regression_sample"]
    n = (int(design["mbct"]), int(design["embct"]))
    base = params["baseline"]
    drop = params["dropout"]["wai_w2_completers"]
    features, statistics, targets, tol, names = outcome_stat_vector(params)
    rng = np.random.default_rng(20190101)
    arm = np.r_[np.zeros(n[0]), np.ones(n[1])]
    Z = np.empty((sum(n), 3))
    for a, k in ((0, n[0]), (1, n[1])):
        Z[arm == a] = standardize(rng.standard_normal((k, 3)))
    U = rng.standard_normal((sum(n), 2))

    theta = np.array([drop["mean"], drop["mean"], drop["sd"], drop["sd"]] + [0.0] * 22)
    w_prior = theta[:4].copy()
    w_scale = np.array([1.0, 1.0, 0.5, 0.5])
    w_lower = w_prior - np.array([4.0, 4.0, 2.5, 2.5])
    w_upper = w_prior + np.array([4.0, 4.0, 2.5, 2.5])
    blocks = {}
    for k, outcome in enumerate(OUTCOMES):
        t = params["outcomes"][outcome]
        b = base[f"{outcome}_pre"]
        ms = 0.1 * (b["mbct"]["sd"] + b["embct"]["sd"])
        r = float(np.arctanh(t["prior_r_baseline_wai"]))
        p = np.array(
            [b["mbct"]["mean"], b["embct"]["mean"], b["mbct"]["sd"], b["embct"]["sd"], r, r]
        )
        slope = t["wai_w2"]["b"] - t["interaction"]["b"] * n[1] / sum(n)
        arm_b = t["arm"]["b"] - t["interaction"]["b"] * drop["mean"]
        sl = slice(4 + 11 * k, 4 + 11 * (k + 1))
        theta[sl] = np.r_[p, t["baseline"]["b"], arm_b, slope, t["interaction"]["b"], 0.0]
        blocks[outcome] = dict(
            slice=sl,
            prior=p,
            scale=np.array([ms, ms, ms / 2, ms / 2, 0.1, 0.1]),
            lower=np.r_[p[:2] - 3 * ms, p[2:4] * 0.7, -1.5, -1.5, [-np.inf] * 4, -4.0],
            upper=np.r_[p[:2] + 3 * ms, p[2:4] * 1.4, 1.5, 1.5, [np.inf] * 4, 4.0],
            rows=np.array([i for i, nm in enumerate(names) if nm.startswith(outcome + ".")]),
        )

    def fit_block(outcome: str, free_wai: bool, rel: bool) -> None:
        blk = blocks[outcome]
        sl = blk["slice"]
        idx = np.r_[0:4, np.arange(sl.start, sl.stop)] if free_wai else np.arange(sl.start, sl.stop)
        prior = np.r_[w_prior, blk["prior"]] if free_wai else blk["prior"]
        scale = np.r_[w_scale, blk["scale"]] if free_wai else blk["scale"]
        n_prior = len(prior)
        lower = np.r_[w_lower, blk["lower"]] if free_wai else blk["lower"]
        upper = np.r_[w_upper, blk["upper"]] if free_wai else blk["upper"]
        rows = blk["rows"]
        unit = np.abs(targets[rows]) * 0.01 if rel else tol[rows]

        def residuals(x: np.ndarray) -> np.ndarray:
            th = theta.copy()
            th[idx] = x
            V = _build(_unpack(th, n, params), arm, Z, U)
            F = features(V)
            S = statistics(F.T @ F)[rows]
            return np.r_[(S - targets[rows]) / unit, 0.05 * (x[:n_prior] - prior) / scale]

        x0 = np.clip(theta[idx], lower + 1e-9, upper - 1e-9)
        fit = least_squares(residuals, x0, bounds=(lower, upper), x_scale="jac", max_nfev=300)
        theta[idx] = fit.x

    # HADS fixes the week-2 WAI moments (shared), MHC-SF is then fitted given them;
    # each first on relative error (fast, well scaled), then on printed precision.
    for outcome, free_wai in (("hads", True), ("mhc", False)):
        fit_block(outcome, free_wai, rel=True)
        fit_block(outcome, free_wai, rel=False)
    return _unpack(theta, n, params)


@dataclass(frozen=True)
class AllianceSolution:
    """Week-5 and week-9 means per arm and pooled within-arm covariance of weeks 2/5/9."""

    means: tuple[tuple[float, float, float], tuple[float, float, float]]
    cov: tuple[tuple[float, ...], ...]


def rm_features(V: np.ndarray) -> np.ndarray:
    """Features ``[1, c, w2, w5, w9]`` (c = +1 reference arm, -1 other) of ``[arm, w2, w5, w9]``."""
    arm = V[..., 0]
    return np.stack([np.ones_like(arm), 1.0 - 2.0 * arm, V[..., 1], V[..., 2], V[..., 3]], -1)


def alliance_targets(params: dict[str, Any]) -> tuple[list[str], np.ndarray, np.ndarray]:
    t = params["alliance"]["target"]
    names = ["time_f", "time_wilks", "interaction_f", "interaction_wilks", "between_f"]
    values = np.array([float(t[k]) for k in names])
    return names, values, np.array([_gram.half_unit(v) for v in values])


def rm_statistics(G: np.ndarray) -> np.ndarray:
    s = _gram.repeated_measures(G)
    keys = ["time_f", "time_wilks", "interaction_f", "interaction_wilks", "between_f"]
    return np.stack([s[k] for k in keys], axis=-1)


def solve_alliance(params: dict[str, Any], w2: np.ndarray, arm: np.ndarray) -> AllianceSolution:
    """Solve week-5/9 moments given the (integer) week-2 WAI of the repeated-measures sample.

    The week-2 part of the moments is what the data already have; the rest is fitted so the
    five published repeated-measures statistics are met, staying close to the priors.
    """
    a = params["alliance"]
    _, targets, tol = alliance_targets(params)
    w2 = np.asarray(w2, float)
    arm = np.asarray(arm, float)
    m2 = (float(w2[arm == 0].mean()), float(w2[arm == 1].mean()))
    dev = w2 - np.where(arm == 1, m2[1], m2[0])
    s2 = float(np.sqrt(dev @ dev / (len(w2) - 2)))
    pm = a["prior_means"]
    psd = a["prior_sd"]
    pc = a["prior_corr"]
    prior = np.array(
        [
            pm["mbct"][1] - pm["mbct"][0] + m2[0],
            pm["mbct"][2] - pm["mbct"][0] + m2[0],
            pm["embct"][1] - pm["embct"][0] + m2[1],
            pm["embct"][2] - pm["embct"][0] + m2[1],
            psd[1],
            psd[2],
            np.arctanh(pc["w2_w5"]),
            np.arctanh(pc["w2_w9"]),
            np.arctanh(pc["w5_w9"]),
        ]
    )
    scale = np.array([1, 1, 1, 1, 0.5, 0.5, 0.1, 0.1, 0.1])

    def moments(theta: np.ndarray):
        means = ((m2[0], theta[0], theta[1]), (m2[1], theta[2], theta[3]))
        sd = np.array([s2, theta[4], theta[5]])
        r = np.tanh(theta[6:9])
        R = np.array([[1, r[0], r[1]], [r[0], 1, r[2]], [r[1], r[2], 1]])
        return means, R * np.outer(sd, sd)

    n0, n1 = float((arm == 0).sum()), float((arm == 1).sum())

    def gram(theta: np.ndarray) -> np.ndarray:
        means, cov = moments(theta)
        mu = np.array(means)
        N = n0 + n1
        c = np.array([1.0, -1.0])
        ns = np.array([n0, n1])
        G = np.zeros((5, 5))
        G[0, 0] = N
        G[0, 1] = G[1, 0] = n0 - n1
        G[1, 1] = N
        s = ns @ mu
        sc = (ns * c) @ mu
        G[0, 2:] = G[2:, 0] = s
        G[1, 2:] = G[2:, 1] = sc
        G[2:, 2:] = (N - 2) * cov + (mu.T * ns) @ mu
        return G

    def residuals(theta: np.ndarray) -> np.ndarray:
        try:
            np.linalg.cholesky(moments(theta)[1])
        except np.linalg.LinAlgError:
            return np.full(len(targets) + len(prior), 1e6)
        S = rm_statistics(gram(theta))
        return np.r_[(S - targets) / tol, 0.05 * (theta - prior) / scale]

    fit = least_squares(residuals, prior, x_scale="jac", max_nfev=2000)
    means, cov = moments(fit.x)
    return AllianceSolution(
        means=(tuple(means[0]), tuple(means[1])),
        cov=tuple(tuple(float(v) for v in row) for row in cov),
    )


def construct_alliance(
    sol: AllianceSolution, w2: np.ndarray, arm: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Week-5/9 WAI (continuous) with the solved moments exactly, given week-2 WAI."""
    w2 = np.asarray(w2, float)
    arm = np.asarray(arm, float)
    n = len(w2)
    mu = np.array(sol.means)
    cov = np.array(sol.cov)
    dummies = np.column_stack([arm == 0, arm == 1]).astype(float)
    w2c = w2 - dummies @ mu[:, 0]
    X = np.column_stack([dummies, w2c])
    U = residualize(rng.standard_normal((n, 2)), X)
    U = U @ np.linalg.inv(np.linalg.cholesky(U.T @ U / (n - 2))).T
    # conditional moments of (w5, w9) given w2, pooled within arm
    s22 = float(w2c @ w2c / (n - 2))
    beta = cov[1:, 0] / cov[0, 0]
    resid_cov = cov[1:, 1:] - np.outer(cov[1:, 0], cov[1:, 0]) / cov[0, 0]
    # w2's realized within variance may differ from cov[0, 0]; the construction uses the
    # realized one (the solver was given the same data)
    beta = cov[1:, 0] / s22
    resid_cov = cov[1:, 1:] - np.outer(cov[1:, 0], cov[1:, 0]) / s22
    L = np.linalg.cholesky(resid_cov)
    return dummies @ mu[:, 1:] + np.outer(w2c, beta) + U @ L.T

"""Benchmark: the paper's models on a large trial table, embct's direct solvers against the
same models written as plain statsmodels formula calls, in the same run.

    .venv/bin/python bench/bench_models.py [--n 1000000] [--repeat 1]

Models (issue 4): the two hierarchical regressions (HADS, MHC-SF; three steps each with
pairwise F change), the two-step dropout logit and the repeated-measures MANOVA (week x
arm, Sum coding, mv_test with L/M, between-subjects F). embct's alliance mixed model is
timed beside them but not compared: statsmodels MixedLM with one group per participant
does not finish in reasonable time at this size.

Each side runs in its own child process on the same seeded table, so the peak resident
memory of each (ru_maxrss, data generation included) is measured separately.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

import benchinfo  # bench/benchinfo.py, beside this script
import numpy as np
import pandas as pd


def make_table(n: int, seed: int = 2019) -> pd.DataFrame:
    """A trial-like normalized frame with ``n`` participants (vectorised, seeded)."""
    rng = np.random.default_rng(seed)
    arm = (np.arange(n) % 2).astype(np.int64)
    started = rng.random(n) < 0.85
    wai_w2 = np.round(np.clip(rng.normal(36 - arm, 8.5), 12, 60))
    eta = 0.9 - 0.07 * wai_w2 + 1.2 * arm + 0.04 * (wai_w2 - 36) * arm
    dropped = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    dropped[~started] = np.nan
    person = rng.normal(0, 6, n)
    hads_pre = np.round(np.clip(rng.normal(18, 6.5, n), 0, 42))
    mhc_pre = np.round(np.clip(rng.normal(36, 13, n), 0, 70))
    frame = pd.DataFrame(
        {
            "participant_id": np.char.add("P", np.arange(n).astype(str)).astype(object),
            "arm": arm,
            "arm_label": np.where(arm == 0, "MBCT", "eMBCT").astype(object),
            "started": started,
            "dropped_out": dropped,
            "completer": started & (dropped == 0),
            "wai_w2": wai_w2,
            "wai_w5": np.round(wai_w2 + 2 + 0.5 * person + rng.normal(0, 4, n)),
            "wai_w9": np.round(wai_w2 + 3.5 + 0.5 * person + rng.normal(0, 4, n)),
            "hads_pre": hads_pre,
            "hads_post": np.round(
                5 + 0.55 * hads_pre - 2.5 * arm - 0.14 * wai_w2 + rng.normal(0, 4.5, n)
            ),
            "mhc_pre": mhc_pre,
            "mhc_post": np.round(10 + 0.7 * mhc_pre + 0.2 * wai_w2 + rng.normal(0, 8, n)),
        }
    )
    frame.loc[~started, ["wai_w2", "wai_w5", "wai_w9", "hads_post", "mhc_post"]] = np.nan
    frame.loc[rng.random(n) < 0.08, "wai_w2"] = np.nan
    frame.loc[rng.random(n) < 0.1, "wai_w9"] = np.nan
    frame.loc[rng.random(n) < 0.12, "hads_post"] = np.nan
    return frame


def run_embct(frame: pd.DataFrame) -> dict[str, float]:
    from embct.analysis.logistic import dropout_logistic
    from embct.analysis.mixed import alliance_mixed_model
    from embct.analysis.regression import outcome_regression
    from embct.analysis.repeated import alliance_development

    times = {}
    start = time.perf_counter()
    outcome_regression(frame, "hads")
    outcome_regression(frame, "mhc")
    times["regressions"] = time.perf_counter() - start
    mark = time.perf_counter()
    dropout_logistic(frame)
    times["logit"] = time.perf_counter() - mark
    mark = time.perf_counter()
    alliance_development(frame, mixed=False)
    times["rm_manova"] = time.perf_counter() - mark
    times["compared_total"] = time.perf_counter() - start
    mark = time.perf_counter()
    alliance_mixed_model(frame)
    times["mixed_model (not compared)"] = time.perf_counter() - mark
    return times


def run_statsmodels(frame: pd.DataFrame) -> dict[str, float]:
    import statsmodels.formula.api as smf
    from statsmodels.multivariate.api import MultivariateLS
    from statsmodels.stats.anova import anova_lm

    times = {}
    start = time.perf_counter()
    for outcome in ("hads", "mhc"):
        pre, post = f"{outcome}_pre", f"{outcome}_post"
        d = frame[frame["completer"]].dropna(subset=[pre, post, "wai_w2"])
        fits = [
            smf.ols(f"{post} ~ {pre} + arm", d).fit(),
            smf.ols(f"{post} ~ {pre} + arm + wai_w2", d).fit(),
            smf.ols(f"{post} ~ {pre} + arm + wai_w2 + wai_w2:arm", d).fit(),
        ]
        anova_lm(fits[0], fits[1])
        anova_lm(fits[1], fits[2])
        fits[2].t_test("wai_w2 + wai_w2:arm = 0")
    times["regressions"] = time.perf_counter() - start
    mark = time.perf_counter()
    d = frame[frame["started"]].dropna(subset=["wai_w2", "dropped_out"])
    smf.logit("dropped_out ~ wai_w2 + arm", d).fit(disp=0)
    smf.logit("dropped_out ~ wai_w2 + arm + wai_w2:arm", d).fit(disp=0)
    times["logit"] = time.perf_counter() - mark
    mark = time.perf_counter()
    wide = frame[frame["completer"]].dropna(subset=["wai_w2", "wai_w5", "wai_w9"])
    model = MultivariateLS.from_formula("wai_w2 + wai_w5 + wai_w9 ~ C(arm, Sum)", data=wide)
    contrast = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    group = [name for name in model.exog_names if name.startswith("C(arm")]
    model.fit().mv_test(
        hypotheses=[
            ("time", ["Intercept"], contrast),
            ("time_x_arm", group, contrast),
            ("between", group, np.ones((3, 1)) / 3),
        ]
    )
    times["rm_manova"] = time.perf_counter() - mark
    times["compared_total"] = time.perf_counter() - start
    return times


def child(side: str, n: int, repeat: int) -> None:
    frame = make_table(n)
    rss_data = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    run = run_embct if side == "embct" else run_statsmodels
    best: dict[str, float] = {}
    for _ in range(repeat):
        for key, value in run(frame).items():
            best[key] = min(value, best.get(key, float("inf")))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"times": best, "peak_mb": peak, "data_mb": rss_data}))


def machine() -> str:
    cpu = benchinfo.cpu_model()
    import scipy
    import statsmodels

    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"numpy {np.__version__}; scipy {scipy.__version__}; pandas {pd.__version__}; "
        f"statsmodels {statsmodels.__version__}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="participants")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (best kept)")
    parser.add_argument("--side", choices=["embct", "statsmodels"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.side:
        child(args.side, args.n, args.repeat)
        return 0
    print(f"machine: {machine()}")
    print(f"participants: {args.n:,}; best of {args.repeat}")
    results: dict[str, Any] = {}
    for side in ("embct", "statsmodels"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--side",
                side,
                "--n",
                str(args.n),
                "--repeat",
                str(args.repeat),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results[side] = json.loads(out.stdout.strip().splitlines()[-1])
    ours, peer = results["embct"], results["statsmodels"]
    print(f"{'model':30s} {'embct s':>10s} {'statsmodels s':>14s} {'ratio':>7s}")
    for key in ours["times"]:
        mine = ours["times"][key]
        theirs = peer["times"].get(key)
        if theirs is None:
            print(f"{key:30s} {mine:10.3f} {'-':>14s} {'-':>7s}")
        else:
            print(f"{key:30s} {mine:10.3f} {theirs:14.3f} {mine / theirs:7.2f}")
    for side in ("embct", "statsmodels"):
        r = results[side]
        print(f"peak RSS {side}: {r['peak_mb']:.0f} MB (table alone: {r['data_mb']:.0f} MB)")
    ratio = ours["times"]["compared_total"] / peer["times"]["compared_total"]
    ok = ratio <= 1.0 and ours["peak_mb"] < 2048
    print(
        f"ratio embct/statsmodels (compared models): {ratio:.2f}; "
        f"{'PASS' if ok else 'FAIL'} (target <= 1 and peak < 2048 MB)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

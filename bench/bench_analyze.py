"""Benchmark: ``embct analyze`` end to end on a 245-row item-level trial table.

Target (issue 4): under 5 s, from the command line to results.json, tables/*.csv and
report.html. Peer, in the same run: the same models written as plain statsmodels formula
calls plus scipy tests (the way the statistics notes reproduce the paper), also as a fresh
process that reads the same CSV and writes its numbers as JSON, with no scoring, validation,
reliability or report. Both are timed as fresh processes, so both pay their imports.

Issue 18 adds the large tables: ``--sizes 100000,1000000`` times ``embct analyze`` end to end
(a fresh process) on a table of that many participants beside the peer ``pandas.read_csv`` of
the same file in the same run, prints the ratio and an in-process breakdown (read + validate +
score, the analyses, results.json + tables, the report). Targets: at most 10x
``pandas.read_csv`` at 10^5, within 20 s at 10^6, under 1.5 s at 245 rows.

Run: ``.venv/bin/python bench/bench_analyze.py [--sizes 100000]`` (``make bench`` runs every
bench script).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script
import numpy as np
import pandas as pd

N = 245
REPEATS = 3
TARGET_SECONDS = 5.0
SMALL_TARGET_SECONDS = 1.5

PEER = r"""
import json, sys
import numpy as np, pandas as pd
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.multivariate.manova import MANOVA

raw = pd.read_csv(sys.argv[1])
out = {}
totals = {
    f"{key}_{wave}": raw[[f"{key}_{wave}_{i}" for i in range(1, k + 1)]].sum(axis=1, min_count=k)
    for key, k, waves in (("wai", 12, ("w2", "w5", "w9")), ("hads", 14, ("pre", "post")),
                          ("mhc", 14, ("pre", "post")))
    for wave in waves
}
started = raw["started"].astype(str).str.lower() == "true"
d = pd.concat([raw, pd.DataFrame(totals)], axis=1).assign(
    arm=(raw["arm"] == "embct").astype(int), started=started,
    dropped_out=np.where(started, (raw["sessions_attended"] < 4).astype(float), np.nan))
for column in ("female", "relationship", "children", "education_high"):
    out[column] = stats.chi2_contingency(pd.crosstab(d["arm"], d[column]), correction=False)[:2]
for column in ("age", "years_since_diagnosis", "hads_pre", "mhc_pre"):
    a, b = (d.loc[d["arm"] == g, column].dropna() for g in (0, 1))
    out[column] = [stats.ttest_ind(a, b).statistic, stats.ttest_ind(a, b, equal_var=False).pvalue,
                   stats.levene(a, b, center="mean").statistic]
s = d[d["started"]].dropna(subset=["wai_w2", "dropped_out"])
for formula in ("dropped_out ~ wai_w2 + arm", "dropped_out ~ wai_w2 * arm"):
    out[formula] = smf.logit(formula, s).fit(disp=0).params.tolist()
for y in ("hads", "mhc"):
    c = d[d["dropped_out"] == 0].dropna(subset=[f"{y}_pre", f"{y}_post", "wai_w2"])
    for rhs in ("arm", "arm + wai_w2", "arm + wai_w2 + wai_w2:arm"):
        out[y + rhs] = smf.ols(f"{y}_post ~ {y}_pre + {rhs}", c).fit().params.tolist()
w = d[d["dropped_out"] == 0].dropna(subset=["wai_w2", "wai_w5", "wai_w9"])
m = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
mv = MANOVA.from_formula("wai_w2 + wai_w5 + wai_w9 ~ C(arm, Sum)", w).mv_test(
    hypotheses=[("time", ["Intercept"], m), ("time x arm", ["C(arm, Sum)[S.0]"], m)])
out["manova"] = float(mv.results["time"]["stat"].iloc[0, 0])
long = w.melt(id_vars=["participant_id", "arm"], value_vars=["wai_w2", "wai_w5", "wai_w9"])
out["mixed"] = smf.mixedlm("value ~ C(variable) * arm", long, groups="participant_id").fit(
    reml=True).params.tolist()
json.dump({k: np.asarray(v, dtype=float).tolist() for k, v in out.items()},
          open(sys.argv[2], "w"))
"""


def trial_table(n: int, seed: int = 2019) -> pd.DataFrame:
    """A canonical item-level trial table (random, seeded; shaped like the paper's trial)."""
    rng = np.random.default_rng(seed)
    arm = np.array(["mbct"] * (n * 120 // 245) + ["embct"] * (n - n * 120 // 245))
    rng.shuffle(arm)
    started = rng.random(n) > 0.19
    dropout = rng.random(n) < np.where(arm == "embct", 0.23, 0.12)
    sessions = np.where(
        started, np.where(dropout, rng.integers(1, 4, n), rng.integers(4, 10, n)), 0
    )
    frame = pd.DataFrame(
        {
            "participant_id": [f"p{i:05d}" for i in range(1, n + 1)],
            "arm": arm,
            "started": np.where(started, "true", "false"),
            "sessions_attended": sessions,
        }
    )
    for column, p in (("female", 0.86), ("relationship", 0.82), ("children", 0.69)):
        frame[column] = (rng.random(n) < p).astype(int)
    frame["education_high"] = (rng.random(n) < 0.68).astype(int)
    frame["age"] = np.clip(np.round(rng.normal(51.6, 10.6, n)), 18, 90)
    frame["years_since_diagnosis"] = np.round(np.abs(rng.normal(3.5, 4.7, n)), 1)
    alliance, distress = rng.normal(size=n), rng.normal(size=n)
    specs = {
        ("wai", "w2", 12, 1, 5): (3.0 + 0.7 * alliance, started & (sessions >= 2)),
        ("wai", "w5", 12, 1, 5): (3.2 + 0.7 * alliance, started & (sessions >= 5)),
        ("wai", "w9", 12, 1, 5): (3.4 + 0.7 * alliance, started & (sessions >= 8)),
        ("hads", "pre", 14, 0, 3): (1.3 + 0.5 * distress, np.ones(n, bool)),
        ("hads", "post", 14, 0, 3): (1.0 + 0.3 * distress - 0.15 * alliance, sessions >= 4),
        ("mhc", "pre", 14, 0, 5): (2.5 - 0.6 * distress, np.ones(n, bool)),
        ("mhc", "post", 14, 0, 5): (2.7 - 0.4 * distress + 0.15 * alliance, sessions >= 4),
    }
    blocks = [frame]
    for (key, wave, k, low, high), (centre, present) in specs.items():
        values = np.clip(np.round(centre[:, None] + rng.normal(0, 0.7, (n, k))), low, high)
        values[~present] = np.nan
        blocks.append(pd.DataFrame(values, columns=[f"{key}_{wave}_{i}" for i in range(1, k + 1)]))
    return pd.concat(blocks, axis=1)


def machine() -> str:
    import scipy
    import statsmodels

    cpu = benchinfo.cpu_model()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{cpu}; {os.cpu_count()} cores; load average {load}; Python "
        f"{platform.python_version()}; numpy {np.__version__}, pandas {pd.__version__}, "
        f"scipy {scipy.__version__}, statsmodels {statsmodels.__version__}"
    )


def timed(command: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds user + system) of one fresh process.

    On a loaded machine the wall time grows with the load; the CPU time much less so, so
    both are printed.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def large(n: int, folder: Path) -> bool:
    """``embct analyze`` on ``n`` participants against ``pandas.read_csv`` of the same file."""
    data = folder / f"trial{n}.csv"
    trial_table(n).to_csv(data, index=False)
    print(f"\n{n:,} participants ({data.stat().st_size / 1e6:.0f} MB CSV); load {_load()}")
    start = time.perf_counter()
    pd.read_csv(data)
    peer = time.perf_counter() - start
    wall, cpu = timed(
        [
            sys.executable,
            "-m",
            "embct.cli",
            "analyze",
            "--data",
            str(data),
            "--out",
            str(folder / f"o{n}"),
        ]
    )
    print(f"peer pandas.read_csv: {peer:.2f} s")
    print(f"embct analyze (fresh process): {wall:.2f} s wall, {cpu:.2f} s CPU")
    ratio = wall / peer
    if n >= 1_000_000:
        met = wall <= 20.0
        print(
            f"target (10^6 within 20 s): {'met' if met else 'MISSED'}; ratio {ratio:.1f}x read_csv"
        )
    else:
        met = ratio <= 10.0
        print(
            f"ratio to pandas.read_csv: {ratio:.1f}x; target (at most 10x): "
            + ("met" if met else "MISSED")
        )
    phases = _phases(data, folder / f"inproc{n}")
    print(
        "in-process breakdown: "
        + "; ".join(f"{k} {v:.2f} s ({v / peer:.1f}x read_csv)" for k, v in phases.items())
    )
    return met


def _phases(data: Path, out: Path) -> dict[str, float]:
    """Seconds of each step of `embct analyze` in this process (imports already paid)."""
    from embct.analysis import analyze, load_table, write_results
    from embct.report import write_report

    phases = {}
    start = time.perf_counter()
    frame = load_table(data)
    phases["read + validate + score"] = time.perf_counter() - start
    start = time.perf_counter()
    results = analyze(frame)
    phases["analyze (all sections)"] = time.perf_counter() - start
    start = time.perf_counter()
    write_results(results, out)
    phases["results.json + tables"] = time.perf_counter() - start
    start = time.perf_counter()
    write_report(results, out)
    phases["report.html + figures"] = time.perf_counter() - start
    return phases


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="",
        help="comma-separated large table sizes to time as well (e.g. 100000,1000000)",
    )
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    print(f"bench_analyze: `embct analyze` end to end on {N} participants")
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "trial.csv"
        trial_table(N).to_csv(data, index=False)
        peer_script = folder / "peer.py"
        peer_script.write_text(PEER)
        ours, peers = [], []
        for run in range(REPEATS):
            out = folder / f"out{run}"
            ours.append(
                timed(
                    [
                        sys.executable,
                        "-m",
                        "embct.cli",
                        "analyze",
                        "--data",
                        str(data),
                        "--out",
                        str(out),
                    ]
                )
            )
            peers.append(
                timed([sys.executable, str(peer_script), str(data), str(folder / "p.json")])
            )
        written = sorted(p.name for p in (folder / "out0").iterdir())

        # In-process breakdown (imports already paid), one run.
        phases = _phases(data, folder / "inproc")

    best, median = min(w for w, _ in ours), statistics.median(w for w, _ in ours)
    cpu = statistics.median(c for _, c in ours)
    peer_best, peer_median = min(w for w, _ in peers), statistics.median(w for w, _ in peers)
    peer_cpu = statistics.median(c for _, c in peers)
    print(f"wrote: {', '.join(written)}")
    print(
        f"embct analyze (fresh process, {REPEATS} runs): best {best:.2f} s, median "
        f"{median:.2f} s; target < {TARGET_SECONDS:.0f} s: "
        + ("met" if median < TARGET_SECONDS else "MISSED")
        + f"; CPU (user + system) median {cpu:.2f} s"
    )
    print(
        f"peer, plain statsmodels formulas + scipy, models only (fresh process): best "
        f"{peer_best:.2f} s, median {peer_median:.2f} s; CPU median {peer_cpu:.2f} s"
    )
    print(
        f"ratio embct / peer (medians): wall {median / peer_median:.2f}, CPU {cpu / peer_cpu:.2f}"
    )
    print("in-process breakdown: " + "; ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(
        f"issue 18 target (245 rows under {SMALL_TARGET_SECONDS} s end to end): "
        + ("met" if median < SMALL_TARGET_SECONDS else "MISSED")
    )
    ok = median < TARGET_SECONDS
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            ok &= large(n, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

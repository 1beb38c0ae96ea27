"""Benchmark: score 1,000,000 HADS responses from a DataFrame.

Compares ``embct.instruments.score_table`` (vectorized numpy) with the same scoring done
by a plain per-row Python loop over ``score_response`` (the peer). Both apply the same
rules (validation, half rule, bands, screening); the script checks that they agree on
the rows the loop scores. Runs on one core (BLAS/OpenMP threads set to 1 and the process
pinned to one CPU where the OS allows). The loop is slow, so by default it scores a
sample of rows and its time is extrapolated to the full table (printed as such); pass
``--loop-rows 1000000`` to time it on every row.

    python bench/bench_scoring.py [--rows N] [--loop-rows N] [--repeat R]
"""

from __future__ import annotations

import os

import benchinfo  # bench/benchinfo.py, beside this script

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import argparse  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from embct.instruments import item_columns, score_response, score_table  # noqa: E402


def pin_to_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def make_responses(rows: int, seed: int = 2019) -> pd.DataFrame:
    """HADS answers 0-3 with about 2 % of answers missing, as a float table."""
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 4, size=(rows, 14)).astype(float)
    values[rng.random((rows, 14)) < 0.02] = np.nan
    frame = pd.DataFrame(values, columns=item_columns("hads", "pre"))
    frame.insert(0, "participant_id", [f"P{i}" for i in range(rows)])
    return frame


def timed(function, repeat: int) -> tuple[float, float, object]:  # type: ignore[no-untyped-def]
    """Best wall and CPU seconds over ``repeat`` runs, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    pinned = pin_to_one_core()
    print("machine")
    print(f"  CPU        {benchinfo.cpu_model()} ({os.cpu_count()} logical cores; {pinned})")
    print(f"  load avg   {', '.join(f'{x:.2f}' for x in os.getloadavg())} (1, 5, 15 min)")
    print(f"  Python     {platform.python_version()} ({platform.python_implementation()})")
    print(f"  numpy      {np.__version__}; pandas {pd.__version__}")
    print(f"  platform   {platform.platform()}")

    frame = make_responses(args.rows)
    print(f"\nscoring {args.rows:,} HADS responses (14 items, ~2 % missing)")

    wall, cpu, scored = timed(lambda: score_table(frame, "hads", "pre"), args.repeat)
    assert isinstance(scored, pd.DataFrame)
    print(
        f"  vectorized score_table      {wall:8.3f} s wall  {cpu:8.3f} s CPU  "
        f"(best of {args.repeat})"
    )

    loop_rows = min(args.loop_rows, args.rows)
    columns = item_columns("hads", "pre")
    records = frame[columns].to_numpy().tolist()
    ids = frame["participant_id"].tolist()

    def loop() -> list[dict]:
        return [
            score_response(
                "hads",
                {item: (None if math.isnan(v) else v) for item, v in enumerate(row, start=1)},
                participant_id=pid,
            )
            for pid, row in zip(ids[:loop_rows], records[:loop_rows], strict=True)
        ]

    loop_wall, loop_cpu, results = timed(loop, 1)
    assert isinstance(results, list)
    scale = args.rows / loop_rows
    note = "" if loop_rows == args.rows else f", measured on {loop_rows:,} rows x {scale:g}"
    print(
        f"  per-row Python loop (peer)  {loop_wall * scale:8.3f} s wall  "
        f"{loop_cpu * scale:8.3f} s CPU  (score_response per row{note})"
    )
    print(f"  speed-up                    {loop_cpu * scale / cpu:8.0f} x (CPU time)")

    totals = scored["hads_pre"].to_numpy()[:loop_rows]
    loop_totals = np.array([np.nan if r["total"] is None else r["total"] for r in results])
    same = np.array_equal(totals, loop_totals, equal_nan=True)
    print(f"  loop and vectorized totals identical on {loop_rows:,} rows: {same}")
    if not same:
        raise SystemExit("the two paths disagree")
    target = "met" if cpu < 2.0 else "NOT met"
    print(f"  target (< 2 s on one core for {args.rows:,} rows): {target}")


if __name__ == "__main__":
    main()

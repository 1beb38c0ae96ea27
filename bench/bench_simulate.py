"""Benchmark: 200 replications of simulate (population mode) + the full headline analysis.

Prints wall and CPU time with the machine's details, beside a named peer measured in the
same run: a plain ``numpy.random.multivariate_normal`` draw of the same 245 x 7 totals
(the cost floor of any simulator), and the share of replications whose 95% interval covers
each published value (coverage, issue 5's acceptance check).

    python bench/bench_simulate.py [--replications 200] [--workers 2] [--no-coverage]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import benchinfo  # bench/benchinfo.py, beside this script
import numpy as np


def machine() -> str:
    cpu = benchinfo.cpu_model()
    import pandas
    import scipy
    import statsmodels

    return (
        f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, numpy "
        f"{np.__version__}, pandas {pandas.__version__}, scipy {scipy.__version__}, "
        f"statsmodels {statsmodels.__version__}"
    )


def _children_cpu() -> float:
    """User + system CPU seconds of the finished child processes (the pool's workers)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-coverage", action="store_true")
    args = parser.parse_args()

    from embct.simulate import simulate
    from embct.simulate.reproduce import analysis_function, replicate

    print("machine:", machine())
    name, _ = analysis_function()
    print("analysis:", name)

    t0 = time.perf_counter()
    simulate(seed=0, mode="population")  # calibration, solved once and handed to the workers
    print(f"calibration (once per run, in the parent): {time.perf_counter() - t0:.2f} s")

    # peer: the cost floor, a multivariate normal draw of the same number of totals
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for _ in range(args.replications):
        rng.multivariate_normal(np.zeros(7), np.eye(7), size=245)
    peer = time.perf_counter() - t0
    print(f"peer numpy multivariate_normal x {args.replications}: {peer:.3f} s")

    load = os.getloadavg()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    children0 = _children_cpu()
    cov = replicate(args.replications, seed=0, workers=args.workers)
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    workers_cpu = _children_cpu() - children0
    print(
        f"embct simulate + analysis x {args.replications} on {args.workers} workers: "
        f"wall {wall:.1f} s, CPU {cpu + workers_cpu:.1f} s (workers {workers_cpu:.1f} s, "
        f"parent {cpu:.1f} s), {(cpu + workers_cpu) / args.replications * 1000:.0f} ms CPU "
        f"per replication; load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    if not args.no_coverage:
        print("coverage (share of replications whose 95% interval covers the published value):")
        for key, share in sorted(cov.items()):
            flag = "" if share >= 0.9 else "   < 0.90"
            print(f"  {share:5.2f}  {key}{flag}")


if __name__ == "__main__":
    main()

"""Benchmark: ``embct power`` replications on 1 and 2 local processes and a 2-worker Dask cluster.

Runs the same power grid (default 10 sizes x 1,000 = 10,000 replications) serially, on a
:class:`~concurrent.futures.ProcessPoolExecutor` of 2 and on a ``dask.distributed``
LocalCluster of 2 single-threaded worker processes, checks that the three curves are
identical figure for figure, and prints the scaling and the expected time on M machines.
The named peer, measured in the same run, is each runner's floor: the same chunks of
no-op jobs (what the process pool and Dask cost with no work in them).

    python bench/bench_power.py [--n 150:600:50] [--replications 1000]
"""

from __future__ import annotations

import argparse
import os
import platform
import time

import benchinfo  # bench/benchinfo.py, beside this script


def machine() -> str:
    import dask
    import numpy as np
    import pandas

    return (
        f"{benchinfo.cpu_model()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, numpy {np.__version__}, pandas {pandas.__version__}, "
        f"dask {dask.__version__}"
    )


def _noop(job: object) -> object:
    return job


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", default="150:600:50", help="START:STOP:STEP randomized")
    parser.add_argument("--replications", type=int, default=1000, help="per size")
    args = parser.parse_args()

    from dask.distributed import LocalCluster

    from embct.cli.power import _range
    from embct.simulate import simulate
    from embct.simulate.parallel import run_jobs
    from embct.simulate.reproduce import power_curve

    ns = _range(args.n)
    total = len(ns) * args.replications
    print("machine:", machine())
    print(f"grid: N = {args.n} ({len(ns)} sizes) x {args.replications} = {total} replications")
    t0 = time.perf_counter()
    simulate(seed=0, mode="population")
    print(f"calibration (once per run, in the parent): {time.perf_counter() - t0:.2f} s")

    def timed(label: str, **kw: object):
        t = time.perf_counter()
        curve = power_curve(ns, args.replications, **kw)
        wall = time.perf_counter() - t
        print(f"{label:<28} {wall:8.1f} s  {1000 * wall / total:6.2f} ms/replication")
        return curve, wall

    serial, t1 = timed("1 process (--workers 1)", workers=1)
    pool, t2 = timed("2 processes (--workers 2)", workers=2)
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        t = time.perf_counter()
        power_curve(ns[:1], 4, scheduler=address)  # the workers import embct (once per worker)
        print(f"Dask workers' start-up (imports, once): {time.perf_counter() - t:.1f} s")
        dask, td = timed("Dask, 2 workers (--scheduler)", scheduler=address)
        t = time.perf_counter()
        run_jobs(_noop, list(range(total)), scheduler=address)
        floor_dask = time.perf_counter() - t
    t = time.perf_counter()
    run_jobs(_noop, list(range(total)), workers=2)
    floor_pool = time.perf_counter() - t
    print(
        f"peer: {total} no-op jobs, process pool of 2 {floor_pool:6.2f} s; "
        f"Dask 2 workers {floor_dask:6.2f} s"
    )
    same = serial.equals(pool) and serial.equals(dask)
    print(f"identical curves (serial = 2 processes = Dask): {same}")
    assert same, "the curves differ"
    print(f"scaling 1 -> 2 processes: {t1 / t2:.2f}x; 1 process -> Dask 2 workers: {t1 / td:.2f}x")
    per_core = t1 / total
    print(
        f"expected on M machines of c cores (Dask): about {total} x {1000 * per_core:.1f} ms "
        f"/ (M c) + the scheduling floor; e.g. M = 4, c = 8: "
        f"{total * per_core / 32 + floor_dask:.0f} s; M = 16, c = 8: "
        f"{total * per_core / 128 + floor_dask:.0f} s"
    )
    print(serial.to_string(index=False))


if __name__ == "__main__":
    main()

"""Run replications on local cores or an existing Dask cluster, with results in index order.

Each replication is a pure function of its inputs (its seed derives from its index), so the
figures do not depend on how many processes or machines run them: the results come back in
the order of the jobs and are combined in that order.

``workers=1`` runs in this process; ``workers=None`` uses every local core
(:class:`concurrent.futures.ProcessPoolExecutor`); ``scheduler="tcp://host:8786"`` sends
chunks of jobs to an existing ``dask.distributed`` cluster (the optional extra
``embct[cluster]``, installed on this machine and on the cluster's workers).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

from .cohort import install_calibration

__all__ = ["ClusterError", "chunks", "run_jobs"]

J = TypeVar("J")
R = TypeVar("R")


#: How long to try reaching the scheduler before giving up.
CONNECT_TIMEOUT = "10s"


class ClusterError(RuntimeError):
    """The Dask cluster cannot be used (dask not installed, or the scheduler not reachable)."""


def chunks(n_jobs: int, n_chunks: int) -> list[range]:
    """Split ``range(n_jobs)`` into at most ``n_chunks`` consecutive, nearly equal ranges.

    >>> chunks(10, 3)
    [range(0, 4), range(4, 7), range(7, 10)]
    >>> chunks(2, 8)
    [range(0, 1), range(1, 2)]
    """
    n_chunks = max(1, min(n_chunks, n_jobs))
    size, extra = divmod(n_jobs, n_chunks)
    out, start = [], 0
    for k in range(n_chunks):
        stop = start + size + (k < extra)
        out.append(range(start, stop))
        start = stop
    return out


def _run_chunk(
    function: Callable[[Any], Any], state: tuple[Any, ...] | None, jobs: Sequence[Any]
) -> list[Any]:
    if state is not None:
        install_calibration(state)
    return [function(job) for job in jobs]


def _connect(address: str) -> Any:
    try:
        from dask.distributed import Client
    except ImportError as error:
        raise ClusterError(
            "--scheduler needs dask.distributed, which is not installed: "
            "pip install 'embct[cluster]'"
        ) from error
    try:
        return Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError) as error:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {error}") from error


def run_jobs(
    function: Callable[[J], R],
    jobs: Sequence[J],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    state: tuple[Any, ...] | None = None,
) -> list[R]:
    """``[function(job) for job in jobs]``, on local processes or a Dask cluster.

    ``function`` must be picklable (a module-level function or a :func:`functools.partial`
    of one). ``state`` (from :func:`~embct.simulate.cohort.calibration_state`) is installed
    in each worker first, so the calibration is solved once, here.

    >>> run_jobs(abs, [-2, 3, -1], workers=1)
    [2, 3, 1]
    """
    if workers is not None and workers < 1:
        raise ValueError(f"workers {workers}: expected 1 or more")
    jobs = list(jobs)
    if scheduler is not None:
        client = _connect(scheduler)
        try:
            # four chunks per worker thread, on every machine of the cluster
            threads = sum(client.nthreads().values())
            if not threads:
                raise ClusterError(f"the Dask scheduler at {scheduler} has no workers")
            parts = [[jobs[i] for i in part] for part in chunks(len(jobs), 4 * threads)]
            shared = client.scatter([state], broadcast=True)[0] if state is not None else None
            futures = client.map(
                _run_chunk, [function] * len(parts), [shared] * len(parts), parts, pure=False
            )
            results = client.gather(futures)
        finally:
            client.close()
        return [r for part in results for r in part]
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(jobs) < 4:
        return _run_chunk(function, None, jobs)
    parts = [[jobs[i] for i in part] for part in chunks(len(jobs), 4 * workers)]
    with ProcessPoolExecutor(min(workers, len(parts))) as pool:
        results = list(pool.map(_run_chunk, [function] * len(parts), [state] * len(parts), parts))
    return [r for part in results for r in part]

"""Replications give the same figures in one process, on local processes and on a Dask cluster.

Each replication is seeded by its index, so ``embct power`` and ``embct reproduce
--replications`` do not depend on the number of workers or machines. The cluster here is a
real ``dask.distributed`` LocalCluster: a scheduler and two worker processes.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from embct.cli import main
from embct.simulate import parallel
from embct.simulate.parallel import ClusterError, run_jobs
from embct.simulate.reproduce import power_curve, replicate

#: power_curve([100, 200], 10) as the serial code gave it before it could run in parallel.
PINNED = {
    "n": [100, 200],
    "n_analysed": [48.1, 100.0],
    "power": [0.5, 0.8],
    "ci_low": [0.236593090512564, 0.49016247153664183],
    "ci_high": [0.7634069094874361, 0.9433178485456247],
    "replications": [10, 10],
}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from dask.distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def test_serial_power_keeps_the_figures_it_had() -> None:
    assert power_curve([100, 200], 10, workers=1).to_dict("list") == PINNED


@pytest.mark.slow
def test_power_is_the_same_serially_on_two_processes_and_on_a_dask_cluster(
    scheduler: str,
) -> None:
    serial = power_curve([100, 200], 10, effect="arm", seed=7, workers=1)
    pool = power_curve([100, 200], 10, effect="arm", seed=7, workers=2)
    dask = power_curve([100, 200], 10, effect="arm", seed=7, scheduler=scheduler)
    assert pool.equals(serial)
    assert dask.equals(serial)
    assert power_curve([100, 200], 10, scheduler=scheduler).to_dict("list") == PINNED


@pytest.mark.slow
def test_reproduce_coverage_is_the_same_serially_and_on_a_dask_cluster(scheduler: str) -> None:
    serial = replicate(4, seed=2, workers=1)
    assert serial, "no coverage figures"
    assert replicate(4, seed=2, scheduler=scheduler) == serial
    assert replicate(4, seed=2, workers=2) == serial


@pytest.mark.slow
def test_embct_power_prints_the_same_table_with_scheduler_and_workers(
    scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["power", "--n", "100:150:50", "--replications", "6", "--seed", "3"]
    assert main([*args, "--workers", "1"]) == 0
    serial = capsys.readouterr().out
    assert main([*args, "--scheduler", scheduler]) == 0
    assert capsys.readouterr().out == serial
    assert main([*args, "--workers", "2"]) == 0
    assert capsys.readouterr().out == serial
    assert "   100 " in serial
    assert "   150 " in serial


def test_an_unreachable_scheduler_is_an_error_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", "1s")
    out = tmp_path / "power.png"
    code = main(
        [
            "power",
            "--n",
            "100",
            "--replications",
            "4",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(out),
        ]
    )
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_without_dask_the_error_says_to_install_the_cluster_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import fails, as uninstalled
    with pytest.raises(ClusterError, match=r"embct\[cluster\]"):
        run_jobs(abs, [1, 2], scheduler="tcp://127.0.0.1:8786")


@pytest.mark.parametrize("command", ["power", "reproduce"])
def test_workers_below_one_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--out", str(tmp_path / "out")] if command == "reproduce" else []
    assert main([command, "--workers", "0", *extra]) == 2
    assert "--workers 0: expected 1 or more" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_workers_and_scheduler_together_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["power", "--workers", "2", "--scheduler", "tcp://127.0.0.1:8786"])
    assert exit_.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_results_come_back_in_job_order_on_local_processes() -> None:
    jobs = list(range(-20, 0))
    assert run_jobs(abs, jobs, workers=2) == [abs(j) for j in jobs]
    with pytest.raises(ValueError, match="workers 0"):
        run_jobs(abs, jobs, workers=0)


def test_a_scheduler_without_workers_is_an_error() -> None:
    from dask.distributed import LocalCluster

    with (
        LocalCluster(n_workers=0, processes=False, dashboard_address=None) as cluster,
        pytest.raises(ClusterError, match="has no workers"),
    ):
        run_jobs(abs, [1, 2, 3, 4], scheduler=cluster.scheduler_address)

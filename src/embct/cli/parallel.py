"""``--workers`` and ``--scheduler``, shared by ``embct power`` and ``embct reproduce``."""

from __future__ import annotations

import argparse

from .errors import CommandError


def add_parallel_options(parser: argparse.ArgumentParser, what: str) -> None:
    """``--workers N`` and ``--scheduler ADDRESS``, shared by ``embct power`` and ``reproduce``."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--workers",
        type=int,
        default=None,
        help=f"local processes for the {what} (default: every core; 1 runs them in this one)",
    )
    group.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help=f"run the {what} on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 "
        "(needs embct[cluster] here and on its workers); the figures are the same",
    )


def check_workers(workers: int | None) -> None:
    if workers is not None and workers < 1:
        raise CommandError(f"--workers {workers}: expected 1 or more")

"""Benchmark: ``embct backup`` (SQLite's online backup API) against the sqlite3 command-line
shell's ``.backup`` and a plain file copy (``shutil.copyfile``, which is NOT consistent while
the database is written), on the same WAL database, in the same run; then the backup while a
writer keeps committing, with the writer's throughput beside and without it.

    .venv/bin/python bench/bench_backup.py [--rows 400000] [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script

from embct.cli.backup import backup_sqlite


def machine() -> str:
    cpu = benchinfo.cpu_model()
    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"SQLite {sqlite3.sqlite_version}"
    )


def make_db(path: Path, rows: int) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("CREATE TABLE diary (id INTEGER PRIMARY KEY, minutes INT, body TEXT)")
        db.executemany(
            "INSERT INTO diary (minutes, body) VALUES (?, ?)",
            ((i % 60, f"noticed the breath, entry {i} " * 4) for i in range(rows)),
        )
    db.close()


def timed(label: str, work, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<40} {best * 1000:8.0f} ms (best of {repeat})")
    return best


def writer_rate(path: Path, seconds: float, during=None) -> float:  # type: ignore[no-untyped-def]
    stop = threading.Event()
    commits = [0]

    def write() -> None:
        with sqlite3.connect(path, timeout=30) as db:
            while not stop.is_set():
                db.execute("INSERT INTO diary (minutes, body) VALUES (10, 'a new entry')")
                db.commit()
                commits[0] += 1
        db.close()

    thread = threading.Thread(target=write)
    thread.start()
    start = time.perf_counter()
    if during is not None:
        while time.perf_counter() - start < seconds:
            during()
    else:
        time.sleep(seconds)
    stop.set()
    thread.join()
    return commits[0] / (time.perf_counter() - start)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=400_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        source = tmp / "live.sqlite3"
        make_db(source, args.rows)
        wal = Path(f"{source}-wal")
        size = source.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
        print(f"database: {args.rows} rows, {size / 1e6:.1f} MB (WAL)")
        out = tmp / "copy.sqlite3"
        ours = timed("embct backup (online backup API)", lambda: backup_sqlite(source, out))
        cli = shutil.which("sqlite3")
        if cli:
            timed(
                "sqlite3 shell .backup",
                lambda: subprocess.run(
                    [cli, str(source), f".backup {tmp / 'shell.db'}"], check=True
                ),
            )
        else:
            print("  sqlite3 shell .backup                   (sqlite3 shell not installed)")
        peer = timed("shutil.copyfile (inconsistent)", lambda: shutil.copyfile(source, tmp / "c"))
        print(f"  embct backup / plain copy: {ours / peer:.1f}x")
        alone = writer_rate(source, args.seconds)
        backups = [0]

        def backup_once() -> None:
            backup_sqlite(source, out)
            backups[0] += 1

        busy = writer_rate(source, args.seconds, during=backup_once)
        print(
            f"writer alone: {alone:.0f} commits/s; with back-to-back backups: {busy:.0f} "
            f"commits/s ({backups[0]} backups in {args.seconds:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

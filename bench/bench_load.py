"""Benchmark: 50 concurrent patients writing diary entries and messages (and sending their
log files) for 60 s against ``embct serve`` (gunicorn), on SQLite (WAL) and on a throwaway
PostgreSQL database; then the database must hold exactly what the server acknowledged.

Usage::

    .venv/bin/python bench/bench_load.py [--patients 50] [--seconds 60] [--max-requests 40000]
                                         [--workers 2] [--database sqlite,postgres]

Each patient logs in through the login form, then, without pause, opens a diary form and
sends it, or opens the inbox and writes a message, or answers an open questionnaire, or
sends a session's log files, or looks at the week page. Every text field carries a marker
unique to that submission. Afterwards the database is read and compared with the clients'
ledger: every acknowledged (302) submission present exactly once with every field as sent,
nothing doubled, nothing the clients did not send; SQLite's ``PRAGMA integrity_check``
says ok. The peer in the same run
is the other database: the same load, the same server, PostgreSQL beside SQLite.

PostgreSQL is skipped (with a note) when ``BENCH_POSTGRES`` (default
``postgres://postgres@127.0.0.1:5432``) does not answer. Loopback only; bounded by
``--seconds`` and ``--max-requests``. Exit status 1 when any 5xx was answered or the check
failed. Where the questionnaires app is installed, patients also answer their open
questionnaires, and each acknowledged response must be stored with the answers sent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadlib


def postgres_available() -> bool:
    import os

    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    try:
        with psycopg.connect(f"{server}/postgres", connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


def run_one(database: str, args: argparse.Namespace) -> bool:
    with loadlib.installation(database, args.patients) as (env, seed):
        server = loadlib.Server(env, loadlib.free_port(), workers=args.workers)
        server.start()
        try:
            patients = loadlib.log_in_all(seed, server.port)
            ledger = loadlib.Ledger()
            elapsed = loadlib.run_patients(patients, ledger, args.seconds, args.max_requests)
        finally:
            server.stop()
        check = loadlib.verify(ledger, loadlib.dump(env))
    f = loadlib.figures(ledger, elapsed)
    print(
        f"{database:<9} {f['requests']:>7} {elapsed:>6.1f} {f['rps']:>7.1f} {f['p50_ms']:>8.1f} "
        f"{f['p95_ms']:>8.1f} {f['max_ms']:>8.0f} {f['status_5xx']:>4} {f['status_4xx']:>4} "
        f"{f['connection_errors']:>5}"
    )
    loadlib.print_check(check)
    print(f"  statuses {f['statuses']}")
    return f["status_5xx"] == 0 and f["connection_errors"] == 0 and loadlib.verdict(check)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--max-requests", type=int, default=40000, help="over all patients")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--database", default="sqlite,postgres")
    args = parser.parse_args(argv)

    print(f"machine: {loadlib.machine()}")
    print(
        f"server: embct serve, gunicorn {args.workers} workers x 4 threads; {args.patients} "
        f"concurrent patients for {args.seconds:g} s (at most {args.max_requests} requests)"
    )
    print(
        f"{'database':<9} {'requests':>7} {'s':>6} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'max ms':>8} {'5xx':>4} {'4xx':>4} {'conn':>5}"
    )
    ok = True
    for database in args.database.split(","):
        if database == "postgres" and not postgres_available():
            print("postgres  skipped: no PostgreSQL server at BENCH_POSTGRES")
            continue
        ok = run_one(database, args) and ok
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

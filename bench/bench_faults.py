"""Benchmark of faults: the server killed with SIGKILL under load, the database locked, the
database unavailable. What a patient sent and was told was saved must be saved, once.

Usage::

    .venv/bin/python bench/bench_faults.py [--patients 50] [--seconds 45] [--kills 3]
                                           [--database sqlite,postgres]

1. Kill under load (SQLite, and PostgreSQL when ``BENCH_POSTGRES`` answers): the load of
   ``bench_load.py`` runs while the whole gunicorn process group (master and workers) is
   killed with SIGKILL ``--kills`` times at even intervals and ``embct serve`` is started
   again on the same port. Afterwards: every acknowledged submission present exactly once
   with every field as sent, nothing half-written (a diary row whose fields are not all the
   ones sent, or linked to another patient's log files), nothing doubled, SQLite's
   ``PRAGMA integrity_check`` ok. Submissions cut off by the kill (never acknowledged) may
   or may not be there; both counts are printed. The peer in the same run is the same
   check on PostgreSQL.
2. Database locked (SQLite): another connection holds an EXCLUSIVE lock while a patient sends
   a diary entry. The server waits out its busy timeout, then answers 503 "We could not
   save this just now; your text is kept" with the text in the page and no stack trace;
   after the lock is released, "Try again" (the page's own form) saves the entry, once.
3. Database unavailable (PostgreSQL at a closed port): a patient's message gets the same 503
   page with the text, and ``/healthz`` answers 503.

Loopback only, bounded in time. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import html
import re
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import loadlib
from bench_load import postgres_available

HEADING = "We could not save this just now; your text is kept"


def kill_under_load(database: str, args: argparse.Namespace) -> bool:
    with loadlib.installation(database, args.patients) as (env, seed):
        server = loadlib.Server(env, loadlib.free_port(), workers=args.workers)
        server.start()
        downtime: list[float] = []
        try:
            patients = loadlib.log_in_all(seed, server.port)
            ledger = loadlib.Ledger()

            def killer() -> None:
                interval = args.seconds / (args.kills + 1)
                for _ in range(args.kills):
                    time.sleep(interval)
                    start = time.monotonic()
                    server.kill()
                    server.start()
                    downtime.append(time.monotonic() - start)

            thread = threading.Thread(target=killer)
            thread.start()
            elapsed = loadlib.run_patients(patients, ledger, args.seconds, args.max_requests)
            thread.join()
        finally:
            server.stop()
        check = loadlib.verify(ledger, loadlib.dump(env))
    f = loadlib.figures(ledger, elapsed)
    print(
        f"{database}: {len(downtime)} SIGKILLs, down {sum(downtime):.1f} s in all; "
        f"{f['requests']} requests in {elapsed:.1f} s; 5xx {f['status_5xx']}, "
        f"4xx {f['status_4xx']}, connection errors {f['connection_errors']}"
    )
    loadlib.print_check(check)
    return loadlib.verdict(check) and f["status_5xx"] == 0 and len(downtime) == args.kills


def draft_form(page: str) -> dict[str, str]:
    """The 503 page's form fields, as a browser sends them on "Try again"."""
    fields = {
        name: html.unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }
    for name, value in re.findall(
        r'<textarea[^>]* name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = html.unescape(value)
    return fields


def page_ok(status: int, page: str, text: str) -> list[str]:
    problems = []
    if status != 503:
        problems.append(f"HTTP {status}, expected 503")
    if HEADING not in page:
        problems.append("no 'your text is kept' heading")
    if html.escape(text, quote=False) not in page and text not in page:
        problems.append("the patient's text is not in the page")
    if "Traceback" in page or "Error" in page:
        problems.append("a stack trace or error name in the page")
    return problems


def locked_sqlite(args: argparse.Namespace) -> bool:
    with loadlib.installation("sqlite", 1) as (env, seed):
        server = loadlib.Server(env, loadlib.free_port(), workers=1)
        server.start()
        try:
            (patient,) = loadlib.log_in_all(seed, server.port)
            client = patient.client
            session = seed["sessions"][0]
            path = f"/sessions/{session}/diary/"
            _, page = client.request("GET", path)
            form = {
                "csrfmiddlewaretoken": loadlib._CSRF.search(page)[1],
                "form_token": loadlib._TOKEN.search(page)[1],
                "exercise": "",
                "date": loadlib._DATE.search(page)[1],
                "minutes": "20",
                "body": "bench-locked shoulders <tight> & warm hands",
                "thoughts": "bench-locked thoughts",
                "feelings": "bench-locked feelings",
                "text": "bench-locked: written while the database was locked",
            }
            holder = sqlite3.connect(Path(env["EMBCT_DATA_DIR"]) / "embct.sqlite3")
            holder.isolation_level = None
            holder.execute("BEGIN EXCLUSIVE")
            start = time.monotonic()
            status, page = client.request("POST", path, form)
            waited = time.monotonic() - start
            holder.execute("ROLLBACK")
            holder.close()
            problems = page_ok(status, page, form["body"])
            again = draft_form(page)
            for name in ("form_token", "body", "thoughts", "feelings", "text", "minutes"):
                if again.get(name) != form[name]:
                    problems.append(f"field {name} not kept in the page's form")
            statuses = [client.request("POST", path, again)[0] for _ in range(2)]
            if statuses != [302, 302]:
                problems.append(f"'Try again' answered {statuses}, expected [302, 302]")
        finally:
            server.stop()
        rows = [r for r in loadlib.dump(env)["diaries"] if r["body"] == form["body"]]
    if len(rows) != 1:
        problems.append(f"{len(rows)} entries saved after 'Try again' twice, expected 1")
    print(
        f"sqlite locked: 503 after {waited:.1f} s (the busy timeout); text kept in the page; "
        f"'Try again' saved it once: {'yes' if len(rows) == 1 else 'NO'}"
    )
    for problem in problems:
        print(f"  FAIL: {problem}")
    return not problems


def unavailable_postgres(args: argparse.Namespace) -> bool:
    """A server whose PostgreSQL is at a closed port; the patient's cookies come from a
    healthy server, as after a database crash."""
    with loadlib.installation("sqlite", 1) as (env, seed):
        healthy = loadlib.Server(env, loadlib.free_port(), workers=1)
        healthy.start()
        try:
            (patient,) = loadlib.log_in_all(seed, healthy.port)
            _, page = patient.client.request("GET", "/inbox/")
            csrf = loadlib._CSRF.search(page)[1]
        finally:
            healthy.stop()
        broken_env = dict(
            env, DATABASE_URL=f"postgres://postgres@127.0.0.1:{loadlib.free_port()}/gone"
        )
        port = loadlib.free_port()
        code = (
            "from embct.platform import setup; setup(); "
            "from embct.cli.serve import serve_forever; "
            f"serve_forever('127.0.0.1', {port}, workers=1)"
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code],
            env=broken_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        problems = []
        try:
            client = loadlib.Client(port)
            client.cookies = dict(patient.client.cookies)
            deadline = time.monotonic() + 30
            while True:
                try:
                    health, _ = client.request("GET", "/healthz")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            if health != 503:
                problems.append(f"/healthz answered {health}, expected 503")
            text = "bench-gone: Can we talk about the pain in my arm?"
            start = time.monotonic()
            status, page = client.request(
                "POST", "/inbox/write/", {"csrfmiddlewaretoken": csrf, "body": text}
            )
            waited = time.monotonic() - start
            problems += page_ok(status, page, text)
        finally:
            import os
            import signal

            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    print(
        f"postgres unavailable: 503 after {waited:.2f} s; /healthz {health}; text kept in the page"
    )
    for problem in problems:
        print(f"  FAIL: {problem}")
    return not problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=45.0)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--max-requests", type=int, default=40000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database", default="sqlite,postgres")
    args = parser.parse_args(argv)

    print(f"machine: {loadlib.machine()}")
    print(
        f"load: {args.patients} concurrent patients for {args.seconds:g} s, embct serve "
        f"(gunicorn {args.workers} workers x 4 threads) SIGKILLed {args.kills} times"
    )
    ok = True
    for database in args.database.split(","):
        if database == "postgres" and not postgres_available():
            print("postgres: skipped, no PostgreSQL server at BENCH_POSTGRES")
            continue
        ok = kill_under_load(database, args) and ok
    ok = locked_sqlite(args) and ok
    ok = unavailable_postgres(args) and ok
    print("result:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

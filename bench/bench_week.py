"""Benchmark: server CPU per request of the patient's week page (``/week/``), in-process, beside
the anonymous ``/healthz`` (the bare view: the middleware stack and one ``SELECT 1``) in the
same run (issue 18: the week page at most 3x ``/healthz``).

A fresh demo clinic (``embct demo --no-serve`` in a temporary data folder: SQLite in WAL mode,
the demo course and patients) is requested with Django's test client, each demo patient signed
in; each request's CPU time is :func:`time.process_time` around it. Rounds alternate the pages
(``/healthz``, then ``/week/`` of the demo patient, ...) so that both see the same load; the
figure is the median per page over ``--requests`` requests, after warm-up requests.

``--dump DIR`` writes each eMBCT demo patient's week page to ``DIR/<username>.html`` (the
CSRF token, which differs on every request, blanked), to compare the HTML before and after a
change on the same day's demo.

Usage::

    .venv/bin/python bench/bench_week.py [--requests 200] [--dump DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script

ROOT = Path(__file__).resolve().parents[1]
TARGET = 3.0
CSRF = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


def load() -> str:
    """The load averages (1, 5, 15 minutes), as ``uptime`` prints them."""
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def cpu_ms(client: object, path: str) -> float:
    started = time.process_time()
    response = client.get(path)  # type: ignore[attr-defined]
    spent = 1000 * (time.process_time() - started)
    if response.status_code != 200:
        raise RuntimeError(f"{path}: HTTP {response.status_code}")
    return spent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page")
    parser.add_argument("--patient", default="patient", help="the demo patient measured")
    parser.add_argument("--dump", type=Path, help="write each demo patient's week page here")
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="embct-bench-week-"))
    os.environ["EMBCT_DATA_DIR"] = str(folder / "data")
    for name in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "REDIS_URL", "DEBUG"):
        os.environ.pop(name, None)
    subprocess.run(
        [sys.executable, "-m", "embct.cli", "demo", "--no-serve"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    sys.path.insert(0, str(ROOT / "tests"))  # support.testing: logging in as the tests do
    from embct.platform import setup

    setup()
    import django
    from django.test import Client

    from embct.platform.accounts.models import User
    from embct.platform.care.models import Arm
    from support.testing import force_login_verified

    print(
        f"machine: {benchinfo.cpu_model()}; {os.cpu_count()} cores; "
        f"Python {platform.python_version()}; Django {django.get_version()}; "
        f"{platform.platform()}"
    )
    print(f"load average before: {load()}")
    if args.dump is not None:
        args.dump.mkdir(parents=True, exist_ok=True)
        for user in User.objects.filter(patient_profile__arm=Arm.EMBCT).order_by("username"):
            client = Client()
            force_login_verified(client, user)
            client.get("/week/")  # a first view may set the schedule up; the second is read
            body = client.get("/week/").content
            (args.dump / f"{user.username}.html").write_bytes(CSRF.sub(b"", body))
        print(f"week pages written to {args.dump}")

    anonymous, patient = Client(), Client()
    force_login_verified(patient, User.objects.get(username=args.patient))
    pages = [
        ("/healthz (anonymous, peer)", anonymous, "/healthz"),
        ("/healthz (signed in)", patient, "/healthz"),
        (f"/week/ ({args.patient})", patient, "/week/"),
    ]
    for _label, client, path in pages:
        for _ in range(5):
            cpu_ms(client, path)
    times: dict[str, list[float]] = {label: [] for label, _c, _p in pages}
    for _ in range(args.requests):
        for label, client, path in pages:
            times[label].append(cpu_ms(client, path))
    peer = statistics.median(times[pages[0][0]])
    print(f"\nCPU per request, median of {args.requests} (time.process_time, in-process):")
    for label, _c, _p in pages:
        ms = statistics.median(times[label])
        print(f"  {label:<32} {ms:7.2f} ms  {ms / peer:5.2f}x /healthz")
    week = statistics.median(times[pages[-1][0]])
    verdict = "met" if week <= TARGET * peer else "missed"
    print(f"target: /week/ at most {TARGET:.0f}x /healthz: {verdict} ({week / peer:.2f}x)")
    print(f"load average after: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Time the report layer: each figure (SVG + PNG) and the whole report on the example results;
then the platform's live report over HTTP: the first view (export + analysis + report), a
repeat view (export + the cache), and a plain page beside them.

Run: ``.venv/bin/python bench/bench_report.py [--no-live] [--redis redis://127.0.0.1:6379/14]``.
Prints the machine's details and, beside our figures, a bare matplotlib line plot of the same
size as the peer (the floor any figure pays). The live part sets up the demo clinic and trial
(``embct demo --no-serve``) in a temporary SQLite database, serves it with ``embct serve``
(one worker) and signs in as the demo researcher; ``--redis`` also serves it with that
``REDIS_URL`` (that Redis database is emptied first). The plain pages: ``/healthz`` (the
middleware and one ``SELECT 1``), the password form and the researcher's dashboard, on the
same server in the same run. Timing lives here, not in the tests: a loaded CI machine must not
fail a test on speed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import benchinfo  # bench/benchinfo.py, beside this script
import matplotlib
import numpy as np

matplotlib.use("Agg")
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from embct.report import figures, render_report, write_report

EXAMPLE = Path(__file__).resolve().parent.parent / "tests" / "report" / "results_example.json"


def best_of(fn, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_plot() -> None:
    fig = Figure(figsize=(6, 4))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.plot([2, 5, 9], [35, 38, 41])
    ax.plot([2, 5, 9], [36, 39, 40])
    figures.figure_svg(fig)
    figures.figure_png(fig)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Browser:
    """One signed-in browser on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port, self.cookies, self.token = port, {}, ""
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)

    def request(self, method: str, path: str, fields: dict | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if found := re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', data):
            self.token = found.group(1).decode()
        return response.status, data

    def log_in(self, username: str, password: str, code: str) -> None:
        self.request("GET", "/login/")
        status, _ = self.request("POST", "/login/", {"username": username, "password": password})
        self.request("GET", "/account/two-factor/")
        second, _ = self.request("POST", "/account/two-factor/", {"code": code})
        if (status, second) != (302, 302):
            raise RuntimeError(f"login as {username}: HTTP {status}, then {second}")

    def timed(self, path: str) -> float:
        start = time.perf_counter()
        status, _ = self.request("GET", path)
        elapsed = time.perf_counter() - start
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return elapsed


def live_report(env: dict[str, str], label: str, repeat: int = 7) -> None:
    """First view, repeat views and plain pages against one fresh ``embct serve``."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "embct.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if Browser(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        found = re.search(r"Researcher\s+(\S+)\s+(\S+)\s+second factor: (\S+)", env["LOGINS"])
        assert found, "no researcher login printed by embct demo"
        browser = Browser(port)
        browser.log_in(*found.groups())
        browser.timed("/research/")  # warm the worker (imports, templates)
        first = browser.timed("/research/report/")
        again = [browser.timed("/research/report/") for _ in range(repeat)]
        plain = [browser.timed("/account/password/") for _ in range(repeat)]
        dashboard = [browser.timed("/research/") for _ in range(repeat)]
        health = [browser.timed("/healthz") for _ in range(repeat)]
        print(f"live report, {label}, 1 worker; median of {repeat}:")
        rows = [
            ("/healthz (peer: bare view)", statistics.median(health)),
            ("/account/password/ (plain page: a form)", statistics.median(plain)),
            ("/research/ (the researcher's dashboard)", statistics.median(dashboard)),
            ("/research/report/ first view (analysis)", first),
            ("/research/report/ repeat view (cache)", statistics.median(again)),
        ]
        for name, seconds in rows:
            print(f"  {name:<42} {seconds * 1000:9.1f} ms")
    finally:
        server.terminate()
        server.wait(timeout=30)


def live(redis_url: str | None) -> None:
    with tempfile.TemporaryDirectory(prefix="embct-bench-report-") as data:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
        env["EMBCT_DATA_DIR"] = data
        env.pop("DJANGO_SETTINGS_MODULE", None)
        start = time.perf_counter()
        demo = subprocess.run(
            [sys.executable, "-m", "embct.cli", "demo", "--no-serve"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        screened = re.search(r"(\d+) people screened", demo.stdout)
        print(
            f"demo clinic and trial ({screened.group(1) if screened else '?'} screened) set up "
            f"in {time.perf_counter() - start:.0f} s (SQLite, WAL)"
        )
        env["LOGINS"] = demo.stdout
        live_report(env, "cache in memory (no REDIS_URL)")
        if redis_url:
            import redis

            redis.Redis.from_url(redis_url).flushdb()
            live_report({**env, "REDIS_URL": redis_url}, f"cache in Redis ({redis_url})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-live", action="store_true", help="only the report layer")
    parser.add_argument("--redis", help="also serve the live report with this REDIS_URL")
    args = parser.parse_args(argv)
    results = json.loads(EXAMPLE.read_text())
    print(
        f"machine: {benchinfo.cpu_model()}, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}; Python {sys.version.split()[0]}, "
        f"numpy {np.__version__}, matplotlib {matplotlib.__version__}"
    )
    figures.figure_svg(figures.alliance_figure(results))  # warm the font cache
    peer = best_of(bare_plot)
    print(f"{'bare matplotlib 2-line plot (peer)':<40} {peer * 1000:8.1f} ms")
    draws = {
        "alliance_figure": figures.alliance_figure,
        "consort_figure": figures.consort_figure,
        "interaction_figure(hads)": lambda r: figures.interaction_figure(r, "hads"),
    }
    for name, draw in draws.items():

        def one(draw=draw) -> None:  # type: ignore[no-untyped-def]
            fig = draw(results)
            figures.figure_svg(fig)
            figures.figure_png(fig)

        t = best_of(one)
        print(f"{name + ' (SVG+PNG)':<40} {t * 1000:8.1f} ms  ({t / peer:.1f}x peer)")
    print(
        f"{'render_report (HTML)':<40} {best_of(lambda: render_report(results), 3) * 1000:8.1f} ms"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = best_of(lambda: write_report(results, Path(tmp)), 3)
    print(f"{'write_report (HTML + 8 figure files)':<40} {t * 1000:8.1f} ms")
    if not args.no_live:
        live(args.redis)


if __name__ == "__main__":
    main()

"""Benchmark: the patient's week page and the therapist's feedback queue under 20 concurrent
clients, against ``embct serve`` (gunicorn, SQLite in WAL mode, demo clinic), beside a bare
Django view (``/healthz``: the full middleware stack and one ``SELECT 1``) on the same server
in the same run.

Usage::

    .venv/bin/python bench/bench_platform.py [--clients 20] [--requests 40] [--workers 2]

Each client logs in with its own session (as a real browser would), then sends its requests
one after another over a keep-alive connection. Latencies are per request, wall clock.

Then server CPU per request: one client sends ``--cpu-requests`` requests one after another
to each page, and the CPU time (user + system, from /proc/<pid>/stat) that the server's
processes (gunicorn master and workers) used meanwhile is divided by the count. The ratio
to anonymous ``/healthz`` is the figure issue 18 sets a target for (the week page <= 3x).
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import benchinfo  # bench/benchinfo.py, beside this script

PASSWORD_SUFFIX = "-demo-2026"  # the printed demo logins
STAFF = {"therapist", "researcher", "admin"}  # demo accounts with a second factor


def demo_code(username: str) -> str:
    """The printed second-factor code of a demo staff account (security.demo.demo_code)."""
    return f"2fa-{username}"[:16]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> str:
    cpu = benchinfo.cpu_model()
    import django
    import numpy

    return (
        f"{cpu}; {os.cpu_count()} cores; Python {platform.python_version()}; "
        f"Django {django.get_version()}; numpy {numpy.__version__}; {platform.platform()}"
    )


class Client:
    """One browser: its own cookies and one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}/login/"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection: reconnect, as browsers do.
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def log_in(self, username: str) -> None:
        _status, page = self.request("GET", "/login/")
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token, "no CSRF token on the login page"
        form = urllib.parse.urlencode(
            {
                "username": username,
                "password": username + PASSWORD_SUFFIX,
                "csrfmiddlewaretoken": token.group(1).decode(),
            }
        )
        status, _ = self.request("POST", "/login/", form)
        if status != 302:
            raise RuntimeError(f"login as {username} failed with HTTP {status}")
        if username in STAFF:
            # staff have a second factor: the demo prints each one's code
            _status, page = self.request("GET", "/account/two-factor/")
            token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert token, "no CSRF token on the two-factor page"
            form = urllib.parse.urlencode(
                {"code": demo_code(username), "csrfmiddlewaretoken": token.group(1).decode()}
            )
            status, _ = self.request("POST", "/account/two-factor/", form)
            if status != 302:
                raise RuntimeError(f"second factor of {username} failed with HTTP {status}")


def process_tree(root: int) -> list[int]:
    """``root`` and every process descended from it (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, ppid in parents.items() if ppid in frontier]
        tree.extend(children)
        frontier = children
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of ``pids`` (fields 14 and 15 of /proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_per_request(server_pid: int, client: Client, path: str, requests: int) -> float:
    """Server CPU milliseconds per request, over ``requests`` sequential requests."""
    for _ in range(10):  # warm up: templates compiled, connections opened
        client.request("GET", path)
    pids = process_tree(server_pid)
    before = cpu_seconds(pids)
    for _ in range(requests):
        status, _ = client.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path}: HTTP {status}")
    return 1000 * (cpu_seconds(pids) - before) / requests


def run_load(port: int, path: str, username: str | None, clients: int, requests: int) -> dict:
    sessions = []
    for _ in range(clients):
        client = Client(port)
        if username:
            client.log_in(username)
        sessions.append(client)
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def work(client: Client) -> None:
        mine = []
        barrier.wait()
        for _ in range(requests):
            start = time.perf_counter()
            status, _ = client.request("GET", path)
            mine.append(time.perf_counter() - start)
            if status != 200:
                errors.append(status)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, args=(c,)) for c in sessions]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "path": path,
        "as": username or "anonymous",
        "n": len(latencies),
        "errors": len(errors),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "rps": len(latencies) / elapsed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=40, help="per client and page")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--cpu-requests", type=int, default=400, help="sequential requests per page for CPU"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="embct-bench-") as data_dir:
        env = dict(os.environ, EMBCT_DATA_DIR=data_dir)
        env.pop("DATABASE_URL", None)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        subprocess.run(
            [sys.executable, "-m", "embct.cli", "demo", "--no-serve"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "embct.cli",
                "serve",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if Client(port).request("GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            print(f"machine: {machine()}")
            print(
                f"server: embct serve, gunicorn {args.workers} workers x 4 threads, SQLite (WAL), "
                f"demo clinic; {args.clients} concurrent clients x {args.requests} requests each"
            )
            print(f"{'page':<34} {'n':>5} {'err':>4} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
            Client(port).request("GET", "/healthz")  # warm up
            for path, user in [
                ("/healthz", None),
                ("/week/", "patient"),
                ("/queue/", "therapist"),
                ("/healthz", None),
            ]:
                r = run_load(port, path, user, args.clients, args.requests)
                label = f"{r['path']} ({r['as']})"
                print(
                    f"{label:<34} {r['n']:>5} {r['errors']:>4} {r['p50_ms']:>8.1f} "
                    f"{r['p95_ms']:>8.1f} {r['rps']:>8.0f}"
                )
            print(f"server CPU per request, {args.cpu_requests} sequential requests each:")
            base = None
            for path, user in [
                ("/healthz", None),
                ("/healthz", "patient"),
                ("/week/", "patient"),
                ("/healthz", None),
            ]:
                client = Client(port)
                if user:
                    client.log_in(user)
                ms = cpu_per_request(server.pid, client, path, args.cpu_requests)
                base = ms if base is None else base
                label = f"{path} ({user or 'anonymous'})"
                print(f"{label:<34} {ms:>8.3f} ms CPU  {ms / base:>5.2f}x /healthz")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())

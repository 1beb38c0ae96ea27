"""Shared by ``bench_load.py`` and ``bench_faults.py``: a throwaway embct (SQLite or a
throwaway PostgreSQL database), ``embct serve`` on a free loopback port, simulated patients
who write diary entries and messages through the real forms, a ledger of what the server
acknowledged, and the check that the database holds exactly that.

Every submission carries a unique marker in each of its text fields, so afterwards each row
can be traced to the one request that sent it:

- acknowledged (the server answered 302) -> present exactly once, every field as sent;
- not acknowledged (an error, or the connection died) -> present at most once, as sent;
- nothing else: no row the clients never sent, none doubled, none half-written.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import benchinfo  # bench/benchinfo.py, beside this script

PASSWORD = "bench passphrase 2026"  # throwaway accounts in a throwaway database
PREFIX = "bench_patient_"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def machine() -> str:
    cpu = benchinfo.cpu_model()
    import django
    import numpy

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{cpu}; {os.cpu_count()} cores; load average {load:.1f} at start; "
        f"Python {platform.python_version()}; Django {django.get_version()}; "
        f"numpy {numpy.__version__}; {platform.platform()}"
    )


# ---- the throwaway installation -----------------------------------------------------------
SEED = r"""
import json, sys
from datetime import timedelta
from embct.platform import setup
setup()
from django.utils import timezone
from embct.platform.accounts.models import Role, User
from embct.platform.care.models import PatientProfile
from embct.platform.course.models import Course
n, prefix, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
course = Course.current()
therapist = User.objects.get(username="therapist")
hashed = None
names = []
for i in range(n):
    name = f"{prefix}{i:02d}"
    user, created = User.objects.get_or_create(username=name, defaults={"role": Role.PATIENT})
    if hashed is None:
        user.set_password(password)
        hashed = user.password
    user.password = hashed  # one Argon2 hash for all: same password, 1/n of the cost
    user.save()
    PatientProfile.objects.get_or_create(user=user, defaults={
        "therapist": therapist, "course": course,
        "start_date": timezone.localdate() - timedelta(days=60)})
    names.append(name)
sessions = list(course.sessions.order_by("week").values_list("pk", flat=True))
print(json.dumps({"patients": names, "sessions": sessions}))
"""

DUMP = r"""
import json
from embct.platform import setup
setup()
from django.db import connection
from embct.platform.care.models import DiaryEntry, Message
diaries = [
    {"patient": d.patient.user.username, "session": d.session_id, "minutes": d.minutes,
     "body": d.body, "thoughts": d.thoughts, "feelings": d.feelings, "text": d.text,
     "form_token": str(d.form_token),
     "submission": None if d.submission is None else
        [d.submission.patient.user.username, d.submission.session_id]}
    for d in DiaryEntry.objects.select_related(
        "patient__user", "submission__patient__user").filter(body__startswith="bench-")
]
messages = [
    {"patient": m.patient.user.username, "author": m.author.username, "body": m.body,
     "from_patient": m.from_patient}
    for m in Message.objects.select_related("patient__user", "author").filter(
        body__startswith="bench-")
]
from django.apps import apps
responses = None
if apps.is_installed("embct.platform.questionnaires"):
    from embct.platform.questionnaires.models import Response
    responses = [
        {"patient": r.patient.user.username, "assessment": r.assessment_id,
         "form_token": str(r.form_token), "answers": r.answers}
        for r in Response.objects.select_related("patient__user").filter(
            patient__user__username__startswith="bench_")
    ]
integrity = "ok"
if connection.vendor == "sqlite":
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA integrity_check")
        integrity = cursor.fetchone()[0]
print(json.dumps({"diaries": diaries, "messages": messages, "responses": responses,
                  "integrity": integrity}))
"""


@contextlib.contextmanager
def installation(database: str, patients: int) -> Iterator[tuple[dict[str, str], dict]]:
    """A fresh data directory (and, for ``postgres``, a throwaway database) with the demo
    course and clinic plus ``patients`` bench patients in week 8. Yields ``(env, seed)``."""
    with tempfile.TemporaryDirectory(prefix="embct-bench-") as data_dir:
        env = dict(os.environ, EMBCT_DATA_DIR=data_dir)
        env.pop("DJANGO_SETTINGS_MODULE", None)
        dropper = None
        if database == "postgres":
            env["DATABASE_URL"], dropper = _throwaway_postgres()
        else:
            env.pop("DATABASE_URL", None)
        try:
            subprocess.run(
                [sys.executable, "-m", "embct.cli", "demo", "--no-serve"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            seed = json.loads(
                subprocess.run(
                    [sys.executable, "-c", SEED, str(patients), PREFIX, PASSWORD],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
            )
            yield env, seed
        finally:
            if dropper is not None:
                dropper()


def _throwaway_postgres() -> tuple[str, object]:
    import psycopg

    server = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
    name = f"embct_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return f"{server}/{name}", drop


class Server:
    """``embct serve`` (gunicorn) in its own process group, so SIGKILL takes all of it."""

    def __init__(self, env: dict[str, str], port: int, workers: int = 2) -> None:
        self.env, self.port, self.workers = env, port, workers
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 90) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "embct.cli",
                "serve",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_healthy(self.port, timeout)

    def kill(self) -> None:
        """SIGKILL the master and every worker at once: no cleanup of any kind."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()


def wait_healthy(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"embct serve on port {port} not healthy after {timeout} s")
        time.sleep(0.2)


def dump(env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", DUMP], env=env, check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout)


# ---- one browser ---------------------------------------------------------------------------
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')
_DATE = re.compile(r'name="date" value="([^"]+)"')
_FILL = re.compile(r'href="(?:[^"]*)/questionnaires/(\d+)/"')
_RADIO = re.compile(r'<input type="radio" name="([^"]+)" value="([^"]*)"')


class Client:
    """One patient's browser: its own cookies and a keep-alive connection.

    A connection error is raised to the caller, never retried here: a POST whose answer
    was lost is, for the ledger, unacknowledged.
    """

    IDLE_RECONNECT = 1.0  # gunicorn closes idle keep-alive connections after 2 s

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.last_used = 0.0

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        if self.conn is None or time.monotonic() - self.last_used > self.IDLE_RECONNECT:
            self.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        except Exception:
            self.close()
            raise
        self.last_used = time.monotonic()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def log_in(self, username: str) -> None:
        _status, page = self.request("GET", "/login/")
        token = _CSRF.search(page)
        if not token:
            raise RuntimeError("no CSRF token on the login page")
        form = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
        status, _ = self.request("POST", "/login/", form)
        if status != 302:
            raise RuntimeError(f"login as {username} failed with HTTP {status}")


# ---- the ledger and the patients -----------------------------------------------------------
@dataclass
class Ledger:
    """What the clients sent and what the server acknowledged, plus timings."""

    attempts: dict[str, dict] = field(default_factory=dict)  # marker -> what was sent
    acked: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    connection_errors: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def timed(self, client: Client, method: str, path: str, form: dict | None = None):
        start = time.perf_counter()
        try:
            status, page = client.request(method, path, form)
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.connection_errors += 1
            raise
        with self.lock:
            self.latencies.append(time.perf_counter() - start)
            self.statuses[status] += 1
        return status, page


class Patient:
    def __init__(self, username: str, sessions: list[int], port: int, seed: int) -> None:
        self.username = username
        self.sessions = sessions
        self.client = Client(port)
        self.rng = random.Random(seed)
        self.count = 0
        self.questionnaires = False  # set by log_in_all where the app is installed

    def marker(self, kind: str) -> str:
        self.count += 1
        return f"bench-{kind}-{self.username}-{self.count}-{uuid.uuid4().hex[:8]}"

    def act(self, ledger: Ledger) -> None:
        """One step of a patient's evening: mostly diaries and messages."""
        roll = self.rng.random()
        if roll < 0.1 and self.questionnaires:
            self.fill_questionnaire(ledger)
        elif roll < 0.5:
            self.write_diary(ledger)
        elif roll < 0.85:
            self.write_message(ledger)
        elif roll < 0.95:
            session = self.rng.choice(self.sessions)
            status, page = ledger.timed(self.client, "GET", f"/sessions/{session}/")
            token = _CSRF.search(page)
            if status == 200 and token:
                form = {"csrfmiddlewaretoken": token[1]}
                ledger.timed(self.client, "POST", f"/sessions/{session}/send/", form)
        else:
            ledger.timed(self.client, "GET", "/week/")

    def write_diary(self, ledger: Ledger) -> None:
        session = self.rng.choice(self.sessions)
        path = f"/sessions/{session}/diary/"
        status, page = ledger.timed(self.client, "GET", path)
        csrf, token, day = _CSRF.search(page), _TOKEN.search(page), _DATE.search(page)
        if status != 200 or not (csrf and token and day):
            return
        marker = self.marker("diary")
        form = {
            "csrfmiddlewaretoken": csrf[1],
            "form_token": token[1],
            "exercise": "",
            "date": day[1],
            "minutes": str(self.rng.randint(0, 600)),
            "body": f"{marker} body: warm hands, tight shoulders",
            "thoughts": f"{marker} thoughts: planning the next visit",
            "feelings": f"{marker} feelings: restless, then calmer",
            "text": f"{marker} text: " + "a quiet evening. " * self.rng.randint(0, 20),
        }
        sent = {"kind": "diary", "patient": self.username, "session": session, **form}
        with ledger.lock:
            ledger.attempts[marker] = sent
        status, _ = ledger.timed(self.client, "POST", path, form)
        if status == 302:
            with ledger.lock:
                ledger.acked.add(marker)

    def fill_questionnaire(self, ledger: Ledger) -> None:
        """Answer one open questionnaire (when the questionnaires app is installed)."""
        status, page = ledger.timed(self.client, "GET", "/questionnaires/")
        ids = sorted(set(_FILL.findall(page)))
        if status != 200 or not ids:
            return
        path = f"/questionnaires/{self.rng.choice(ids)}/"
        status, page = ledger.timed(self.client, "GET", path)
        csrf, token = _CSRF.search(page), _TOKEN.search(page)
        options: dict[str, list[str]] = {}
        for name, value in _RADIO.findall(page):
            if value != "skip":
                options.setdefault(name, []).append(value)
        if status != 200 or not (csrf and token and options):
            return
        answers = {name: self.rng.choice(values) for name, values in options.items()}
        marker = f"questionnaire-{token[1]}"
        with ledger.lock:
            ledger.attempts[marker] = {
                "kind": "questionnaire",
                "patient": self.username,
                "assessment": int(path.split("/")[2]),
                "answers": answers,
            }
        form = {"csrfmiddlewaretoken": csrf[1], "form_token": token[1], "action": "submit"}
        status, _ = ledger.timed(self.client, "POST", path, {**form, **answers})
        if status == 302:
            with ledger.lock:
                ledger.acked.add(marker)

    def write_message(self, ledger: Ledger) -> None:
        status, page = ledger.timed(self.client, "GET", "/inbox/")
        csrf = _CSRF.search(page)
        if status != 200 or not csrf:
            return
        marker = self.marker("message")
        body = f"{marker} Can I do the body scan lying on the floor?"
        with ledger.lock:
            ledger.attempts[marker] = {"kind": "message", "patient": self.username, "body": body}
        form = {"csrfmiddlewaretoken": csrf[1], "body": body}
        status, _ = ledger.timed(self.client, "POST", "/inbox/write/", form)
        if status == 302:
            with ledger.lock:
                ledger.acked.add(marker)


def log_in_all(seed: dict, port: int, ledger_seed: int = 1) -> list[Patient]:
    """Every bench patient logged in through the real login form, four at a time."""
    patients = [
        Patient(name, seed["sessions"], port, ledger_seed * 1000 + i)
        for i, name in enumerate(seed["patients"])
    ]
    threads = [
        threading.Thread(
            target=lambda group=patients[i::4]: [p.client.log_in(p.username) for p in group]
        )
        for i in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    missing = [p.username for p in patients if "sessionid" not in p.client.cookies]
    if missing:
        raise RuntimeError(f"could not log in: {', '.join(missing)}")
    # Questionnaires join the load where the questionnaires app is installed.
    installed = patients[0].client.request("GET", "/questionnaires/")[0] != 404
    for patient in patients:
        patient.questionnaires = installed
    return patients


def run_patients(
    patients: list[Patient], ledger: Ledger, seconds: float, max_requests: int
) -> float:
    """Every patient acts until ``seconds`` pass or ``max_requests`` requests were made.

    A connection error (the server is down) makes that patient wait 0.2 s and go on.
    Returns the wall-clock time taken.
    """
    started = time.monotonic()
    deadline = started + seconds

    def done() -> bool:
        return time.monotonic() >= deadline or len(ledger.latencies) >= max_requests

    def live(patient: Patient) -> None:
        while not done():
            try:
                patient.act(ledger)
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)

    threads = [threading.Thread(target=live, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started


# ---- the check -----------------------------------------------------------------------------
def verify(ledger: Ledger, snapshot: dict) -> dict:
    """Compare the database with the ledger. Every list in the result should be empty."""
    seen: Counter = Counter()
    half_written: list[str] = []
    unknown: list[str] = []
    for row in snapshot["diaries"]:
        marker = row["body"].split(" ", 1)[0]
        seen[marker] += 1
        sent = ledger.attempts.get(marker)
        if sent is None:
            unknown.append(marker)
            continue
        expected = (
            sent["patient"],
            sent["session"],
            int(sent["minutes"]),
            sent["body"],
            sent["thoughts"],
            sent["feelings"],
            sent["text"].strip(),
            sent["form_token"],
        )
        got = (
            row["patient"],
            row["session"],
            row["minutes"],
            row["body"],
            row["thoughts"],
            row["feelings"],
            row["text"].strip(),
            row["form_token"],
        )
        if got != expected:
            half_written.append(marker)
        if row["submission"] is not None and row["submission"] != [row["patient"], row["session"]]:
            half_written.append(marker)
    for row in snapshot["messages"]:
        marker = row["body"].split(" ", 1)[0]
        seen[marker] += 1
        sent = ledger.attempts.get(marker)
        if sent is None:
            unknown.append(marker)
        elif (row["patient"], row["author"], row["body"], row["from_patient"]) != (
            sent["patient"],
            sent["patient"],
            sent["body"],
            True,
        ):
            half_written.append(marker)
    for row in snapshot.get("responses") or []:
        marker = f"questionnaire-{row['form_token']}"
        seen[marker] += 1
        sent = ledger.attempts.get(marker)
        if sent is None:
            unknown.append(marker)
        elif (
            row["patient"],
            row["assessment"],
            {str(k): str(v) for k, v in row["answers"].items()},
        ) != (sent["patient"], sent["assessment"], sent["answers"]):
            half_written.append(marker)
    unacked = set(ledger.attempts) - ledger.acked
    return {
        "acknowledged": len(ledger.acked),
        "acknowledged_diaries": sum(ledger.attempts[m]["kind"] == "diary" for m in ledger.acked),
        "acknowledged_messages": sum(ledger.attempts[m]["kind"] == "message" for m in ledger.acked),
        "acknowledged_questionnaires": sum(
            ledger.attempts[m]["kind"] == "questionnaire" for m in ledger.acked
        ),
        "questionnaires_installed": snapshot.get("responses") is not None,
        "unacknowledged_present": sum(1 for m in unacked if seen[m]),
        "unacknowledged_absent": sum(1 for m in unacked if not seen[m]),
        "missing": sorted(m for m in ledger.acked if seen[m] == 0),
        "doubled": sorted(m for m, n in seen.items() if n > 1),
        "half_written": sorted(set(half_written)),
        "unknown": sorted(unknown),
        "integrity": snapshot["integrity"],
    }


def verdict(check: dict) -> bool:
    return not (
        check["missing"] or check["doubled"] or check["half_written"] or check["unknown"]
    ) and (check["integrity"] == "ok")


def figures(ledger: Ledger, elapsed: float) -> dict:
    latencies = sorted(ledger.latencies)
    n = len(latencies)
    server_errors = sum(v for k, v in ledger.statuses.items() if k >= 500)
    client_errors = sum(v for k, v in ledger.statuses.items() if 400 <= k < 500)
    return {
        "requests": n,
        "rps": n / elapsed if elapsed else float("nan"),
        "p50_ms": 1000 * statistics.median(latencies) if n else float("nan"),
        "p95_ms": 1000 * latencies[int(0.95 * (n - 1))] if n else float("nan"),
        "max_ms": 1000 * latencies[-1] if n else float("nan"),
        "status_5xx": server_errors,
        "status_4xx": client_errors,
        "connection_errors": ledger.connection_errors,
        "statuses": dict(sorted(ledger.statuses.items())),
    }


def print_check(check: dict) -> None:
    print(
        f"  acknowledged {check['acknowledged']} ({check['acknowledged_diaries']} diaries, "
        f"{check['acknowledged_messages']} messages, "
        + (
            f"{check['acknowledged_questionnaires']} questionnaires"
            if check["questionnaires_installed"]
            else "no questionnaire app"
        )
        + "); unacknowledged: "
        f"{check['unacknowledged_present']} saved, {check['unacknowledged_absent']} not saved"
    )
    print(
        f"  missing {len(check['missing'])}, doubled {len(check['doubled'])}, "
        f"half-written {len(check['half_written'])}, never sent {len(check['unknown'])}, "
        f"integrity {check['integrity']}"
    )
    for name in ("missing", "doubled", "half_written", "unknown"):
        if check[name]:
            print(f"    {name}: {', '.join(check[name][:5])}")

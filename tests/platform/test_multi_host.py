"""Several hosts behind a load balancer: two ``embct serve`` processes on two ports, on one
PostgreSQL and one Redis (``REDIS_URL``), over real HTTP. A session made on one is valid on the
other, a login lockout on one holds on the other, a live report cached by one is served by
the other from the cache, and so is the dashboard's flow until a write on either host.

Needs PostgreSQL (``DATABASE_MIGRATION_URL`` or ``DATABASE_URL`` when they name one, else
postgres://postgres@127.0.0.1:5432) and Redis (``EMBCT_TEST_REDIS_URL``, else
redis://127.0.0.1:6379/15; given to both servers as their ``REDIS_URL``, while the rest of the
suite keeps the single-host cache).
Skipped when either does not answer, except under ``CI=true``, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from embct.platform.lib.code_version import code_version

pytestmark = pytest.mark.slow

DEFAULT_POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379/15"
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_LOGIN = re.compile(r"^\s*(Researcher|Therapist)\s+(\S+)\s+(\S+)\s+second factor: (\S+)$", re.M)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(base: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} not healthy after {timeout} s")
        time.sleep(0.3)


def _missing(what: str, error: Exception) -> None:
    message = f"{what} does not answer ({error})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message}; under CI=true this test must run")
    pytest.skip(message)


def _postgres_urls() -> tuple[str, str]:
    """(owner server URL, application server URL), each without a database name."""
    app = os.environ.get("DATABASE_URL", "")
    owner = os.environ.get("DATABASE_MIGRATION_URL", "") or app
    if not owner.startswith(("postgres://", "postgresql://")):
        return DEFAULT_POSTGRES.rpartition("/")[0], DEFAULT_POSTGRES.rpartition("/")[0]
    if not app.startswith(("postgres://", "postgresql://")):
        app = owner
    return owner.rpartition("/")[0], app.rpartition("/")[0]


@pytest.fixture
def redis_url() -> str:
    import redis

    url = os.environ.get("EMBCT_TEST_REDIS_URL") or DEFAULT_REDIS
    try:
        redis.Redis.from_url(url, socket_timeout=3).ping()
    except redis.RedisError as error:
        _missing(f"Redis at {url}", error)
    return url


@pytest.fixture
def shared_env(tmp_path: Path, redis_url: str) -> Iterator[dict[str, str]]:
    """The environment of both hosts: a throwaway PostgreSQL database with the demo clinic and
    trial in it (``embct demo --no-serve``), one Redis, a lockout after 3 wrong passwords."""
    import psycopg

    owner, app = _postgres_urls()
    try:
        with psycopg.connect(f"{owner}/postgres", autocommit=True, connect_timeout=3):
            pass
    except psycopg.OperationalError as error:
        _missing(f"PostgreSQL at {owner}", error)
    name = f"embct_hosts_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{owner}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL"}}
    env.update(
        DATABASE_URL=f"{app}/{name}",
        REDIS_URL=redis_url,
        AXES_FAILURE_LIMIT="3",
        EMBCT_DATA_DIR=str(tmp_path / "data"),
    )
    if owner != app:
        env["DATABASE_MIGRATION_URL"] = f"{owner}/{name}"
    try:
        demo = subprocess.run(
            [sys.executable, "-m", "embct.cli", "demo", "--no-serve"],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert demo.returncode == 0, demo.stderr[-2000:]
        env["TEST_LOGINS"] = demo.stdout
        yield env
    finally:
        with psycopg.connect(f"{owner}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def serving(env: dict[str, str], data: Path) -> Iterator[str]:
    """``embct serve`` with its own data directory (another host), in its own process group."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "embct.cli", "serve", "--port", str(port), "--workers", "1"],
        env={**env, "EMBCT_DATA_DIR": str(data)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One browser: its cookies (sent to both hosts, as behind one load balancer), no
    redirects followed, the CSRF token of the last form it read."""

    def __init__(self) -> None:
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.token = ""

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        try:
            with self.opener.open(request, timeout=120) as response:
                status, location, body = response.status, "", response.read().decode()
        except urllib.error.HTTPError as error:
            status, location = error.code, error.headers.get("Location", "")
            body = error.read().decode()
        if found := _CSRF.search(body):
            self.token = found.group(1)
        return status, location, body

    def get(self, url: str) -> tuple[int, str, str]:
        return self._open(urllib.request.Request(url))

    def post(self, url: str, fields: dict[str, str]) -> tuple[int, str, str]:
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": self.token, **fields}).encode()
        return self._open(urllib.request.Request(url, data=data, method="POST"))

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name and c.value is not None)


def _logins(env: dict[str, str]) -> dict[str, tuple[str, str, str]]:
    """Role -> (username, password, second factor) of the first such demo login printed."""
    found: dict[str, tuple[str, str, str]] = {}
    for role, username, password, code in _LOGIN.findall(env["TEST_LOGINS"]):
        found.setdefault(role, (username, password, code))
    return found


def _one_value(env: dict[str, str], sql: str) -> Any:
    """The single value ``sql`` selects from the shared database, as committed now."""
    import psycopg

    with psycopg.connect(env["DATABASE_URL"]) as connection:
        row = connection.execute(sql).fetchone()
    assert row is not None
    return row[0]


def _latest_export_sha256(env: dict[str, str]) -> str:
    return str(_one_value(env, "SELECT sha256 FROM research_exportlog ORDER BY id DESC LIMIT 1"))


def _version(env: dict[str, str], name: str = "study") -> str:
    """The version of ``name``'s data (embct.platform.versions) as committed now."""
    token = _one_value(env, f"SELECT token FROM versions_dataversion WHERE name = '{name}'")
    return str(uuid.UUID(str(token)).hex)


def _box(page: str, key: str) -> int:
    """The count of one box in the dashboard's flow table."""
    found = re.search(rf'<tr data-box="{re.escape(key)}"><th[^>]*>[^<]*</th><td>(\d+)</td>', page)
    assert found is not None, f"no box {key} on the page"
    return int(found.group(1))


def test_two_hosts_share_sessions_lockouts_and_the_report_and_flow_caches(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    import redis

    store = redis.Redis.from_url(shared_env["REDIS_URL"])
    # The test's own Redis database, emptied first: the demo's data are the same in every
    # run, so a report cached (and marked) by an earlier run, e.g. CI's SQLite pass, would
    # otherwise be found under the same key.
    store.flushdb()
    logins = _logins(shared_env)
    with serving(shared_env, tmp_path / "a") as one, serving(shared_env, tmp_path / "b") as two:
        # A session made on one host is valid on the other, and lives in Redis (cached_db).
        researcher, password, code = logins["Researcher"]
        rosa = Browser()
        rosa.get(one + "/login/")
        status, location, _ = rosa.post(
            one + "/login/", {"username": researcher, "password": password, "next": ""}
        )
        assert status == 302, location
        rosa.get(one + "/account/two-factor/")
        status, location, _ = rosa.post(one + "/account/two-factor/", {"code": code, "next": ""})
        assert status == 302, location
        assert "two-factor" not in location, location
        session = rosa.cookie("sessionid")
        assert store.exists(f"embct:1:django.contrib.sessions.cached_db{session}")
        status, location, _ = rosa.get(two + "/research/")
        assert status == 200, location  # signed in there: no redirect to the login page
        assert Browser().get(two + "/research/")[0] == 302  # (a stranger is sent to log in)

        # The live report computed on one host is served by the other from the cache: the
        # entry is marked in Redis after the first view, and the second host shows the mark.
        status, _, page = rosa.get(one + "/research/report/")
        assert status == 200
        assert '<div class="embct-report">' in page
        # (keyed by the versions of what the export reads, the code and the language)
        data = f"{_version(shared_env)}-{_version(shared_env, 'responses')}"
        key = f"embct:1:research:live-report:v3:{data}:{code_version()[:24]}:en"
        cached = store.get(key)
        assert cached is not None, f"no {key} in Redis"
        entry = pickle.loads(cached)
        assert entry["digest"][0] == _latest_export_sha256(shared_env)
        mark = f"cached-by-host-one-{uuid.uuid4().hex}"
        marked = {**entry, "html": entry["html"].replace("Live report", mark, 1)}
        store.set(key, pickle.dumps(marked), keepttl=True)
        status, _, page = rosa.get(two + "/research/report/")
        assert status == 200
        assert mark in page
        # host two logged the view as an export of the same file, without making it again
        assert _latest_export_sha256(shared_env) == entry["digest"][0]

        # The dashboard's CONSORT flow counted on one host is cached in Redis under the study
        # data's version (a token in the database), and the other host is served that entry
        # (marked here); a screening sent to the other host replaces the version in its
        # transaction, so the first host counts afresh: the new screening, not the mark.
        status, _, page = rosa.get(one + "/research/")
        assert status == 200
        screened = _box(page, "screened")
        version = _version(shared_env)
        key = f"embct:1:research:summary:v1:{version}"
        cached = store.get(key)
        assert cached is not None, f"no {key} in Redis"
        summary = pickle.loads(cached)
        assert summary["counts"]["screened"] == screened
        marked = {**summary, "counts": {**summary["counts"], "screened": 987654}}
        store.set(key, pickle.dumps(marked), keepttl=True)
        assert _box(rosa.get(two + "/research/")[2], "screened") == 987654
        visitor = Browser()
        visitor.get(two + "/screening/")
        fields = {str(i): "2" for i in range(1, 15)}
        status, _, _ = visitor.post(
            two + "/screening/",
            {**fields, "form_token": str(uuid.uuid4()), "contact": "0612345678"},
        )
        assert status == 200
        assert _version(shared_env) != version
        assert _box(rosa.get(one + "/research/")[2], "screened") == screened + 1
        assert _box(rosa.get(two + "/research/")[2], "screened") == screened + 1

        # Three wrong passwords on one host lock the account out on the other too (django-axes
        # counts in the shared database); the right password is then refused there with 429.
        therapist, right, _code = logins["Therapist"]
        mallory = Browser()
        mallory.get(one + "/login/")
        for _ in range(3):
            status, _, _ = mallory.post(
                one + "/login/", {"username": therapist, "password": "wrong " + right}
            )
        assert status == 429
        tom = Browser()
        tom.get(two + "/login/")
        status, _, page = tom.post(two + "/login/", {"username": therapist, "password": right})
        assert status == 429


def test_two_hosts_share_the_week_page_and_neither_serves_it_stale(
    shared_env: dict[str, str], tmp_path: Path
) -> None:
    """The patient's week page kept in Redis by one host (care.weekpage) is served by the other,
    with that request's own CSRF token; log files sent through the second host show on the
    first at once, not its kept page."""
    import redis

    store = redis.Redis.from_url(shared_env["REDIS_URL"])
    store.flushdb()  # the test's own Redis database (see the test above)
    found = re.search(r"\spatient\s+(patient\S+)\s*$", shared_env["TEST_LOGINS"], re.M)
    assert found is not None, shared_env["TEST_LOGINS"]
    with serving(shared_env, tmp_path / "a") as one, serving(shared_env, tmp_path / "b") as two:
        pim = Browser()
        pim.get(one + "/login/")
        status, location, _ = pim.post(
            one + "/login/", {"username": "patient", "password": found.group(1), "next": ""}
        )
        assert status == 302, location
        for _ in range(2):  # made (a first view may set the questionnaires up), then kept
            status, _, page = pim.get(one + "/week/")
            assert status == 200
        assert "diary entry not sent yet" in page  # the demo's Pim has one
        keys = store.keys("embct:1:care:week:*")
        assert len(keys) == 1, keys
        stand_in, html = pickle.loads(store.get(keys[0]))  # type: ignore[arg-type]
        mark = f"kept-by-host-one-{uuid.uuid4().hex}"
        marked = html.replace("Your sessions", mark, 1)
        store.set(keys[0], pickle.dumps((stand_in, marked)), keepttl=True)
        status, _, page = pim.get(two + "/week/")
        assert status == 200
        assert mark in page
        assert stand_in not in page  # the request's own token instead
        unsent = re.findall(
            r'<a href="/sessions/(\d+)/">[^<]*</a>\s*<span class="status">1 diary', page
        )
        assert len(unsent) == 1, page
        # sent through host two with the token of the page host two served from the cache
        status, location, _ = pim.post(two + f"/sessions/{unsent[0]}/send/", {})
        assert status == 302, location
        # the answer followed, as a browser does: its message is shown there, not on the week
        # page (which would be made afresh for a message alone)
        assert pim.get(two + urllib.parse.urlsplit(location).path)[0] == 200
        status, _, page = pim.get(one + "/week/")
        assert status == 200
        assert mark not in page
        assert "diary entry not sent yet" not in page

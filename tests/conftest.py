"""Shared fixtures. Every test runs against a real database (SQLite, or PostgreSQL when
DATABASE_URL says so) and nothing touches the network."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support.shared import SharedData, shared_places

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_data() -> SharedData:
    """Where tests read shared data the repository does not hold: :mod:`support.shared`."""
    return SharedData(shared_places(REPO))


#: Fixtures that start ``embct`` in a subprocess: a test that uses one is slow.
SUBPROCESS_FIXTURES = {"cli_env", "embct_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` what runs a browser or an ``embct`` subprocess (``pytest -m "not slow"``
    is the quick loop); other slow tests carry ``@pytest.mark.slow`` themselves."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if item.get_closest_marker("browser") or fixtures & SUBPROCESS_FIXTURES:
            item.add_marker(pytest.mark.slow)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, timeout: float = 60.0) -> int:
    """Poll ``url`` until it answers; return the status code."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except OSError as error:
            last = error
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout} s: {last}")


@pytest.fixture
def cli_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment for running ``embct`` in a subprocess with its own data directory.

    On PostgreSQL (``DATABASE_URL`` set) the subprocess gets a throwaway database of its
    own, so a CLI test never writes into the database that ``DATABASE_URL`` names.
    """
    env = dict(os.environ)
    env["EMBCT_DATA_DIR"] = str(tmp_path / "data")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    url = env.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield env
        return
    import uuid

    import psycopg

    name = f"embct_cli_{uuid.uuid4().hex[:12]}"
    base, _, _ = url.rpartition("/")
    if env.get("DATABASE_MIGRATION_URL"):  # two roles: the owner owns the database
        owner_base = env["DATABASE_MIGRATION_URL"].rpartition("/")[0]
        env["DATABASE_MIGRATION_URL"] = f"{owner_base}/{name}"
        base = owner_base
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    env["DATABASE_URL"] = f"{url.rpartition('/')[0]}/{name}"
    try:
        yield env
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def embct_server(cli_env: dict[str, str]) -> Iterator[str]:
    """``embct serve`` on a free port, in a subprocess; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "embct.cli", "serve", "--port", str(port), "--workers", "1"],
        env=cli_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/healthz")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(autouse=True, scope="session")
def harness_past_the_audit_guards() -> Iterator[None]:
    """Let the test harness create, empty and drop the test database.

    The audit trail refuses DELETE (SQLite triggers) and TRUNCATE (PostgreSQL, application
    role), as it should; the harness, not the application, lifts that for its flush between
    transactional tests (live server) only: on SQLite it drops the audit triggers around the
    flush and creates them again, on PostgreSQL it flushes as the owner role
    (``DATABASE_MIGRATION_URL``). The owner also creates and drops the test database, so it
    owns the database and its schema as in production, not the application role.
    """
    from django.db.backends.base.creation import BaseDatabaseCreation
    from django.db.backends.base.operations import BaseDatabaseOperations

    from embct.platform.audit.roles import as_owner

    original = BaseDatabaseOperations.execute_sql_flush
    create, destroy = BaseDatabaseCreation.create_test_db, BaseDatabaseCreation.destroy_test_db

    def create_test_db(self: BaseDatabaseCreation, *args: Any, **kwargs: Any) -> str:
        with as_owner(self.connection.alias):
            return create(self, *args, **kwargs)

    def destroy_test_db(self: BaseDatabaseCreation, *args: Any, **kwargs: Any) -> None:
        with as_owner(self.connection.alias):
            destroy(self, *args, **kwargs)

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        connection = self.connection
        if connection.vendor == "postgresql":
            with as_owner(connection.alias):
                return original(self, sql_list)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
                " AND tbl_name LIKE 'audit%'"
            )
            triggers = cursor.fetchall()
            for name, _ in triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
        try:
            return original(self, sql_list)
        finally:
            with connection.cursor() as cursor:
                for _, sql in triggers:
                    cursor.execute(sql)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    BaseDatabaseCreation.create_test_db = create_test_db  # type: ignore[method-assign]
    BaseDatabaseCreation.destroy_test_db = destroy_test_db  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]
    BaseDatabaseCreation.create_test_db = create  # type: ignore[method-assign]
    BaseDatabaseCreation.destroy_test_db = destroy  # type: ignore[method-assign]

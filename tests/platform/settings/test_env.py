"""Settings come from the environment through typed helpers that refuse bad values."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from embct.platform.settings import env


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("TRUE", True), ("off", False), ("", False)]
)
def test_env_bool_reads_yes_and_no(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG") is expected


def test_env_bool_refuses_a_value_that_is_neither(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG='maybe' is not a yes/no value"):
        env.env_bool("DEBUG")


def test_env_bool_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env.env_bool("X_FLAG") is False
    assert env.env_bool("X_FLAG", default=True) is True


def test_env_int_refuses_text_and_values_below_minimum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_N", "ten")
    with pytest.raises(ImproperlyConfigured, match="not a whole number"):
        env.env_int("X_N", 1)
    monkeypatch.setenv("X_N", "-1")
    with pytest.raises(ImproperlyConfigured, match="below the minimum 0"):
        env.env_int("X_N", 1, minimum=0)


def test_env_rate_reads_a_count_per_unit_and_refuses_anything_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert env.env_rate("X_RATE", "5/h") == "5/h"  # unset: the default
    monkeypatch.setenv("X_RATE", " 20/m ")
    assert env.env_rate("X_RATE", "5/h") == "20/m"
    for bad in ("lots", "0/h", "5/week", "5"):
        monkeypatch.setenv("X_RATE", bad)
        with pytest.raises(ImproperlyConfigured, match=f"X_RATE='{bad}' is not a rate such as"):
            env.env_rate("X_RATE", "5/h")


def test_env_list_splits_and_refuses_empty_items(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOWED_HOSTS", " a.example , b.example")
    assert env.env_list("ALLOWED_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.setenv("ALLOWED_HOSTS", "a.example,,b")
    with pytest.raises(ImproperlyConfigured, match="empty item"):
        env.env_list("ALLOWED_HOSTS", [])


def test_env_path_refuses_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    a_file = tmp_path / "file"
    a_file.write_text("x")
    monkeypatch.setenv("EMBCT_DATA_DIR", str(a_file))
    with pytest.raises(ImproperlyConfigured, match="not a directory"):
        env.env_path("EMBCT_DATA_DIR", tmp_path)


def test_postgres_url_becomes_a_django_database() -> None:
    db = env.parse_database_url("postgres://embct:s%40cret@db.example:6543/trial?sslmode=require")
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PASSWORD"], db["HOST"], db["PORT"]) == (
        "trial",
        "embct",
        "s@cret",
        "db.example",
        "6543",
    )
    assert db["OPTIONS"] == {"sslmode": "require"}


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://root@localhost/x", "scheme 'mysql'"),
        ("postgres://user@host:5432/", "names no database"),
        ("postgres://user@host:notaport/x", "bad port"),
        ("sqlite://relative.db", "absolute"),
    ],
)
def test_bad_database_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env.parse_database_url(url)


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path: Path) -> None:
    db = env.sqlite_database(tmp_path / "x.sqlite3")
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]  # type: ignore[index]
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]


def sqlite_connection_after_two_requests(db: dict[str, object]) -> tuple[object, object]:
    """The DB-API connection a request used, and the one the next request uses.

    Between requests Django runs ``close_if_unusable_or_obsolete`` on every connection (the
    request_started and request_finished signals); this does exactly that.
    """
    from django.db.utils import ConnectionHandler

    handler = ConnectionHandler({"default": db})
    connection = handler["default"]
    try:
        with connection.cursor() as cursor:  # request 1
            cursor.execute("SELECT 1")
        first = connection.connection
        connection.close_if_unusable_or_obsolete()  # request_finished
        connection.close_if_unusable_or_obsolete()  # request_started
        with connection.cursor() as cursor:  # request 2
            cursor.execute("SELECT 1")
        return first, connection.connection
    finally:
        connection.close()


def test_sqlite_connections_persist_across_requests(tmp_path: Path, django_db_blocker: Any) -> None:
    db = env.sqlite_database(tmp_path / "x.sqlite3")  # a file of its own, not the test DB
    assert db["CONN_MAX_AGE"] == 60
    with django_db_blocker.unblock():
        first, second = sqlite_connection_after_two_requests(db)
        assert first is not None
        assert second is first
        # Django's default (0) would have opened a new one: the check above can fail.
        first, second = sqlite_connection_after_two_requests({**db, "CONN_MAX_AGE": 0})
        assert second is not first


def test_the_default_data_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert env.default_data_dir() == tmp_path / "embct"


def run_settings(module: str, **extra: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG"}}
    environment.update(extra)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import {module} as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])",
        ],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def test_debug_is_off_unless_asked(tmp_path: Path) -> None:
    out = run_settings("embct.platform.settings.base", EMBCT_DATA_DIR=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("False")


def test_production_refuses_to_start_without_a_real_secret_key(tmp_path: Path) -> None:
    out = run_settings("embct.platform.settings.production", EMBCT_DATA_DIR=str(tmp_path))
    assert out.returncode != 0
    assert "SECRET_KEY must be set" in out.stderr


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    out = run_settings(
        "embct.platform.settings.production", EMBCT_DATA_DIR=str(tmp_path), SECRET_KEY="short"
    )
    assert out.returncode != 0
    assert "at least 50 characters" in out.stderr


def test_production_refuses_debug(tmp_path: Path) -> None:
    out = run_settings(
        "embct.platform.settings.production",
        EMBCT_DATA_DIR=str(tmp_path),
        SECRET_KEY="k" * 10 + "abcdefghij" * 5,
        DEBUG="1",
    )
    assert out.returncode != 0
    assert "DEBUG must be off" in out.stderr


def test_a_redis_url_becomes_django_s_redis_cache() -> None:
    cache = env.redis_cache("redis://:s3cret@cache.example:6380/2")
    assert cache == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://:s3cret@cache.example:6380/2",
        "KEY_PREFIX": "embct",
    }
    assert env.redis_cache("unix:///run/redis.sock")["LOCATION"] == "unix:///run/redis.sock"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:6379/0", "has scheme 'http'"),
        ("redis://127.0.0.1:port/0", "has a bad port"),
        ("redis:///0", "names no host"),
        ("redis://127.0.0.1:6379/cache", "must be a number"),
        ("unix://", "names no socket"),
    ],
)
def test_bad_redis_urls_are_refused(url: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        env.redis_cache(url)


CACHE_AND_SESSIONS = (
    "from django.conf import global_settings as g; "
    "print(s.CACHES['default']['BACKEND'], getattr(s, 'SESSION_ENGINE', g.SESSION_ENGINE))"
)


@pytest.mark.parametrize("module", ["base", "production"])
def test_redis_url_shares_the_cache_and_the_sessions(module: str, tmp_path: Path) -> None:
    """With REDIS_URL every host uses Redis for the cache (rate limits, the live report) and
    the sessions; without it, the single-host defaults (memory; files in production)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DEBUG"}}
    environment.update(EMBCT_DATA_DIR=str(tmp_path), SECRET_KEY="k" * 10 + "abcdefghij" * 5)
    code = f"import embct.platform.settings.{module} as s; {CACHE_AND_SESSIONS}"
    alone = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert alone.returncode == 0, alone.stderr
    single = "locmem.LocMemCache" if module == "base" else "filebased.FileBasedCache"
    assert alone.stdout.split() == [
        f"django.core.cache.backends.{single}",
        "django.contrib.sessions.backends.db",
    ]
    environment["REDIS_URL"] = "redis://127.0.0.1:6379/3"
    shared = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert shared.returncode == 0, shared.stderr
    assert shared.stdout.split() == [
        "django.core.cache.backends.redis.RedisCache",
        "django.contrib.sessions.backends.cached_db",
    ]
    environment["REDIS_URL"] = "http://127.0.0.1:6379/3"
    refused = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=False
    )
    assert refused.returncode != 0
    assert "REDIS_URL='http://127.0.0.1:6379/3' has scheme 'http'" in refused.stderr

"""Small typed helpers that read settings from the environment and refuse bad values.

Each raises :class:`django.core.exceptions.ImproperlyConfigured` naming the variable, the
value it got and what it expected, so a mistyped deployment fails at start-up, not later.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    """The variable as a string (``default`` when unset)."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    """A yes/no variable: one of 1/0, true/false, yes/no, on/off (any case)."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name}={raw!r} is not a yes/no value; expected one of 1/0, true/false, yes/no, on/off"
    )


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    """A whole number, optionally with a lower bound."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name}={value} is below the minimum {minimum}")
    return value


_RATE = re.compile(r"[1-9][0-9]*/[smhd]")


def env_rate(name: str, default: str) -> str:
    """A rate as django-ratelimit reads it: a count per s, m, h or d, such as ``20/h``."""
    raw = os.environ.get(name)
    value = (default if raw is None else raw).strip()
    if not _RATE.fullmatch(value):
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a rate such as 20/h (a count per s, m, h or d)"
        )
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list; blanks around items are dropped, empty items refused."""
    raw = os.environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"{name}={raw!r} has an empty item; expected a comma-separated list"
        )
    return items


def env_path(name: str, default: Path) -> Path:
    """A directory path; ``~`` is expanded and a relative path is made absolute."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    path = Path(raw).expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise ImproperlyConfigured(f"{name}={raw!r} exists but is not a directory")
    return path


def parse_database_url(url: str) -> dict[str, Any]:
    """Turn a ``DATABASE_URL`` into a Django ``DATABASES['default']`` dict.

    Supported: ``sqlite:///absolute/path.sqlite3`` and
    ``postgres://user:password@host:port/name`` (also ``postgresql://``); query
    parameters become ``OPTIONS`` (for example ``?sslmode=require``).

    >>> parse_database_url("postgres://postgres@127.0.0.1:5432/test")["NAME"]
    'test'
    >>> parse_database_url("sqlite:////tmp/x.sqlite3")["NAME"]
    '/tmp/x.sqlite3'
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r} names no database; expected postgres://user@host:port/name"
            )
        try:
            port = parts.port
        except ValueError:
            raise ImproperlyConfigured(f"DATABASE_URL={url!r} has a bad port") from None
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "OPTIONS": dict(parse_qsl(parts.query)),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    if scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/") or path == "/":
            raise ImproperlyConfigured(
                f"DATABASE_URL={url!r}: expected sqlite:////absolute/path/to/file.sqlite3"
            )
        # sqlite:////tmp/x.sqlite3 has the path //tmp/x.sqlite3: one leading slash
        return sqlite_database(Path("/" + path.lstrip("/")))
    raise ImproperlyConfigured(
        f"DATABASE_URL={url!r} has scheme {scheme!r}; expected postgres:// or sqlite://"
    )


def redis_cache(url: str) -> dict[str, Any]:
    """Turn a ``REDIS_URL`` into a Django ``CACHES['default']`` dict: Django's own
    ``RedisCache`` backend (the ``redis`` package), keys prefixed ``embct``.

    Supported: ``redis://[:password@]host[:port][/db]``, ``rediss://`` (TLS) and
    ``unix:///path/to/redis.sock``.

    >>> redis_cache("redis://127.0.0.1:6379/2")["LOCATION"]
    'redis://127.0.0.1:6379/2'
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(
            f"REDIS_URL={url!r} has scheme {scheme!r}; expected redis://host:port/db, "
            "rediss:// or unix://"
        )
    if scheme == "unix" and not parts.path:
        raise ImproperlyConfigured(f"REDIS_URL={url!r} names no socket; expected unix:///path")
    if scheme != "unix":
        if not parts.hostname:
            raise ImproperlyConfigured(f"REDIS_URL={url!r} names no host")
        try:
            parts.port  # noqa: B018 (the property raises on a bad port)
        except ValueError:
            raise ImproperlyConfigured(f"REDIS_URL={url!r} has a bad port") from None
        db = parts.path.lstrip("/")
        if db and not db.isdigit():
            raise ImproperlyConfigured(
                f"REDIS_URL={url!r}: the database after the last / must be a number such as 0"
            )
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "KEY_PREFIX": "embct",
    }


def sqlite_database(path: Path) -> dict[str, Any]:
    """SQLite in WAL mode with a busy timeout and IMMEDIATE transactions.

    WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at the
    start of a transaction, so two concurrent writers queue (up to ``timeout`` seconds)
    instead of failing half-way with "database is locked".

    Connections persist for a minute (``CONN_MAX_AGE``), as for PostgreSQL: opening one and
    running the PRAGMAs on every request was a measurable part of each request's CPU
    (issue 18, bench/RESULTS.md).
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA busy_timeout=20000;"
            ),
        },
    }


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/embct``, or ``~/.local/share/embct``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base).expanduser() / "embct"

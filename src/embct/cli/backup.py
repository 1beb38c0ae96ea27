"""``embct backup --out FILE``: a consistent copy of the SQLite database, while it serves.

SQLite's online backup API (:meth:`sqlite3.Connection.backup`) copies the database page by
page inside a read transaction, so the copy is one consistent state even while the server
writes (in WAL mode the writers are not blocked). The copy goes to a temporary file beside
``FILE``, is checked (``PRAGMA integrity_check``) and switched out of WAL mode so that it is
one self-contained file, and only then renamed to ``FILE``.

On PostgreSQL use the database's own tools (see :data:`POSTGRES_HELP`).
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
from pathlib import Path

from .errors import CommandError

POSTGRES_HELP = """\
the database is PostgreSQL: back it up and restore it with PostgreSQL's own tools, e.g.
  pg_dump --format=custom --file=embct.dump "$DATABASE_URL"
  pg_restore --clean --if-exists --no-owner --dbname="$DATABASE_URL" embct.dump
(pg_dump takes a consistent snapshot while the server runs; stop the server before pg_restore)"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="copy the SQLite database to a file, consistently, even while the server runs",
        description=(
            "Copy the platform's SQLite database to FILE with SQLite's online backup API: "
            "a consistent copy, safe while embct serve runs. For PostgreSQL, use pg_dump."
        ),
    )
    parser.add_argument("--out", required=True, type=Path, metavar="FILE", help="backup file")
    parser.add_argument("--force", action="store_true", help="replace FILE if it exists")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    database = sqlite_path()
    if not database.exists():
        raise CommandError(f"there is no database at {database} to back up")
    out: Path = args.out
    if out.exists() and not args.force:
        raise CommandError(f"{out} exists; add --force to replace it")
    if out.resolve() == database.resolve():
        raise CommandError(f"{out} is the database itself")
    pages = backup_sqlite(database, out)
    print(f"embct: backed up {database} to {out} ({pages} pages)")
    return 0


def sqlite_path() -> Path:
    """The SQLite database file the platform uses; CommandError for PostgreSQL."""
    from django.conf import settings

    from embct.platform import setup

    setup()
    database = settings.DATABASES["default"]
    if "sqlite" not in database["ENGINE"]:
        raise CommandError(POSTGRES_HELP)
    return Path(database["NAME"])


def backup_sqlite(source: Path, out: Path) -> int:
    """Copy the SQLite database ``source`` to ``out`` atomically; return its page count.

    Examples
    --------
    >>> import sqlite3, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with sqlite3.connect(folder / "a.db") as db:
    ...     _ = db.execute("create table t (x)")
    ...     _ = db.execute("insert into t values (42)")
    >>> db.close()
    >>> backup_sqlite(folder / "a.db", folder / "b.db")
    2
    >>> sqlite3.connect(folder / "b.db").execute("select x from t").fetchall()
    [(42,)]
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        try:
            dst = sqlite3.connect(temporary)
            try:
                src.backup(dst)
                dst.execute("PRAGMA journal_mode=DELETE")
                check_database(dst, out, embct=False)
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
            finally:
                dst.close()
        finally:
            src.close()
        os.chmod(temporary, 0o600)
        os.replace(temporary, out)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return pages


def check_database(connection: sqlite3.Connection, label: object, *, embct: bool = True) -> None:
    """CommandError unless ``connection`` holds an intact SQLite (``embct``: embct) database."""
    try:
        result = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as error:
        raise CommandError(f"{label} is not an SQLite database ({error})") from None
    if result != "ok":
        raise CommandError(f"{label} failed SQLite's integrity check: {result}")
    if embct and "django_migrations" not in tables:
        raise CommandError(f"{label} is an SQLite database but not an embct one")

"""``embct restore FILE``: put a backup made by ``embct backup`` back in place.

The backup is first copied to a temporary file beside the database and checked (SQLite's
integrity check, and that it is an embct database). Then:

- with no database yet, the checked copy is renamed into place;
- over an existing database (only with ``--force``), the checked copy is written into it with
  SQLite's backup API, which replaces the content in one write transaction: a crash leaves the
  old database, never half of each. Renaming a file over a database in WAL mode could pair
  the new file with the old ``-wal`` file and corrupt it; the transaction cannot.

Stop the server before a restore (its open connections would keep serving cached state), then
start it again: ``embct serve`` applies any migrations newer than the backup.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import tempfile
from pathlib import Path

from .backup import backup_sqlite, check_database, sqlite_path
from .errors import CommandError

#: Pages copied per step of the final write (the transaction spans all steps).
STEP_PAGES = 256


def _progress(status: int, remaining: int, total: int) -> None:
    """Called after each step of the final write (a hook for tests and future progress)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "restore",
        help="restore the SQLite database from a file made by embct backup",
        description=(
            "Replace the platform's SQLite database by a backup made with embct backup. "
            "Refuses to overwrite an existing database without --force. Stop the server first."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE", help="a file made by embct backup")
    parser.add_argument(
        "--force", action="store_true", help="replace the existing database's content"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    backup: Path = args.file
    if not backup.is_file():
        raise CommandError(f"{backup} is not a file")
    database = sqlite_path()
    if database.exists() and not args.force:
        raise CommandError(f"{database} exists; add --force to replace its content with {backup}")
    restore_sqlite(backup, database)
    print(f"embct: restored {database} from {backup}")
    return 0


def restore_sqlite(backup: Path, database: Path) -> None:
    """Replace ``database`` by the content of ``backup`` (checked first); see the module."""
    probe = sqlite3.connect(f"{backup.resolve().as_uri()}?mode=ro", uri=True)
    try:
        check_database(probe, backup)
    finally:
        probe.close()
    database.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=database.parent, prefix=".restore.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        backup_sqlite(backup, temporary)
        if not database.exists():
            os.replace(temporary, database)
            return
        source = sqlite3.connect(temporary)
        target = sqlite3.connect(database, timeout=30)
        try:
            # In steps, within one write transaction on the target: an error or a crash
            # between steps rolls the target back to what it was.
            source.backup(target, pages=STEP_PAGES, progress=_progress)
            check_database(target, database)
        finally:
            target.close()
            source.close()
    finally:
        temporary.unlink(missing_ok=True)

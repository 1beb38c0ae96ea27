"""The platform's files on disk are its own user's alone.

The data directory is created 0700; the SQLite database and the ``-wal``, ``-shm`` and
``-journal`` files beside it are made 0600 whenever a connection opens (SQLite creates them
0644, less the umask, and gives the WAL files the database's mode); uploads are saved 0600
in 0700 folders (``FILE_UPLOAD_PERMISSIONS`` in the settings).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def make_data_dir(path: Path) -> None:
    """Create ``path`` (and its parents) if missing; a folder created here is 0700 whatever
    the umask. An existing folder is left as it is."""
    if path.is_dir():
        return
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    os.chmod(path, PRIVATE_DIR)


def make_private(path: Path) -> None:
    """Take the group's and others' permissions away from ``path``, if it exists."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    if mode & 0o077:
        os.chmod(path, mode & 0o700)


def private_sqlite_files(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the SQLite database and its side files are 0600."""
    if connection.vendor != "sqlite" or connection.is_in_memory_db():
        return
    database = Path(connection.settings_dict["NAME"])
    for path in (database, *(database.with_name(database.name + s) for s in SQLITE_SIDE_FILES)):
        make_private(path)

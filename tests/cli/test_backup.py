"""``embct backup`` and ``embct restore``: a consistent copy while writes go on, a round trip
that dumps the same data before and after, and no half-restored database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from embct.cli import CommandError, main, restore
from embct.cli.backup import backup_sqlite
from embct.cli.restore import restore_sqlite
from support.testing import FIXTURE_COURSE

ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))


def embct(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "embct.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        check=check,
        timeout=120,
    )


def make_db(path: Path, rows: int = 0) -> None:
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, a TEXT, b TEXT)")
        db.executemany(
            "INSERT INTO t VALUES (?, ?, ?)", [(i, "x" * 100, "x" * 100) for i in range(rows)]
        )
    db.close()


def test_a_backup_is_consistent_while_a_writer_keeps_writing(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    make_db(source, rows=20_000)
    stop = threading.Event()

    def writer() -> None:
        # Each transaction changes both columns of every row: a torn copy would mix them.
        with sqlite3.connect(source, timeout=30) as db:
            version = 0
            while not stop.is_set():
                version += 1
                db.execute("UPDATE t SET a = ?, b = ?", (str(version), str(version)))
                db.commit()
        db.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for i in range(3):
            out = tmp_path / f"copy{i}.sqlite3"
            backup_sqlite(source, out)
            with sqlite3.connect(out) as copy:
                assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
                assert copy.execute("SELECT count(*) FROM t").fetchone() == (20_000,)
                assert copy.execute("SELECT count(DISTINCT a || '/' || b) FROM t").fetchone() == (
                    1,
                )
                a, b = copy.execute("SELECT a, b FROM t LIMIT 1").fetchone()
                assert a == b
            copy.close()
    finally:
        stop.set()
        thread.join()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")) == []


def test_restore_never_leaves_a_half_restored_database(tmp_path: Path, monkeypatch) -> None:
    database, backup = tmp_path / "db.sqlite3", tmp_path / "backup.sqlite3"
    make_db(database, rows=10)
    make_db(backup, rows=5_000)
    steps: list[int] = []

    def fail_midway(status: int, remaining: int, total: int) -> None:
        steps.append(remaining)
        if len(steps) == 2:
            raise OSError("disk full")

    # Copy a few pages per step and fail after the second step, half way through.
    monkeypatch.setattr(restore, "STEP_PAGES", 8)
    monkeypatch.setattr(restore, "_progress", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        restore_sqlite(backup, database)
    assert steps[-1] > 0  # it did stop before the end
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (10,)
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    monkeypatch.undo()
    restore_sqlite(backup, database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (5_000,)
    db.close()


def test_restore_refuses_what_is_not_an_embct_backup(tmp_path: Path) -> None:
    database = tmp_path / "db.sqlite3"
    make_db(database, rows=3)
    text = tmp_path / "notes.sqlite3"
    text.write_text("not a database at all, just some words to fill a page" * 100)
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE x (y)")
    db.close()
    for bad, message in ((text, "not an SQLite database"), (other, "not an embct one")):
        with pytest.raises(CommandError, match=message):
            restore_sqlite(bad, database)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (3,)
    db.close()


SEED = """
import sys
from datetime import date
from pathlib import Path
from django.core.management import call_command
from embct.platform import setup
setup()
call_command("migrate", verbosity=0)
from embct.platform.accounts.models import User
from embct.platform.audit.services import record
from embct.platform.care.models import DiaryEntry, Message, PatientProfile
from embct.platform.course.loader import read_course, upsert_course
course, _ = upsert_course(read_course(Path(sys.argv[1])))  # the fixture course
tessa = User.objects.create_user("tessa", role="therapist", email="t@example.org")
pim = User.objects.create_user("pim", role="patient", first_name="Pim")
profile = PatientProfile.objects.create(user=pim, therapist=tessa, course=course,
                                        start_date=date(2026, 3, 1))
session = course.sessions.get(week=1)
DiaryEntry.objects.create(patient=profile, session=session, date=date(2026, 3, 2), minutes=12,
                          thoughts="sleepy")
Message.objects.create(patient=profile, author=tessa, body="Welcome")
record(tessa, "patient.view", profile)
"""


@pytest.mark.slow
@pytest.mark.skipif(ON_POSTGRES, reason="SQLite round trip; PostgreSQL uses pg_dump")
def test_backup_and_restore_round_trip_through_the_cli(cli_env: dict[str, str]) -> None:
    seed = [sys.executable, "-c", SEED, str(FIXTURE_COURSE)]
    subprocess.run(seed, env=cli_env, check=True, timeout=120)
    database = Path(cli_env["EMBCT_DATA_DIR"]) / "embct.sqlite3"
    dump = ["manage", "dumpdata", "--natural-foreign", "--indent", "1", "--exclude", "sessions"]
    before = embct(cli_env, *dump).stdout
    for model in ("care.diaryentry", "care.message", "audit.auditevent", "course.exercise"):
        assert f'"model": "{model}"' in before
    backup = database.parent.parent / "backups" / "embct.sqlite3"
    assert embct(cli_env, "backup", "--out", str(backup)).returncode == 0
    again = embct(cli_env, "backup", "--out", str(backup), check=False)
    assert (again.returncode, again.stderr) == (
        2,
        f"embct backup: error: {backup} exists; add --force to replace it\n",
    )

    # Change the data after the backup, then restore it.
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM care_message")
        db.execute("UPDATE care_diaryentry SET minutes = 99")
    db.close()
    refused = embct(cli_env, "restore", str(backup), check=False)
    assert refused.returncode == 2
    assert "add --force" in refused.stderr
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM care_message").fetchone() == (0,)
    db.close()
    assert embct(cli_env, "restore", str(backup), "--force").returncode == 0
    assert embct(cli_env, *dump).stdout == before

    # Into an empty data directory: no --force needed, the copy is renamed into place.
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    assert embct(cli_env, "restore", str(backup)).returncode == 0
    assert embct(cli_env, *dump).stdout == before


@pytest.mark.skipif(not ON_POSTGRES, reason="runs where DATABASE_URL names PostgreSQL")
def test_on_postgres_it_points_to_pg_dump(cli_env: dict[str, str], tmp_path: Path) -> None:
    result = embct(cli_env, "backup", "--out", str(tmp_path / "x"), check=False)
    assert result.returncode == 2
    assert "pg_dump --format=custom" in result.stderr
    assert "pg_restore" in result.stderr
    assert not (tmp_path / "x").exists()


def test_backup_without_a_database_and_restore_of_a_missing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", str(tmp_path / "missing.sqlite3")]) == 2
    assert "is not a file" in capsys.readouterr().err

"""Health data at rest and on the way through the server: a web export leaves no file
behind; the data directory, the database files and uploads are the platform user's alone;
no page is cached; no proxy is trusted unless the settings name it."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pyreadstat
import pytest
from django.test import override_settings

from embct.platform.research.models import ExportLog
from support.testing import BaseTestCase


class WebExportTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.rosa)
        # The system's temporary folder, for this test: an empty one of our own.
        self.tmp = Path(tempfile.mkdtemp(prefix="embct-test-tmp-"))
        self.addCleanup(__import__("shutil").rmtree, self.tmp, True)
        previous, tempfile.tempdir = tempfile.tempdir, str(self.tmp)
        self.addCleanup(setattr, tempfile, "tempdir", previous)

    def export(self, fmt: str) -> bytes:
        response = self.client.post("/research/export/", {"format": fmt})
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
        data = b"".join(response.streaming_content)  # type: ignore[attr-defined]
        return data

    def test_a_csv_export_leaves_nothing_in_the_temporary_folder(self) -> None:
        data = self.export("csv")
        assert data.startswith(b"participant_id,arm,")
        assert list(self.tmp.iterdir()) == []
        assert ExportLog.objects.get().what == "csv"

    def test_a_sav_export_leaves_nothing_in_the_temporary_folder(self) -> None:
        data = self.export("sav")
        assert list(self.tmp.iterdir()) == []
        saved = self.tmp / "check.sav"
        saved.write_bytes(data)
        frame, meta = pyreadstat.read_sav(str(saved))
        assert list(frame.columns[:2]) == ["participant_id", "arm"]
        assert meta.column_labels[0] == "Study id"

    def test_the_live_report_leaves_nothing_in_the_temporary_folder(self) -> None:
        assert self.client.get("/research/report/").status_code == 200
        assert list(self.tmp.iterdir()) == []


PROBE = """
import json, os, stat, sys
from pathlib import Path
os.umask(0o022)
from embct.platform import setup
setup()
from django.conf import settings
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (x)")
    cursor.execute("INSERT INTO probe VALUES (1)")
    data = settings.DATA_DIR
    names = [data, *sorted(data.iterdir())]
    print(json.dumps({p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in names}))
"""


def run_probe(probe: str, **env: str) -> dict[str, object]:
    """Run ``probe`` in a fresh interpreter (settings read anew) with SQLite, ``env`` set;
    the JSON it prints last."""
    unset = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "TRUSTED_PROXIES")
    environment = {k: v for k, v in os.environ.items() if k not in unset} | env
    result = subprocess.run(
        [sys.executable, "-c", probe], env=environment, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_data_directory_is_0700_and_the_database_files_0600(tmp_path: Path) -> None:
    data = tmp_path / "new" / "embct-data"
    modes = run_probe(PROBE, EMBCT_DATA_DIR=str(data))
    assert modes == {
        "embct-data": "0o700",
        "embct.sqlite3": "0o600",
        "embct.sqlite3-wal": "0o600",
        "embct.sqlite3-shm": "0o600",
    }


def test_an_existing_database_made_readable_by_others_is_made_private_again(
    tmp_path: Path,
) -> None:
    data = tmp_path / "embct-data"
    data.mkdir()
    database = data / "embct.sqlite3"
    sqlite3.connect(database).close()
    database.chmod(0o644)
    assert run_probe(PROBE, EMBCT_DATA_DIR=str(data))["embct.sqlite3"] == "0o600"


def test_uploads_are_saved_0600_in_0700_folders(tmp_path: Path) -> None:
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    previous = os.umask(0o022)
    try:
        with override_settings(MEDIA_ROOT=str(tmp_path / "media")):
            name = default_storage.save("recordings/week-1/note.txt", ContentFile(b"private"))
            path = Path(default_storage.path(name))
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "media" / "recordings").stat().st_mode) == 0o700


class NoStoreTests(BaseTestCase):
    """Pages with health data are kept in no cache, for every role and status."""

    def pages(self) -> list[tuple[object, str]]:
        pim, olga = self.pim_profile.pk, self.olga_profile.pk
        return [
            (None, "/login/"),
            (None, "/screening/"),
            (self.pim, "/week/"),
            (self.pim, f"/sessions/{self.session(1).pk}/"),
            (self.pim, "/inbox/"),
            (self.pim, "/questionnaires/"),
            (self.pim, "/my-data/"),
            (self.tessa, "/caseload/"),
            (self.tessa, "/queue/"),
            (self.tessa, f"/patients/{pim}/"),
            (self.tessa, f"/patients/{pim}/measures/"),
            (self.tessa, "/warnings/"),
            (self.tessa, f"/patients/{olga}/"),  # 404 for another therapist's patient
            (self.rosa, "/research/"),
            (self.ada, "/clinic/"),
            (self.ada, "/audit/"),
            (self.ada, "/admin/"),
            (self.ada, "/admin/accounts/user/"),
        ]

    def test_every_page_says_no_store(self) -> None:
        statuses = []
        for visitor, url in self.pages():
            self.client.logout()
            if visitor is not None:
                self.login(visitor)  # type: ignore[arg-type]
            response = self.client.get(url)
            statuses.append(response.status_code)
            assert "no-store" in response.get("Cache-Control", ""), (visitor, url)
        assert statuses.count(200) >= 16  # real pages, not only redirects
        assert 404 in statuses

    def test_a_post_answer_and_a_redirect_say_no_store_too(self) -> None:
        self.login(self.pim)
        response = self.client.post(f"/sessions/{self.session(1).pk}/diary/", {})
        assert response["Cache-Control"] == "no-store"
        self.client.logout()
        assert self.client.get("/caseload/")["Cache-Control"] == "no-store"  # to the login

    def test_static_files_and_course_audio_keep_their_own_caching(self) -> None:
        static = self.client.get("/static/embct/embct.css")
        assert static.status_code == 200
        assert "no-store" not in static.get("Cache-Control", "")
        exercise = self.session(2).exercises.exclude(audio="").first()
        assert exercise is not None
        self.login(self.pim)
        audio = self.client.get(f"/exercises/{exercise.pk}/audio/")
        assert audio["Cache-Control"] == "private, max-age=3600"


PROXY_PROBE = """
import json
from embct.platform import setup
setup()
from django.conf import settings
from django.test import RequestFactory
from embct.platform.lib.client_ip import client_ip
request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
print(json.dumps({"trusted": settings.EMBCT_TRUSTED_PROXIES, "client": client_ip(request)}))
"""


@pytest.mark.parametrize(
    ("trusted", "expected"),
    [
        (None, {"trusted": [], "client": "127.0.0.1"}),
        ("127.0.0.1", {"trusted": ["127.0.0.1"], "client": "203.0.113.9"}),
    ],
)
def test_production_trusts_no_proxy_unless_told(
    tmp_path: Path, trusted: str | None, expected: dict[str, object]
) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "embct.platform.settings.production",
        "SECRET_KEY": "kQ3vT9-pZ2mW8xR4nB6yH1jL5cF7gD0sA_eU" * 2,
        "EMBCT_DATA_DIR": str(tmp_path),
    }
    if trusted is not None:
        env["TRUSTED_PROXIES"] = trusted
    assert run_probe(PROXY_PROBE, **env) == expected

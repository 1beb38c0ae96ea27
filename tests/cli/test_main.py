"""The ``embct`` command, in-process and as a real process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import urllib.request

import pytest

from embct import __version__
from embct.cli import main


def test_version_prints_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"embct {__version__}"


def test_no_command_prints_help_and_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_serve_refuses_a_bad_port(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["serve", "--port", "70000"])
    assert "70000 is not a port number" in capsys.readouterr().err


def run_embct(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "embct.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def production_env(cli_env: dict[str, str]) -> dict[str, str]:
    env = dict(cli_env)
    env["DJANGO_SETTINGS_MODULE"] = "embct.platform.settings.production"
    env["SECRET_KEY"] = "kQ3vT9-pZ2mW8xR4nB6yH1jL5cF7gD0sA_eU" * 2
    env["ALLOWED_HOSTS"] = "embct.example.org"
    return env


def test_manage_runs_djangos_check(cli_env: dict[str, str]) -> None:
    out = run_embct(["manage", "check"], cli_env)
    assert out.returncode == 0, out.stderr
    assert "System check identified no issues" in out.stdout


def test_check_deploy_is_clean_in_production_settings(cli_env: dict[str, str]) -> None:
    env = production_env(cli_env)
    out = run_embct(["manage", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "System check identified no issues" in out.stdout


def test_manage_migrate_creates_the_sqlite_database_in_wal_mode(cli_env: dict[str, str]) -> None:
    if os.environ.get("DATABASE_URL"):
        pytest.skip("checks the SQLite default")
    out = run_embct(["manage", "migrate", "--verbosity", "0"], cli_env)
    assert out.returncode == 0, out.stderr
    database = os.path.join(cli_env["EMBCT_DATA_DIR"], "embct.sqlite3")
    import sqlite3

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "accounts_user" in tables


def test_serve_answers_healthz_and_the_login_page(embct_server: str) -> None:
    with urllib.request.urlopen(embct_server + "/healthz", timeout=10) as response:
        assert response.status == 200
        assert b'"status": "ok"' in response.read()
    with urllib.request.urlopen(embct_server + "/login/", timeout=10) as response:
        assert response.status == 200
        body = response.read().decode()
    assert 'name="password"' in body
    with urllib.request.urlopen(embct_server + "/static/embct/embct.css", timeout=10) as response:
        assert response.status == 200


def test_demo_creates_its_accounts_once_and_keeps_them(cli_env: dict[str, str]) -> None:
    env = dict(cli_env)
    env.pop("EMBCT_RANDOMIZATION_SEED", None)  # the demo brings its own
    first = run_embct(["demo", "--no-serve", "--port", "8123"], env, timeout=600)
    assert first.returncode == 0, first.stderr
    assert "Log in at http://127.0.0.1:8123/login/ with" in first.stdout  # the port served
    assert re.search(r"Demo trial entered: \d{3} people screened", first.stdout)
    created = re.search(r"\((\d+) accounts created", first.stdout)
    assert created is not None
    assert int(created.group(1)) >= 4  # the four role accounts and the seeded clinic
    assert "therapist-demo-2026" in first.stdout
    assert re.search(
        r"Therapist \(Nederlands\) +therapist-nl +therapist-nl-demo-2026", first.stdout
    )
    assert re.search(r"\(Nederlands\) +patient-nl +patient-nl-demo-2026", first.stdout)
    second = run_embct(["demo", "--no-serve"], env)
    assert second.returncode == 0, second.stderr
    assert "0 accounts created" in second.stdout
    assert "Demo trial entered" not in second.stdout  # kept, not entered twice


#: In ``embct manage shell``: a participant ready for randomization, and what randomizing says.
RANDOMIZE = """
import uuid
from datetime import date
from embct import trial
from embct.platform.research import services as s
from embct.platform.research.models import Allocation
screening = s.screen(dict.fromkeys(range(1, 15), 2), "+31612345678", uuid.uuid4())
met = {c.id: c.kind is trial.CriterionKind.INCLUSION for c in trial.CRITERIA}
person = s.record_eligibility(screening, met, "", date.today())
s.record_consent(person, date.today(), date.today())
s.record_baseline(person, dict(female=True, relationship=True, children=False,
    education_high=True, age=52, diagnosis_breast=True, intent_curative=True,
    current_treatment=False, psychiatric_diagnosis=False, years_since_diagnosis=2.5))
try:
    s.randomize(person, None, date.today())
except s.WorkflowError as error:
    print("refused:", error)
print("allocations:", Allocation.objects.count())
"""


def test_production_refuses_the_demo_and_randomizing_without_a_seed(
    cli_env: dict[str, str],
) -> None:
    env = production_env(cli_env)
    env.pop("EMBCT_RANDOMIZATION_SEED", None)
    demo = run_embct(["demo", "--no-serve"], env, timeout=600)
    assert demo.returncode == 2
    assert "demo accounts are refused in production settings" in demo.stderr
    out = run_embct(["manage", "shell", "-c", RANDOMIZE], env)
    assert out.returncode == 0, out.stderr
    assert "refused: no randomization seed is configured (EMBCT_RANDOMIZATION_SEED)" in out.stdout
    assert "allocations: 0" in out.stdout

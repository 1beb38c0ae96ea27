"""The scripts that make the reference data (tests/reference/**/*.py) write only when run.

pytest's ``--doctest-modules`` imports every module under tests/, so a script that wrote its
output on import left a stray ``clustered_trial.csv`` in the working folder after each test
run (and rewrote ``pipeline_designs.csv`` in place).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REFERENCE = Path(__file__).parent / "reference"
SCRIPTS = sorted(REFERENCE.rglob("*.py"))


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.relative_to(REFERENCE).as_posix())
def test_importing_a_reference_script_writes_nothing(
    script: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    beside = {path: path.stat().st_mtime_ns for path in script.parent.iterdir()}
    spec = importlib.util.spec_from_file_location(f"reference_{script.stem}", script)
    assert spec is not None
    assert spec.loader is not None
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    assert list(tmp_path.iterdir()) == []
    assert {path: path.stat().st_mtime_ns for path in script.parent.iterdir()} == beside

"""The pre-commit hooks run this checkout's own tools, and the files they name exist."""

from __future__ import annotations

import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent


def hooks() -> list[dict]:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]  # nothing is fetched
    return [hook for repo in config["repos"] for hook in repo["hooks"]]


def test_every_hook_runs_a_tool_of_the_venv() -> None:
    tools = {shlex.split(hook["entry"])[0] for hook in hooks()}
    assert tools == {".venv/bin/ruff", ".venv/bin/mypy", ".venv/bin/pytest"}
    assert all(hook["language"] == "system" for hook in hooks())


def test_the_test_files_the_hooks_name_exist() -> None:
    named = [
        arg for hook in hooks() for arg in shlex.split(hook["entry"]) if arg.startswith("tests/")
    ]
    assert named
    assert [arg for arg in named if not (REPO / arg).exists()] == []


def test_ruff_and_ruff_format_run_before_a_commit_and_the_quick_loop_before_a_push() -> None:
    stages = {hook["id"]: hook["stages"] for hook in hooks()}
    assert stages["ruff"] == stages["ruff-format"] == ["pre-commit"]
    assert stages["quick-loop"] == ["pre-push"]
    assert '-m "not slow"' in next(h["entry"] for h in hooks() if h["id"] == "quick-loop")

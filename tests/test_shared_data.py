"""Tests read shared data through one fixture (``shared_data``, :mod:`support.shared`) that
says where it looks; no test names a folder of one machine."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from support.shared import SharedData, main_checkout, shared_places

TESTS = Path(__file__).resolve().parent
MACHINE_ROOTS = ("/work/", "/home/", "/Users/", "/root/", "/mnt/")


def test_no_test_hard_codes_a_machine_path() -> None:
    found = []
    for path in sorted(TESTS.rglob("*.py")):
        if path == Path(__file__).resolve():  # MACHINE_ROOTS themselves
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and text.startswith(MACHINE_ROOTS):
                found.append(f"{path.relative_to(TESTS)}:{node.lineno} {text}")
    assert found == []


def test_a_missing_file_skips_and_names_where_it_looked(tmp_path: Path) -> None:
    data = SharedData((tmp_path / "a", tmp_path / "b"))
    (tmp_path / "b" / "reference").mkdir(parents=True)
    (tmp_path / "b" / "reference" / "x.toml").write_text("x = 1\n")
    assert data.path("reference/x.toml") == tmp_path / "b" / "reference" / "x.toml"
    assert data.optional("reference/y.toml") is None
    with pytest.raises(
        pytest.skip.Exception, match=re.escape(f"{tmp_path / 'a'}, {tmp_path / 'b'}")
    ):
        data.path("reference/y.toml")


def test_the_environment_names_the_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBCT_SHARED_DIR", str(tmp_path))
    assert shared_places(TESTS.parent) == (tmp_path,)


def test_a_worktree_looks_beside_its_main_checkout(tmp_path: Path) -> None:
    main, tree = tmp_path / "main", tmp_path / "trees" / "one"
    (main / ".git" / "worktrees" / "one").mkdir(parents=True)
    (main / ".git" / "worktrees" / "one" / "commondir").write_text("../..\n")
    tree.mkdir(parents=True)
    (tree / ".git").write_text(f"gitdir: {main / '.git' / 'worktrees' / 'one'}\n")
    assert main_checkout(tree) == main
    assert main_checkout(main) == main
    assert shared_places(tree) == (tmp_path / "trees" / "shared", tmp_path / "shared")


def test_the_fixture_finds_the_reference_folder(shared_data: SharedData) -> None:
    shared_data.path("reference/published-results.toml")  # skips where there is none

"""The core packages are plain Python: none of them imports Django, directly or not."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CORE = ["instruments", "trial", "simulate", "analysis", "report", "figures"]
SRC = Path(__file__).resolve().parent.parent / "src" / "embct"


def django_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        found += [
            f"{path}:{node.lineno} imports {n}"
            for n in names
            if n.split(".")[0] in {"django", "embct"}
            and (n.startswith("django") or n.startswith("embct.platform"))
        ]
    return found


@pytest.mark.parametrize("package", CORE)
def test_no_core_module_names_django_or_the_platform(package: str) -> None:
    files = sorted((SRC / package).rglob("*.py"))
    assert files, f"embct.{package} has no modules"
    offending = [line for path in files for line in django_imports(path)]
    assert offending == []


def test_importing_every_core_module_loads_no_django() -> None:
    modules = [
        ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__")
        for package in CORE
        for path in sorted((SRC / package).rglob("*.py"))
    ]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "print(len(bad)); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_ast_check_would_catch_a_django_import(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("from django.db import models\nimport embct.platform.accounts\n")
    assert len(django_imports(bad)) == 2

"""What ships: the built wheel holds no test code, and the runtime code imports only what the
runtime dependencies install (a development dependency such as statsmodels, pytest or
time-machine is imported only by the tests)."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
import zipfile
from collections.abc import Iterable
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, requires
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src" / "embct"
#: Test scaffolding and test modules, by file name.
TEST_FILE = re.compile(r"^(testing\w*|verify|conftest|test_\w+)\.py$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return canonical(match.group(0))


@cache
def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def shipped() -> list[str]:
    """The requirement names a user can install: the dependencies and every extra but dev
    (``embct[cluster]``'s dask, imported only when ``--scheduler`` asks for it)."""
    extras = project()["optional-dependencies"]
    return [
        requirement_name(r)
        for r in project()["dependencies"]
        + [r for name, reqs in extras.items() if name != "dev" for r in reqs]
    ]


def installed_with(names: Iterable[str]) -> set[str]:
    """The distributions that installing ``names`` installs: them and their requirements,
    transitively (extras and environment markers aside)."""
    seen: set[str] = set()
    todo = [canonical(n) for n in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            needs = requires(name) or []
        except PackageNotFoundError:
            continue
        todo += [requirement_name(r) for r in needs if "extra ==" not in r]
    return seen


def top_level_imports(source: str, filename: str) -> set[str]:
    """The top-level names of every absolute import in ``source`` (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename=filename)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module.split(".")[0])
    return found


def third_party(names: Iterable[str]) -> set[str]:
    return {n for n in names if n not in sys.stdlib_module_names and n != "embct"}


@cache
def module_distributions() -> dict[str, list[str]]:
    return packages_distributions()


def distributions_of(module: str) -> set[str]:
    return {canonical(d) for d in module_distributions().get(module, [])}


def dev_only_modules() -> set[str]:
    """Import names of the distributions only the dev extra installs (pytest, statsmodels,
    time-machine, playwright, ...)."""
    runtime = installed_with(shipped())
    dev = installed_with(requirement_name(r) for r in project()["optional-dependencies"]["dev"])
    only_dev = dev - runtime
    return {
        module
        for module, dists in module_distributions().items()
        if {canonical(d) for d in dists} & only_dev
    }


def build_wheel(root: Path, into: Path) -> Path:
    from hatchling.builders.wheel import WheelBuilder

    (wheel,) = WheelBuilder(str(root)).build(directory=str(into), versions=["standard"])
    return Path(wheel)


def scaffolding_in(wheel: Path) -> list[str]:
    """What in ``wheel`` is test code: test files by name, and modules importing a
    development-only package."""
    dev = dev_only_modules()
    found = []
    with zipfile.ZipFile(wheel) as archive:
        for name in archive.namelist():
            if not name.endswith(".py"):
                continue
            if name.startswith(("tests/", "support/")) or TEST_FILE.match(Path(name).name):
                found.append(f"{name}: test code")
                continue
            imports = top_level_imports(archive.read(name).decode("utf-8"), name)
            found += [f"{name} imports {module}" for module in sorted(imports & dev)]
    return found


@pytest.mark.slow
def test_the_wheel_holds_no_test_code(tmp_path: Path) -> None:
    wheel = build_wheel(REPO, tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert "embct/platform/access.py" in names  # the wheel is the package
    assert scaffolding_in(wheel) == []


def test_the_wheel_check_catches_test_code(tmp_path: Path) -> None:
    wheel = tmp_path / "embct-0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        archive.writestr("embct/platform/testing.py", "x = 1\n")
        archive.writestr("embct/simulate/checks.py", "import statsmodels.api\n")
        archive.writestr("embct/clock.py", "def f():\n    import time_machine\n")
        archive.writestr("embct/fine.py", "import numpy\nfrom . import clock\n")
    assert scaffolding_in(wheel) == [
        "embct/platform/testing.py: test code",
        "embct/simulate/checks.py imports statsmodels",
        "embct/clock.py imports time_machine",
    ]


def test_runtime_code_imports_only_what_the_runtime_dependencies_install() -> None:
    """Every third-party import of ``src/embct`` comes with ``[project] dependencies`` or a
    user's extra (or their own requirements), so the statsmodels of the tests stays in the
    dev extra."""
    runtime = installed_with(shipped())
    missing = []
    for path in sorted(SRC.rglob("*.py")):
        imports = third_party(top_level_imports(path.read_text(encoding="utf-8"), str(path)))
        for module in sorted(imports):
            dists = distributions_of(module)
            if not dists & runtime:
                missing.append(f"{path.relative_to(REPO)} imports {module} ({sorted(dists)})")
    assert missing == []


def test_the_dev_only_set_names_the_test_tools() -> None:
    assert {"pytest", "time_machine", "statsmodels", "playwright"} <= dev_only_modules()
    assert not {"django", "numpy", "pandas"} & dev_only_modules()

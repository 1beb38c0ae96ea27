"""The platform's apps import each other in one direction only: no import cycle between apps,
and ``embct.platform.lib`` imports no app at all (every app may use it).

Access rules (:mod:`embct.platform.access`) and the URL configuration are outside every app;
an app imports them, they import apps' models."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterable
from pathlib import Path

PLATFORM = Path(__file__).resolve().parent.parent / "src" / "embct" / "platform"
APPS = sorted(path.parent.name for path in PLATFORM.glob("*/apps.py"))

#: Pages that show another app's data on top of their own, from an app that app builds on.
#: They close a cycle between apps; each entry is a debt, to be removed when the page moves
#: to the app it depends on (the test below fails when an entry no longer exists).
KNOWN_BACK_EDGES = {
    # The patient's week page shows open questionnaires (made and kept in the cache by
    # care/weekpage.py); the caseload shows early warnings.
    ("care/views.py", "questionnaires"),
    ("care/weekpage.py", "questionnaires"),
    # The clinic page lists randomized participants whose account is not linked yet.
    ("care/admin_views.py", "research"),
    # A group member's page shows open questionnaires.
    ("groups/views.py", "questionnaires"),
    # The password pages and Django admin's user pages keep security's temporary-password
    # state (security builds on accounts' User).
    ("accounts/admin.py", "security"),
    ("accounts/views.py", "security"),
}


def imported_modules(path: Path) -> Iterable[str]:
    """Every module ``path`` imports, anywhere in it (inside functions too), as absolute names."""
    package = ".".join(path.relative_to(PLATFORM.parent.parent).with_suffix("").parts[:-1])
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def app_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["embct", "platform"] and len(parts) > 2 and parts[2] in APPS:
        return parts[2]
    return None


def app_edges() -> dict[tuple[str, str], set[str]]:
    """(importing app, imported app) -> the importing modules (paths relative to platform)."""
    edges: dict[tuple[str, str], set[str]] = {}
    for app in APPS:
        for path in sorted((PLATFORM / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = path.relative_to(PLATFORM).as_posix()
            for module in imported_modules(path):
                target = app_of(module)
                if target is not None and target != app:
                    edges.setdefault((app, target), set()).add(where)
    return edges


def find_cycle(edges: Iterable[tuple[str, str]]) -> list[str] | None:
    """One cycle of the directed graph, as a path that ends where it starts; else None."""
    graph: dict[str, set[str]] = {}
    for source, target in edges:
        graph.setdefault(source, set()).add(target)
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            cycle = visit(target, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


def without_known(edges: dict[tuple[str, str], set[str]]) -> dict[tuple[str, str], set[str]]:
    kept = {}
    for (source, target), modules in edges.items():
        rest = {m for m in modules if (m, target) not in KNOWN_BACK_EDGES}
        if rest:
            kept[(source, target)] = rest
    return kept


def test_the_platform_has_apps() -> None:
    assert {"accounts", "audit", "care", "questionnaires", "research"} <= set(APPS)


def test_no_import_cycle_between_apps() -> None:
    edges = without_known(app_edges())
    cycle = find_cycle(edges)
    if cycle:
        steps = [
            f"{a} -> {b} ({', '.join(sorted(edges[(a, b)]))})" for a, b in itertools.pairwise(cycle)
        ]
        raise AssertionError("import cycle between apps:\n" + "\n".join(steps))


def test_every_known_back_edge_still_exists() -> None:
    """When a page moves, its entry in KNOWN_BACK_EDGES goes (the list only shrinks)."""
    edges = app_edges()
    present = {(m, target) for (_, target), modules in edges.items() for m in modules}
    assert KNOWN_BACK_EDGES - present == set()


def test_lib_imports_no_app() -> None:
    offending = [
        f"{path.relative_to(PLATFORM)} imports {module}"
        for path in sorted((PLATFORM / "lib").rglob("*.py"))
        for module in imported_modules(path)
        if app_of(module)
    ]
    assert offending == []


def test_the_check_would_catch_a_cycle_and_a_relative_import() -> None:
    assert find_cycle([("a", "b"), ("b", "c"), ("c", "a")]) == ["a", "b", "c", "a"]
    assert find_cycle([("a", "b"), ("b", "c"), ("a", "c")]) is None
    module = PLATFORM / "care" / "views.py"
    assert "embct.platform.care.services" in set(imported_modules(module))

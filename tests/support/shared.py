"""Where tests read shared data the repository does not hold (the ``shared_data`` fixture of
tests/conftest.py): licensed data sets read where they lie, and the team's reference folder.

The folder is ``$EMBCT_SHARED_DIR`` when set; else ``shared/`` beside the checkout, then
beside the main checkout when the checkout is a git worktree. A test whose file is in none of
them is skipped, and the skip message names the folders it looked in.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest


def main_checkout(repo: Path) -> Path:
    """The checkout ``repo`` is, or, for a git worktree, the main checkout it belongs to."""
    git = repo / ".git"
    if git.is_file():  # a worktree: "gitdir: <main>/.git/worktrees/<name>"
        gitdir = Path(git.read_text(encoding="utf-8").split(":", 1)[1].strip())
        common = gitdir / (gitdir / "commondir").read_text(encoding="utf-8").strip()
        return common.resolve().parent
    return repo


@dataclass(frozen=True)
class SharedData:
    """Data the repository does not hold: data sets read where they lie (their licences do
    not let us copy them) and the team's reference folder. A file is looked up in each of
    ``places`` in turn."""

    places: tuple[Path, ...]

    def optional(self, relative: str) -> Path | None:
        """The file's path in the first place that has it, or None."""
        return next((p / relative for p in self.places if (p / relative).exists()), None)

    def path(self, relative: str) -> Path:
        """The file's path; skips the test, naming where it looked, when it is nowhere."""
        found = self.optional(relative)
        if found is None:
            where = ", ".join(str(p) for p in self.places)
            pytest.skip(f"shared data {relative} not found in {where} (set EMBCT_SHARED_DIR)")
        return found


def shared_places(repo: Path) -> tuple[Path, ...]:
    """``$EMBCT_SHARED_DIR`` when set; else ``shared/`` beside the checkout ``repo``, then
    beside the main checkout (a git worktree lies elsewhere)."""
    if os.environ.get("EMBCT_SHARED_DIR"):
        return (Path(os.environ["EMBCT_SHARED_DIR"]),)
    places = [repo.parent / "shared", main_checkout(repo).parent / "shared"]
    return tuple(dict.fromkeys(places))

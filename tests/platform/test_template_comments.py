"""Django's ``{# ... #}`` comment is one line only: a ``{#`` without its ``#}`` on the same
line is printed on the page as text (it happened once, on the patient's week page)."""

from __future__ import annotations

from pathlib import Path

import embct.platform

PLATFORM = Path(embct.platform.__file__).resolve().parent


def unclosed_comments(text: str) -> list[int]:
    """Line numbers of ``{#`` not closed by ``#}`` on the same line."""
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        rest = line
        while "{#" in rest:
            rest = rest[rest.index("{#") + 2 :]
            if "#}" not in rest:
                lines.append(number)
                break
            rest = rest[rest.index("#}") + 2 :]
    return lines


def test_the_check_finds_a_comment_spread_over_two_lines() -> None:
    assert unclosed_comments("{# one line #}\n{# two\nlines #}\n") == [2]


def test_every_template_comment_closes_on_its_own_line() -> None:
    templates = sorted(PLATFORM.rglob("*.html"))
    assert len(templates) > 30
    bad = {
        str(path.relative_to(PLATFORM)): found
        for path in templates
        if (found := unclosed_comments(path.read_text(encoding="utf-8")))
    }
    assert not bad, f"multi-line {{# #}} comments (use {{% comment %}}): {bad}"

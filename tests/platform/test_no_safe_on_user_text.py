"""Only course HTML (Markdown rendered by lib.safe_markdown, raw HTML escaped) is marked safe
in templates; patients' and therapists' words are always escaped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embct.platform.lib.safe_markdown import render

PLATFORM = Path(__file__).resolve().parents[2] / "src" / "embct" / "platform"
SAFE_USE = re.compile(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}")
COURSE_HTML_FIELDS = {
    "intro_html",
    "preparation_html",
    "instructions_html",
    "examples_html",
    "handout_html",
    # the live analysis report: embct.report's Jinja templates, autoescape on (tests/report)
    "report_html",
}


def test_safe_is_used_only_on_course_html_fields() -> None:
    templates = sorted(PLATFORM.rglob("*.html"))
    assert templates
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert "autoescape off" not in text, template
        for match in SAFE_USE.finditer(text):
            assert match.group(1).rsplit(".", 1)[-1] in COURSE_HTML_FIELDS, (template, match[0])
        assert text.count("|safe") == len(SAFE_USE.findall(text)), template


@pytest.mark.parametrize(
    ("markdown", "forbidden"),
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("<iframe src=https://example.org></iframe>", "<iframe"),
        ("[click](javascript:alert(1))", "javascript:"),
        ("[click](  data:text/html;base64,xx)", "data:"),
        ('<a href="#" onclick="x()">a</a>', "<a "),
    ],
)
def test_course_markdown_cannot_carry_markup_or_scripts(markdown: str, forbidden: str) -> None:
    assert forbidden not in render(markdown)

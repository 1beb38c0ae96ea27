"""Dates in Dutch are written as Dutch writes them: month abbreviations in lower case.

Django's "M" format title-cases the month ("2 Dec" on a Dutch page); "N" gives each
language's own abbreviation ("2 Dec. 2026", "2 dec 2026")."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from django.utils import dateformat, translation

import embct.platform

TEMPLATES = Path(embct.platform.__file__).parent
DATE_FILTER = re.compile(r'\|date:"([^"]*)"')


def test_no_template_writes_a_title_cased_month_abbreviation() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        for fmt in DATE_FILTER.findall(path.read_text(encoding="utf-8")):
            if re.search(r"(?<!\\)M", fmt):
                found.append(f"{path.relative_to(TEMPLATES)}: {fmt}")
    assert not found


def test_the_abbreviation_used_is_lower_case_in_dutch() -> None:
    with translation.override("nl"):
        assert dateformat.format(date(2026, 12, 2), "D j N Y") == "wo 2 dec 2026"
        assert dateformat.format(date(2026, 3, 2), "j N") == "2 mrt"
    with translation.override("en"):
        assert dateformat.format(date(2026, 12, 2), "j N Y") == "2 Dec. 2026"

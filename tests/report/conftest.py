"""Helpers shared by the report tests, handed to them as the ``rh`` fixture (the tests
folders are not packages, so they cannot import each other)."""

from __future__ import annotations

import copy
import json
import re
import sys
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE / "results_example.json"
XHTML_SVG = "{http://www.w3.org/2000/svg}"
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


def example_results() -> dict[str, Any]:
    """A fresh copy of the realistic example results document."""
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))


class TagBalance(HTMLParser):
    """Checks with the standard HTML parser that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'} at {self.getpos()}")
            return
        self.stack.pop()


def parse(html: str) -> ET.Element:
    """Parse the report as XML (it is polyglot HTML5) and check tag balance."""
    checker = TagBalance()
    checker.feed(html)
    checker.close()
    assert checker.errors == []
    assert checker.stack == []
    return ET.fromstring(html)


def text_of(element: ET.Element) -> str:
    return re.sub(r"\s+", " ", "".join(element.itertext())).strip()


def table(root: ET.Element, table_id: str) -> list[list[str]]:
    """The rows of the table with that id, as lists of cell texts (th and td)."""
    found = root.find(f".//table[@id='{table_id}']")
    assert found is not None, f"no table {table_id}"
    return [[text_of(cell) for cell in row if cell.tag in ("th", "td")] for row in found.iter("tr")]


def row_starting(rows: list[list[str]], first: str) -> list[str]:
    matches = [row for row in rows if row and row[0] == first]
    assert matches, f"no row starting {first!r} in {[r[:1] for r in rows]}"
    return matches[0]


@pytest.fixture
def rh() -> Any:
    """This module: the helpers above."""
    return sys.modules[__name__]


@pytest.fixture
def results() -> dict[str, Any]:
    """The example results document (a fresh copy per test)."""
    return example_results()

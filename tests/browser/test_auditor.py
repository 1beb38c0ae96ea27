"""The audit itself fails where it should: a page with a known fault of each kind."""

from __future__ import annotations

from typing import Any

import pytest

from support.testing_browser import Auditor

GOOD = """<!doctype html><html lang="en"><head><title>Good</title>
<style>:focus-visible { outline: 3px solid orange; }</style></head>
<body><main><h1>Good</h1><label for="a">Name</label><input id="a"><a href="#x">Next</a></main>
</body></html>"""


def audit(browser: Any, html: str) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.set_content(html)
    Auditor().audit(page)


def test_a_clean_page_passes(browser: Any) -> None:
    audit(browser, GOOD)


@pytest.mark.parametrize(
    ("fault", "html", "message"),
    [
        (
            "axe: a form field without a label",
            GOOD.replace('<label for="a">Name</label>', ""),
            "axe critical label",
        ),
        (
            "keyboard: no focus ring",
            GOOD.replace(":focus-visible { outline: 3px solid orange; }", "* { outline: none; }"),
            "shows no focus indicator",
        ),
        (
            "keyboard: a control Tab skips",
            GOOD.replace('<input id="a">', '<input id="a" tabindex="-1">').replace(
                '<a href="#x">', '<a href="#x" tabindex="-1">'
            ),
            "Tab never reaches",
        ),
        (
            "reflow: a block wider than a phone",
            GOOD.replace("</main>", '<p style="width: 500px">wide</p></main>'),
            r"at a phone \(320 CSS px wide\): p right=",
        ),
    ],
)
def test_each_kind_of_fault_fails_the_audit(
    browser: Any, fault: str, html: str, message: str
) -> None:
    with pytest.raises(AssertionError, match=message):
        audit(browser, html)

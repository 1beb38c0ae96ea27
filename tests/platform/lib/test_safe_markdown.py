"""Course Markdown: the HTML is cleaned by an allow-list after entities are decoded, so no
spelling of ``javascript:`` survives as a link or an image address."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from embct.platform.lib.safe_markdown import render


class _Addresses(HTMLParser):
    """Every tag and every href/src as a browser reads it (entities decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.addresses: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.addresses += [value or "" for name, value in attrs if name in ("href", "src")]


def addresses(html: str) -> list[str]:
    parser = _Addresses()
    parser.feed(html)
    return parser.addresses


def scheme_as_a_browser_reads_it(address: str) -> str:
    """WHATWG URL parsing: leading C0 controls and spaces dropped, tabs and newlines removed."""
    cleaned = address.lstrip("".join(map(chr, range(0x21)))).translate(
        {ord("\t"): None, ord("\n"): None, ord("\r"): None}
    )
    return cleaned.split(":", 1)[0].lower() if ":" in cleaned else ""


@pytest.mark.parametrize(
    "markdown",
    [
        "[x](&#106;avascript:alert(1))",
        "[x](&#x6A;avascript:alert(1))",
        "[x](java&#9;script:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](&#1;javascript:alert(1))",
        "[x](\x01javascript:alert(1))",
        "[x](<java\nscript:alert(1)>)",
        "[x](JaVaScRiPt:alert(1))",
        "![x](&#106;avascript:alert(1))",
        "[x][r]\n\n[r]: &#106;avascript:alert(1)",
        "[x](vbscript:msgbox(1))",
        "[x](data&#58;text/html;base64,PHNjcmlwdD4=)",
    ],
)
def test_no_spelling_of_a_script_address_survives(markdown: str) -> None:
    html = render(markdown)
    schemes = [scheme_as_a_browser_reads_it(a) for a in addresses(html)]
    assert [s for s in schemes if s not in ("", "http", "https", "mailto")] == [], html
    assert "x" in html  # the link text stays, as text


@pytest.mark.parametrize(
    ("markdown", "address"),
    [
        ("[site](https://example.org/a?b=1&c=2)", "https://example.org/a?b=1&c=2"),
        ("[mail](mailto:team@example.org)", "mailto:team@example.org"),
        ("[next](../session-2/)", "../session-2/"),
        ("![bell](images/bell.png)", "images/bell.png"),
        ("<https://example.org>", "https://example.org"),
    ],
)
def test_safe_addresses_are_kept(markdown: str, address: str) -> None:
    assert addresses(render(markdown)) == [address]


def test_only_the_tags_markdown_makes_are_kept() -> None:
    parser = _Addresses()
    parser.feed(
        render(
            "# Title\n\n*a* **b** `c`\n\n> quote\n\n1. one\n\ntext\n\n- two\n\n---\n\n"
            "    code\n\n<b onclick=x>raw</b><svg onload=x>"
        )
    )
    assert set(parser.tags) == {
        "h1", "p", "em", "strong", "code", "blockquote", "ol", "ul", "li", "hr", "pre"
    }  # fmt: skip

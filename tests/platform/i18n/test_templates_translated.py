"""Every word a platform template shows goes through the catalogues.

A static scan of every template under src/embct/platform: after taking out {% translate %} and
{% blocktranslate %} (which reach the catalogue), other tags, {{ variables }} and comments, no
text between HTML tags may contain a letter, and neither may the attributes people read or
hear (placeholder, title, aria-label, alt, the value of a submit input). String literals shown
through a variable's filter (``default:"none"``) must be marked ``_("none")`` too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

PLATFORM = Path(__file__).resolve().parents[3] / "src" / "embct" / "platform"
TEMPLATES = sorted(PLATFORM.rglob("*.html"))

#: Words that are the same in every language: the product's name.
NOT_WORDS = {"embct"}
#: Attributes read out or shown to people.
READABLE_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt"}
#: Filters whose string argument is a format, not text (date:"l j F", join:" ").
FORMAT_FILTERS = {"date", "time", "floatformat", "join"}

# {# ... #} ends on its line (Django); {% comment %} may span lines.
COMMENT = re.compile(r"\{#[^\n]*?#\}|(?s:\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\})")
BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?\b.*?%\}.*?\{%\s*endblocktrans(?:late)?\s*%\}", re.DOTALL
)
TAG = re.compile(r"\{%.*?%\}", re.DOTALL)
VARIABLE = re.compile(r"\{\{.*?\}\}", re.DOTALL)
FILTER_LITERAL = re.compile(r"\|\s*(\w+)\s*:\s*(_\()?\"([^\"]*)\"")
LETTER = re.compile(r"[^\W\d_]")


def _words(text: str) -> str:
    """``text`` without entities and allowed non-words; what is left should have no letter."""
    text = re.sub(r"&[#\w]+;", " ", text)
    return " ".join(word for word in text.split() if word.lower() not in NOT_WORDS)


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.found: list[str] = []

    def handle_data(self, data: str) -> None:
        if LETTER.search(_words(data)):
            self.found.append(f"text {data.strip()!r}")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            readable = name in READABLE_ATTRIBUTES or (
                name == "value" and tag == "input" and values.get("type") == "submit"
            )
            if readable and value and LETTER.search(_words(value)):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def untranslated(source: str) -> list[str]:
    """What a template would show without the catalogues (empty when all is marked)."""
    found = []
    for variable in VARIABLE.findall(source):
        for name, marked, literal in FILTER_LITERAL.findall(variable):
            if not marked and name not in FORMAT_FILTERS and LETTER.search(literal):
                found.append(f"filter literal {variable}")
    rest = COMMENT.sub("", source)
    rest = BLOCK.sub("", rest)
    rest = VARIABLE.sub("", TAG.sub("", rest))
    scan = _Scan()
    scan.feed(rest)
    scan.close()
    return found + scan.found


def test_there_are_templates() -> None:
    assert len(TEMPLATES) >= 40


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(PLATFORM)))
def test_every_visible_word_is_marked_for_translation(path: Path) -> None:
    assert untranslated(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(
    ("source", "finding"),
    [
        ("<p>Inbox</p>", "text 'Inbox'"),
        ('<nav aria-label="Pages"></nav>', "<nav aria-label='Pages'>"),
        ('<input type="submit" value="Send">', "<input value='Send'>"),
        ('<img alt="chart">', "<img alt='chart'>"),
        ('{{ name|default:"nobody" }}', 'filter literal {{ name|default:"nobody" }}'),
        ("<p>{% if x %}Later{% endif %}</p>", "text 'Later'"),
        (
            "{# not a comment:\n Django ends it at the line #}",
            "text '{# not a comment:\\n Django ends it at the line #}'",
        ),
    ],
)
def test_the_scan_finds_bare_english(source: str, finding: str) -> None:
    assert untranslated(source) == [finding]


@pytest.mark.parametrize(
    "source",
    [
        '<p>{% translate "Inbox" %}</p>',
        "<nav aria-label=\"{% translate 'Pages' %}\"></nav>",
        "<p>{% blocktranslate with n=x %}{{ n }} new{% endblocktranslate %}</p>",
        '{{ name|default:_("nobody") }} {{ day|date:"l j F" }} · ✓ 3 / 9 — embct',
        '{# a comment with words #}<input type="hidden" value="tau">',
        '<button type="submit" name="action" value="save">{% translate "Save" %}</button>',
    ],
)
def test_the_scan_passes_marked_text(source: str) -> None:
    assert untranslated(source) == []

"""Content-Security-Policy sources that let one page show its own inline styles.

The platform's policy allows no inline style or script. A page that must show a
self-contained HTML document with ``<style>`` elements (the analysis report) lists the
SHA-256 hash of each of them; ``style="..."`` attributes (matplotlib's inline SVG has them)
are allowed by their hashes too, which CSP level 3 permits with ``'unsafe-hashes'``. Scripts
stay forbidden: nothing here touches ``script-src``.

Use in the view that shows the report (django-csp 4 adds the sources to the site policy for
that one response)::

    report_html = ...  # the self-contained report, exactly as it will be sent
    response = HttpResponse(report_html)
    return allow_inline_styles(response, report_html)

When the report sits inside a platform page (a sandboxed ``<iframe srcdoc=...>``: the frame
inherits the page's policy, checked in Chromium by the tests), pass the report's HTML, not the
page's: the platform's own templates have no inline style, and must not get one (a
``style="..."`` on the iframe itself belongs in the stylesheet). Hashes, not a nonce: the report is
generated before the request, and a nonce would have to be written into its markup (and does
not cover ``style=`` attributes at all).

>>> inline_style_sources("<style>p { color: red }</style><p>x</p>")
["'sha256-ngewhhP73WDIbgwseeu52VAAJgKdGUsu1IUQQsAm8m4='"]
>>> inline_style_sources('<svg><path style="fill: #fff"/></svg>')[0]
"'unsafe-hashes'"
>>> inline_style_sources("<p>no styles</p>")
[]
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from html.parser import HTMLParser
from typing import TypeVar

R = TypeVar("R")

# The text of a <style> element, exactly as the browser hashes it (no entity decoding
# happens inside <style>).
_STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style\s*>", re.IGNORECASE | re.DOTALL)


class _StyleAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values.extend(value for name, value in attrs if name == "style" and value)

    handle_startendtag = handle_starttag


def csp_hash(text: str) -> str:
    """The CSP source expression of ``text``'s SHA-256 hash (UTF-8).

    >>> csp_hash("")
    "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    """
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"


def inline_style_sources(html: str) -> list[str]:
    """The ``style-src`` sources allowing exactly the inline styles of ``html``.

    One hash per distinct ``<style>`` element, then (only when there are style attributes)
    ``'unsafe-hashes'`` and one hash per distinct attribute value, in document order.
    Remembered for the last few documents: parsing the live report's 150 kB took 25 ms, more
    than the rest of a repeat view from the cache.
    """
    return list(_sources(html))


@functools.lru_cache(maxsize=8)
def _sources(html: str) -> tuple[str, ...]:
    sources: list[str] = []
    for text in _STYLE_ELEMENT.findall(html):
        source = csp_hash(text)
        if source not in sources:
            sources.append(source)
    parser = _StyleAttributes()
    parser.feed(html)
    parser.close()
    attribute_sources: list[str] = []
    for value in parser.values:
        source = csp_hash(value)
        if source not in attribute_sources and source not in sources:
            attribute_sources.append(source)
    if attribute_sources:
        sources = ["'unsafe-hashes'", *sources, *attribute_sources]
    return tuple(sources)


def allow_inline_styles(response: R, html: str) -> R:
    """Let ``response`` (a Django response under django-csp's middleware) apply the inline
    styles of ``html`` and nothing else inline; returns the response."""
    sources = inline_style_sources(html)
    if sources:
        update = dict(getattr(response, "_csp_update", None) or {})
        update["style-src"] = [*update.get("style-src", []), *sources]
        response._csp_update = update  # type: ignore[attr-defined]
    return response

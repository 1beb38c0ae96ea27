"""Course Markdown to HTML, with raw HTML switched off.

Course text is trusted repository content, but a clinic may swap in its own files, so raw
HTML in them is shown as text, never passed through, and links may only point to
http(s), mailto or relative addresses.

>>> render("*Breathe* <script>x</script>")
'<p><em>Breathe</em> &lt;script&gt;x&lt;/script&gt;</p>'
"""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

import markdown
from markdown.treeprocessors import Treeprocessor

_SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):", re.IGNORECASE)
_SAFE_SCHEMES = {"http", "https", "mailto"}


def _is_safe_url(url: str) -> bool:
    match = _SCHEME.match(url.strip())
    return match is None or match.group(1).lower() in _SAFE_SCHEMES


class _DropUnsafeLinks(Treeprocessor):
    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value is not None and not _is_safe_url(value):
                    element.set(attribute, "#")


def render(text: str) -> str:
    """Render Markdown ``text`` to HTML; raw HTML is escaped, unsafe link schemes dropped."""
    md = markdown.Markdown(output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    md.treeprocessors.register(_DropUnsafeLinks(md), "drop_unsafe_links", 0)
    return md.convert(text)

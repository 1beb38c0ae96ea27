"""Course Markdown to HTML: raw HTML shown as text, the result cleaned by an allow-list.

Course text is trusted repository content, but a clinic may swap in its own files, so raw
HTML in them is shown as text, never passed through. The HTML Markdown makes is then cleaned
by nh3 (the Ammonia sanitizer), which parses it as a browser would, entities decoded, and keeps
only the tags, attributes and URL schemes listed here: a link whose address is not http(s),
mailto or relative (``&#106;avascript:``, ``java&#9;script:``, a control character in front)
loses its address and stays as plain text.

>>> render("*Breathe* <script>x</script>")
'<p><em>Breathe</em> &lt;script&gt;x&lt;/script&gt;</p>'
>>> render("[x](&#106;avascript:alert(1))")
'<p><a>x</a></p>'
"""

from __future__ import annotations

import markdown
import nh3

#: The tags core Markdown produces, and nothing else.
TAGS = frozenset(
    {"a", "blockquote", "br", "code", "em", "hr", "img", "li", "ol", "p", "pre", "strong", "ul"}
    | {f"h{level}" for level in range(1, 7)}
)
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def render(text: str) -> str:
    """Render Markdown ``text`` to HTML; raw HTML is escaped, then only allowed tags,
    attributes and URL schemes are kept."""
    md = markdown.Markdown(output_format="html")
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return nh3.clean(
        md.convert(text),
        tags=set(TAGS),
        attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        strip_comments=True,
    )

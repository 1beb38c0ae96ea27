"""The language of parts (WCAG 3.1.2): site-supplied text in its own language.

The course's texts and the questionnaires' wording come from the site's files, in the
language those files name (``language`` of ``course.md``, of a content pack); the interface
around them is in the user's language. Where the two differ, the part says its language, so
a screen reader reads an English session inside a Dutch page with an English voice and the
browser hyphenates it by English rules::

    {% load content_lang %}
    <div class="prose"{% lang_attr course.language %}>{{ course.intro_html|safe }}</div>
    <h1>{{ session.label }}: {{ session.title|in_lang:course.language }}</h1>

Where the languages agree nothing is added, so the page stays as it was.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()


def _differs(language: str | None) -> bool:
    page = (get_language() or "").lower()
    return bool(language) and str(language).lower() != page


@register.simple_tag
def lang_attr(language: str | None) -> SafeString:
    """`` lang="en"`` when ``language`` is not the page's language, else nothing."""
    if not _differs(language):
        return SafeString("")
    return format_html(' lang="{}"', language)


@register.filter
def in_lang(text: object, language: str | None) -> SafeString:
    """``text``, escaped, in a ``<span lang="...">`` when ``language`` is not the page's."""
    if not _differs(language) or text in (None, ""):
        return format_html("{}", "" if text is None else text)
    return format_html('<span lang="{}">{}</span>', language, text)

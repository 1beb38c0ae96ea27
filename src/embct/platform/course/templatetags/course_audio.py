"""The player of an exercise's recording: each format as a ``<source>``, download links, and
the length read from the file (course.media)::

    {% load course_audio %}
    {% audio_of exercise as audio %}{% include "course/_audio.html" %}
"""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext, ngettext

from embct.platform.course import media

register = template.Library()


def length_text(seconds: float) -> str:
    """A recording's length as the page says it: "1 minute 17 seconds", "45 seconds"."""
    whole = round(seconds)
    minutes, rest = divmod(whole, 60)
    parts = []
    if minutes:
        parts.append(
            ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
        )
    if rest or not minutes:
        parts.append(ngettext("%(count)d second", "%(count)d seconds", rest) % {"count": rest})
    return " ".join(parts)


def size_text(size: int) -> str:
    """A file's size in megabytes, one decimal in the reader's notation ("0,3 MB")."""
    return gettext("%(size)s MB") % {"size": formats.number_format(max(size / 1e6, 0.1), 1)}


@register.simple_tag
def audio_of(exercise: Any) -> dict[str, Any] | None:
    """What the player needs of ``exercise``'s recording; None when it has none (or the file
    is missing from the course folder)."""
    if not exercise.audio:
        return None
    path = exercise.session.course.file(exercise.audio)
    if path is None:
        return None
    url = reverse("care:audio", args=[exercise.pk])
    sources = []
    for n, source in enumerate(media.sources(path)):
        link = url if n == 0 and source.path == path else f"{url}?as={source.suffix}"
        sep = "&" if "?" in link else "?"
        sources.append(
            {
                "url": link,
                "download": f"{link}{sep}download=1",
                "mime": source.mime,
                "name": source.name,
                "size": size_text(source.size),
            }
        )
    seconds = media.seconds(path)
    return {
        "sources": sources,
        "length": length_text(seconds) if seconds is not None else "",
    }

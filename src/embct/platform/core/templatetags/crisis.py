"""``{% crisis_info %}``: the inbox is not for emergencies, and whom to call now.

Shown wherever a patient reads or writes messages and on the screening's answer page::

    {% load crisis %}
    {% crisis_info weekday=profile.get_feedback_weekday_display %}

With ``weekday`` (the agreed feedback day) it says when the therapist reads the inbox; the
lines are the site's (``EMBCT_CRISIS_LINES``, :mod:`embct.platform.lib.crisis`).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

register = template.Library()


@register.inclusion_tag("core/_crisis.html")
def crisis_info(weekday: object = None) -> dict[str, Any]:
    return {"weekday": weekday, "lines": settings.EMBCT_CRISIS_LINES}

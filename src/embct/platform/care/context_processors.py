"""What every page's header needs of the care app: the patient's unread messages."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.http import HttpRequest

from embct.platform.lib.roles import Role

from .models import Message


def unread_messages(request: HttpRequest) -> dict[str, Any]:
    """``unread_messages``: how many messages from the therapist a signed-in patient has not
    read yet (the inbox badge). One query, made only when a patient's page shows it; nothing
    for anyone else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role != Role.PATIENT:
        return {}
    known = getattr(request, _NOTED, None)
    if known is not None:
        return {"unread_messages": known}
    # A callable: the template calls it when it shows the badge, once (cached) per request.
    return {"unread_messages": cache(lambda: _count(user.pk))}


_NOTED = "_embct_unread_messages"


def note_unread(request: HttpRequest, count: int) -> None:
    """The view counted the patient's unread messages in this request already (the week
    page): the header shows that count instead of counting again."""
    setattr(request, _NOTED, count)


def _count(user_id: int) -> int:
    return Message.objects.filter(
        patient__user_id=user_id, from_patient=False, read_at=None
    ).count()

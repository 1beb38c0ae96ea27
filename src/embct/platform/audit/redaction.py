"""The one path by which an audit event may change: redaction after the retention period.

:func:`redact` replaces events' details and actor names, never their action, target, time
or address. The database allows it only while a row of :class:`AuditRedaction` is open, and
that row stays as the record of the redaction (how many events, when, why):

- on SQLite the triggers of migration 0003 check for the open row;
- on PostgreSQL the application role may not UPDATE the table at all; the function
  ``audit_redact`` (``SECURITY DEFINER``, owned by the owner role) opens the row, changes the
  events and closes it, and is all the application may call.

This is deliberately not a queryset method: nothing in the application reaches it by
accident, and the retention command (:mod:`embct.platform.privacy.shredders`) is its caller.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models, transaction

from .models import AuditEvent, AuditRedaction

__all__ = ["Change", "redact"]

#: ``(event id, new details, new actor name)``.
Change = tuple[int, Mapping[str, Any], str]


def redact(changes: Iterable[Change], *, reason: str) -> int:
    """Apply ``changes`` in one transaction, leaving one closed :class:`AuditRedaction`.

    Returns the number of events changed.
    """
    rows = [(int(pk), dict(details), str(name)) for pk, details, name in changes]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            payload = [{"id": pk, "details": d, "actor_name": n} for pk, d, n in rows]
            with connection.cursor() as cursor:
                cursor.execute("SELECT audit_redact(%s, %s::jsonb)", [reason, json.dumps(payload)])
                return int(cursor.fetchone()[0])
        permit = AuditRedaction.objects.create(reason=reason)
        count = 0
        for pk, details, name in rows:
            # The base class's update: AuditQuerySet.update refuses everyone else.
            events = AuditEvent.objects.filter(pk=pk)
            count += models.QuerySet.update(events, details=details, actor_name=name)
        AuditRedaction.objects.filter(pk=permit.pk).update(open=False, events=count)
        return count

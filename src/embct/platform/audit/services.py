"""Writing audit events: :func:`record` (one event) and :func:`record_each` (one per target).

Details are stored with sensitive values masked (in the spirit of pretix's ``log_action``):
a key that names a secret or free text a patient wrote never reaches the log in clear.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models
from django.http import HttpRequest

from embct.platform.lib.client_ip import client_ip

from .models import Action, AuditEvent

__all__ = ["acting_user", "client_ip", "record", "record_each"]

#: Keys whose values are masked, matched as case-insensitive substrings of the key.
SENSITIVE_KEYS = (
    "password",
    "passwd",
    "secret",
    "token",
    "otp",
    "apikey",
    "email",
    "body",
    "text",
    "thoughts",
    "feelings",
    "note",
)
MASK = "********"

#: Short names for the targets the platform audits; other models use their ``app.model`` label.
TARGET_NAMES = {
    "care.patientprofile": "patient",
    "accounts.user": "account",
    "groups.mbctgroup": "group",
    "research.participant": "participant",
}


def mask(value: Any) -> Any:
    """``value`` with the values of sensitive keys replaced by a mask, recursively.

    Examples
    --------
    >>> mask({"role": "admin", "password": "hunter2", "new": {"api_token": "x", "n": 3}})
    {'role': 'admin', 'password': '********', 'new': {'api_token': '********', 'n': 3}}
    >>> mask([{"E-mail": "a@b.c"}, 4])
    [{'E-mail': '********'}, 4]
    """
    if isinstance(value, Mapping):
        return {
            str(k): MASK if _is_sensitive(str(k)) and v not in (None, "") else mask(v)
            for k, v in value.items()
        }
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return [mask(v) for v in items]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _is_sensitive(key: str) -> bool:
    folded = key.lower().replace("-", "").replace("_", "")
    return any(word in folded for word in SENSITIVE_KEYS)


def describe_target(target: Any) -> tuple[str, str]:
    """``(type, id)`` for a model instance, a ``(type, id)`` pair or ``None``.

    Examples
    --------
    >>> describe_target(("allocation", 12))
    ('allocation', '12')
    >>> describe_target(None)
    ('', '')
    """
    if target is None:
        return "", ""
    if isinstance(target, models.Model):
        label = target._meta.label_lower
        return TARGET_NAMES.get(label, label)[:40], str(target.pk)
    if isinstance(target, tuple) and len(target) == 2:
        return str(target[0]), str(target[1])
    raise TypeError(f"audit target must be a model instance or a (type, id) pair, not {target!r}")


def acting_user(request_or_actor: HttpRequest | Any) -> Any:
    """The signed-in user behind a request or an actor, or None (the system, anonymous)."""
    user = request_or_actor
    if isinstance(request_or_actor, HttpRequest):
        user = getattr(request_or_actor, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def record(
    request_or_actor: HttpRequest | Any, action: str, target: Any = None, **details: Any
) -> AuditEvent:
    """Append one event to the audit log and return it.

    Parameters
    ----------
    request_or_actor
        The request (its user is the actor, ``REMOTE_ADDR`` the address), a user, or ``None``
        for the system (a management command).
    action
        What happened: one of the closed set :class:`~embct.platform.audit.models.Action`
        (``Action.PATIENT_VIEW`` or its value ``"patient.view"``); anything else is refused.
    target
        The object acted on: a model instance, a ``(type, id)`` pair, or ``None``.
    **details
        Anything else worth keeping (JSON values); sensitive keys are masked.

    Examples
    --------
    >>> from embct.platform.audit.services import record  # doctest: +SKIP
    >>> record(request, "patient.view", profile)  # doctest: +SKIP
    >>> record(request, "trial.export", ("export", "2026-03-18"), rows=120)  # doctest: +SKIP
    """
    event = _event(request_or_actor, action, target, details)
    event.save()
    return event


def _event(request_or_actor: Any, action: str, target: Any, details: dict[str, Any]) -> AuditEvent:
    """An unsaved event (the checks and the masking of :func:`record`)."""
    if not action or len(action) > 40:
        raise ValueError(f"audit action must be 1 to 40 characters, got {action!r}")
    try:
        action = Action(action)
    except ValueError:
        raise ValueError(
            f"{action!r} is not one of the audit actions (audit.models.Action)"
        ) from None
    event = AuditEvent(action=action, details=mask(details))
    event.target_type, event.target_id = describe_target(target)
    if isinstance(request_or_actor, HttpRequest):
        event.ip = client_ip(request_or_actor)
    user = acting_user(request_or_actor)
    if user is not None:
        event.actor_id = user.pk
        event.actor_name = user.get_username()
        event.role = getattr(user, "role", "") or ""
    return event


def record_each(
    request_or_actor: HttpRequest | Any, action: str, targets: Iterable[Any], **details: Any
) -> list[AuditEvent]:
    """One event per distinct target (a page that shows several patients' records), written
    in one INSERT whatever the number of targets."""
    seen: dict[tuple[str, str], Any] = {}
    for target in targets:
        seen.setdefault(describe_target(target), target)
    events = [_event(request_or_actor, action, target, details) for target in seen.values()]
    return AuditEvent.objects.bulk_create(events) if events else []

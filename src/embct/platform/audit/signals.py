"""Signing in and out, from Django's auth signals and django-axes' lockout signal.

Each receiver writes one event with the request's address. A signal without an HTTP request
behind it (the test client's ``force_login`` and ``logout`` build an empty one) is no sign-in
by a person and writes nothing.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from .models import Action
from .services import record


def _from_a_person(request: Any) -> bool:
    return isinstance(request, HttpRequest) and bool(request.method)


def logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _from_a_person(request):
        record(request, Action.LOGIN, user)


def logged_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if _from_a_person(request) and user is not None:
        request.user = user  # the session has ended; the event still names who left
        record(request, Action.LOGOUT, user)


def login_failed(sender: Any, credentials: dict[str, Any], request: Any = None, **kw: Any) -> None:
    if _from_a_person(request):
        record(request, Action.LOGIN_FAILED, None, username=str(credentials.get("username", "")))


def locked_out(sender: Any, request: Any, username: Any = None, **kwargs: Any) -> None:
    if _from_a_person(request):
        record(request, Action.LOCKOUT, None, username=str(username or ""))


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(logged_in, dispatch_uid="embct.audit.login")
    user_logged_out.connect(logged_out, dispatch_uid="embct.audit.logout")
    user_login_failed.connect(login_failed, dispatch_uid="embct.audit.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="embct.audit.lockout")

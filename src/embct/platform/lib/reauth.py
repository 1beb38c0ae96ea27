"""Re-authentication before sensitive actions: exports (the live report too), role and
permission changes, password resets for others, device deletion, reassignment of a patient,
and every change (POST) in Django admin.

A successful password entry (the login, or the re-entry page) stamps the session with the time
(:func:`mark_authenticated`; the login does it through the ``user_logged_in`` signal that the
security app connects). A view decorated with :func:`recent_auth_required` runs only when that
stamp is younger than ``max_age``; otherwise the user is sent to the password re-entry page
(``security:reauth``) and, after it, back to where they were.

For a GET the way back is the page itself. For a POST (the action itself) nothing is done: the
way back is the page the form was on (a same-site ``Referer``), so the user re-submits knowingly.

>>> from datetime import timedelta
>>> is_recent(1_000.0, now=1_000.0 + 599, max_age=timedelta(minutes=10))
True
>>> is_recent(1_000.0, now=1_000.0 + 601, max_age=timedelta(minutes=10))
False
>>> is_recent(None, now=1_000.0, max_age=timedelta(minutes=10))
False
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

#: The session key holding the time (seconds since the epoch) of the last password entry.
AUTH_AT_SESSION_KEY = "embct_auth_at"
DEFAULT_MAX_AGE = timedelta(minutes=10)

View = Callable[..., HttpResponseBase]


def mark_authenticated(request: HttpRequest) -> None:
    """Record in the session that the user has just entered their password."""
    request.session[AUTH_AT_SESSION_KEY] = time.time()


def is_recent(auth_at: float | None, *, now: float, max_age: timedelta) -> bool:
    """Whether a password entry at ``auth_at`` is at most ``max_age`` before ``now``."""
    if auth_at is None:
        return False
    return 0 <= now - auth_at <= max_age.total_seconds()


def safe_next(request: HttpRequest, candidate: str | None) -> str:
    """``candidate`` when it points into this site, else the home page."""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _way_back(request: HttpRequest) -> str:
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return safe_next(request, request.headers.get("referer"))


def reauth_redirect(
    request: HttpRequest, max_age: timedelta = DEFAULT_MAX_AGE
) -> HttpResponseRedirect | None:
    """The redirect to the re-entry page when the signed-in user's last password entry is older
    than ``max_age``; ``None`` when it is recent (or nobody is signed in)."""
    if not request.user.is_authenticated:
        return None
    if is_recent(request.session.get(AUTH_AT_SESSION_KEY), now=time.time(), max_age=max_age):
        return None
    query = urlencode({"next": _way_back(request)})
    return HttpResponseRedirect(f"{reverse('security:reauth')}?{query}")


def recent_auth_required(max_age: timedelta = DEFAULT_MAX_AGE) -> Callable[[View], View]:
    """The view runs only within ``max_age`` of the user's last password entry.

    Use after ``login_required`` (an anonymous user is left to it). Otherwise redirect to the
    re-entry page with ``?next=`` the way back; nothing of the view runs.
    """
    if max_age <= timedelta(0):
        raise ValueError(f"max_age={max_age!r}: expected a positive duration")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if (refusal := reauth_redirect(request, max_age)) is not None:
                return refusal
            return view(request, *args, **kwargs)

        return wrapper

    return decorator

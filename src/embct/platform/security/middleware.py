"""Staff who logged in with a password but have not given their second factor yet reach only
the second-factor pages (and can log out); every other request goes there first. A change in
Django admin (any POST) needs a recent password entry."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from embct.platform.lib.reauth import reauth_redirect, safe_next

from .services import MUST_CHANGE_SESSION_KEY, needs_second_factor

#: URL names a password-only staff session may reach.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"security:verify", "security:enrol", "security:enrolment_code", "logout", "login", "healthz"}
)


class ViewMiddleware:
    """A middleware that acts in ``process_view`` only (after URL resolution)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)


class SecondFactorRequiredMiddleware(ViewMiddleware):
    """After ``django_otp.middleware.OTPMiddleware`` (which sets ``user.is_verified``)."""

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not needs_second_factor(user) or user.is_verified():  # type: ignore[union-attr]
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if request.method in ("GET", "HEAD"):
            back = request.get_full_path()
        else:
            back = safe_next(request, request.headers.get("referer"))
        return HttpResponseRedirect(f"{reverse('security:verify')}?{urlencode({'next': back})}")


#: URL names a session that must change its temporary password may reach.
OPEN_BEFORE_PASSWORD_CHANGE = OPEN_BEFORE_SECOND_FACTOR | {
    "accounts:password_change",
    "accounts:password_change_done",
}


class PasswordChangeRequiredMiddleware(ViewMiddleware):
    """After a login with a temporary password (from an administrator), every page but the
    password change (and the second-factor pages, and logging out) leads there first. After
    ``SecondFactorRequiredMiddleware``: staff give their second factor first."""

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        if not request.session.get(MUST_CHANGE_SESSION_KEY):
            return None
        if not request.user.is_authenticated:  # logged out since: the mark is stale
            return None
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_PASSWORD_CHANGE:
            return None
        return HttpResponseRedirect(reverse("accounts:password_change"))


class AdminChangeNeedsRecentPasswordMiddleware(ViewMiddleware):
    """Every POST to Django admin (a change, an addition, a deletion, an action) runs only within
    ten minutes of the user's last password entry; otherwise the re-entry page comes first and
    nothing is changed. Logging out of Django admin is not a change."""

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        if request.method != "POST" or match is None or "admin" not in match.namespaces:
            return None
        if match.view_name in {"admin:logout", "admin:login"}:
            return None
        return reauth_redirect(request)

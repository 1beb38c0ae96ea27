"""The second-factor pages (verify at login, enrol an authenticator, new backup codes) and the
password re-entry page before sensitive actions."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from embct.platform.access import AuthenticatedHttpRequest
from embct.platform.lib.reauth import (
    mark_authenticated,
    reauth_redirect,
    recent_auth_required,
    safe_next,
)

from . import services
from .forms import CodeForm, EnrolmentCodeForm, PasswordForm


def _staff_only(request: HttpRequest) -> None:
    if not services.needs_second_factor(request.user):
        raise PermissionDenied


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _to(name: str, request: HttpRequest) -> HttpResponse:
    """Redirect to the page ``name``, passing the way back on."""
    return redirect(f"{reverse(name)}?{urlencode({'next': _next(request)})}")


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Step two of a staff login: a code from the authenticator app, or a backup code."""
    _staff_only(request)
    if not services.confirmed_devices(request.user):
        if services.may_enrol_before_second_factor(request):
            return _to("security:enrol", request)
        return _to("security:enrolment_code", request)
    if request.user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if wait := services.seconds_to_wait(request.user):
            form.add_error("code", _wait_message(wait))
        elif services.check_code(request, form.cleaned_data["code"]) is not None:
            return redirect(_next(request))
        else:
            form.add_error(
                "code", _("That code is not right, or it was used already. Please try again.")
            )
    ctx = {"form": form, "next": _next(request)}
    status = 400 if request.method == "POST" else 200
    return render(request, "security/verify.html", ctx, status=status)


def _wait_message(seconds: int) -> str:
    """How long to wait before the next code, in seconds up to two minutes, then in minutes
    (rounded up: never sooner than django-otp takes a code)."""
    if seconds < 120:
        return ngettext(
            "Too many wrong codes. Wait %(count)s second, then try again.",
            "Too many wrong codes. Wait %(count)s seconds, then try again.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Too many wrong codes. Wait %(count)s minute, then try again.",
        "Too many wrong codes. Wait %(count)s minutes, then try again.",
        minutes,
    ) % {"count": minutes}


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def enrol(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code, type its first code; no device exists
    until that code is confirmed. Before the second factor only an account that never had a
    device, or a session that redeemed an administrator's enrolment code, gets here; anyone
    else gives their current second factor first, and replacing it needs a recent password."""
    _staff_only(request)
    if request.user.is_verified():  # type: ignore[attr-defined]  # set by OTPMiddleware
        if (refusal := reauth_redirect(request)) is not None:
            return refusal
    elif services.confirmed_devices(request.user):
        return _to("security:verify", request)
    elif not services.may_enrol_before_second_factor(request):
        return _to("security:enrolment_code", request)
    device = services.pending_authenticator(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = services.confirm_authenticator(request, device, form.cleaned_data["code"])
        if codes is not None:
            ctx: dict[str, Any] = {"codes": codes, "next": _next(request), "enrolled": True}
            return render(request, "security/backup_codes.html", ctx, status=201)
        form.add_error(
            "code", _("That code is not right. Check the time on your phone and try again.")
        )
    ctx = {
        "form": form,
        "qr_svg": services.qr_svg(device),
        "secret": services.manual_key(device),
        "next": _next(request),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "security/enrol.html", ctx, status=status)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def enrolment_code(request: AuthenticatedHttpRequest) -> HttpResponse:
    """After an administrator reset a lost device: the one-time enrolment code they gave,
    then the enrolment itself."""
    _staff_only(request)
    if request.user.is_verified() or services.may_enrol_before_second_factor(request):  # type: ignore[attr-defined]  # set by OTPMiddleware
        return _to("security:enrol", request)
    if services.confirmed_devices(request.user):
        return _to("security:verify", request)
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.redeem_enrolment_code(request, form.cleaned_data["code"]):
            return _to("security:enrol", request)
        form.add_error(
            "code",
            _(
                "That enrolment code is not right, was used already or has expired. Ask your "
                "administrator for a new one."
            ),
        )
    ctx = {"form": form, "next": _next(request)}
    status = 400 if request.method == "POST" else 200
    return render(request, "security/enrolment_code.html", ctx, status=status)


@require_POST
@login_required
@recent_auth_required()
@never_cache
def backup_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Replace the backup codes by new ones, shown once (after the second factor: the
    middleware sees to that)."""
    _staff_only(request)
    codes = services.new_backup_codes(request.user, actor=request)
    ctx = {"codes": codes, "next": safe_next(request, None), "enrolled": False}
    return render(request, "security/backup_codes.html", ctx, status=201)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def reauth(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Type the password again before an export or a role change. Wrong passwords count
    towards the login lockout."""
    form = PasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=request.user.get_username(),
            password=form.cleaned_data["password"],
        )
        if user is not None and user.pk == request.user.pk:
            mark_authenticated(request)
            return redirect(_next(request))
        form.add_error("password", _("That password is not right."))
    ctx = {"form": form, "next": _next(request)}
    return render(
        request, "security/reauth.html", ctx, status=400 if request.method == "POST" else 200
    )


def lockout(
    request: HttpRequest, original_response: HttpResponse | None, credentials: Any = None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (``AXES_LOCKOUT_CALLABLE``): 429 and a page
    that says why, for how long, and who can unlock it."""
    from axes.helpers import get_cool_off, get_failure_limit

    cool_off = get_cool_off(request)
    ctx = {
        "failure_limit": get_failure_limit(request, credentials),
        "cooloff_timedelta": cool_off,
        "cooloff_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
    }
    return render(request, "security/lockout.html", ctx, status=429)

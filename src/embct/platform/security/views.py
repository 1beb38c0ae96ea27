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

from embct.platform.lib.reauth import mark_authenticated, recent_auth_required, safe_next

from . import services
from .forms import CodeForm, PasswordForm


def _staff_only(request: HttpRequest) -> None:
    if not services.needs_second_factor(request.user):
        raise PermissionDenied


def _next(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def verify(request: HttpRequest) -> HttpResponse:
    """Step two of a staff login: a code from the authenticator app, or a backup code."""
    _staff_only(request)
    if not services.confirmed_devices(request.user):
        return redirect(f"{reverse('security:enrol')}?{urlencode({'next': _next(request)})}")
    if request.user.is_verified():  # type: ignore[union-attr]
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
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: scan the QR code, type its first code. A user who has one
    already verifies with it instead (a lost phone: an administrator removes the old device
    in Administration > OTP TOTP, then the user enrols again)."""
    _staff_only(request)
    if services.has_authenticator(request.user) and not request.user.is_verified():  # type: ignore[union-attr]
        return redirect(f"{reverse('security:verify')}?{urlencode({'next': _next(request)})}")
    device = services.pending_authenticator(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_authenticator(request, device, form.cleaned_data["code"]):
            codes = services.new_backup_codes(request.user)
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


@require_POST
@login_required
@recent_auth_required()
@never_cache
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes by new ones, shown once."""
    _staff_only(request)
    codes = services.new_backup_codes(request.user)
    ctx = {"codes": codes, "next": safe_next(request, None), "enrolled": False}
    return render(request, "security/backup_codes.html", ctx, status=201)


@require_http_methods(["GET", "POST"])
@login_required
@never_cache
def reauth(request: HttpRequest) -> HttpResponse:
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

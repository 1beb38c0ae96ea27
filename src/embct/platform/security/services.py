"""The second factor: who needs it, enrolling an authenticator, checking a code, backup codes."""

from __future__ import annotations

import base64
import math
from typing import Any

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.accounts.models import Role
from embct.platform.lib.reauth import mark_authenticated

AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup codes"
BACKUP_CODE_COUNT = 10


def needs_second_factor(user: Any) -> bool:
    """Therapists, researchers and administrators (and any account with Django admin flags)
    log in with a second factor; patients do not."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(
        getattr(user, "role", None) in {Role.THERAPIST, Role.RESEARCHER, Role.ADMIN}
        or user.is_staff
        or user.is_superuser
    )


def stamp_login(sender: object, request: HttpRequest, user: AbstractBaseUser, **_: Any) -> None:
    """``user_logged_in`` receiver: a login is a password entry (see :mod:`..lib.reauth`)."""
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)


def confirmed_devices(user: Any) -> list[Device]:
    """The user's confirmed devices, the authenticator before the backup codes."""
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
        *StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
    ]


def has_authenticator(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(user: Any) -> TOTPDevice:
    """The user's authenticator being enrolled (created on first call, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)
    return device


def qr_svg(device: TOTPDevice) -> SafeString:
    """The device's ``otpauth://`` URL as an inline SVG QR code (no style attributes).

    Safe to insert unescaped: segno writes only path data and numbers, and the title (ours,
    in the current language) is escaped by segno.
    """
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, title=gettext("QR code for the authenticator app")
    )
    return mark_safe(svg)  # noqa: S308


def manual_key(device: TOTPDevice) -> str:
    """The secret in base32, for typing into an app that cannot scan."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def check_code(request: HttpRequest, code: str) -> Device | None:
    """The device that accepts ``code`` (which it then marks used), remembered in the session as
    the second factor of this login; ``None`` if none does. Failures count towards each
    device's throttle."""
    code = "".join(code.split()).lower()
    if not code:
        return None
    with transaction.atomic():
        for device in confirmed_devices(request.user):
            if device.verify_token(code):
                otp_login(request, device)
                return device
    return None


def seconds_to_wait(user: Any) -> int:
    """Whole seconds (rounded up) until one of the user's devices takes a code again; 0 when
    one does now or the user has none.

    django-otp refuses codes after a wrong one for 1 s, then 2, 4, 8 ... s after each further
    wrong one in a row (``ThrottlingMixin``), and says until when (``locked_until``).
    """
    devices = confirmed_devices(user)
    if not devices:
        return 0
    now = timezone.now()
    waits = []
    for device in devices:
        allowed, why = device.verify_is_allowed()
        if allowed:
            return 0
        until = (why or {}).get("locked_until")
        # (a refusal that names no time, which none of django-otp's devices gives: a second)
        waits.append(math.ceil((until - now).total_seconds()) if until else 1)
    return max(min(waits), 1)


@transaction.atomic
def confirm_authenticator(request: HttpRequest, device: TOTPDevice, code: str) -> bool:
    """Confirm the pending ``device`` when ``code`` is its current code; log the second factor
    in. Earlier authenticators of the user are removed (one at a time)."""
    code = "".join(code.split())
    if not code or not device.verify_token(code):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return True


@transaction.atomic
def new_backup_codes(user: Any, count: int = BACKUP_CODE_COUNT) -> list[str]:
    """Replace the user's backup codes by ``count`` fresh single-use ones; return them (they
    are shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes

"""The second factor: who needs it, who may enrol, enrolling an authenticator, checking a code,
backup codes, and the enrolment code an administrator issues for a lost device.

Enrolment before the second factor is for an account that never had a confirmed device of any
kind (backup codes count), or for a session that has redeemed an enrolment code. Anyone else
gives their current second factor first; replacing a device then needs a recent password too.
The session key changes whenever the second factor is given (as Django's login does for the
password), so a key seen before the second factor is worth nothing after it.
"""

from __future__ import annotations

import base64
import hashlib
import math
import secrets
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import segno
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

if TYPE_CHECKING:
    from embct.platform.access import AuthenticatedHttpRequest
from django_otp.util import random_hex

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.lib.reauth import mark_authenticated

from .models import ENROLMENT_CODE_HOURS, AccountState, EnrolmentCode

AUTHENTICATOR_NAME = "authenticator"
BACKUP_NAME = "backup codes"
BACKUP_CODE_COUNT = 10
#: Session keys: the secret of the authenticator being set up (no device exists until its first
#: code is confirmed), and the account whose enrolment code this session redeemed.
PENDING_KEY_SESSION_KEY = "embct_pending_totp_key"
ENROL_PERMIT_SESSION_KEY = "embct_enrol_permit"
#: Session key: this login used a temporary password, to be changed before anything else.
MUST_CHANGE_SESSION_KEY = "embct_must_change_password"
#: Enrolment codes: 12 characters of an alphabet without look-alikes (60 bits), in groups of 4.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


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
    """``user_logged_in`` receiver: a login is a password entry (see :mod:`..lib.reauth`); a
    login with a temporary password may do nothing but change it."""
    if request is not None and hasattr(request, "session"):
        mark_authenticated(request)
        if must_change_password(user):
            request.session[MUST_CHANGE_SESSION_KEY] = True


def account_state(user: Any) -> AccountState:
    state, _ = AccountState.objects.get_or_create(user_id=user.pk)
    return state


def note_confirmed_device(sender: type[Device], instance: Device, **_: Any) -> None:
    """``post_save`` receiver for the device models: a confirmed device, however made
    (enrolment, Django admin, the demo), means the account has had a second factor."""
    if instance.confirmed and instance.user_id is not None:
        AccountState.objects.update_or_create(
            user_id=instance.user_id, defaults={"had_second_factor": True}
        )


def confirmed_devices(user: Any) -> list[Device]:
    """The user's confirmed devices, the authenticator before the backup codes."""
    return [
        *TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
        *StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk"),
    ]


def may_enrol_before_second_factor(request: HttpRequest) -> bool:
    """Whether this password-only session may set up an authenticator: the account has no
    device and never had one, or this session redeemed an enrolment code for it."""
    user = request.user
    if confirmed_devices(user):
        return False
    if request.session.get(ENROL_PERMIT_SESSION_KEY) == user.pk:
        return True
    return not account_state(user).had_second_factor


def pending_authenticator(request: HttpRequest) -> TOTPDevice:
    """The authenticator being set up, not saved: its secret lives in the session until the
    first code confirms it, so showing the page (a GET) creates no device and a reload shows
    the same QR code."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = request.session[PENDING_KEY_SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=request.user, name=AUTHENTICATOR_NAME, key=key, confirmed=False)


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


def _second_factor_given(request: HttpRequest, device: Device) -> None:
    """Remember ``device`` as this login's second factor, under a new session key."""
    otp_login(request, device)
    request.session.cycle_key()


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
                _second_factor_given(request, device)
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


def _code_fits(device: TOTPDevice, code: str) -> int | None:
    """The time step at which ``code`` is the unsaved ``device``'s code, or ``None``."""
    try:
        token = int(code)
    except ValueError:
        return None
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return totp.t() if totp.verify(token, device.tolerance) else None


def confirm_authenticator(request: HttpRequest, device: TOTPDevice, code: str) -> list[str] | None:
    """Save the pending ``device`` when ``code`` is its current code, with fresh backup codes
    (returned, to be shown once), and log the second factor in; ``None`` when the code is not
    right (nothing is saved). Earlier authenticators of the user are removed."""
    code = "".join(code.split())
    step = _code_fits(device, code) if code else None
    if step is None:
        return None
    user = request.user
    with transaction.atomic():
        replaced, _ = TOTPDevice.objects.filter(user=user).delete()
        if replaced:
            record(request, Action.DEVICE_DELETE, user, authenticators=replaced, replaced=True)
        device.confirmed, device.last_t = True, step
        device.save()
        record(request, Action.ENROL, user, with_enrolment_code=_permitted(request))
        codes = new_backup_codes(user, actor=request)
        _second_factor_given(request, device)
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    request.session.pop(ENROL_PERMIT_SESSION_KEY, None)
    return codes


def _permitted(request: HttpRequest) -> bool:
    return bool(request.session.get(ENROL_PERMIT_SESSION_KEY) == request.user.pk)


def new_backup_codes(
    user: Any, count: int = BACKUP_CODE_COUNT, *, actor: HttpRequest | Any = None
) -> list[str]:
    """Replace the user's backup codes by ``count`` fresh single-use ones; return them (they
    are shown once). Audited as done by ``actor`` (a request or a user; the user by default)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=BACKUP_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(count)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        record(actor if actor is not None else user, Action.BACKUP_CODES, user, count=count)
    return codes


# -- temporary passwords -------------------------------------------------------------------


def issue_temporary_password(account: User, password: str) -> None:
    """Set ``password`` as ``account``'s temporary password: it logs in for
    :data:`~.models.TEMPORARY_PASSWORD_DAYS` days, and only to be changed. (Changing the
    password also ends the account's other sessions: their session hash no longer matches.)"""
    with transaction.atomic():
        account.set_password(password)
        account.save(update_fields=["password"])
        mark_temporary_password(account)


def mark_temporary_password(account: User) -> None:
    """``account``'s password, just set by an administrator, is a temporary one."""
    AccountState.objects.update_or_create(
        user_id=account.pk, defaults={"temporary_password_at": timezone.now()}
    )


def must_change_password(user: Any) -> bool:
    return AccountState.objects.filter(
        user_id=user.pk, temporary_password_at__isnull=False
    ).exists()


def clear_temporary_password(user: Any) -> None:
    AccountState.objects.filter(user_id=user.pk).update(temporary_password_at=None)


# -- enrolment codes (a lost device) ---------------------------------------------------------


def _hash_code(code: str) -> str:
    normalized = "".join(code.split()).replace("-", "").upper()
    return hashlib.sha256(normalized.encode("ascii", "replace")).hexdigest()


def delete_devices(request: HttpRequest, account: User) -> int:
    """Delete all of ``account``'s second-factor devices (audited); return how many."""
    with transaction.atomic():
        authenticators, _ = TOTPDevice.objects.filter(user=account).delete()
        backups = StaticDevice.objects.filter(user=account).count()
        StaticDevice.objects.filter(user=account).delete()
        if authenticators or backups:
            record(
                request,
                Action.DEVICE_DELETE,
                account,
                authenticators=authenticators,
                backup_code_sets=backups,
            )
    return authenticators + backups


def issue_enrolment_code(request: HttpRequest, account: User) -> tuple[str, EnrolmentCode]:
    """Reset ``account``'s lost second factor: delete its devices and issue a one-time
    enrolment code (returned in clear once; stored hashed), replacing any unused earlier one.
    Both are audited, in one transaction with the change."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    code = "-".join(raw[i : i + 4] for i in range(0, 12, 4))
    with transaction.atomic():
        delete_devices(request, account)
        EnrolmentCode.objects.filter(user=account, used_at=None).delete()
        issued = EnrolmentCode.objects.create(user=account, code_hash=_hash_code(code))
        record(
            request,
            Action.ENROLMENT_CODE_ISSUE,
            account,
            expires=issued.expires_at.isoformat(),
        )
    return code, issued


def redeem_enrolment_code(request: AuthenticatedHttpRequest, code: str) -> bool:
    """Use ``code`` (the signed-in user's own, unused, not expired): this session may then set
    up an authenticator. Audited."""
    now = timezone.now()
    with transaction.atomic():
        issued = (
            EnrolmentCode.objects.select_for_update()
            .filter(
                user_id=request.user.pk,
                code_hash=_hash_code(code),
                used_at=None,
                issued_at__gt=now - timedelta(hours=ENROLMENT_CODE_HOURS),
            )
            .first()
        )
        if issued is None:
            return False
        issued.used_at = now
        issued.save(update_fields=["used_at"])
        record(request, Action.ENROLMENT_CODE_USE, request.user, code_id=issued.pk)
    request.session[ENROL_PERMIT_SESSION_KEY] = request.user.pk
    return True

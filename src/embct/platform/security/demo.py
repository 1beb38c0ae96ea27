"""Printed second-factor codes for the demo's staff accounts (never in production: the demo
command refuses to run there).

A demo code is a static (backup) code stored many times over, so the demo and the browser
tests can log in again and again; running the demo again tops the stock up.
"""

from __future__ import annotations

from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from embct.platform.accounts.models import User

DEMO_DEVICE_NAME = "demo code"
#: How many logins one demo code is good for before ``embct demo`` must run again.
DEMO_CODE_USES = 100


def demo_code(username: str) -> str:
    """The printed code of a demo staff account.

    >>> demo_code("therapist")
    '2fa-therapist'
    """
    return f"2fa-{username}"[:16]


def give_demo_code(user: User) -> str:
    """Make sure ``user`` can log in with their printed demo code; return it."""
    code = demo_code(user.username)
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=DEMO_DEVICE_NAME, defaults={"confirmed": True}
    )
    missing = DEMO_CODE_USES - device.token_set.filter(token=code).count()
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for _ in range(missing))
    return code

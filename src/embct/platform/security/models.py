"""What the second factor and the password lifecycle remember about an account.

- :class:`AccountState`: whether the account ever had a confirmed second-factor device (then
  a password alone never enrols a new one: an administrator's enrolment code is needed), and
  since when its password is a temporary one set by an administrator (to be changed at the
  first login; refused after :data:`TEMPORARY_PASSWORD_DAYS`).
- :class:`EnrolmentCode`: the one-time code an administrator issues when resetting a lost
  device, stored hashed, good once and for :data:`ENROLMENT_CODE_HOURS`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

#: A temporary password not used within this many days no longer logs in.
TEMPORARY_PASSWORD_DAYS = 7
#: An enrolment code is good for this many hours after it is issued.
ENROLMENT_CODE_HOURS = 24


class AccountState(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="security_state",
    )
    #: Set for good when a device (authenticator or backup codes) is first confirmed.
    had_second_factor = models.BooleanField(default=False)
    #: When an administrator set a temporary password; cleared when the user changes it.
    temporary_password_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"security state of account #{self.pk}"

    def temporary_password_expired(self, now: datetime | None = None) -> bool:
        """Whether the password is a temporary one issued more than a week ago."""
        if self.temporary_password_at is None:
            return False
        age = (now or timezone.now()) - self.temporary_password_at
        return age > timedelta(days=TEMPORARY_PASSWORD_DAYS)


class EnrolmentCode(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    #: SHA-256 of the code (a random code of 60 bits: a fast hash suffices).
    code_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(default=timezone.now)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"enrolment code #{self.pk}"

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + timedelta(hours=ENROLMENT_CODE_HOURS)

"""One append-only table of audit events, and the log of the redactions made to it.

The application never changes or deletes an event: ``save()`` refuses an update, and
``delete()`` and the queryset's ``update()``/``delete()`` refuse too. The database refuses as
well, so a bug, an SQL injection or a shell session cannot rewrite history: on SQLite,
triggers (migration 0003) refuse every DELETE and every UPDATE; on PostgreSQL a trigger
(migrations 0002, 0003) does the same, and the application may run as a role that holds only
INSERT and SELECT on the table (README, "Two PostgreSQL roles").

The one exception is redaction after the retention period, which blanks an event's details
and pseudonymizes its actor's name (never its action, target or time). It goes through one
path, :func:`embct.platform.audit.redaction.redact`, which the database lets through only
while an open row in :class:`AuditRedaction` says so, and that row stays behind as the
record that the redaction happened.

``actor_id`` is a plain number, not a foreign key: deleting an account must neither cascade
into the log nor need an UPDATE of it.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embct.platform.lib.roles import Role


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete an audit event."""


class Action(models.TextChoices):
    PATIENT_VIEW = "patient.view", _("Read a patient's record")
    SUPERVISION_VIEW = "supervision.view", _("Read feedback to a supervisee's patient")
    GROUP_VIEW = "group.view", _("Read a group's attendance")
    ACCOUNT_CREATE = "account.create", _("Created an account")
    ROLE_CHANGE = "account.role_change", _("Changed an account's role")
    PASSWORD_RESET = "account.password_reset", _("Reset an account's password")
    PATIENT_ASSIGN = "patient.assign", _("Changed a patient's therapist, arm or schedule")
    LANGUAGE_CHANGE = "account.language", _("Changed their own language")
    NOTIFICATIONS_CHANGE = "account.notifications", _("Changed their own e-mail notifications")
    SELF_EXPORT = "privacy.self_export", _("A patient downloaded their own data")
    RETENTION = "privacy.retention", _("Pseudonymized or erased data after the retention period")
    # The research workflow (allocation, exports, flags) records these.
    ALLOCATION = "trial.allocation", _("Allocated a participant")
    EXPORT = "trial.export", _("Exported study data")
    FLAG_ACK = "trial.flag_ack", _("Acknowledged a flag")
    SCREENING_REMOVE = "trial.screening_remove", _("Removed a junk entry from the call list")
    # The second factor and the password lifecycle (embct.platform.security) record these.
    ENROL = "security.enrol", _("Set up an authenticator app")
    BACKUP_CODES = "security.backup_codes", _("Generated new backup codes")
    DEVICE_DELETE = "security.device_delete", _("Deleted second-factor devices")
    ENROLMENT_CODE_ISSUE = "security.enrolment_code", _("Issued an enrolment code")
    ENROLMENT_CODE_USE = "security.enrolment_code_use", _("Used an enrolment code")
    PASSWORD_CHANGE = "account.password_change", _("Changed their own password")
    PASSWORD_RESET_LINK = "account.password_reset_link", _("Set a new password by e-mail link")

    # Lists that show patients: one event per patient shown (details: which page).
    PATIENT_LIST = "patient.list", _("Saw a patient in a list")
    CALL_LIST_VIEW = "screening.view", _("Saw a screening's telephone number")
    ADMIN_VIEW = "admin.view", _("Opened a record in Django admin")
    ADMIN_LIST = "admin.list", _("Saw a record in a list in Django admin")
    # Signing in and out (Django's and django-axes' signals).
    LOGIN = "auth.login", _("Signed in")
    LOGIN_FAILED = "auth.login_failed", _("Failed to sign in")
    LOGOUT = "auth.logout", _("Signed out")
    LOCKOUT = "auth.lockout", _("Locked out after too many failed sign-ins")
    PERMISSION_CHANGE = "account.permissions", _("Changed an account's permissions or groups")
    SUPERVISION_LINK = "supervision.link", _("Linked or unlinked a supervisor")
    # The research workflow, each recorded by its service.
    ELIGIBILITY = "trial.eligibility", _("Recorded an eligibility call")
    CONSENT = "trial.consent", _("Recorded consent")
    BASELINE = "trial.baseline", _("Recorded baseline characteristics")
    WITHDRAWAL = "trial.withdrawal", _("Recorded a withdrawal")
    STUDY_LINK = "trial.link", _("Linked a study id to a patient's account")
    CORRECTION = "trial.correction", _("Corrected a study record, with a reason")
    # The eligibility call (research.services), each recorded by its service.
    CALL_ATTEMPT = "trial.call_attempt", _("Recorded an eligibility call attempt")
    CALL_CLOSE = "trial.call_close", _("Closed an eligibility call as not reached")
    REFERRAL = "trial.referral", _("Recorded a referral after an exclusion")
    # Safety: a therapist's worry about a patient, sent to the supervisor and clinic leads.
    SAFETY_CONCERN = "safety.concern", _("Raised a safety concern about a patient")
    SAFETY_ACK = "safety.acknowledge", _("Acknowledged a safety concern")
    # A therapist's private notes about a patient (care.TherapistMemo): counts and ids only.
    MEMO_VIEW = "memo.view", _("Read the private notes about a patient")
    MEMO_WRITE = "memo.write", _("Wrote a private note about a patient")


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, blank=True)
    action = models.CharField(max_length=40, db_index=True)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"audit event #{self.pk}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None or kwargs.get("force_update"):
            raise AppendOnlyError("audit events cannot be changed once written")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    @property
    def action_label(self) -> str:
        """The action in words ("Read a patient's record"); a code the platform no longer
        knows as it is."""
        return _label(Action, self.action)

    @property
    def role_label(self) -> str:
        """The actor's role in words ("Therapist"), as it was then; blank stays blank."""
        return _label(Role, self.role)


class AuditRedaction(models.Model):
    """One redaction of audit events after the retention period (append-only itself).

    While a row is ``open`` the database lets the redaction path change the details and actor
    names of events; closing it records how many changed. Rows are never deleted.
    """

    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=40)
    events = models.PositiveIntegerField(default=0)
    open = models.BooleanField(default=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"audit redaction #{self.pk}"


def _label(choices: type[models.TextChoices], code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code

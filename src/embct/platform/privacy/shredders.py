"""Erasure after the retention period, one category at a time (the idea of pretix's
"shredders"): each category can first export what it is about to change, then pseudonymize or
erase it. What a clinic keeps is configured in ``settings.EMBCT_RETENTION``::

    EMBCT_RETENTION = {
        "years": 15,                  # after the study's end
        "accounts": "pseudonymize",   # patients' user name -> stable pseudonym; names, e-mail blank
        "diaries": "erase",           # diary free text blank (dates and minutes stay)
        "messages": "erase",          # message text blank ("delete" removes the rows)
        "audit": "pseudonymize",      # details blank; patients' names in the log -> pseudonym
                                      # (the retention runs' own events keep their counts)
        "screenings": "erase",        # every screening's telephone number blank
        "flags": "erase",             # therapists' notes on early warnings blank
        "concerns": "erase",          # the text of safety concerns and their replies blank
        "therapist_memos": "erase",   # therapists' private notes blank, unsent drafts deleted
        "login_logs": "delete",       # django-axes' access logs, attempts and failures go
        "admin_history": "erase",     # Django admin's history: object names, messages blank
    }

``keep`` leaves a category alone. Research data (dates, minutes, scores, allocations) stay:
they are what the study is analysed from, linked only through the pseudonym.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.db.models import Model, Q, QuerySet

from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.audit.redaction import redact
from embct.platform.care.models import (
    DiaryEntry,
    FeedbackDraft,
    Message,
    SafetyConcern,
    TherapistMemo,
)
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.research.models import Screening

DEFAULTS: dict[str, Any] = {
    "years": 15,
    "accounts": "pseudonymize",
    "diaries": "erase",
    "messages": "erase",
    "audit": "pseudonymize",
    "screenings": "erase",
    "flags": "erase",
    "concerns": "erase",
    "therapist_memos": "erase",
    "login_logs": "delete",
    "admin_history": "erase",
}
REDACTED = {"redacted": "retention"}


class RetentionConfigError(ValueError):
    """``EMBCT_RETENTION`` names an unknown category or method, or a bad period."""


def pseudonym(user_id: int) -> str:
    """A stable pseudonym for an account: the same on every run, not reversible without
    ``SECRET_KEY``."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"user:{user_id}".encode(), hashlib.sha256)
    return f"p-{digest.hexdigest()[:16]}"


def retention_end(study_end: date, years: int) -> date:
    """The first day after the retention period (29 February becomes 28 February).

    Examples
    --------
    >>> retention_end(date(2024, 2, 29), 15)
    datetime.date(2039, 2, 28)
    """
    try:
        return study_end.replace(year=study_end.year + years)
    except ValueError:
        return study_end.replace(year=study_end.year + years, day=28)


def _patients() -> QuerySet[User]:
    return User.objects.filter(role=Role.PATIENT)


@dataclass
class Shredder:
    """One category of personal data; subclasses say which rows and how to change them."""

    method: str
    name: ClassVar[str] = ""
    methods: ClassVar[tuple[str, ...]] = ()

    def rows(self) -> QuerySet:
        """The rows this category would change (already shredded rows excluded)."""
        raise NotImplementedError

    def count(self) -> int:
        return self.rows().count()

    def export(self) -> list[dict[str, Any]]:
        return list(self.rows().order_by("pk").values(*self.fields))

    fields: ClassVar[tuple[str, ...]] = ()

    def shred(self) -> int:
        raise NotImplementedError


class AccountShredder(Shredder):
    name = "accounts"
    methods = ("pseudonymize", "erase")
    fields = ("id", "username", "first_name", "last_name", "email")

    def rows(self) -> QuerySet[User]:
        pending = ~Q(first_name="") | ~Q(last_name="") | ~Q(email="") | Q(is_active=True)
        if self.method == "pseudonymize":
            pending |= ~Q(username__startswith="p-")
        else:
            pending |= ~Q(username__startswith="erased-")
        return _patients().filter(pending)

    def shred(self) -> int:
        count = 0
        for user in self.rows():
            if self.method == "pseudonymize":
                user.username = pseudonym(user.pk)
            else:
                user.username = f"erased-{secrets.token_hex(8)}"
            user.first_name = user.last_name = user.email = ""
            user.is_active = False
            user.set_unusable_password()
            user.save()
            count += 1
        return count


class DiaryShredder(Shredder):
    name = "diaries"
    methods = ("erase",)
    fields = ("id", "patient_id", "date", "body", "thoughts", "feelings", "text")

    def rows(self) -> QuerySet[DiaryEntry]:
        return DiaryEntry.objects.exclude(body="", thoughts="", feelings="", text="")

    def shred(self) -> int:
        return self.rows().update(body="", thoughts="", feelings="", text="")


class MessageShredder(Shredder):
    name = "messages"
    methods = ("erase", "delete")
    fields = ("id", "patient_id", "sent_at", "body")

    def rows(self) -> QuerySet[Message]:
        if self.method == "delete":
            return Message.objects.all()
        return Message.objects.exclude(body="")

    def shred(self) -> int:
        if self.method == "delete":
            return self.rows().delete()[0]
        return self.rows().update(body="")


class AuditShredder(Shredder):
    name = "audit"
    methods = ("pseudonymize", "erase")
    fields = ("id", "at", "actor_name", "action", "target_type", "target_id", "details")

    def rows(self) -> QuerySet[AuditEvent]:
        patient_ids = list(_patients().values_list("pk", flat=True))
        by_patient = Q(actor_id__in=patient_ids) & ~Q(actor_name__in=self._names(patient_ids))
        with_details = ~Q(details=REDACTED) & ~Q(details={}) & ~Q(action=Action.RETENTION)
        return AuditEvent.objects.filter(by_patient | with_details)

    def _names(self, patient_ids: list[int]) -> list[str]:
        return [pseudonym(pk) for pk in patient_ids] if self.method == "pseudonymize" else [""]

    def shred(self) -> int:
        events = list(self.rows().values_list("pk", "actor_id", "actor_name", "details"))
        patient_ids = set(_patients().values_list("pk", flat=True))
        changes = []
        for pk, actor_id, actor_name, details in events:
            name = actor_name
            if actor_id in patient_ids:
                name = pseudonym(actor_id) if self.method == "pseudonymize" else ""
            changes.append((pk, REDACTED if details else {}, name))
        return redact(changes, reason="retention")


class ScreeningShredder(Shredder):
    """Telephone numbers left on the public screening's records: those of people never
    randomized (randomization blanks the number; so does the daily job after
    ``EMBCT_SCREENING_CONTACT_DAYS``)."""

    name = "screenings"
    methods = ("erase",)
    fields = ("id", "created_at", "contact")

    def rows(self) -> QuerySet[Screening]:
        return Screening.objects.exclude(contact="")

    def shred(self) -> int:
        return self.rows().update(contact="")


class FlagNoteShredder(Shredder):
    """Therapists' notes on acknowledged early warnings (free text about the patient); the
    flag, its evidence and who acknowledged it when stay."""

    name = "flags"
    methods = ("erase",)
    fields = ("id", "patient_id", "code", "acknowledged_at", "note")

    def rows(self) -> QuerySet[FlagRecord]:
        return FlagRecord.objects.exclude(note="")

    def shred(self) -> int:
        return self.rows().update(note="")


class ConcernShredder(Shredder):
    """Safety concerns' text and their replies (free text about the patient); who raised it,
    whom it reached, who acknowledged it and when stay."""

    name = "concerns"
    methods = ("erase",)
    fields = ("id", "patient_id", "raised_at", "acknowledged_at", "note", "reply")

    def rows(self) -> QuerySet[SafetyConcern]:
        return SafetyConcern.objects.exclude(note="", reply="")

    def shred(self) -> int:
        return self.rows().update(note="", reply="")


class TherapistMemoShredder(Shredder):
    """Therapists' private notes about patients and their unsent feedback drafts (free text
    about the patient): ``erase`` blanks the notes (who wrote one about whom, and when, stay)
    and deletes the drafts; ``delete`` removes both."""

    name = "therapist_memos"
    methods = ("erase", "delete")
    fields = ("id", "patient_id", "author_id", "created", "text")
    draft_fields = ("id", "patient_id", "therapist_id", "saved_at", "body")

    def rows(self) -> QuerySet[TherapistMemo]:
        if self.method == "delete":
            return TherapistMemo.objects.all()
        return TherapistMemo.objects.exclude(text="")

    def count(self) -> int:
        return self.rows().count() + FeedbackDraft.objects.count()

    def export(self) -> list[dict[str, Any]]:
        memos = self.rows().order_by("pk").values(*self.fields)
        drafts = FeedbackDraft.objects.order_by("pk").values(*self.draft_fields)
        return [
            *({"table": "care.therapistmemo", **row} for row in memos),
            *({"table": "care.feedbackdraft", **row} for row in drafts),
        ]

    def shred(self) -> int:
        drafts = FeedbackDraft.objects.all().delete()[0]
        if self.method == "delete":
            return self.rows().delete()[0] + drafts
        return self.rows().update(text="") + drafts


class LoginLogShredder(Shredder):
    """django-axes' records of logins, failed logins and lockouts (user names, addresses,
    browsers): deleted, they serve only the login throttle."""

    name = "login_logs"
    methods = ("delete",)
    fields = ("id", "username", "ip_address", "user_agent", "attempt_time")
    models: ClassVar[tuple[type[Model], ...]] = (AccessAttempt, AccessLog, AccessFailureLog)

    def count(self) -> int:
        return sum(model._default_manager.count() for model in self.models)

    def export(self) -> list[dict[str, Any]]:
        return [
            {"table": model._meta.label, **row}
            for model in self.models
            for row in model._default_manager.order_by("pk").values(*self.fields)
        ]

    def shred(self) -> int:
        return sum(model._default_manager.all().delete()[0] for model in self.models)


class AdminHistoryShredder(Shredder):
    """Django admin's history ("Changed pim's e-mail"): ``erase`` blanks the object's name and
    the change message (who, when, which object by type and id stay); ``delete`` removes it."""

    name = "admin_history"
    methods = ("erase", "delete")
    fields = ("id", "action_time", "user_id", "object_id", "object_repr", "change_message")

    def rows(self) -> QuerySet[LogEntry]:
        if self.method == "delete":
            return LogEntry.objects.all()
        return LogEntry.objects.exclude(object_repr="", change_message="")

    def shred(self) -> int:
        if self.method == "delete":
            return self.rows().delete()[0]
        return self.rows().update(object_repr="", change_message="")


SHREDDERS: tuple[type[Shredder], ...] = (
    AccountShredder,
    DiaryShredder,
    MessageShredder,
    AuditShredder,
    ScreeningShredder,
    FlagNoteShredder,
    ConcernShredder,
    TherapistMemoShredder,
    LoginLogShredder,
    AdminHistoryShredder,
)


def configured() -> tuple[int, list[Shredder]]:
    """The retention period in years and the shredders of the categories not kept."""
    config = {**DEFAULTS, **getattr(settings, "EMBCT_RETENTION", {})}
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise RetentionConfigError(
            f"EMBCT_RETENTION: unknown key(s) {sorted(unknown)}; expected {sorted(DEFAULTS)}"
        )
    years = config["years"]
    if not isinstance(years, int) or isinstance(years, bool) or years < 0:
        raise RetentionConfigError(f"EMBCT_RETENTION['years']: {years!r} is not a whole >= 0")
    chosen = []
    for shredder in SHREDDERS:
        method = config[shredder.name]
        if method == "keep":
            continue
        if method not in shredder.methods:
            allowed = ", ".join((*shredder.methods, "keep"))
            raise RetentionConfigError(
                f"EMBCT_RETENTION[{shredder.name!r}]: {method!r} is not one of {allowed}"
            )
        chosen.append(shredder(method))
    return years, chosen

"""Everything the platform holds about one patient, as JSON-ready data.

Besides the account and the care profile, every model with a foreign key to the patient's
profile or account is included, found through the model registry: a new app (questionnaire
responses, allocations) is part of the download without a change here. The audit log adds
who (by role) read the record and when.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import models
from django.utils import timezone

from embct.platform.accounts.models import User
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.care.models import PatientProfile

#: Apps whose rows are bookkeeping, not the patient's data.
SKIPPED_APPS = {"admin", "auth", "contenttypes", "sessions", "audit"}
#: Models linked to the patient that hold the therapist's own working text, not the patient's
#: data: drafts not sent yet and private notes (both covered by retention: privacy.shredders).
SKIPPED_MODELS = {"care.feedbackdraft", "care.therapistmemo"}
#: Reads and writes of those notes: the accesses list would tell the patient they exist.
PRIVATE_NOTE_ACTIONS = (Action.MEMO_VIEW, Action.MEMO_WRITE)
#: Account fields a patient gets back (never the password hash).
ACCOUNT_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "language",
    "email_on_new_message",
    "date_joined",
    "last_login",
)
#: Fields that are machinery rather than data.
SKIPPED_FIELDS = {"form_token"}


def patient_data(profile: PatientProfile) -> dict[str, Any]:
    """The patient's data: ``{"exported_at", "account", "records": {model label: [rows]},
    "accesses": [...]}``; each row is ``{"id", **fields}`` with foreign keys as ids."""
    user = profile.user
    records: dict[str, list[dict[str, Any]]] = {}
    for model, field in _linked_fields():
        owner = profile if field.related_model is PatientProfile else user
        linked = model._default_manager.filter(**{field.name: owner}).order_by("pk")
        if linked.exists():
            records.setdefault(model._meta.label_lower, []).extend(_rows(linked))
    for label, rows in records.items():
        unique = {row["id"]: row for row in rows}
        records[label] = [unique[k] for k in sorted(unique)]
    records["care.patientprofile"] = _rows(PatientProfile.objects.filter(pk=profile.pk))
    accesses = AuditEvent.objects.filter(target_type="patient", target_id=str(profile.pk)).exclude(
        action__in=PRIVATE_NOTE_ACTIONS
    )
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {name: _plain(getattr(user, name)) for name in ACCOUNT_FIELDS},
        "records": dict(sorted(records.items())),
        "accesses": [
            {"at": e.at.isoformat(), "role": e.role, "action": e.action}
            for e in accesses.order_by("at", "pk")
        ],
    }


def _linked_fields() -> list[tuple[type[models.Model], models.ForeignKey]]:
    linked = []
    for model in apps.get_models():
        if (
            model._meta.app_label in SKIPPED_APPS
            or model._meta.label_lower in SKIPPED_MODELS
            or model is PatientProfile
        ):
            continue
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)  # OneToOneField is one too
                and field.related_model in (PatientProfile, User)
            ):
                linked.append((model, field))
    return linked


def _rows(queryset: models.QuerySet) -> list[dict[str, Any]]:
    out = []
    for item in serializers.serialize("python", queryset):
        fields = {k: _plain(v) for k, v in item["fields"].items() if k not in SKIPPED_FIELDS}
        out.append({"id": item["pk"], **fields})
    return out


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value

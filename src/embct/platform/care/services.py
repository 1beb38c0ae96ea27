"""The work behind the views: each function does one clinically meaningful thing."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone

from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.course.models import CourseSession

from .models import DiaryEntry, LogSubmission, Message, MessageKind, PatientProfile
from .notify import notify


@transaction.atomic
def save_assignment(form: forms.ModelForm, *, by: Any) -> PatientProfile:
    """Save a patient's therapist, arm, schedule or group (the clinic's or Django admin's
    form) with one audit event naming the fields that changed; none if nothing did."""
    profile = form.save()
    if form.changed_data:
        record(by, Action.PATIENT_ASSIGN, profile, changed=form.changed_data)
    return profile


class NothingToSend(ValueError):
    """The patient tried to send a session's log files without any unsent diary entry."""


@transaction.atomic
def send_log_files(profile: PatientProfile, session: CourseSession) -> LogSubmission:
    """Bundle the session's unsent diary entries into a submission to the therapist."""
    unsent = DiaryEntry.objects.select_for_update().filter(
        patient=profile, session=session, submission=None
    )
    ids = list(unsent.values_list("pk", flat=True))
    if not ids:
        raise NothingToSend("write at least one diary entry for this session first")
    submission = LogSubmission.objects.create(patient=profile, session=session)
    DiaryEntry.objects.filter(pk__in=ids).update(submission=submission)
    if profile.therapist is not None:
        notify(profile.therapist)
    return submission


def _create_once(form_token: uuid.UUID | None, **fields: Any) -> tuple[Message, bool]:
    """Create a message, or return the one this form already stored (same author and token):
    a double click or a resend after a lost answer stores one message."""
    if form_token is None:
        return Message.objects.create(**fields), True
    try:
        with transaction.atomic():
            return Message.objects.create(form_token=form_token, **fields), True
    except IntegrityError:
        return Message.objects.get(author=fields["author"], form_token=form_token), False


def patient_writes(
    profile: PatientProfile, body: str, form_token: uuid.UUID | None = None
) -> Message:
    message, created = _create_once(
        form_token,
        patient=profile,
        author=profile.user,
        kind=MessageKind.MESSAGE,
        body=body,
        from_patient=True,
    )
    if created and profile.therapist is not None:
        notify(profile.therapist)
    return message


@transaction.atomic
def therapist_writes(
    therapist: object,
    profile: PatientProfile,
    body: str,
    kind: str = MessageKind.FEEDBACK,
    form_token: uuid.UUID | None = None,
) -> Message:
    """Feedback (or a welcome): answers every waiting log file and message of the patient."""
    now = timezone.now()
    message, created = _create_once(
        form_token, patient=profile, author=therapist, kind=kind, body=body
    )
    if not created:
        return message
    if kind == MessageKind.FEEDBACK:
        profile.submissions.filter(answered_at=None).update(answered_at=now)
        profile.messages.filter(from_patient=True, answered_at=None).update(answered_at=now)
    notify(profile.user)
    return message


def mark_read(profile: PatientProfile) -> int:
    """The patient opened the inbox: the therapist's messages are read."""
    return profile.messages.filter(from_patient=False, read_at=None).update(read_at=timezone.now())

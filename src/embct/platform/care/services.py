"""The work behind the views: each function does one clinically meaningful thing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from embct.platform.accounts.models import User
from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.course.models import CourseSession
from embct.platform.lib.roles import Role

from .models import (
    DiaryEntry,
    FeedbackDraft,
    LogSubmission,
    Message,
    MessageKind,
    PatientProfile,
    SafetyConcern,
    Snippet,
    TherapistMemo,
    TherapistProfile,
)
from .notify import notify, wants_message_email


@transaction.atomic
def save_assignment(form: forms.ModelForm, *, by: Any) -> PatientProfile:
    """Save a patient's therapist, arm, schedule or group (the clinic's or Django admin's
    form) with one audit event naming the fields that changed; none if nothing did. A new
    therapist: the previous one's unsent drafts to the patient go (she can no longer send
    them); the private notes stay with the record for whoever treats the patient next."""
    profile = form.save()
    if "therapist" in form.changed_data:
        FeedbackDraft.objects.filter(patient=profile).exclude(therapist=profile.therapist).delete()
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


@dataclass(frozen=True)
class Written:
    """A therapist's message as stored: ``created`` False when this form had already sent it;
    ``emailed`` whether the patient was e-mailed now (no address, a refused mail, a form
    sent twice, or a patient who chose no e-mails: False); ``declined`` True when the patient
    chose not to get these e-mails (so none was tried)."""

    message: Message
    created: bool
    emailed: bool
    declined: bool = False


def _lock_patient(profile: PatientProfile) -> None:
    """Hold the patient's row until the transaction ends (PostgreSQL: SELECT ... FOR UPDATE;
    SQLite has one writer at a time anyway), so that a send and a draft save of the same
    patient happen one after the other, never interleaved."""
    list(PatientProfile.objects.select_for_update().filter(pk=profile.pk).values_list("pk"))


@transaction.atomic
def therapist_writes(
    therapist: User,
    profile: PatientProfile,
    body: str,
    kind: str = MessageKind.FEEDBACK,
    form_token: uuid.UUID | None = None,
) -> Written:
    """Feedback (or a welcome): answers every waiting log file and message of the patient."""
    _lock_patient(profile)  # a draft save of the same form waits for this send (save_draft)
    now = timezone.now()
    message, created = _create_once(
        form_token, patient=profile, author=therapist, kind=kind, body=body
    )
    FeedbackDraft.objects.filter(patient=profile, therapist=therapist).delete()
    if not created:
        return Written(message, created=False, emailed=False)
    if kind == MessageKind.FEEDBACK:
        profile.submissions.filter(answered_at=None).update(answered_at=now)
        profile.messages.filter(from_patient=True, answered_at=None).update(answered_at=now)
    if not wants_message_email(profile.user):
        return Written(message, created=True, emailed=False, declined=True)
    return Written(message, created=True, emailed=notify(profile.user))


@transaction.atomic
def set_message_email(user: User, wanted: bool, *, by: Any) -> bool:
    """A patient's own choice: an e-mail when their therapist writes, or not. Audited with
    the old and the new value, in the change's transaction; True if it changed."""
    if user.email_on_new_message == wanted:
        return False
    old = user.email_on_new_message
    user.email_on_new_message = wanted
    user.save(update_fields=["email_on_new_message"])
    record(by, Action.NOTIFICATIONS_CHANGE, user, old=old, new=wanted)
    return True


# ---- drafts ----------------------------------------------------------------------------------
@transaction.atomic
def save_draft(
    therapist: Any,
    profile: PatientProfile,
    body: str,
    kind: str = MessageKind.FEEDBACK,
    form_token: uuid.UUID | None = None,
) -> FeedbackDraft | None:
    """Keep what the therapist has typed to ``profile`` so far (one draft per therapist and
    patient, replaced each time); a blank text deletes the draft (None). So does a save from a
    form whose message is already sent (``form_token``): a save still on its way when she
    pressed "Send" does not bring the sent text back as a draft."""
    if kind not in (MessageKind.WELCOME, MessageKind.FEEDBACK):
        raise ValueError(f"a draft is a welcome or feedback, not {kind!r}")
    # after a send of this form in progress (therapist_writes holds the lock): then it is sent
    _lock_patient(profile)
    sent = (
        form_token is not None
        and Message.objects.filter(author=therapist, form_token=form_token).exists()
    )
    if sent or not body.strip():
        FeedbackDraft.objects.filter(patient=profile, therapist=therapist).delete()
        return None
    fields = {"body": body, "kind": kind, "saved_at": timezone.now()}
    try:
        with transaction.atomic():
            draft, _ = FeedbackDraft.objects.update_or_create(
                patient=profile, therapist=therapist, defaults=fields
            )
    except IntegrityError:  # two saves at once both created it: the other one won, update it
        draft = FeedbackDraft.objects.get(patient=profile, therapist=therapist)
        FeedbackDraft.objects.filter(pk=draft.pk).update(**fields)
        draft.refresh_from_db()
    return draft


def draft_of(therapist: Any, profile: PatientProfile) -> FeedbackDraft | None:
    """The therapist's unsent text to ``profile``, if any."""
    return FeedbackDraft.objects.filter(patient=profile, therapist=therapist).first()


# ---- snippets --------------------------------------------------------------------------------
#: Snippets a therapist may keep (the feedback form lists them all in one drop-down).
MAX_SNIPPETS = 100


class TooManySnippets(ValueError):
    """The therapist already keeps :data:`MAX_SNIPPETS` snippets; nothing is added."""


def save_snippet(form: forms.ModelForm, therapist: User) -> Snippet:
    """Add a snippet of ``therapist`` (the form of a new one) or save her changes to one."""
    snippet = form.save(commit=False)
    if snippet.pk is None:
        if Snippet.objects.filter(therapist=therapist).count() >= MAX_SNIPPETS:
            raise TooManySnippets(f"at most {MAX_SNIPPETS} snippets")
        snippet.therapist = therapist
    snippet.save()
    return snippet


# ---- private notes ---------------------------------------------------------------------------
def read_memos(therapist: User, profile: PatientProfile, *, by: Any = None) -> list[TherapistMemo]:
    """The private notes about ``profile``, newest first; the read is audited (how many were
    shown, never their text)."""
    with transaction.atomic():
        memos = list(profile.memos.select_related("author"))
        record(therapist if by is None else by, Action.MEMO_VIEW, profile, memos_shown=len(memos))
    return memos


@transaction.atomic
def write_memo(
    therapist: User,
    profile: PatientProfile,
    text: str,
    *,
    form_token: uuid.UUID | None = None,
    by: Any = None,
) -> TherapistMemo:
    """Store a private note about ``profile`` and audit it (its id and length, never its
    text). The same form sent twice stores one note."""
    token = form_token or uuid.uuid4()
    try:
        with transaction.atomic():
            memo = TherapistMemo.objects.create(
                patient=profile, author=therapist, text=text, form_token=token
            )
    except IntegrityError:  # the same form again: the note is already stored
        return TherapistMemo.objects.get(author=therapist, form_token=token)
    record(
        therapist if by is None else by,
        Action.MEMO_WRITE,
        profile,
        memo_id=memo.pk,
        characters=len(text),
    )
    return memo


# ---- the therapist's profile -----------------------------------------------------------------
def therapist_profile(therapist: User) -> TherapistProfile:
    """The therapist's profile (an empty one if she has not written one yet; not saved)."""
    found = TherapistProfile.objects.filter(user=therapist).defer("photo").first()
    return found or TherapistProfile(user=therapist)


@transaction.atomic
def save_therapist_profile(
    therapist: User, about: str, photo: bytes | None = None, remove_photo: bool = False
) -> TherapistProfile:
    """Save her profile text, and a new photo (already checked and re-encoded by
    :func:`.photos.process`) or none (``remove_photo``); without either the photo stays."""
    profile, _ = TherapistProfile.objects.select_for_update().get_or_create(user=therapist)
    profile.about = about
    if photo is not None:
        profile.photo, profile.photo_updated = photo, timezone.now()
    elif remove_photo:
        profile.photo, profile.photo_updated = None, None
    profile.save()
    return profile


def thread_of(profile: PatientProfile) -> QuerySet[Message]:
    """The patient's messages in order, each with its author and the author's therapist
    profile (a welcome shows her photo and profile; the photo's bytes are not loaded)."""
    return profile.messages.select_related("author", "author__therapist_profile").defer(
        "author__therapist_profile__photo"
    )


def mark_read(profile: PatientProfile) -> int:
    """The patient opened the inbox: the therapist's messages are read."""
    return profile.messages.filter(from_patient=False, read_at=None).update(read_at=timezone.now())


# ---- safety concerns -------------------------------------------------------------------------
class NoOneToTell(ValueError):
    """The therapist has no supervisor and the clinic has no lead: a safety concern would reach
    no one, so it is not stored (the page tells the therapist to call someone instead)."""


def concern_recipients(therapist: Any) -> list[User]:
    """Whom a therapist's safety concern goes to: their supervisor and the clinic's leads
    (``EMBCT_CLINIC_LEADS``), active therapist accounts only, never the therapist themself."""
    wanted = Q(supervisees_links__therapist=therapist) | Q(username__in=settings.EMBCT_CLINIC_LEADS)
    people = User.objects.filter(wanted, role=Role.THERAPIST, is_active=True)
    return list(people.exclude(pk=therapist.pk).distinct().order_by("first_name", "pk"))


@transaction.atomic
def raise_concern(
    therapist: Any,
    profile: PatientProfile,
    note: str,
    *,
    form_token: uuid.UUID | None = None,
    by: Any = None,
) -> SafetyConcern:
    """Store the concern for its recipients, audit it, and e-mail each of them (once it is
    committed) that something is waiting. The same form sent twice raises one concern.

    Raises
    ------
    NoOneToTell
        Nobody would receive it; nothing is stored.
    """
    recipients = concern_recipients(therapist)
    if not recipients:
        raise NoOneToTell("the therapist has no supervisor and the clinic has no lead")
    token = form_token or uuid.uuid4()
    try:
        with transaction.atomic():
            concern = SafetyConcern.objects.create(
                patient=profile, raised_by=therapist, note=note, form_token=token
            )
    except IntegrityError:  # the same form again: the concern is already raised
        return SafetyConcern.objects.get(raised_by=therapist, form_token=token)
    concern.recipients.set(recipients)
    record(
        therapist if by is None else by,
        Action.SAFETY_CONCERN,
        profile,
        concern=concern.pk,
        recipients=[person.pk for person in recipients],
    )
    for person in recipients:
        transaction.on_commit(partial(notify, person))
    return concern


@transaction.atomic
def acknowledge_concern(concern: SafetyConcern, user: Any, reply: str, *, by: Any = None) -> bool:
    """A recipient has seen the concern and says what they do; audited, and the therapist who
    raised it gets an e-mail that something is waiting. A concern already acknowledged stays
    as it was (False)."""
    changed = SafetyConcern.objects.filter(pk=concern.pk, acknowledged_at=None).update(
        acknowledged_by=user, acknowledged_at=timezone.now(), reply=reply
    )
    if changed:
        record(user if by is None else by, Action.SAFETY_ACK, concern.patient, concern=concern.pk)
        transaction.on_commit(partial(notify, concern.raised_by))
    return bool(changed)

from __future__ import annotations

import uuid
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embct import trial
from embct.platform.course.models import Course, CourseSession, Exercise
from embct.platform.lib import schedule
from embct.platform.versions.models import RESPONSES, StudyData, Versioned


class Arm(models.TextChoices):
    """The course a patient in care follows: one of the trial's treatment arms
    (:data:`embct.trial.TREATMENT_ARMS`; TAU is no course), with its label on the pages."""

    EMBCT = trial.Arm.EMBCT.value, _("eMBCT (online)")
    MBCT = trial.Arm.MBCT.value, _("MBCT (group)")


class Weekday(models.IntegerChoices):
    """The prearranged feedback weekday: :class:`embct.trial.Weekday` (Monday = 0), named."""

    MONDAY = trial.Weekday.MONDAY.value, _("Monday")
    TUESDAY = trial.Weekday.TUESDAY.value, _("Tuesday")
    WEDNESDAY = trial.Weekday.WEDNESDAY.value, _("Wednesday")
    THURSDAY = trial.Weekday.THURSDAY.value, _("Thursday")
    FRIDAY = trial.Weekday.FRIDAY.value, _("Friday")
    SATURDAY = trial.Weekday.SATURDAY.value, _("Saturday")
    SUNDAY = trial.Weekday.SUNDAY.value, _("Sunday")


class PatientProfile(Versioned):
    """A patient in care: their therapist, arm, start date and feedback weekday."""

    data_versions = (RESPONSES,)  # the export reads each patient's therapist and group

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_profile"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="caseload",
        limit_choices_to={"role": "therapist"},
    )
    arm = models.CharField(max_length=8, choices=Arm.choices, default=Arm.EMBCT)
    start_date = models.DateField(null=True, blank=True)
    feedback_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.THURSDAY
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, null=True, blank=True)
    group = models.ForeignKey(
        "groups.MbctGroup",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(arm__in=[a.value for a in Arm]), name="care_profile_arm_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(feedback_weekday__lte=6), name="care_profile_weekday_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"patient #{self.pk}"

    def week(self, today: date) -> int:
        """The course week the patient is in today (0 before the start or without one)."""
        if self.start_date is None:
            return 0
        return min(schedule.week_of(self.start_date, today), schedule.COURSE_WEEKS)

    def preparation_released(self, today: date) -> bool:
        if self.start_date is None or self.course is None:
            return False
        return today >= schedule.preparation_date(self.start_date, self.course.silent_day_week)


class Supervision(models.Model):
    """A therapist new to eMBCT and the supervising therapist who may read their feedback."""

    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervisees_links"
    )
    therapist = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supervision"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(supervisor=models.F("therapist")),
                name="care_supervision_not_self",
            )
        ]

    def __str__(self) -> str:
        return f"supervision #{self.pk}"


class LogSubmission(StudyData):
    """The patient sent the log files (diary entries) of one session to the therapist."""

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="submissions"
    )
    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sent_at"]
        indexes = [models.Index(fields=["patient", "answered_at"])]

    def __str__(self) -> str:
        return f"log files #{self.pk}"


class DiaryEntry(models.Model):
    """One diary entry (log file line): what was practised and what was noticed."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="diaries")
    session = models.ForeignKey(CourseSession, on_delete=models.PROTECT, related_name="+")
    exercise = models.ForeignKey(
        Exercise, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    date = models.DateField()
    minutes = models.PositiveSmallIntegerField()
    body = models.TextField(_("body"), blank=True)
    thoughts = models.TextField(blank=True)
    feelings = models.TextField(blank=True)
    text = models.TextField(_("anything else"), blank=True)
    created = models.DateTimeField(default=timezone.now)
    submission = models.ForeignKey(
        LogSubmission, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries"
    )
    # A hidden token from the form: a double submit does not create a second entry.
    form_token = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["date", "created"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "form_token"], name="care_diary_form_token_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__lte=600), name="care_diary_minutes_at_most_600"
            ),
        ]

    def __str__(self) -> str:
        return f"diary #{self.pk}"


class MessageKind(models.TextChoices):
    WELCOME = "welcome", _("Welcome")
    FEEDBACK = "feedback", _("Feedback")
    MESSAGE = "message", _("Message")


class Message(models.Model):
    """A message in a patient's secure inbox, written by the patient or their therapist."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    body = models.TextField()
    sent_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # For a patient's message: when the therapist answered it.
    answered_at = models.DateTimeField(null=True, blank=True)
    from_patient = models.BooleanField(default=False)
    # A hidden token from the form: a double click or a resend after a lost answer does not
    # store the message twice. Empty for messages written by other paths (the demo seed).
    form_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["sent_at", "pk"]
        indexes = [models.Index(fields=["patient", "from_patient", "answered_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in MessageKind]),
                name="care_message_kind_valid",
            ),
            models.UniqueConstraint(
                fields=["author", "form_token"],
                condition=models.Q(form_token__isnull=False),
                name="care_message_form_token_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"message #{self.pk}"


class SafetyConcern(models.Model):
    """A therapist's worry about a patient's safety, sent at once to the people who must act
    on it (their supervisor and the clinic's leads, ``recipients``), until one of them
    acknowledges it. The e-mail they get says only that something is waiting."""

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="safety_concerns"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    raised_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="safety_concerns_received"
    )
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    # What the recipient does about it ("called the therapist", "saw the patient today").
    reply = models.TextField(blank=True)
    # A hidden token from the form: a double click raises one concern and sends one e-mail.
    form_token = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["-raised_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["raised_by", "form_token"], name="care_concern_form_token_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | models.Q(acknowledged_at__isnull=False, acknowledged_by__isnull=False),
                name="care_concern_acknowledged_by_whom",
            ),
        ]

    def __str__(self) -> str:
        return f"safety concern #{self.pk}"


class FeedbackDraft(models.Model):
    """What a therapist has typed to a patient and not sent yet, saved as they type (one per
    therapist and patient) and put back in the form when they return; gone once the message
    is sent. Never shown to the patient, not part of their download."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="drafts")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(
        max_length=10, choices=MessageKind.choices, default=MessageKind.FEEDBACK
    )
    body = models.TextField(blank=True)
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "therapist"], name="care_draft_one_per_therapist"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=[MessageKind.WELCOME, MessageKind.FEEDBACK]),
                name="care_draft_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"draft #{self.pk}"


class Snippet(models.Model):
    """A short text a therapist reuses in her feedback ("Thank you for your log files ..."),
    hers alone: put into the feedback form where the cursor is."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="snippets"
    )
    title = models.CharField(_("name"), max_length=80)
    text = models.TextField(_("text"))
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self) -> str:
        return f"snippet #{self.pk}"


class TherapistMemo(models.Model):
    """A therapist's private note about a patient: never shown to the patient and not in their
    download ("My data"), erased after the retention period (privacy.shredders,
    ``therapist_memos``). Every read and write is audited (counts and ids, never the text)."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="memos")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created = models.DateTimeField(default=timezone.now)
    # A hidden token from the form: a double click stores one note.
    form_token = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["-created", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "form_token"], name="care_memo_form_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"memo #{self.pk}"


class TherapistProfile(models.Model):
    """What a therapist's patients see of her beside the welcome message: a short profile and a
    photo (checked, re-encoded to a 256 px JPEG without metadata by :mod:`.photos`).

    The photo is kept in the database, not in a file under ``MEDIA_ROOT``: several stateless
    hosts serve the platform (DESIGN, "Scale"), the backup already holds the database, and a
    photo of this size is some 15 KB. It is served only by ``care:therapist_photo``."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist_profile"
    )
    about = models.TextField(blank=True)
    photo = models.BinaryField(null=True, blank=True, editable=False)
    photo_updated = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"therapist profile #{self.pk}"

    @property
    def has_photo(self) -> bool:
        return self.photo_updated is not None

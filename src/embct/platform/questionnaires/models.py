"""A patient's scheduled questionnaires, drafts, responses, reminders and early-warning flags.

Scores are computed by :mod:`embct.instruments` and stored beside the answers only to keep
pages fast; the answers are the record. Free text never enters these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from embct.platform.care.models import PatientProfile
from embct.platform.versions.models import RESPONSES, Versioned

from . import flag_text


class ScheduledAssessment(models.Model):
    """One questionnaire of a patient's schedule (materialized from embct.trial)."""

    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="assessments"
    )
    key = models.CharField(max_length=24)  # "{instrument}_{wave}", e.g. "wai_w2"
    instrument = models.CharField(max_length=8)
    wave = models.CharField(max_length=12)
    position = models.PositiveSmallIntegerField()  # order in the schedule
    due = models.DateField(null=True, blank=True)  # None: its anchor event has not happened
    grace_days = models.PositiveSmallIntegerField(default=6)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient", "position"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "key"], name="questionnaires_sched_unique")
        ]
        indexes = [models.Index(fields=["completed_at", "due"])]

    def __str__(self) -> str:
        return f"assessment #{self.pk} {self.key}"


class Draft(models.Model):
    """Answers kept when a patient leaves a questionnaire half-way."""

    assessment = models.OneToOneField(
        ScheduledAssessment, on_delete=models.CASCADE, related_name="draft"
    )
    answers = models.JSONField(default=dict)  # {"3": 2, "5": "skip"}
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"draft #{self.pk}"


class Response(Versioned):
    """A submitted questionnaire: one per scheduled assessment, one per form token."""

    data_versions = (RESPONSES,)  # the export's item scores

    assessment = models.OneToOneField(
        ScheduledAssessment, on_delete=models.CASCADE, related_name="response"
    )
    patient = models.ForeignKey(
        PatientProfile, on_delete=models.CASCADE, related_name="questionnaire_responses"
    )
    key = models.CharField(max_length=24)
    instrument = models.CharField(max_length=8)
    wave = models.CharField(max_length=12)
    coding = models.CharField(max_length=16)
    #: Item number (as text) -> stored value under ``coding``, or None when skipped.
    answers = models.JSONField()
    #: Item number (as text) -> score (None when skipped), from embct.instruments.
    item_scores = models.JSONField()
    total = models.FloatField(null=True, blank=True)
    subscales = models.JSONField(default=dict)
    prorated = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(default=timezone.now)
    form_token = models.UUIDField()

    class Meta:
        ordering = ["submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["form_token"], name="questionnaires_response_token"),
            models.UniqueConstraint(fields=["patient", "key"], name="questionnaires_response_once"),
        ]

    def __str__(self) -> str:
        return f"response #{self.pk} {self.key}"


class Reminder(models.Model):
    """A reminder e-mail sent for one assessment on one day (the log; never twice a day)."""

    assessment = models.ForeignKey(
        ScheduledAssessment, on_delete=models.CASCADE, related_name="reminders"
    )
    day = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "day"], name="questionnaires_remind_once")
        ]

    def __str__(self) -> str:
        return f"reminder #{self.pk}"


class FlagRecord(models.Model):
    """An early warning as it fired (embct.trial.flags), kept with its acknowledgement."""

    patient = models.ForeignKey(PatientProfile, on_delete=models.CASCADE, related_name="flags")
    code = models.CharField(max_length=32)
    #: What makes this occurrence distinct (e.g. the wave or the date), so it is kept once.
    occurrence = models.CharField(max_length=64)
    title = models.CharField(max_length=100)
    explanation = models.TextField()
    evidence = models.JSONField(default=dict)
    first_seen = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["first_seen", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "code", "occurrence"], name="questionnaires_flag_once"
            )
        ]

    def __str__(self) -> str:
        return f"flag #{self.pk} {self.code}"

    # Pages show these: the wording in the reader's language (see .flag_text).
    @property
    def shown_title(self) -> str:
        return flag_text.title(self.code, self.title)

    @property
    def shown_explanation(self) -> str:
        return flag_text.explanation(
            self.code, self.evidence or {}, self.explanation, self.first_seen
        )

    @property
    def shown_evidence(self) -> list[tuple[str, object]]:
        return flag_text.evidence_rows(self.evidence or {})

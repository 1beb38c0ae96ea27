"""Study records. A researcher reads them by study id only: names, e-mail addresses and free
text live in the care app and never in these tables (the screening phone number is kept
only until randomization, for the eligibility call)."""

from __future__ import annotations

import phonenumbers
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from embct import trial
from embct.platform.care.models import PatientProfile
from embct.platform.versions.models import StudyData


class CallOutcome(models.TextChoices):
    NOT_REACHED = trial.CallOutcome.NOT_REACHED.value, _("Not reached")
    CALL_BACK = trial.CallOutcome.CALL_BACK.value, _("Call back")
    DECLINED = trial.CallOutcome.DECLINED.value, _("Declined")
    NOT_ELIGIBLE = trial.CallOutcome.NOT_ELIGIBLE.value, _("Not eligible")
    ELIGIBLE = trial.CallOutcome.ELIGIBLE.value, _("Eligible")


class Screening(StudyData):
    """A HADS filled in on the public screening page."""

    created_at = models.DateTimeField(default=timezone.now)
    answers = models.JSONField()  # item (text) -> stored value, None when skipped
    total = models.FloatField()
    invited = models.BooleanField()  # total >= 11: on the call list
    #: Telephone number for the eligibility call (E.164, +31612345678); kept only for invited
    #: people, erased at randomization, when the person is not eligible, after
    #: EMBCT_SCREENING_CONTACT_DAYS without randomization, and at retention.
    contact = models.CharField(max_length=40, blank=True)
    form_token = models.UUIDField(unique=True)
    #: The eligibility call's final outcome (embct.trial.CallOutcome: "not_reached",
    #: "declined", "not_eligible", "eligible"); blank while the call is open. The CONSORT
    #: flow counts "not reached" and "declined at the call" from it.
    call_outcome = models.CharField(max_length=16, choices=CallOutcome.choices, blank=True)
    call_closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"screening #{self.pk}"

    @property
    def contact_shown(self) -> str:
        """The number as a researcher dials it: national form for ``EMBCT_PHONE_REGION``
        (``06 12345678``), international otherwise (``+32 470 12 34 56``)."""
        try:
            number = phonenumbers.parse(self.contact)
        except phonenumbers.NumberParseException:  # blank, or stored before E.164
            return self.contact
        region = phonenumbers.region_code_for_number(number)
        style = phonenumbers.PhoneNumberFormat
        shown = style.NATIONAL if region == settings.EMBCT_PHONE_REGION else style.INTERNATIONAL
        return phonenumbers.format_number(number, shown)


class CallAttempt(models.Model):
    """One attempt of the eligibility call: its day, how it ended, the day to call back."""

    #: A junk entry removed from the call list takes its attempts with it; a screening with
    #: a final outcome is never removed.
    screening = models.ForeignKey(Screening, on_delete=models.CASCADE, related_name="call_attempts")
    on = models.DateField()
    outcome = models.CharField(max_length=16, choices=CallOutcome.choices)
    call_back_on = models.DateField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["on", "recorded_at", "pk"]

    def __str__(self) -> str:
        return f"call attempt #{self.pk}"


class Reason(models.TextChoices):
    NOT_AS_EXPECTED = trial.DropoutReason.NOT_AS_EXPECTED.value, _("Not as expected")
    TOO_BURDENSOME = trial.DropoutReason.TOO_BURDENSOME.value, _("Too burdensome")
    PHYSICAL_CONDITION = trial.DropoutReason.PHYSICAL_CONDITION.value, _("Physical condition")
    PRACTICAL = trial.DropoutReason.PRACTICAL.value, _("Practical reasons")
    OTHER = trial.DropoutReason.OTHER.value, _("Other")


class Participant(StudyData):
    """A screened person whose eligibility was assessed; known to researchers by study id."""

    study_id = models.CharField(max_length=16, unique=True)
    screening = models.OneToOneField(
        Screening, on_delete=models.PROTECT, null=True, blank=True, related_name="participant"
    )
    site = models.CharField(max_length=40, blank=True)
    assessed_on = models.DateField()
    eligibility = models.JSONField()  # criterion id -> bool
    eligible = models.BooleanField()
    consent_on = models.DateField(null=True, blank=True)
    baseline = models.JSONField(default=dict)  # Table 1 fields (embct.trial schema)
    profile = models.OneToOneField(
        PatientProfile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="study_participant",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.study_id


class RandomizationList(models.Model):
    """One row per list ("main", "tau"): locked while allocating, so one at a time."""

    name = models.CharField(max_length=16, primary_key=True)

    def __str__(self) -> str:
        return self.name


class Allocation(StudyData):
    """Every allocation made, as embct.trial's Randomizer logged it (no block size)."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="allocations"
    )
    list_name = models.CharField(max_length=16)
    stratum = models.CharField(max_length=40)
    position = models.PositiveIntegerField()
    arm = models.CharField(max_length=8)
    allocated_on = models.DateField()
    allocated_at = models.DateTimeField(default=timezone.now)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["allocated_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["list_name", "stratum", "position"], name="research_allocation_slot"
            ),
            models.UniqueConstraint(
                fields=["participant", "list_name"], name="research_allocation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"allocation #{self.pk}"


class WithdrawalKind(models.TextChoices):
    DECLINED = (
        trial.WithdrawalKind.DECLINED.value,
        _("Declined after randomization (never started)"),
    )
    DROPOUT = trial.WithdrawalKind.DROPOUT.value, _("Dropped out of the course")


class Withdrawal(StudyData):
    """A participant who declined or dropped out: date and reason category (no free text).

    A withdrawal recorded in error is never deleted: it is kept as it was, under
    ``in_error_of`` instead of ``participant`` (so ``participant.withdrawal`` is the current
    one, and a real withdrawal can be recorded later), with its Correction saying who, when
    and why."""

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, null=True, blank=True, related_name="withdrawal"
    )
    #: The participant whose withdrawal this was, once corrected as recorded in error.
    in_error_of = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals_in_error",
    )
    kind = models.CharField(max_length=10, choices=WithdrawalKind.choices)
    on = models.DateField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(participant__isnull=False, in_error_of__isnull=True)
                | models.Q(participant__isnull=True, in_error_of__isnull=False),
                name="research_withdrawal_current_or_in_error",
            )
        ]

    def __str__(self) -> str:
        return f"withdrawal #{self.pk}"


class Referral(StudyData):
    """A referral made after an exclusion for suicidal thoughts or psychosis
    (embct.trial.needs_referral), following the site's procedure: when, and who recorded it."""

    participant = models.OneToOneField(
        Participant, on_delete=models.PROTECT, related_name="referral"
    )
    made_on = models.DateField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"referral #{self.pk}"


class CorrectionReason(models.TextChoices):
    """Why a study record was corrected: a closed list (the research tables hold no free-text
    clinical notes), plus a short explanation."""

    ENTRY_ERROR = "entry_error", _("Typing or entry error")
    SOURCE_DOCUMENT = "source_document", _("Differs from the source document")
    PARTICIPANT_REPORT = "participant_report", _("The participant corrected the answer")
    WRONG_PARTICIPANT = "wrong_participant", _("Entered for the wrong participant")
    OTHER = "other", _("Other")


class Correction(models.Model):
    """A correction of a study record (ALCOA+): the original value, the new value, who, when
    and why. Never changed or deleted; the record itself holds the current value."""

    participant = models.ForeignKey(
        Participant, on_delete=models.PROTECT, related_name="corrections"
    )
    #: A stable name: "consent_on", "baseline.<field>", "eligibility.<criterion id>",
    #: "withdrawal.<kind|on|reason>" or "withdrawal" (a withdrawal recorded in error).
    field = models.CharField(max_length=60)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    reason = models.CharField(max_length=24, choices=CorrectionReason.choices)
    explanation = models.CharField(max_length=200)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"correction #{self.pk}"


class ExportLog(models.Model):
    """Every export and live report: who, when, what."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    what = models.CharField(max_length=16)  # "csv", "sav" or "report"
    via = models.CharField(max_length=8)  # "web" or "cli"
    rows = models.PositiveIntegerField()
    columns = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"export #{self.pk}"

"""The research workflow's actions. Protocol rules (screening threshold, eligibility, the
baseline schema, randomization, dropout categories, flow) come from :mod:`embct.trial`;
the HADS is scored by :mod:`embct.instruments`.

Each action that changes the study record writes its audit event in its own transaction, so
the change and its event commit together or not at all. ``by`` is who acts: the request (its
user and address), a user, or None for the system.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from embct import trial
from embct.instruments import InstrumentError, score_response
from embct.platform.audit.models import Action
from embct.platform.audit.services import acting_user, record
from embct.platform.care.models import PatientProfile

from . import trial_text
from .models import (
    Allocation,
    CallAttempt,
    CallOutcome,
    Participant,
    RandomizationList,
    Referral,
    Screening,
    Withdrawal,
)


class WorkflowError(ValueError):
    """An action the protocol does not allow now; the message says why."""


class ContactMissing(WorkflowError):
    """An invited person left no telephone number (the message belongs to that field)."""


# ---- screening ------------------------------------------------------------------------------
def screen(answers: Mapping[int, int | None], contact: str, token: uuid.UUID) -> Screening:
    """Score a public screening HADS and, at total >= 11, put it on the call list.

    The telephone number is kept only when the person is invited. The same form sent twice
    (same token) stores one screening.
    """
    existing = Screening.objects.filter(form_token=token).first()
    if existing is not None:
        return existing
    try:
        scored = score_response("hads", answers, participant_id="screening")
    except InstrumentError as error:
        raise WorkflowError(str(error)) from None
    if scored["total"] is None:
        raise WorkflowError(
            gettext("Too many questions were skipped to give a score. Please answer a few more.")
        )
    invited = trial.invite_for_eligibility_call(scored["total"])
    if invited and not contact.strip():
        raise ContactMissing(
            gettext("Please give a telephone number so a researcher can call you.")
        )
    try:
        with transaction.atomic():
            return Screening.objects.create(
                answers={str(i): answers.get(i) for i in range(1, 15)},
                total=scored["total"],
                invited=invited,
                contact=contact.strip() if invited else "",
                form_token=token,
            )
    except IntegrityError:
        return Screening.objects.get(form_token=token)


def study_information() -> dict[str, Any]:
    """What the public screening page says before it asks for a telephone number: the
    study's name and who runs it (``EMBCT_STUDY_NAME``, ``EMBCT_STUDY_RUN_BY``; blank: a
    neutral wording in the reader's language), the attempts before the number is erased
    (``EMBCT_CALL_ATTEMPTS``) and how long it is kept at most (``EMBCT_SCREENING_CONTACT_DAYS``)."""
    return {
        "name": settings.EMBCT_STUDY_NAME or gettext("This study"),
        "run_by": settings.EMBCT_STUDY_RUN_BY
        or gettext("the research team of the clinic that runs this website"),
        "attempts": settings.EMBCT_CALL_ATTEMPTS,
        "days": settings.EMBCT_SCREENING_CONTACT_DAYS,
    }


def expire_contacts(today: date, *, dry_run: bool = False) -> int:
    """Blank the telephone numbers of screenings older than ``EMBCT_SCREENING_CONTACT_DAYS``
    days: by then the person was not randomized (randomization blanks the number at once).
    Run daily by ``embct remind``; returns how many numbers (would) go."""
    days = settings.EMBCT_SCREENING_CONTACT_DAYS
    stale = Screening.objects.exclude(contact="").filter(
        created_at__date__lt=today - timedelta(days=days)
    )
    return stale.count() if dry_run else stale.update(contact="")


# ---- the eligibility call -------------------------------------------------------------------
def contact_erased_on(screening: Screening) -> date:
    """The day ``expire_contacts`` erases the screening's number if nothing else did first."""
    kept = settings.EMBCT_SCREENING_CONTACT_DAYS
    return timezone.localdate(screening.created_at) + timedelta(days=kept + 1)


@dataclass(frozen=True)
class CallEntry:
    """A screening on the call list, with its attempts so far (oldest first)."""

    screening: Screening
    attempts: list[CallAttempt]
    #: The call-back date of the latest attempt, when it asked to call back.
    call_back_on: date | None
    #: Whether that call-back date has come (today or before).
    due: bool
    #: Attempts that did not reach the person, and whether that is enough to close the entry.
    not_reached: int
    may_close: bool


def call_entry(screening: Screening, today: date) -> CallEntry:
    """One screening's call so far (the call list's row, the call page)."""
    attempts = list(screening.call_attempts.all())
    last = attempts[-1] if attempts else None
    call_back_on = (
        last.call_back_on
        if last is not None and last.outcome == trial.CallOutcome.CALL_BACK
        else None
    )
    not_reached = sum(a.outcome == trial.CallOutcome.NOT_REACHED for a in attempts)
    return CallEntry(
        screening=screening,
        attempts=attempts,
        call_back_on=call_back_on,
        due=call_back_on is not None and call_back_on <= today,
        not_reached=not_reached,
        may_close=not_reached >= settings.EMBCT_CALL_ATTEMPTS,
    )


def call_list(today: date) -> list[CallEntry]:
    """Invited screenings whose call is still open: call-backs that are due first (earliest
    date first), then the others as they came, then call-backs not due yet."""
    open_calls = Screening.objects.filter(invited=True, call_outcome="", participant=None)
    entries = [call_entry(s, today) for s in open_calls.prefetch_related("call_attempts")]

    def order(entry: CallEntry) -> tuple[int, date, int]:
        screened = timezone.localdate(entry.screening.created_at)
        if entry.call_back_on is None:
            return (1, screened, entry.screening.pk)
        return (0 if entry.due else 2, entry.call_back_on, entry.screening.pk)

    return sorted(entries, key=order)


def _refused(subject: str, error: trial.CallAttemptError) -> WorkflowError:
    """embct.trial's refusal of a call attempt or referral, in the reader's language."""
    return WorkflowError(
        gettext("%(subject)s, %(field)s: %(value)s is refused: %(rule)s")
        % {
            "subject": subject,
            "field": trial_text.call_field(error.field),
            "value": trial_text.call_value(error.value),
            "rule": trial_text.call_rule(error),
        }
    )


def _call_subject(screening: Screening) -> str:
    return gettext("Screening #%(number)s") % {"number": screening.pk}


@transaction.atomic
def record_call_attempt(
    screening: Screening,
    outcome: str,
    on: date,
    today: date,
    *,
    call_back_on: date | None = None,
    by: Any = None,
) -> CallAttempt:
    """Record one attempt of the eligibility call (embct.trial.check_call_attempt's rules).
    "declined" closes the call and erases the number."""
    locked = Screening.objects.select_for_update().filter(pk=screening.pk, invited=True).first()
    if locked is None:
        raise WorkflowError(gettext("This entry is no longer on the call list."))
    final = locked.call_outcome or (
        trial.interview_outcome(locked.participant.eligible)
        if hasattr(locked, "participant")
        else None
    )
    try:
        made = trial.check_call_attempt(
            outcome,
            on,
            today,
            screened_on=timezone.localdate(locked.created_at),
            call_back_on=call_back_on,
            erased_on=contact_erased_on(locked),
            final=final,
        )
    except trial.CallAttemptError as error:
        raise _refused(_call_subject(locked), error) from None
    attempt = CallAttempt.objects.create(
        screening=locked,
        on=on,
        outcome=made.value,
        call_back_on=call_back_on,
        by=acting_user(by),
    )
    if made is trial.CallOutcome.DECLINED:
        _close(locked, made, today)
    details: dict[str, Any] = {"outcome": made.value, "on": on.isoformat()}
    if call_back_on is not None:
        details["call_back_on"] = call_back_on.isoformat()
    record(by, Action.CALL_ATTEMPT, locked, attempt=attempt.pk, **details)
    return attempt


def _close(screening: Screening, outcome: trial.CallOutcome, today: date) -> None:
    """The call's final outcome; the number goes (as the retention rules erase it)."""
    Screening.objects.filter(pk=screening.pk).update(
        call_outcome=outcome.value, call_closed_on=today, contact=""
    )


@transaction.atomic
def close_unreached(screening: Screening, today: date, *, by: Any = None) -> None:
    """Close a call as not reached after ``EMBCT_CALL_ATTEMPTS`` attempts; erases the number."""
    locked = Screening.objects.select_for_update().filter(pk=screening.pk, invited=True).first()
    if locked is None or hasattr(locked, "participant"):
        raise WorkflowError(gettext("This entry is no longer on the call list."))
    not_reached = call_entry(locked, today).not_reached
    try:
        trial.check_close_unreached(
            not_reached, settings.EMBCT_CALL_ATTEMPTS, final=locked.call_outcome or None
        )
    except trial.CallAttemptError as error:
        raise _refused(_call_subject(locked), error) from None
    _close(locked, trial.CallOutcome.NOT_REACHED, today)
    record(
        by,
        Action.CALL_CLOSE,
        locked,
        outcome=trial.CallOutcome.NOT_REACHED.value,
        attempts=not_reached,
    )


@transaction.atomic
def remove_screening(screening: Screening, by: HttpRequest | Any) -> None:
    """Delete a junk entry (a test, a prank, a bot) from the call list, audited with when it
    came and its score but not its number. Only entries still on the call list: a screening
    with an eligibility call belongs to the study's flow."""
    locked = Screening.objects.select_for_update().filter(pk=screening.pk).first()
    if (
        locked is None
        or not locked.invited
        or locked.call_outcome
        or hasattr(locked, "participant")
    ):
        raise WorkflowError(gettext("This entry is no longer on the call list."))
    record(
        by,
        Action.SCREENING_REMOVE,
        locked,
        screened_at=locked.created_at.isoformat(),
        total=locked.total,
    )
    locked.delete()


# ---- eligibility, consent, baseline ---------------------------------------------------------
@transaction.atomic
def record_eligibility(
    screening: Screening, answers: Mapping[str, bool], site: str, today: date, *, by: Any = None
) -> Participant:
    """Record the eligibility call (embct.trial's criteria); gives the person a study id."""
    if not screening.invited:
        raise WorkflowError(
            gettext("this screening is below the threshold and not on the call list")
        )
    if hasattr(screening, "participant"):
        raise WorkflowError(
            gettext("already recorded as %(study_id)s")
            % {"study_id": screening.participant.study_id}
        )
    closed = Screening.objects.select_for_update().get(pk=screening.pk).call_outcome
    if closed:
        raise WorkflowError(
            gettext("Screening #%(number)s: the call is closed (%(outcome)s)")
            % {"number": screening.pk, "outcome": CallOutcome(closed).label}
        )
    try:
        result = trial.assess_eligibility(answers)
    except trial.ProtocolError as error:
        raise WorkflowError(str(error)) from None
    _check_site(site)
    participant = Participant.objects.create(
        study_id=f"tmp-{uuid.uuid4().hex[:10]}",
        screening=screening,
        site=site,
        assessed_on=today,
        eligibility=dict(answers),
        eligible=result.eligible,
    )
    participant.study_id = f"S{participant.pk:05d}"
    participant.save(update_fields=["study_id"])
    outcome = trial.interview_outcome(result.eligible)
    CallAttempt.objects.create(
        screening=screening, on=today, outcome=outcome.value, by=acting_user(by)
    )
    closing = {"call_outcome": outcome.value, "call_closed_on": today}
    Screening.objects.filter(pk=screening.pk).update(
        **closing, **({} if result.eligible else {"contact": ""})
    )
    record(
        by,
        Action.ELIGIBILITY,
        participant,
        study_id=participant.study_id,
        screening=screening.pk,
        eligible=result.eligible,
        referral=trial.needs_referral(answers),
    )
    return participant


# ---- referral after an exclusion for suicidal thoughts or psychosis -------------------------
def referral_procedure() -> str:
    """The site's referral procedure (``EMBCT_REFERRAL_PROCEDURE``), or the default one in
    the reader's language."""
    return settings.EMBCT_REFERRAL_PROCEDURE or gettext(
        "Do not end the call before you know the person is safe. Tell them that the study is "
        "not the right help now and why. With their permission, inform their general "
        "practitioner (or their treating specialist) the same day and agree who contacts them; "
        "if there is acute danger, call the emergency number (112) or the regional crisis "
        "service. Tell the principal investigator, then record here that the referral was made."
    )


def referrals_to_record() -> list[Participant]:
    """Participants excluded for a reason that is referred on, whose referral is not recorded."""
    excluded = Q()
    for criterion in trial.REFERRAL_CRITERIA:
        excluded |= Q(**{f"eligibility__{criterion}": True})
    return list(Participant.objects.filter(excluded, referral=None).order_by("assessed_on", "pk"))


@transaction.atomic
def record_referral(participant: Participant, on: date, today: date, *, by: Any = None) -> Referral:
    """Record that the referral the site's procedure asks for was made (once)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    study = {"study_id": locked.study_id}
    if Referral.objects.filter(participant=locked).exists():
        raise WorkflowError(gettext("%(study_id)s: the referral is already recorded") % study)
    try:
        trial.check_referral(locked.eligibility, on, today, locked.assessed_on)
    except trial.CallAttemptError as error:
        raise _refused(locked.study_id, error) from None
    referral = Referral.objects.create(participant=locked, made_on=on, by=acting_user(by))
    record(by, Action.REFERRAL, locked, study_id=locked.study_id, on=on.isoformat())
    return referral


def sites() -> list[str] | None:
    """The randomization strata (``EMBCT_SITES``), or None for an unstratified trial."""
    value = getattr(settings, "EMBCT_SITES", None)
    return list(value) if value else None


def _check_site(site: str) -> None:
    allowed = sites()
    if allowed is None:
        if site:
            raise WorkflowError(
                gettext("site: %(site)r given, but the trial is not stratified by site")
                % {"site": site}
            )
    elif site not in allowed:
        raise WorkflowError(
            gettext("site: %(site)r is not one of %(sites)s")
            % {"site": site, "sites": ", ".join(allowed)}
        )


def refuse_step(participant: Participant, problems: tuple[trial.StepProblem, ...]) -> None:
    """Raise a WorkflowError naming the study id, the step, each field, value and rule, in
    the reader's language, when embct.trial found ``problems``; else nothing."""
    if problems:
        raise WorkflowError(trial_text.step_refusal(participant.study_id, problems))


def screened_on(participant: Participant) -> date:
    """The day the participant was screened (in the clinic's time zone): the earliest date
    consent can have. Without a screening (erased), the eligibility call's date."""
    screening = participant.screening
    if screening is None:
        return participant.assessed_on
    return timezone.localdate(screening.created_at)


@transaction.atomic
def record_consent(participant: Participant, on: date, today: date, *, by: Any = None) -> None:
    """Written informed consent dated ``on``: only for an eligible participant, and only from
    the screening date to ``today`` (embct.trial.consent_problems)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    if locked.consent_on is not None:
        raise WorkflowError(
            gettext("%(study_id)s: consent is already recorded") % {"study_id": locked.study_id}
        )
    refuse_step(locked, trial.consent_problems(locked.eligible, on, screened_on(locked), today))
    locked.consent_on = on
    locked.save(update_fields=["consent_on"])
    participant.consent_on = on
    record(by, Action.CONSENT, locked, study_id=locked.study_id, on=on.isoformat())


@transaction.atomic
def record_baseline(participant: Participant, values: Mapping[str, Any], *, by: Any = None) -> None:
    """Table 1 characteristics, checked by embct.trial.validate_baseline. The event names the
    fields that changed, not their values. Only after consent (embct.trial.baseline_problems)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    refuse_step(locked, trial.baseline_problems(locked.eligible, locked.consent_on))
    try:
        clean = trial.validate_baseline(values)
    except trial.ProtocolError as error:
        raise WorkflowError(str(error)) from None
    changed = sorted(
        k for k in clean.keys() | locked.baseline.keys() if clean.get(k) != locked.baseline.get(k)
    )
    if not changed:
        return
    if not trial.missing_baseline(locked.baseline):
        raise WorkflowError(
            gettext(
                "%(study_id)s, baseline (%(fields)s): the baseline is complete; a different "
                "value is a correction, with a reason: use the participant's correction form"
            )
            % {"study_id": locked.study_id, "fields": ", ".join(changed)}
        )
    locked.baseline = clean
    locked.save(update_fields=["baseline"])
    participant.baseline = clean
    record(by, Action.BASELINE, locked, study_id=locked.study_id, changed=changed)


# ---- randomization --------------------------------------------------------------------------
def _seed() -> int:
    seed = getattr(settings, "EMBCT_RANDOMIZATION_SEED", None)
    if seed is None:
        raise WorkflowError(
            gettext("no randomization seed is configured (EMBCT_RANDOMIZATION_SEED)")
        )
    return int(seed)


def _log(list_name: str) -> list[trial.Allocation]:
    """The list's allocations so far, read as plain values (a randomization reads them all)."""
    rows = (
        Allocation.objects.filter(list_name=list_name)
        .order_by("pk")
        .values_list("participant__study_id", "list_name", "stratum", "position", "arm")
    )
    return [
        trial.Allocation(study_id, name, stratum, position, trial.Arm(arm))
        for study_id, name, stratum, position, arm in rows
    ]


def _allocate(
    participant: Participant, list_name: str, user: Any, today: date, by: Any
) -> Allocation:
    factory = trial.main_randomizer if list_name == "main" else trial.tau_randomizer
    with transaction.atomic():
        RandomizationList.objects.get_or_create(name=list_name)
        RandomizationList.objects.select_for_update().get(name=list_name)  # one at a time
        previous = Allocation.objects.filter(participant=participant, list_name=list_name).first()
        if previous is not None:
            return previous
        randomizer = factory(_seed(), sites(), _log(list_name))
        try:
            made = randomizer.allocate(
                participant.study_id,
                participant.site or None,
                consent=participant.consent_on is not None,
            )
        except trial.ProtocolError as error:
            raise WorkflowError(str(error)) from None
        allocation = Allocation.objects.create(
            participant=participant,
            list_name=list_name,
            stratum=made.stratum,
            position=made.position,
            arm=made.arm.value,
            allocated_on=today,
            allocated_by=user,
        )
        record(
            user if by is None else by,
            Action.ALLOCATION,
            allocation,
            study_id=participant.study_id,
            list=list_name,
        )
        return allocation


def randomize(participant: Participant, user: Any, today: date, *, by: Any = None) -> Allocation:
    """MBCT / eMBCT / TAU, concealed until consent; idempotent per participant. Refused, naming
    what is missing, unless the participant is eligible, consented and has the complete
    baseline (embct.trial.randomization_problems)."""
    previous = participant.allocations.filter(list_name="main").first()
    if previous is not None:
        return previous
    current = Participant.objects.get(pk=participant.pk)  # the steps as recorded, not as held
    refuse_step(
        current,
        trial.randomization_problems(current.eligible, current.consent_on, current.baseline),
    )
    allocation = _allocate(participant, "main", user, today, by)
    if participant.screening_id is not None:
        Screening.objects.filter(pk=participant.screening_id).update(contact="")
    return allocation


def rerandomize_tau(
    participant: Participant, user: Any, today: date, *, by: Any = None
) -> Allocation:
    """After 3 months of TAU: MBCT or eMBCT (the ``tau`` list); refused before it is due
    (embct.trial.rerandomization_problems)."""
    first = participant.allocations.filter(list_name="main").first()
    refuse_step(
        participant,
        trial.rerandomization_problems(
            None if first is None else first.arm,
            None if first is None else first.allocated_on,
            today,
        ),
    )
    return _allocate(participant, "tau", user, today, by)


def arm_label(code: str | None) -> str:
    """An arm's name as the clinic says it ("MBCT (group)"), translated; "not decided yet"
    for a participant in TAU awaiting re-randomization (``None``)."""
    return gettext(trial_text.ARMS[code]) if code else gettext("not decided yet")


def arms(participant: Participant) -> tuple[str | None, bool]:
    """(final treatment arm or None while undecided, tau_first), via embct.trial.arm_so_far."""
    by_list = {a.list_name: a.arm for a in participant.allocations.all()}
    arm, tau_first = trial.arm_so_far(by_list.get("main"), by_list.get("tau"))
    return None if arm is None else arm.value, tau_first


# ---- participation --------------------------------------------------------------------------
@transaction.atomic
def record_withdrawal(
    participant: Participant, kind: str, on: date, reason: str, *, by: Any = None
) -> Withdrawal:
    study = {"study_id": participant.study_id}
    if not participant.allocations.exists():
        raise WorkflowError(gettext("%(study_id)s is not randomized") % study)
    if hasattr(participant, "withdrawal"):
        raise WorkflowError(gettext("%(study_id)s: a withdrawal is already recorded") % study)
    try:
        trial.DropoutReason(reason)
    except ValueError:
        raise WorkflowError(
            gettext("reason: %(reason)r is not a dropout category") % {"reason": reason}
        ) from None
    check_withdrawal_kind(participant, "kind", kind)
    withdrawal = Withdrawal.objects.create(participant=participant, kind=kind, on=on, reason=reason)
    record(
        by,
        Action.WITHDRAWAL,
        participant,
        study_id=participant.study_id,
        kind=kind,
        on=on.isoformat(),
        reason=reason,
    )
    return withdrawal


def check_withdrawal_kind(participant: Participant, field: str, kind: str) -> None:
    """Refuses a kind of withdrawal the sessions attended rule out (embct.trial's rule)."""
    from .export import sessions_attended

    sessions = sessions_attended(participant.profile_id)
    if trial.withdrawal_kind_problem(kind, sessions) is None:
        return
    if kind not in {k.value for k in trial.WithdrawalKind}:
        rule = gettext("not a kind of withdrawal")
    else:
        rule = ngettext(
            "declined is only for a participant who attended no session (%(n)s session "
            "attended): record a dropout",
            "declined is only for a participant who attended no session (%(n)s sessions "
            "attended): record a dropout",
            sessions,
        ) % {"n": sessions}
    raise WorkflowError(
        gettext("%(study_id)s, %(field)s: %(value)s is refused: %(rule)s")
        % {"study_id": participant.study_id, "field": field, "value": kind, "rule": rule}
    )


@transaction.atomic
def link_profile(participant: Participant, profile: PatientProfile, *, by: Any = None) -> None:
    """The clinic links the study record to the patient's account (administrators only)."""
    if Participant.objects.filter(profile=profile).exclude(pk=participant.pk).exists():
        raise WorkflowError(gettext("this patient is already linked to another study id"))
    if participant.profile_id == profile.pk:
        return
    allocated, tau_first = arms(participant)
    if allocated is None and tau_first:  # in TAU, awaiting re-randomization: no arm yet
        first = participant.allocations.get(list_name="main")
        raise WorkflowError(
            gettext(
                "%(study_id)s is in TAU until re-randomization to MBCT or eMBCT, due on "
                "%(due)s: link patient #%(number)s once the participant has been re-randomized"
            )
            % {
                "study_id": participant.study_id,
                "due": trial.tau_rerandomization_date(first.allocated_on).isoformat(),
                "number": profile.pk,
            }
        )
    if allocated is not None and allocated != profile.arm:
        raise WorkflowError(
            gettext(
                "%(study_id)s is allocated to %(allocated)s, but patient #%(number)s follows "
                "%(arm)s: change the patient's arm first, or link the right account"
            )
            % {
                "study_id": participant.study_id,
                "allocated": arm_label(allocated),
                "number": profile.pk,
                "arm": arm_label(profile.arm),
            }
        )
    participant.profile = profile
    participant.save(update_fields=["profile"])
    record(by, Action.STUDY_LINK, participant, study_id=participant.study_id, profile=profile.pk)

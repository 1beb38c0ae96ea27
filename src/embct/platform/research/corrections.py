"""Corrections of study records, never silent edits (ALCOA+).

A researcher corrects an eligibility answer, the consent date, a baseline value or a
withdrawal with a reason (a closed category plus a short explanation, no names). Each service
keeps the original value, the new value, who, when and why in a :class:`Correction` and writes
one ``trial.correction`` audit event in the same transaction. A refusal names the participant,
the field, the value and the rule, and changes nothing. Nothing is deleted: a withdrawal
recorded in error is kept and marked withdrawn in error.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from embct import trial
from embct.platform.audit.models import Action
from embct.platform.audit.services import acting_user, record

from .models import (
    Correction,
    CorrectionReason,
    Participant,
    Screening,
    Withdrawal,
    WithdrawalKind,
)
from .services import WorkflowError


def _refuse(participant: Participant, field: str, value: Any, rule: str) -> WorkflowError:
    return WorkflowError(
        gettext("%(study_id)s, %(field)s: %(value)s is refused: %(rule)s")
        % {"study_id": participant.study_id, "field": field, "value": value, "rule": rule}
    )


def _check_reason(participant: Participant, field: str, reason: str, explanation: str) -> str:
    if reason not in CorrectionReason.values:
        raise _refuse(
            participant,
            gettext("reason"),
            repr(reason),
            gettext("not one of the correction reasons"),
        )
    text = explanation.strip()
    if not text:
        raise _refuse(
            participant,
            gettext("explanation"),
            repr(explanation),
            gettext("a correction needs a short explanation (%(field)s)") % {"field": field},
        )
    if len(text) > 200:
        raise _refuse(
            participant,
            gettext("explanation"),
            f"{text[:20]}…",
            gettext("at most 200 characters"),
        )
    return text


def _save(
    participant: Participant,
    field: str,
    old: Any,
    new: Any,
    reason: str,
    explanation: str,
    by: Any,
    **details: Any,
) -> Correction:
    """The Correction and its audit event, after the checks; the caller saved the record."""
    correction = Correction.objects.create(
        participant=participant,
        field=field,
        old_value=old,
        new_value=new,
        reason=reason,
        explanation=explanation,
        by=acting_user(by),
    )
    record(
        by,
        Action.CORRECTION,
        participant,
        study_id=participant.study_id,
        field=field,
        correction=correction.pk,
        reason=reason,
        **details,
    )
    return correction


def _unchanged(participant: Participant, field: str, value: Any) -> WorkflowError:
    return _refuse(
        participant, field, value, gettext("it is the value already recorded; nothing to correct")
    )


# ---- eligibility ----------------------------------------------------------------------------
@transaction.atomic
def correct_eligibility(
    participant: Participant,
    criterion: str,
    value: bool,
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> Correction:
    """Correct one criterion's answer; ``eligible`` is recomputed by embct.trial. A randomized
    participant who becomes ineligible keeps the allocation (intention to treat); the event
    and :func:`flags` say so."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    field = f"eligibility.{criterion}"
    if criterion not in {c.id for c in trial.CRITERIA}:
        raise _refuse(locked, field, repr(criterion), gettext("not an eligibility criterion"))
    if not isinstance(value, bool):
        raise _refuse(locked, field, repr(value), gettext("the answer is yes or no"))
    old = locked.eligibility.get(criterion)
    if old == value:
        raise _unchanged(locked, field, value)
    text = _check_reason(locked, field, reason, explanation)
    answers = {**locked.eligibility, criterion: value}
    try:
        result = trial.assess_eligibility(answers)
    except trial.ProtocolError as error:
        raise _refuse(locked, field, value, str(error)) from None
    was_eligible = locked.eligible
    locked.eligibility = answers
    locked.eligible = result.eligible
    locked.save(update_fields=["eligibility", "eligible"])
    if locked.screening_id is not None:  # the call's final outcome follows the interview's
        outcome = trial.interview_outcome(result.eligible).value
        Screening.objects.filter(pk=locked.screening_id).update(call_outcome=outcome)
    randomized = locked.allocations.exists()
    correction = _save(
        locked,
        field,
        old,
        value,
        reason,
        text,
        by,
        eligible_before=was_eligible,
        eligible=result.eligible,
        randomized_ineligible=randomized and not result.eligible,
    )
    participant.refresh_from_db()
    return correction


# ---- consent --------------------------------------------------------------------------------
def _first_day(participant: Participant) -> date:
    screening = participant.screening
    return screening.created_at.date() if screening is not None else participant.assessed_on


@transaction.atomic
def correct_consent(
    participant: Participant,
    on: date,
    reason: str,
    explanation: str,
    today: date,
    *,
    by: Any = None,
) -> Correction:
    """Correct the consent date: the same rule as consent (from the screening to today)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    field = "consent_on"
    if locked.consent_on is None:
        raise _refuse(
            locked, field, on.isoformat(), gettext("no consent is recorded yet; record it first")
        )
    if on == locked.consent_on:
        raise _unchanged(locked, field, on.isoformat())
    first = _first_day(locked)
    if on > today:
        raise _refuse(locked, field, on.isoformat(), gettext("consent cannot be in the future"))
    if on < first:
        raise _refuse(
            locked,
            field,
            on.isoformat(),
            gettext("consent cannot be before the screening (%(first)s)")
            % {"first": first.isoformat()},
        )
    text = _check_reason(locked, field, reason, explanation)
    old = locked.consent_on.isoformat()
    locked.consent_on = on
    locked.save(update_fields=["consent_on"])
    correction = _save(locked, field, old, on.isoformat(), reason, text, by)
    participant.refresh_from_db()
    return correction


# ---- baseline -------------------------------------------------------------------------------
@transaction.atomic
def correct_baseline(
    participant: Participant,
    name: str,
    value: Any,
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> Correction:
    """Correct one baseline characteristic, checked by embct.trial.validate_baseline with the
    others (years since diagnosis no larger than the age, ...). The event names the field,
    not the values; the Correction row keeps both."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    field = f"baseline.{name}"
    if name not in {f.name for f in trial.BASELINE_FIELDS}:
        raise _refuse(locked, field, repr(value), gettext("not a baseline characteristic"))
    old = locked.baseline.get(name)
    if name not in locked.baseline:
        raise _refuse(
            locked, field, repr(value), gettext("no baseline is recorded yet; record it first")
        )
    if old == value and type(old) is type(value):
        raise _unchanged(locked, field, value)
    try:
        clean = trial.validate_baseline({**locked.baseline, name: value}, partial=True)
    except trial.ProtocolError as error:
        raise _refuse(locked, field, repr(value), str(error)) from None
    text = _check_reason(locked, field, reason, explanation)
    locked.baseline = {k: v for k, v in clean.items() if k in locked.baseline or k == name}
    locked.save(update_fields=["baseline"])
    correction = _save(locked, field, old, clean[name], reason, text, by)
    participant.refresh_from_db()
    return correction


# ---- withdrawal -----------------------------------------------------------------------------
def _withdrawal(participant: Participant, field: str, value: Any) -> Withdrawal:
    withdrawal = Withdrawal.objects.select_for_update().filter(participant=participant).first()
    if withdrawal is None:
        raise _refuse(participant, field, value, gettext("no withdrawal is recorded"))
    return withdrawal


@transaction.atomic
def correct_withdrawal(
    participant: Participant,
    reason: str,
    explanation: str,
    today: date,
    *,
    kind: str | None = None,
    on: date | None = None,
    dropout_reason: str | None = None,
    by: Any = None,
) -> list[Correction]:
    """Correct a withdrawal's kind, date or dropout reason (one Correction per field)."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    withdrawal = _withdrawal(locked, "withdrawal", "")
    changes: list[tuple[str, str, str]] = []
    if kind is not None and kind != withdrawal.kind:
        if kind not in WithdrawalKind.values:
            raise _refuse(
                locked, "withdrawal.kind", repr(kind), gettext("not a kind of withdrawal")
            )
        changes.append(("kind", withdrawal.kind, kind))
    if on is not None and on != withdrawal.on:
        if on > today:
            raise _refuse(
                locked, "withdrawal.on", on.isoformat(), gettext("cannot be in the future")
            )
        changes.append(("on", withdrawal.on.isoformat(), on.isoformat()))
    if dropout_reason is not None and dropout_reason != withdrawal.reason:
        try:
            trial.DropoutReason(dropout_reason)
        except ValueError:
            raise _refuse(
                locked,
                "withdrawal.reason",
                repr(dropout_reason),
                gettext("not a dropout category"),
            ) from None
        changes.append(("reason", withdrawal.reason, dropout_reason))
    if not changes:
        raise _unchanged(locked, "withdrawal", gettext("the same kind, date and reason"))
    text = _check_reason(locked, "withdrawal", reason, explanation)
    if kind is not None:
        withdrawal.kind = kind
    if on is not None:
        withdrawal.on = on
    if dropout_reason is not None:
        withdrawal.reason = dropout_reason
    withdrawal.save(update_fields=["kind", "on", "reason"])
    return [
        _save(locked, f"withdrawal.{name}", old, new, reason, text, by)
        for name, old, new in changes
    ]


def history(participant: Participant) -> list[Correction]:
    """The participant's corrections, oldest first (for the participant's page)."""
    return list(participant.corrections.select_related("by"))


def randomized_but_ineligible(participant: Participant) -> bool:
    """A flag for the participant's page: randomized, then corrected to ineligible. The
    allocation stands (intention to treat)."""
    return not participant.eligible and participant.allocations.exists()

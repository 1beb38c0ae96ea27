"""Corrections of study records, never silent edits (ALCOA+).

A researcher corrects an eligibility answer, the consent date, a baseline value or a
withdrawal with a reason (a closed category plus a short explanation, no names). Each service
keeps the original value, the new value, who, when and why in a :class:`Correction` and writes
one ``trial.correction`` audit event in the same transaction. A refusal names the participant,
the field, the value and the rule, and changes nothing. Nothing is deleted: a withdrawal
recorded in error is kept, marked as recorded in error (:func:`withdrawal_in_error`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from embct import trial
from embct.platform.audit.models import Action
from embct.platform.audit.services import acting_user, record

from . import trial_text
from .models import (
    Correction,
    CorrectionReason,
    Participant,
    Screening,
    Withdrawal,
    WithdrawalKind,
)
from .services import WorkflowError, check_withdrawal_kind, screened_on


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


def _field(record: str, names: list[str]) -> str:
    """How a refusal names what is corrected: ``record.name`` for one value, else ``record``."""
    return f"{record}.{names[0]}" if len(names) == 1 else record


def _nothing_to_correct(
    participant: Participant, record: str, given: Mapping[str, Any], same: str
) -> WorkflowError:
    """The refusal of a correction of ``record`` whose values ``given`` are those recorded."""
    if len(given) == 1:
        [(name, value)] = given.items()
        return _unchanged(participant, f"{record}.{name}", value)
    return _unchanged(participant, record, same)


# ---- eligibility ----------------------------------------------------------------------------
@transaction.atomic
def correct_eligibility_answers(
    participant: Participant,
    answers: Mapping[str, bool],
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> list[Correction]:
    """Correct criteria's answers (one Correction per answer that differs); ``eligible`` is
    recomputed by embct.trial. A randomized participant who becomes ineligible keeps the
    allocation (intention to treat); the events and :func:`randomized_but_ineligible` say so."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    criteria = {c.id for c in trial.CRITERIA}
    changes: list[tuple[str, Any, bool]] = []
    for criterion, value in answers.items():
        field = f"eligibility.{criterion}"
        if criterion not in criteria:
            raise _refuse(locked, field, repr(criterion), gettext("not an eligibility criterion"))
        if not isinstance(value, bool):
            raise _refuse(locked, field, repr(value), gettext("the answer is yes or no"))
        old = locked.eligibility.get(criterion)
        if old != value:
            changes.append((criterion, old, value))
    if not changes:
        raise _nothing_to_correct(locked, "eligibility", answers, gettext("the same answers"))
    name = _field("eligibility", [c for c, _old, _value in changes])
    text = _check_reason(locked, name, reason, explanation)
    new_answers = {**locked.eligibility, **{c: value for c, _old, value in changes}}
    try:
        result = trial.assess_eligibility(new_answers)
    except trial.ProtocolError as error:
        raise _refuse(locked, name, repr(dict(answers)), str(error)) from None
    was_eligible = locked.eligible
    locked.eligibility = new_answers
    locked.eligible = result.eligible
    locked.save(update_fields=["eligibility", "eligible"])
    if locked.screening_id is not None:  # the call's final outcome follows the interview's
        outcome = trial.interview_outcome(result.eligible).value
        Screening.objects.filter(pk=locked.screening_id).update(call_outcome=outcome)
    randomized = locked.allocations.exists()
    made = [
        _save(
            locked,
            f"eligibility.{criterion}",
            old,
            value,
            reason,
            text,
            by,
            eligible_before=was_eligible,
            eligible=result.eligible,
            randomized_ineligible=randomized and not result.eligible,
        )
        for criterion, old, value in changes
    ]
    participant.refresh_from_db()
    return made


def correct_eligibility(
    participant: Participant,
    criterion: str,
    value: bool,
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> Correction:
    """Correct one criterion's answer (:func:`correct_eligibility_answers` for one)."""
    [made] = correct_eligibility_answers(
        participant, {criterion: value}, reason, explanation, by=by
    )
    return made


# ---- consent --------------------------------------------------------------------------------
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
    # The window only: correcting the date does not decide eligibility again.
    for problem in trial.consent_problems(True, on, screened_on(locked), today):
        raise _refuse(locked, field, on.isoformat(), trial_text.rule(problem))
    text = _check_reason(locked, field, reason, explanation)
    old = locked.consent_on.isoformat()
    locked.consent_on = on
    locked.save(update_fields=["consent_on"])
    correction = _save(locked, field, old, on.isoformat(), reason, text, by)
    participant.refresh_from_db()
    return correction


# ---- baseline -------------------------------------------------------------------------------
@transaction.atomic
def correct_baseline_values(
    participant: Participant,
    values: Mapping[str, Any],
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> list[Correction]:
    """Correct baseline characteristics (one Correction per value that differs), checked by
    embct.trial.validate_baseline with the others as one record (years since diagnosis no
    larger than the age, ...). The events name the fields, not the values; the Correction
    rows keep both."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    names = {f.name for f in trial.BASELINE_FIELDS}
    for name, value in values.items():
        field = f"baseline.{name}"
        if name not in names:
            raise _refuse(locked, field, repr(value), gettext("not a baseline characteristic"))
        if name not in locked.baseline:
            raise _refuse(
                locked, field, repr(value), gettext("no baseline is recorded yet; record it first")
            )
        try:
            trial.validate_baseline({name: value}, partial=True)
        except trial.ProtocolError as error:
            raise _refuse(locked, field, repr(value), str(error)) from None
    changes = [name for name, value in values.items() if locked.baseline.get(name) != value]
    if not changes:
        raise _nothing_to_correct(locked, "baseline", values, gettext("the same values"))
    field = _field("baseline", changes)
    try:
        clean = trial.validate_baseline({**locked.baseline, **values}, partial=True)
    except trial.ProtocolError as error:
        shown = {name: values[name] for name in changes}
        raise _refuse(locked, field, repr(shown), str(error)) from None
    text = _check_reason(locked, field, reason, explanation)
    old = dict(locked.baseline)
    locked.baseline = {k: v for k, v in clean.items() if k in locked.baseline}
    locked.save(update_fields=["baseline"])
    made = [
        _save(locked, f"baseline.{name}", old[name], clean[name], reason, text, by)
        for name in changes
    ]
    participant.refresh_from_db()
    return made


def correct_baseline(
    participant: Participant,
    name: str,
    value: Any,
    reason: str,
    explanation: str,
    *,
    by: Any = None,
) -> Correction:
    """Correct one baseline characteristic (:func:`correct_baseline_values` for one)."""
    [made] = correct_baseline_values(participant, {name: value}, reason, explanation, by=by)
    return made


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
        check_withdrawal_kind(locked, "withdrawal.kind", kind)
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


@transaction.atomic
def withdrawal_in_error(
    participant: Participant, reason: str, explanation: str, *, by: Any = None
) -> Correction:
    """Undo a withdrawal recorded in error (the participant neither declined nor dropped out).

    Nothing is deleted: the withdrawal is kept as it was, moved from ``participant`` to
    ``in_error_of``, and the Correction (field ``withdrawal``) keeps its kind, date and reason
    as the original value (the new value is none). A real withdrawal can be recorded later."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    withdrawal = _withdrawal(locked, "withdrawal", gettext("recorded in error"))
    text = _check_reason(locked, "withdrawal", reason, explanation)
    old = {"kind": withdrawal.kind, "on": withdrawal.on.isoformat(), "reason": withdrawal.reason}
    withdrawal.participant = None
    withdrawal.in_error_of = locked
    withdrawal.save(update_fields=["participant", "in_error_of"])
    correction = _save(locked, "withdrawal", old, None, reason, text, by, withdrawal=withdrawal.pk)
    participant.refresh_from_db()
    return correction


def withdrawals_in_error(participant: Participant) -> list[Withdrawal]:
    """The participant's withdrawals recorded in error, kept (for the participant's page)."""
    return list(participant.withdrawals_in_error.order_by("recorded_at", "pk"))


def history(participant: Participant) -> list[Correction]:
    """The participant's corrections, oldest first (for the participant's page)."""
    return list(participant.corrections.select_related("by"))


def randomized_but_ineligible(participant: Participant) -> bool:
    """A flag for the participant's page: randomized, then corrected to ineligible. The
    allocation stands (intention to treat)."""
    return not participant.eligible and participant.allocations.exists()

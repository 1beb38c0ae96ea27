"""The eligibility call's rules (embct.trial.calls): which attempts are allowed, when an entry
may be closed as not reached, and who is referred on."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from embct import trial
from embct.trial import CallAttemptError, CallOutcome, CallRule

TODAY = date(2026, 3, 18)
SCREENED = date(2026, 3, 2)


def attempt(outcome: str, on: date = TODAY, **extra: Any) -> CallOutcome:
    return trial.check_call_attempt(outcome, on, TODAY, screened_on=SCREENED, **extra)


def refused(outcome: str, on: date = TODAY, **extra: Any) -> CallAttemptError:
    with pytest.raises(CallAttemptError) as caught:
        attempt(outcome, on, **extra)
    return caught.value


def test_each_outcome_a_researcher_records_is_allowed() -> None:
    assert attempt("not_reached") is CallOutcome.NOT_REACHED
    assert attempt("declined", SCREENED) is CallOutcome.DECLINED
    assert attempt("call_back", call_back_on=TODAY) is CallOutcome.CALL_BACK


@pytest.mark.parametrize("outcome", ["eligible", "not_eligible", "reached", ""])
def test_the_interviews_outcomes_and_others_are_not_attempts(outcome: str) -> None:
    error = refused(outcome)
    assert (error.field, error.value, error.rule) == ("outcome", outcome, CallRule.OUTCOME)


def test_an_attempt_is_dated_between_the_screening_and_today() -> None:
    future = refused("not_reached", TODAY + timedelta(days=1))
    early = refused("not_reached", SCREENED - timedelta(days=1))
    assert (future.rule, future.params) == (CallRule.FUTURE, {"today": "2026-03-18"})
    assert (early.rule, early.params) == (CallRule.BEFORE_SCREENING, {"screened_on": "2026-03-02"})


def test_a_call_back_needs_a_date_from_today_before_the_number_is_erased() -> None:
    assert refused("call_back").rule is CallRule.CALL_BACK_MISSING
    past = refused("call_back", call_back_on=TODAY - timedelta(days=1))
    assert (past.field, past.rule) == ("call_back_on", CallRule.CALL_BACK_PAST)
    erased = date(2026, 4, 1)
    assert attempt("call_back", call_back_on=erased - timedelta(days=1), erased_on=erased)
    late = refused("call_back", call_back_on=erased, erased_on=erased)
    assert (late.rule, late.params) == (CallRule.CALL_BACK_ERASED, {"erased_on": "2026-04-01"})


def test_a_call_back_date_goes_with_call_back_only() -> None:
    error = refused("declined", call_back_on=TODAY)
    assert (error.rule, error.params) == (CallRule.CALL_BACK_UNEXPECTED, {"outcome": "declined"})


def test_a_closed_call_takes_no_further_attempt() -> None:
    for final in ("declined", "not_reached", "eligible"):
        error = refused("not_reached", final=final)
        assert (error.rule, error.params) == (CallRule.CLOSED, {"final": final})


def test_the_message_names_the_field_the_value_and_the_rule() -> None:
    message = str(refused("call_back", call_back_on=date(2026, 3, 17)))
    assert message == (
        "call_back_on: datetime.date(2026, 3, 17) is refused: "
        "a call-back date is not in the past (today is 2026-03-18)"
    )


def test_an_entry_is_closed_as_not_reached_only_after_the_attempts() -> None:
    trial.check_close_unreached(3, 3)
    trial.check_close_unreached(4, 3)
    with pytest.raises(CallAttemptError) as caught:
        trial.check_close_unreached(2, 3)
    assert (caught.value.rule, caught.value.params) == (
        CallRule.TOO_FEW_ATTEMPTS,
        {"required": "3"},
    )
    with pytest.raises(CallAttemptError) as closed:
        trial.check_close_unreached(5, 3, final="declined")
    assert closed.value.rule is CallRule.CLOSED


def test_every_rule_has_its_text() -> None:
    assert set(trial.CALL_RULE_TEXTS) == set(CallRule)


def test_only_the_psychiatric_exclusion_is_referred_on() -> None:
    answers = {c.id: c.kind == "inclusion" for c in trial.CRITERIA}
    assert not trial.needs_referral(answers)
    for criterion in trial.CRITERIA:
        changed = {**answers, criterion.id: not answers[criterion.id]}
        assert trial.needs_referral(changed) is (criterion.id == "severe_psychiatric_morbidity")
    assert trial.REFERRAL_CRITERIA == ("severe_psychiatric_morbidity",)
    assert set(trial.REFERRAL_CRITERIA) <= {c.id for c in trial.CRITERIA if c.kind == "exclusion"}


def test_a_referral_is_dated_between_the_interview_and_today() -> None:
    needs = {"severe_psychiatric_morbidity": True}
    trial.check_referral(needs, TODAY, TODAY, SCREENED)
    rules = []
    for answers, on in [
        ({"severe_psychiatric_morbidity": False}, TODAY),
        (needs, TODAY + timedelta(days=1)),
        (needs, SCREENED - timedelta(days=1)),
    ]:
        with pytest.raises(CallAttemptError) as caught:
            trial.check_referral(answers, on, TODAY, SCREENED)
        rules.append(caught.value.rule)
    assert rules == [CallRule.NO_REFERRAL, CallRule.FUTURE, CallRule.BEFORE_ASSESSMENT]


def test_the_interview_gives_the_final_outcome() -> None:
    assert trial.interview_outcome(True) is CallOutcome.ELIGIBLE
    assert trial.interview_outcome(False) is CallOutcome.NOT_ELIGIBLE
    assert {trial.interview_outcome(x) for x in (True, False)} <= trial.FINAL_OUTCOMES
    assert CallOutcome.CALL_BACK not in trial.FINAL_OUTCOMES

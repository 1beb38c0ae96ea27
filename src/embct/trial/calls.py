"""The eligibility call: its outcomes, the rules of one attempt, and the referral.

Bisseling et al. (2019), Study Population and Procedure: a researcher called everyone who
scored 11 or more on the screening HADS. A call may not reach the person (each dated attempt
is kept), end with a date to call back, end with the person declining, or reach the
eligibility interview (:func:`embct.trial.assess_eligibility`), whose result is eligible or
not eligible. The screening's final outcome is what the CONSORT flow counts as "not reached"
and "declined" before assessment.

An exclusion for severe psychiatric problems (suicidal thoughts, psychosis) is not only a
reason to exclude: the person is referred on, following the site's procedure
(:func:`needs_referral`).

Each refusal is a :class:`CallAttemptError` that names the field, the value and the rule (a
:class:`CallRule` code), so a user interface can say the same in its reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from .protocol import ProtocolError

__all__ = [
    "ATTEMPT_OUTCOMES",
    "CALL_RULE_TEXTS",
    "DEFAULT_CALL_ATTEMPTS",
    "FINAL_OUTCOMES",
    "REFERRAL_CRITERIA",
    "CallAttemptError",
    "CallOutcome",
    "CallRule",
    "check_call_attempt",
    "check_close_unreached",
    "check_referral",
    "interview_outcome",
    "needs_referral",
]

#: Attempts without reaching the person after which the entry may be closed as not reached.
DEFAULT_CALL_ATTEMPTS = 3


class CallOutcome(StrEnum):
    """How one call attempt, or the whole call, ended."""

    NOT_REACHED = "not_reached"
    CALL_BACK = "call_back"
    DECLINED = "declined"
    NOT_ELIGIBLE = "not_eligible"
    ELIGIBLE = "eligible"


#: What a researcher records as an attempt; eligible and not eligible come from the
#: eligibility interview (:func:`interview_outcome`).
ATTEMPT_OUTCOMES = (CallOutcome.NOT_REACHED, CallOutcome.CALL_BACK, CallOutcome.DECLINED)
#: Outcomes that close the call: declined at once, not reached when the researcher closes
#: the entry after enough attempts (:func:`check_close_unreached`), and the interview's.
FINAL_OUTCOMES = frozenset(
    {
        CallOutcome.NOT_REACHED,
        CallOutcome.DECLINED,
        CallOutcome.NOT_ELIGIBLE,
        CallOutcome.ELIGIBLE,
    }
)

#: Exclusion criteria whose "yes" means the person is referred on (suicidal thoughts,
#: psychosis: the eligibility interview's psychiatric criteria).
REFERRAL_CRITERIA = ("severe_psychiatric_morbidity",)


class CallRule(StrEnum):
    """The rule a refused call attempt, closing or referral broke."""

    OUTCOME = "outcome"  # not an outcome a researcher records as an attempt
    CLOSED = "closed"  # the call already has its final outcome
    FUTURE = "future"  # a date after today
    BEFORE_SCREENING = "before_screening"  # an attempt before the person was screened
    CALL_BACK_MISSING = "call_back_missing"  # "call back" without a date
    CALL_BACK_PAST = "call_back_past"  # a call-back date before today
    CALL_BACK_ERASED = "call_back_erased"  # on or after the day the number is erased
    CALL_BACK_UNEXPECTED = "call_back_unexpected"  # a call-back date with another outcome
    TOO_FEW_ATTEMPTS = "too_few_attempts"  # closing as not reached too early
    NO_REFERRAL = "no_referral"  # a referral for someone not excluded for that reason
    BEFORE_ASSESSMENT = "before_assessment"  # a referral before the eligibility interview


#: Each rule in words, a template for :meth:`str.format` with the error's ``params``.
CALL_RULE_TEXTS: dict[CallRule, str] = {
    CallRule.OUTCOME: "an attempt is not reached, call back or declined",
    CallRule.CLOSED: "the call is already closed ({final})",
    CallRule.FUTURE: "not after today ({today})",
    CallRule.BEFORE_SCREENING: "not before the screening ({screened_on})",
    CallRule.CALL_BACK_MISSING: "call back needs a date",
    CallRule.CALL_BACK_PAST: "a call-back date is not in the past (today is {today})",
    CallRule.CALL_BACK_ERASED: "the telephone number is erased on {erased_on}",
    CallRule.CALL_BACK_UNEXPECTED: "a call-back date goes only with call back, not {outcome}",
    CallRule.TOO_FEW_ATTEMPTS: "{required} attempts are needed",
    CallRule.NO_REFERRAL: "no exclusion that is referred on",
    CallRule.BEFORE_ASSESSMENT: "not before the eligibility interview ({assessed_on})",
}


class CallAttemptError(ProtocolError):
    """A call attempt, closing or referral the rules refuse: ``field``, ``value``, ``rule``
    and the rule's ``params`` (text) for :data:`CALL_RULE_TEXTS`."""

    def __init__(self, field: str, value: object, rule: CallRule, **params: object) -> None:
        self.field = field
        self.value = value
        self.rule = rule
        self.params = {key: str(item) for key, item in params.items()}
        super().__init__(
            f"{field}: {value!r} is refused: {CALL_RULE_TEXTS[rule].format(**self.params)}"
        )


def check_call_attempt(
    outcome: str,
    on: date,
    today: date,
    *,
    screened_on: date,
    call_back_on: date | None = None,
    erased_on: date | None = None,
    final: str | None = None,
) -> CallOutcome:
    """Check one call attempt before it is recorded.

    Parameters
    ----------
    outcome : str
        One of :data:`ATTEMPT_OUTCOMES` ("not_reached", "call_back", "declined").
    on : date
        The day of the attempt: not after ``today``, not before ``screened_on``.
    today : date
    screened_on : date
        The day the person filled in the screening.
    call_back_on : date, optional
        Required for "call_back" and only for it: not before ``today`` and before
        ``erased_on``.
    erased_on : date, optional
        The day the telephone number is erased (the retention of screening numbers).
    final : str, optional
        The call's final outcome so far; any refuses a further attempt.

    Returns
    -------
    CallOutcome

    Examples
    --------
    >>> d = date(2026, 3, 18)
    >>> check_call_attempt("not_reached", d, d, screened_on=date(2026, 3, 1))
    <CallOutcome.NOT_REACHED: 'not_reached'>
    >>> check_call_attempt("call_back", d, d, screened_on=d, call_back_on=date(2026, 3, 17))
    Traceback (most recent call last):
    ...
    embct.trial.calls.CallAttemptError: call_back_on: datetime.date(2026, 3, 17) is refused: \
a call-back date is not in the past (today is 2026-03-18)
    """
    if final:
        raise CallAttemptError("outcome", outcome, CallRule.CLOSED, final=final)
    made = CallOutcome(outcome) if outcome in ATTEMPT_OUTCOMES else None
    if made is None:
        raise CallAttemptError("outcome", outcome, CallRule.OUTCOME)
    if on > today:
        raise CallAttemptError("on", on, CallRule.FUTURE, today=today)
    if on < screened_on:
        raise CallAttemptError("on", on, CallRule.BEFORE_SCREENING, screened_on=screened_on)
    if made is CallOutcome.CALL_BACK:
        if call_back_on is None:
            raise CallAttemptError("call_back_on", None, CallRule.CALL_BACK_MISSING)
        if call_back_on < today:
            raise CallAttemptError(
                "call_back_on", call_back_on, CallRule.CALL_BACK_PAST, today=today
            )
        if erased_on is not None and call_back_on >= erased_on:
            raise CallAttemptError(
                "call_back_on", call_back_on, CallRule.CALL_BACK_ERASED, erased_on=erased_on
            )
    elif call_back_on is not None:
        raise CallAttemptError(
            "call_back_on", call_back_on, CallRule.CALL_BACK_UNEXPECTED, outcome=made.value
        )
    return made


def check_close_unreached(not_reached: int, required: int, *, final: str | None = None) -> None:
    """Refuse closing a call as not reached before ``required`` attempts did not reach the
    person, or a call that is closed already.

    Examples
    --------
    >>> check_close_unreached(3, 3)
    >>> check_close_unreached(2, 3)
    Traceback (most recent call last):
    ...
    embct.trial.calls.CallAttemptError: attempts: 2 is refused: 3 attempts are needed
    """
    if final:
        raise CallAttemptError("outcome", final, CallRule.CLOSED, final=final)
    if not_reached < required:
        raise CallAttemptError(
            "attempts", not_reached, CallRule.TOO_FEW_ATTEMPTS, required=required
        )


def interview_outcome(eligible: bool) -> CallOutcome:
    """The call's final outcome after the eligibility interview."""
    return CallOutcome.ELIGIBLE if eligible else CallOutcome.NOT_ELIGIBLE


def needs_referral(answers: Mapping[str, bool]) -> bool:
    """Whether the eligibility answers exclude the person for a reason that is referred on
    (:data:`REFERRAL_CRITERIA`: severe psychiatric problems such as suicidal thoughts or
    psychosis).

    Examples
    --------
    >>> needs_referral({"severe_psychiatric_morbidity": True})
    True
    >>> needs_referral({"severe_psychiatric_morbidity": False, "cancer_diagnosis": True})
    False
    """
    return any(answers.get(criterion) is True for criterion in REFERRAL_CRITERIA)


def check_referral(answers: Mapping[str, bool], on: date, today: date, assessed_on: date) -> None:
    """Refuse recording a referral for someone whose answers need none, or dated after today
    or before the eligibility interview.

    Examples
    --------
    >>> d = date(2026, 3, 18)
    >>> check_referral({"severe_psychiatric_morbidity": True}, d, d, d)
    >>> check_referral({"severe_psychiatric_morbidity": False}, d, d, d)
    Traceback (most recent call last):
    ...
    embct.trial.calls.CallAttemptError: referral: False is refused: no exclusion that is \
referred on
    """
    if not needs_referral(answers):
        raise CallAttemptError("referral", False, CallRule.NO_REFERRAL)
    if on > today:
        raise CallAttemptError("on", on, CallRule.FUTURE, today=today)
    if on < assessed_on:
        raise CallAttemptError("on", on, CallRule.BEFORE_ASSESSMENT, assessed_on=assessed_on)

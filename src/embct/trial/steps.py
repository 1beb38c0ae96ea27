"""The order of the study steps, and what is missing or wrong before each one.

Bisseling et al. (2019), Study Population and Procedure: the screening HADS, the eligibility
call, written informed consent, the baseline assessment, then randomization to MBCT, eMBCT or
TAU; TAU patients were randomized again to MBCT or eMBCT after 3 months. Here each step's
preconditions are pure functions that return the problems found (an empty tuple: the step may
go ahead), so a platform only calls them and shows their problems in its own words.

- Consent needs an eligible participant and a date from the screening date to today (not in
  the future, not before the person was screened).
- The baseline (Table 1's characteristics, :data:`~embct.trial.BASELINE_FIELDS`) needs
  recorded consent.
- Randomization needs an eligible participant, recorded consent and a complete baseline.
- A TAU patient's re-randomization is due from
  :func:`~embct.trial.tau_rerandomization_date` on, and not before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .eligibility import BASELINE_FIELDS, BaselineField
from .protocol import Arm, parse_arm
from .randomization import tau_rerandomization_date

__all__ = [
    "REALLOCATION_SOON_DAYS",
    "RULE_TEXTS",
    "STEPS",
    "Reallocation",
    "Rule",
    "Step",
    "StepProblem",
    "baseline_problems",
    "consent_problems",
    "missing_baseline",
    "next_step",
    "randomization_problems",
    "reallocations_due",
    "rerandomization_problems",
]

#: The "re-allocation due" list shows TAU patients due within this many days, beside those due.
REALLOCATION_SOON_DAYS = 14


class Step(StrEnum):
    """The study steps, in the order they must be taken."""

    ELIGIBILITY = "eligibility"
    CONSENT = "consent"
    BASELINE = "baseline"
    RANDOMIZATION = "randomization"


STEPS: tuple[Step, ...] = tuple(Step)


class Rule(StrEnum):
    """Why a step cannot be taken (the rule a problem breaks)."""

    NOT_ELIGIBLE = "not_eligible"
    CONSENT_MISSING = "consent_missing"
    CONSENT_BEFORE_SCREENING = "consent_before_screening"
    CONSENT_IN_FUTURE = "consent_in_future"
    BASELINE_MISSING = "baseline_missing"
    NOT_TAU = "not_tau"
    REALLOCATION_NOT_DUE = "reallocation_not_due"


#: Each rule in words (English; ``%(limit)s`` is the problem's limit, an ISO date). A platform
#: looks these texts up in its own catalogue to show them in the reader's language.
RULE_TEXTS: dict[Rule, str] = {
    Rule.NOT_ELIGIBLE: "the participant is not eligible",
    Rule.CONSENT_MISSING: "consent must be recorded first",
    Rule.CONSENT_BEFORE_SCREENING: "consent cannot be before the screening (%(limit)s)",
    Rule.CONSENT_IN_FUTURE: "consent cannot be in the future (today is %(limit)s)",
    Rule.BASELINE_MISSING: "randomization needs the complete baseline (Table 1)",
    Rule.NOT_TAU: "only a participant allocated to TAU is re-randomized",
    Rule.REALLOCATION_NOT_DUE: "re-randomization is due on %(limit)s, 3 months after the TAU "
    "allocation",
}


@dataclass(frozen=True)
class StepProblem:
    """One reason why ``step`` cannot be taken now.

    Attributes
    ----------
    step : Step
        The step refused.
    rule : Rule
        The rule broken; :data:`RULE_TEXTS` says it in words.
    field : str
        What is missing or wrong: ``"eligible"``, ``"consent_on"``, ``"allocation"``, or a
        baseline field's name (a canonical trial table column, such as ``"age"``).
    value : object
        The value found (None when missing).
    limit : date or None
        The date the rule compares with (the screening date, today, the due date).
    """

    step: Step
    rule: Rule
    field: str
    value: object = None
    limit: date | None = None

    def __str__(self) -> str:
        text = RULE_TEXTS[self.rule] % {"limit": "" if self.limit is None else self.limit}
        shown = self.value.isoformat() if isinstance(self.value, date) else repr(self.value)
        return f"{self.field}: {shown}: {text}"


def _eligible(step: Step, eligible: bool) -> tuple[StepProblem, ...]:
    return () if eligible else (StepProblem(step, Rule.NOT_ELIGIBLE, "eligible", eligible),)


def consent_problems(
    eligible: bool, on: date, screened_on: date, today: date
) -> tuple[StepProblem, ...]:
    """What stops consent dated ``on`` from being recorded (empty: nothing).

    Parameters
    ----------
    eligible : bool
        The outcome of the eligibility call.
    on : date
        The date of written informed consent.
    screened_on : date
        The day the person was screened (the earliest possible consent).
    today : date
        The clinic's today (the latest possible consent).

    Returns
    -------
    tuple of StepProblem

    Examples
    --------
    >>> from datetime import date
    >>> consent_problems(True, date(2026, 3, 18), date(2026, 3, 2), date(2026, 3, 18))
    ()
    >>> [p.rule.value for p in consent_problems(False, date(2026, 3, 19), date(2026, 3, 2),
    ...                                         date(2026, 3, 18))]
    ['not_eligible', 'consent_in_future']
    >>> print(consent_problems(True, date(2026, 3, 1), date(2026, 3, 2), date(2026, 3, 18))[0])
    consent_on: 2026-03-01: consent cannot be before the screening (2026-03-02)
    """
    problems = list(_eligible(Step.CONSENT, eligible))
    if on < screened_on:
        problems.append(
            StepProblem(Step.CONSENT, Rule.CONSENT_BEFORE_SCREENING, "consent_on", on, screened_on)
        )
    if on > today:
        problems.append(StepProblem(Step.CONSENT, Rule.CONSENT_IN_FUTURE, "consent_on", on, today))
    return tuple(problems)


def baseline_problems(eligible: bool, consent_on: date | None) -> tuple[StepProblem, ...]:
    """What stops the baseline from being recorded: it comes after eligibility and consent.

    Examples
    --------
    >>> from datetime import date
    >>> baseline_problems(True, date(2026, 3, 18))
    ()
    >>> [p.rule.value for p in baseline_problems(True, None)]
    ['consent_missing']
    """
    problems = list(_eligible(Step.BASELINE, eligible))
    if consent_on is None:
        problems.append(StepProblem(Step.BASELINE, Rule.CONSENT_MISSING, "consent_on"))
    return tuple(problems)


def missing_baseline(baseline: Mapping[str, object]) -> tuple[BaselineField, ...]:
    """The Table 1 fields not recorded in ``baseline`` (absent or None), in Table 1's order.

    Examples
    --------
    >>> [f.name for f in missing_baseline({"female": True})][:2]
    ['relationship', 'children']
    >>> len(missing_baseline({})) == len(BASELINE_FIELDS)
    True
    """
    return tuple(f for f in BASELINE_FIELDS if baseline.get(f.name) is None)


def randomization_problems(
    eligible: bool, consent_on: date | None, baseline: Mapping[str, object]
) -> tuple[StepProblem, ...]:
    """What stops randomization: eligibility, consent and every missing baseline field.

    Examples
    --------
    >>> from datetime import date
    >>> problems = randomization_problems(True, date(2026, 3, 18), {"age": 52})
    >>> problems[0].rule.value, problems[0].field, len(problems)
    ('baseline_missing', 'female', 9)
    """
    problems = list(_eligible(Step.RANDOMIZATION, eligible))
    if consent_on is None:
        problems.append(StepProblem(Step.RANDOMIZATION, Rule.CONSENT_MISSING, "consent_on"))
    problems += [
        StepProblem(Step.RANDOMIZATION, Rule.BASELINE_MISSING, f.name)
        for f in missing_baseline(baseline)
    ]
    return tuple(problems)


def next_step(
    eligible: bool | None,
    consent_on: date | None,
    baseline: Mapping[str, object],
    allocated: bool,
) -> Step | None:
    """The step a participant is at: the first one not taken yet (None: all taken, or not
    eligible, so no step is open).

    Parameters
    ----------
    eligible : bool or None
        The eligibility call's outcome; None when the call is not recorded yet.
    consent_on : date or None
    baseline : mapping
    allocated : bool
        Whether the participant was randomized.

    Examples
    --------
    >>> from datetime import date
    >>> next_step(None, None, {}, False), next_step(True, None, {}, False)
    (<Step.ELIGIBILITY: 'eligibility'>, <Step.CONSENT: 'consent'>)
    >>> next_step(True, date(2026, 3, 18), {}, False)
    <Step.BASELINE: 'baseline'>
    >>> next_step(False, None, {}, False) is None
    True
    """
    if eligible is None:
        return Step.ELIGIBILITY
    if allocated or not eligible:
        return None
    if consent_on is None:
        return Step.CONSENT
    if missing_baseline(baseline):
        return Step.BASELINE
    return Step.RANDOMIZATION


def rerandomization_problems(
    first_arm: Arm | str | None, allocated_on: date | None, today: date
) -> tuple[StepProblem, ...]:
    """What stops a re-randomization today: only TAU patients, and only from the due date
    (:func:`~embct.trial.tau_rerandomization_date`, 3 calendar months after the allocation).

    Examples
    --------
    >>> from datetime import date
    >>> rerandomization_problems("tau", date(2026, 1, 15), date(2026, 4, 15))
    ()
    >>> print(rerandomization_problems("tau", date(2026, 1, 15), date(2026, 4, 14))[0])
    ... # doctest: +NORMALIZE_WHITESPACE
    allocation: 2026-04-14: re-randomization is due on 2026-04-15, 3 months after the TAU
    allocation
    >>> [p.rule.value for p in rerandomization_problems("mbct", date(2026, 1, 15),
    ...                                                 date(2026, 6, 1))]
    ['not_tau']
    """
    if first_arm is None or allocated_on is None or parse_arm(first_arm) is not Arm.TAU:
        arm = None if first_arm is None else str(parse_arm(first_arm))
        return (StepProblem(Step.RANDOMIZATION, Rule.NOT_TAU, "allocation", arm),)
    due = tau_rerandomization_date(allocated_on)
    if today < due:
        late = StepProblem(Step.RANDOMIZATION, Rule.REALLOCATION_NOT_DUE, "allocation", today, due)
        return (late,)
    return ()


@dataclass(frozen=True)
class Reallocation:
    """A TAU patient's re-randomization: when it is due, and whether it is due today."""

    participant_id: str
    allocated_on: date
    due_on: date
    due: bool


def reallocations_due(
    tau: Iterable[tuple[str, date]], today: date, soon_days: int = REALLOCATION_SOON_DAYS
) -> list[Reallocation]:
    """The TAU patients whose re-randomization is due today or within ``soon_days`` days,
    the longest waiting first.

    Parameters
    ----------
    tau : iterable of (participant id, TAU allocation date)
        The TAU patients not re-randomized yet.
    today : date
    soon_days : int, optional
        How far ahead "coming soon" looks (14 days by default).

    Examples
    --------
    >>> from datetime import date
    >>> tau = [("S2", date(2026, 1, 20)), ("S1", date(2025, 12, 1)), ("S3", date(2026, 3, 1))]
    >>> [(r.participant_id, r.due_on.isoformat(), r.due)
    ...  for r in reallocations_due(tau, date(2026, 4, 10))]
    [('S1', '2026-03-01', True), ('S2', '2026-04-20', False)]
    """
    horizon = today + timedelta(days=soon_days)
    rows = [
        Reallocation(pid, on, due, due <= today)
        for pid, on in tau
        if (due := tau_rerandomization_date(on)) <= horizon
    ]
    return sorted(rows, key=lambda r: (r.due_on, r.participant_id))

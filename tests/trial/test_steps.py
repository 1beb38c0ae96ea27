"""The order of the study steps (embct.trial.steps): eligibility, consent dated between the
screening and today, a complete baseline, randomization; TAU re-randomization when due."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from embct import trial
from embct.trial import Rule, Step

SCREENED, TODAY = date(2026, 3, 2), date(2026, 3, 18)
#: A complete baseline: every Table 1 field recorded (yes for yes/no fields, 40 for numbers).
BASELINE = {f.name: True if f.kind == "bool" else 40 for f in trial.BASELINE_FIELDS}


def rules(problems: tuple[trial.StepProblem, ...]) -> list[str]:
    return [p.rule.value for p in problems]


def test_the_steps_come_in_the_papers_order() -> None:
    assert [s.value for s in trial.STEPS] == [
        "eligibility",
        "consent",
        "baseline",
        "randomization",
    ]


def test_consent_on_the_screening_day_and_today_is_allowed() -> None:
    assert trial.consent_problems(True, SCREENED, SCREENED, TODAY) == ()
    assert trial.consent_problems(True, TODAY, SCREENED, TODAY) == ()


def test_consent_the_day_before_the_screening_is_refused_naming_the_screening_date() -> None:
    (problem,) = trial.consent_problems(True, SCREENED - timedelta(days=1), SCREENED, TODAY)
    assert (problem.step, problem.rule, problem.field) == (
        Step.CONSENT,
        Rule.CONSENT_BEFORE_SCREENING,
        "consent_on",
    )
    assert (problem.value, problem.limit) == (date(2026, 3, 1), SCREENED)
    assert str(problem) == (
        "consent_on: 2026-03-01: consent cannot be before the screening (2026-03-02)"
    )


def test_consent_tomorrow_is_refused_as_in_the_future() -> None:
    (problem,) = trial.consent_problems(True, TODAY + timedelta(days=1), SCREENED, TODAY)
    assert (problem.rule, problem.limit) == (Rule.CONSENT_IN_FUTURE, TODAY)
    assert "cannot be in the future (today is 2026-03-18)" in str(problem)


def test_consent_of_an_ineligible_person_is_refused() -> None:
    assert rules(trial.consent_problems(False, TODAY, SCREENED, TODAY)) == ["not_eligible"]


@given(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
def test_consent_is_allowed_exactly_inside_the_window(on: date) -> None:
    allowed = trial.consent_problems(True, on, SCREENED, TODAY) == ()
    assert allowed is (SCREENED <= on <= TODAY)


def test_the_baseline_comes_after_consent() -> None:
    assert trial.baseline_problems(True, TODAY) == ()
    (problem,) = trial.baseline_problems(True, None)
    assert (problem.step, problem.rule, problem.field) == (
        Step.BASELINE,
        Rule.CONSENT_MISSING,
        "consent_on",
    )
    assert rules(trial.baseline_problems(False, None)) == ["not_eligible", "consent_missing"]


def test_randomization_lists_every_missing_baseline_field_in_table_1s_order() -> None:
    partial = {k: v for k, v in BASELINE.items() if k not in ("age", "children")}
    partial["female"] = None  # not recorded counts as missing
    problems = trial.randomization_problems(True, TODAY, partial)
    assert [p.field for p in problems] == ["female", "children", "age"]
    assert {p.rule for p in problems} == {Rule.BASELINE_MISSING}
    assert [f.name for f in trial.missing_baseline(partial)] == ["female", "children", "age"]


def test_randomization_with_consent_and_the_complete_baseline_is_allowed() -> None:
    assert trial.randomization_problems(True, TODAY, BASELINE) == ()
    assert rules(trial.randomization_problems(False, None, BASELINE)) == [
        "not_eligible",
        "consent_missing",
    ]


def test_next_step_follows_the_order() -> None:
    assert trial.next_step(None, None, {}, False) is Step.ELIGIBILITY
    assert trial.next_step(True, None, {}, False) is Step.CONSENT
    assert trial.next_step(True, TODAY, {"age": 52}, False) is Step.BASELINE
    assert trial.next_step(True, TODAY, BASELINE, False) is Step.RANDOMIZATION
    assert trial.next_step(True, TODAY, BASELINE, True) is None
    assert trial.next_step(False, None, {}, False) is None


def test_tau_re_randomization_is_refused_the_day_before_it_is_due() -> None:
    allocated = date(2026, 1, 15)
    due = trial.tau_rerandomization_date(allocated)
    assert due == date(2026, 4, 15)
    (problem,) = trial.rerandomization_problems("tau", allocated, due - timedelta(days=1))
    assert (problem.rule, problem.limit, problem.value) == (
        Rule.REALLOCATION_NOT_DUE,
        due,
        date(2026, 4, 14),
    )
    assert trial.rerandomization_problems("tau", allocated, due) == ()
    assert trial.rerandomization_problems(trial.Arm.TAU, allocated, due + timedelta(days=60)) == ()


def test_only_tau_patients_are_re_randomized() -> None:
    (problem,) = trial.rerandomization_problems("embct", date(2026, 1, 15), date(2026, 9, 1))
    assert (problem.rule, problem.value) == (Rule.NOT_TAU, "embct")
    assert rules(trial.rerandomization_problems(None, None, TODAY)) == ["not_tau"]


def test_the_reallocation_list_holds_those_due_and_those_due_within_two_weeks() -> None:
    today = date(2026, 4, 10)
    tau = [
        ("S4", date(2026, 2, 1)),  # due 2026-05-01: three weeks ahead, not listed
        ("S3", date(2026, 1, 24)),  # due 2026-04-24: exactly 14 days ahead, listed
        ("S2", date(2026, 1, 10)),  # due today
        ("S1", date(2025, 12, 1)),  # overdue since 2026-03-01
    ]
    rows = trial.reallocations_due(tau, today)
    assert [(r.participant_id, r.due_on, r.due) for r in rows] == [
        ("S1", date(2026, 3, 1), True),
        ("S2", date(2026, 4, 10), True),
        ("S3", date(2026, 4, 24), False),
    ]
    assert trial.REALLOCATION_SOON_DAYS == 14
    assert [r.participant_id for r in trial.reallocations_due(tau, today, soon_days=0)] == [
        "S1",
        "S2",
    ]

"""The platform uses the trial's rules, written once in :mod:`embct.trial`: its choices are the
trial's enums, the patient's week is the trial's calendar (:func:`embct.trial.this_week`), and
the final arm is :func:`embct.trial.arm_so_far` wherever it is shown or exported."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

from embct import trial
from embct.platform.care.models import Arm, DiaryEntry, Weekday
from embct.platform.care.progress import patient_week
from embct.platform.care.services import send_log_files
from support.testing import TODAY, BaseTestCase

PLATFORM = Path(__file__).resolve().parents[2] / "src" / "embct" / "platform"


def test_the_care_arms_are_the_trials_treatment_arms() -> None:
    assert [arm.value for arm in Arm] == [trial.Arm.EMBCT.value, trial.Arm.MBCT.value]
    assert set(Arm) == set(trial.TREATMENT_ARMS)


def test_the_weekdays_are_the_trials() -> None:
    assert [(day.name, day.value) for day in Weekday] == [
        (day.name, day.value) for day in trial.Weekday
    ]


@pytest.mark.parametrize(
    ("main", "tau", "expected"),
    [
        (None, None, (None, False)),
        ("mbct", None, (trial.Arm.MBCT, False)),
        ("embct", None, (trial.Arm.EMBCT, False)),
        ("tau", None, (None, True)),
        ("tau", "embct", (trial.Arm.EMBCT, True)),
        ("tau", "mbct", (trial.Arm.MBCT, True)),
    ],
)
def test_arm_so_far(main: str | None, tau: str | None, expected: tuple) -> None:
    assert trial.arm_so_far(main, tau) == expected


def test_a_re_randomization_without_tau_first_is_refused() -> None:
    with pytest.raises(trial.ProtocolError):
        trial.arm_so_far("mbct", "embct")


def calls_of(name: str) -> list[str]:
    """Where a platform module calls ``trial.<name>`` or ``<name>`` imported from the trial."""
    found = []
    for path in sorted(PLATFORM.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called == name:
                    found.append(f"{path.relative_to(PLATFORM)}:{node.lineno}")
    return found


def test_the_final_arm_rule_is_written_once() -> None:
    """The platform asks embct.trial for the arm so far; it does not re-decide when a TAU
    participant's arm is known before calling final_arm."""
    assert calls_of("final_arm") == []
    assert sorted({where.split(":")[0] for where in calls_of("arm_so_far")}) == [
        "research/export.py",
        "research/live.py",
        "research/services.py",
    ]


def test_the_week_page_asks_the_trial_for_this_week() -> None:
    assert [where.split(":")[0] for where in calls_of("this_week")] == ["care/progress.py"]


class WeekIsTheTrialCalendar(BaseTestCase):
    def test_every_day_of_the_course_agrees_with_this_week(self) -> None:
        profile = self.pim_profile
        assert profile.start_date is not None
        calendar = trial.course_calendar(
            profile.start_date, trial.Protocol(silent_day_week=self.course.silent_day_week)
        )
        # Week 1 and week 2 sent: completed sessions are the trial's completed numbers.
        for week in (1, 2):
            DiaryEntry.objects.create(
                patient=profile, session=self.session(week), date=TODAY, minutes=5
            )
            send_log_files(profile, self.session(week))
        self.diary(profile, 3)
        for offset in range(-2, 7 * 10):
            day = profile.start_date + timedelta(days=offset)
            expected = trial.this_week(
                calendar, day, completed={1, 2}, feedback_weekday=profile.feedback_weekday
            )
            week = patient_week(profile, day)
            released = [s.session.week for s in week.sessions if s.released]
            assert released == [s.week for s in expected.open_sessions], day
            current = week.current.session.week if week.current else None
            # After the last week the course is over: no session is "this week's" any more.
            this = None if expected.course_over or not expected.session else expected.session.week
            assert current == this, day
            assert week.ended == expected.course_over, day
            assert week.end_date == calendar.end_date
            assert week.preparation_open == expected.preparation_open, day
            assert week.preparation_link == (
                expected.preparation_open and not expected.silent_day_over
            ), day
            assert week.next_feedback == expected.next_feedback, day
            assert [s.release_date for s in week.sessions] == [
                s.release_date for s in calendar.sessions
            ]
            assert week.week == min(expected.week, trial.N_SESSIONS)
            assert [s.completed for s in week.sessions][:3] == [True, True, False]

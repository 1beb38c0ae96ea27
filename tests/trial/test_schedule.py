"""The assessment schedule (paper: Measures) and the state of each assessment on a day."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embct.trial import (
    EVERY_SESSION,
    Anchor,
    Assessment,
    AssessmentState,
    KeyDates,
    Protocol,
    ProtocolError,
    assessment_schedule,
    assessment_state,
    course_calendar,
    schedule_states,
)
from support.shared import SharedData

PUBLISHED = "reference/published-results.toml"  # in the shared folder (shared_data fixture)
START = date(2026, 3, 2)
DATES = KeyDates(screening=date(2026, 2, 2), consent=date(2026, 2, 16), course_start=START)

ORDER = {
    AssessmentState.UPCOMING: 0,
    AssessmentState.DUE: 1,
    AssessmentState.OVERDUE: 2,
    AssessmentState.MISSED: 3,
}


def test_the_trial_schedule_is_the_papers(shared_data: SharedData) -> None:
    schedule = assessment_schedule()
    assert [a.key for a in schedule] == [
        "hads_screen",
        "hads_pre",
        "mhc_pre",
        "wai_w2",
        "wai_w5",
        "wai_w9",
        "hads_post",
        "mhc_post",
    ]
    published = shared_data.optional(PUBLISHED)
    if published is not None:
        wanted = tomllib.loads(published.read_text(encoding="utf-8"))["schedule"]["wai"]
        assert wanted == ["start of week 2", "start of week 5", "start of week 9"]
    # the WAI-SR is due on the first day of weeks 2, 5 and 9 of the course
    cal = course_calendar(START)
    wai = {a.key: a for a in schedule if a.instrument == "wai"}
    for week in (2, 5, 9):
        due = assessment_state(wai[f"wai_w{week}"], DATES, START).due
        assert due == cal.session(week).release_date
        assert cal.week_of(due) == week
    # posttreatment: the first day after the 9-week course
    post = assessment_state(schedule[-1], DATES, START).due
    assert post == cal.end_date + timedelta(days=1)


def test_keys_follow_the_canonical_table() -> None:
    for a in assessment_schedule(EVERY_SESSION):
        assert a.key == f"{a.instrument}_{a.wave}"
        assert a.instrument in {"hads", "mhc", "wai"}


def test_every_session_mode_asks_after_each_of_the_nine_sessions() -> None:
    wai = [a for a in assessment_schedule(EVERY_SESSION) if a.instrument == "wai"]
    assert [a.key for a in wai] == [f"wai_w{w}" for w in range(2, 11)]
    assert [a.offset_days for a in wai] == [7 * (w - 1) for w in range(2, 11)]
    # the trial's three waves are among them, with the same due days
    trial = {a.key: a.offset_days for a in assessment_schedule() if a.instrument == "wai"}
    assert trial.items() <= {a.key: a.offset_days for a in wai}.items()


def test_the_posttreatment_offset_and_the_wai_weeks_are_configurable() -> None:
    schedule = assessment_schedule(post_offset_days=91, wai_weeks=(3, 6))
    offsets = {a.key: a.offset_days for a in schedule}
    assert offsets["hads_post"] == offsets["mhc_post"] == 91
    assert "wai_w2" not in offsets
    assert offsets["wai_w3"] == 14
    assert offsets["wai_w6"] == 35
    # a longer protocol moves the default posttreatment date
    longer = assessment_schedule(protocol=Protocol(weekly_sessions=10, silent_day_week=6))
    assert {a.key: a.offset_days for a in longer}["hads_post"] == 7 * 11


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "weekly"}, "mode: 'weekly' is not one of"),
        ({"wai_weeks": (0,)}, "wai_weeks: 0 is not a course week"),
        ({"wai_weeks": (11,)}, "wai_weeks: 11 is not a course week"),
        ({"post_offset_days": -1}, "post_offset_days: -1"),
    ],
)
def test_a_bad_schedule_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        assessment_schedule(**kwargs)


def test_states_through_the_window_of_the_week_two_alliance() -> None:
    wai2 = next(a for a in assessment_schedule() if a.key == "wai_w2")
    due = date(2026, 3, 9)
    states = {
        d: assessment_state(wai2, DATES, due + timedelta(days=d)).state.value
        for d in (-1, 0, 6, 7, 60)
    }
    assert states == {-1: "upcoming", 0: "due", 6: "due", 7: "overdue", 60: "overdue"}
    done = assessment_state(wai2, DATES, due + timedelta(days=60), completed_on=due)
    assert done.state is AssessmentState.DONE
    assert done.completed_on == due


def test_an_assessment_with_a_closing_day_becomes_missed() -> None:
    item = Assessment("wai_w2", "wai", "w2", Anchor.COURSE_START, 7, grace_days=6, close_days=13)
    due = START + timedelta(days=7)
    assert assessment_state(item, DATES, due + timedelta(days=13)).state is AssessmentState.OVERDUE
    assert assessment_state(item, DATES, due + timedelta(days=14)).state is AssessmentState.MISSED


def test_an_assessment_is_not_scheduled_before_its_anchor_event() -> None:
    only_screened = KeyDates(screening=date(2026, 2, 2))
    states = schedule_states(assessment_schedule(), only_screened, date(2026, 2, 3))
    assert [w.state.value for w in states] == ["due"] + ["not_scheduled"] * 7
    assert all(w.due is None for w in states[1:])


def test_completions_must_belong_to_the_schedule() -> None:
    with pytest.raises(ProtocolError, match="'wai_w3' is not an assessment of this schedule"):
        schedule_states(assessment_schedule(), DATES, START, {"wai_w3": START})


@given(
    mode=st.sampled_from(["trial", EVERY_SESSION]),
    start=st.dates(min_value=date(2010, 1, 1), max_value=date(2090, 1, 1)),
    days=st.lists(st.integers(min_value=-100, max_value=200), min_size=2, max_size=6),
)
def test_states_only_move_forward_in_time(mode: str, start: date, days: list[int]) -> None:
    dates = KeyDates(start - timedelta(days=30), start - timedelta(days=14), start)
    for item in assessment_schedule(mode):
        seen = [
            ORDER[assessment_state(item, dates, start + timedelta(days=d)).state]
            for d in sorted(days)
        ]
        assert seen == sorted(seen)


@given(
    start=st.dates(min_value=date(2010, 1, 1), max_value=date(2090, 1, 1)),
    offset=st.integers(min_value=-20, max_value=120),
)
def test_due_dates_do_not_depend_on_today(start: date, offset: int) -> None:
    dates = KeyDates(start, start, start)
    today = start + timedelta(days=offset)
    for item in assessment_schedule(EVERY_SESSION):
        window = assessment_state(item, dates, today)
        assert window.due == start + timedelta(days=item.offset_days)
        assert (window.state is AssessmentState.UPCOMING) == (today < window.due)

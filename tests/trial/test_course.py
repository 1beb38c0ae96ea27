"""The eMBCT course calendar: releases, this week, feedback days, overdue sessions, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import given
from hypothesis import strategies as st

from embct.trial import (
    CLINIC_TIMEZONE,
    Protocol,
    ProtocolError,
    SessionKind,
    Weekday,
    course_calendar,
    feedback_date,
    feedback_overdue,
    local_date,
    this_week,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))
protocols = st.integers(min_value=2, max_value=9).map(lambda w: Protocol(silent_day_week=w))
AMS = ZoneInfo("Europe/Amsterdam")


def test_it_releases_the_papers_course_in_nine_weeks() -> None:
    cal = course_calendar(date(2026, 3, 2))
    kinds = [(s.number, s.kind.value, s.weekly_number, s.week) for s in cal.sessions]
    assert kinds == [
        (1, "weekly", 1, 1),
        (2, "weekly", 2, 2),
        (3, "weekly", 3, 3),
        (4, "weekly", 4, 4),
        (5, "weekly", 5, 5),
        (6, "silent_day", None, 6),
        (7, "weekly", 6, 7),
        (8, "weekly", 7, 8),
        (9, "weekly", 8, 9),
    ]
    assert cal.silent_day.release_date == date(2026, 4, 6)
    # The written preparation comes at the end of week 5: its last day.
    assert cal.preparation_date == date(2026, 4, 5)
    assert cal.week_of(cal.preparation_date) == 5
    assert cal.end_date == date(2026, 5, 3)


@given(start=dates, protocol=protocols)
def test_one_session_a_week_from_the_start(start: date, protocol: Protocol) -> None:
    cal = course_calendar(start, protocol)
    assert len(cal.sessions) == protocol.n_sessions
    for i, session in enumerate(cal.sessions):
        assert session.release_date == start + timedelta(weeks=i)
        assert session.release_date.weekday() == start.weekday()
        assert session.due_date - session.release_date == timedelta(days=6)
        assert cal.week_of(session.release_date) == cal.week_of(session.due_date) == i + 1
    assert [s.weekly_number for s in cal.sessions if s.weekly_number] == list(
        range(1, protocol.weekly_sessions + 1)
    )
    assert cal.silent_day.week == protocol.silent_day_week
    assert cal.preparation_date == cal.silent_day.release_date - timedelta(days=1)
    assert cal.week_of(cal.preparation_date) == protocol.silent_day_week - 1


@given(start=dates, offset=st.integers(min_value=-30, max_value=120))
def test_this_week_is_the_latest_released_session(start: date, offset: int) -> None:
    cal = course_calendar(start)
    day = start + timedelta(days=offset)
    current = cal.current_session(day)
    released = cal.released(day)
    if offset < 0:
        assert current is None
        assert released == ()
        assert cal.week_of(day) == 0
        return
    assert current is not None
    # earlier sessions stay open
    assert [s.number for s in released] == list(range(1, current.number + 1))
    assert current.release_date <= day
    if day <= cal.end_date:
        assert current.week == cal.week_of(day)
        assert day <= current.due_date
    else:
        assert current.number == 9


@given(start=dates, offset=st.integers(min_value=0, max_value=80), data=st.data())
def test_overdue_is_past_its_week_and_not_completed(start: date, offset: int, data) -> None:
    cal = course_calendar(start)
    day = start + timedelta(days=offset)
    completed = data.draw(st.sets(st.integers(min_value=1, max_value=9)))
    overdue = {s.number for s in cal.overdue(day, completed)}
    still_open = {s.number for s in cal.still_open(day, completed)}
    assert overdue.isdisjoint(completed)
    assert still_open.isdisjoint(completed)
    assert overdue | still_open | completed == set(range(1, 10))
    for number in overdue:
        assert cal.session(number).due_date < day


def test_overdue_refuses_an_unknown_session_number() -> None:
    with pytest.raises(ProtocolError, match="session number: 10 is not from 1 to 9"):
        course_calendar(date(2026, 3, 2)).overdue(date(2026, 5, 1), {10})


@given(submitted=dates, weekday=st.integers(min_value=0, max_value=6))
def test_feedback_comes_on_the_next_such_weekday_on_or_after_submission(
    submitted: date, weekday: int
) -> None:
    due = feedback_date(submitted, weekday)
    assert due.weekday() == weekday
    assert 0 <= (due - submitted).days <= 6
    # and it is the first such day: none between submission and due has that weekday
    assert all(
        (submitted + timedelta(days=d)).weekday() != weekday for d in range((due - submitted).days)
    )
    assert feedback_overdue(submitted, weekday, due) == 0
    assert feedback_overdue(submitted, weekday, due + timedelta(days=3)) == 3


def test_feedback_date_examples() -> None:
    tuesday = date(2026, 3, 3)
    assert feedback_date(tuesday, Weekday.TUESDAY) == tuesday
    assert feedback_date(tuesday, Weekday.MONDAY) == date(2026, 3, 9)
    assert feedback_date(date(2026, 12, 31), Weekday.FRIDAY) == date(2027, 1, 1)


@pytest.mark.parametrize("weekday", [7, -1, True, 2.0, "monday"])
def test_feedback_refuses_a_weekday_that_is_not_one(weekday: object) -> None:
    with pytest.raises(ProtocolError, match="weekday"):
        feedback_date(date(2026, 3, 3), weekday)  # type: ignore[arg-type]


def test_a_datetime_is_not_taken_for_a_date() -> None:
    with pytest.raises(ProtocolError, match=r"start: .* is not a calendar date"):
        course_calendar(datetime(2026, 3, 2, 12, tzinfo=UTC))  # type: ignore[arg-type]


def test_local_date_refuses_naive_timestamps() -> None:
    with pytest.raises(ProtocolError, match="not a time-zone-aware datetime"):
        local_date(datetime(2026, 3, 2, 12))


@given(
    moment=st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(AMS)
    )
)
def test_local_date_is_the_amsterdam_calendar_date(moment: datetime) -> None:
    assert CLINIC_TIMEZONE.key == "Europe/Amsterdam"
    assert local_date(moment.astimezone(UTC)) == moment.date()


@pytest.mark.parametrize(
    ("start", "utc_now", "session"),
    [
        # Spring forward on 29 March 2026: week 5 begins on Monday 30 March, 00:00 CEST,
        # which is 22:00 UTC on Sunday 29 March.
        (date(2026, 3, 2), datetime(2026, 3, 29, 21, 59, tzinfo=UTC), 4),
        (date(2026, 3, 2), datetime(2026, 3, 29, 22, 0, tzinfo=UTC), 5),
        # Fall back on 25 October 2026: week 2 begins on Monday 26 October, 00:00 CET = 23:00 UTC.
        (date(2026, 10, 19), datetime(2026, 10, 25, 22, 59, tzinfo=UTC), 1),
        (date(2026, 10, 19), datetime(2026, 10, 25, 23, 0, tzinfo=UTC), 2),
    ],
)
def test_releases_follow_the_amsterdam_midnight_across_dst(
    start: date, utc_now: datetime, session: int
) -> None:
    with time_machine.travel(utc_now, tick=False):
        today = local_date(datetime.now(UTC))
    current = course_calendar(start).current_session(today)
    assert current is not None
    assert current.number == session


def test_a_session_kind_is_data() -> None:
    assert SessionKind("silent_day") is SessionKind.SILENT_DAY


@given(
    start=dates,
    offset=st.integers(min_value=-10, max_value=80),
    completed=st.sets(st.integers(min_value=1, max_value=9)),
    weekday=st.none() | st.integers(min_value=0, max_value=6),
)
def test_this_week_agrees_with_the_calendar(
    start: date, offset: int, completed: set[int], weekday: int | None
) -> None:
    cal = course_calendar(start)
    today = start + timedelta(days=offset)
    week = this_week(cal, today, completed, weekday)
    assert week.week == cal.week_of(today)
    assert week.session == cal.current_session(today)
    assert week.open_sessions == cal.released(today)
    assert {s.number for s in week.still_due} == {s.number for s in cal.released(today)} - completed
    assert set(week.overdue) <= set(week.still_due)
    assert week.preparation_open == (today >= cal.preparation_date)
    assert week.silent_day_over == (today > cal.silent_day.due_date)
    assert week.course_over == (today > cal.end_date) == (week.week > len(cal.sessions))
    if weekday is None:
        assert week.next_feedback is None
    else:
        assert week.next_feedback == feedback_date(today, weekday)


def test_this_week_before_the_start_is_empty() -> None:
    week = this_week(course_calendar(date(2026, 3, 2)), date(2026, 2, 27))
    assert (week.week, week.session, week.open_sessions, week.still_due) == (0, None, (), ())


def test_the_course_is_over_the_day_after_its_last_week() -> None:
    cal = course_calendar(date(2026, 3, 2))  # week 9 ends on Sunday 3 May
    assert [cal.is_over(date(2026, 5, d)) for d in (3, 4)] == [False, True]
    # The silent day (week 6: 6-12 April) is over from Monday 13 April.
    assert [cal.silent_day_over(date(2026, 4, d)) for d in (12, 13)] == [False, True]

"""The course calendar as the platform uses it: a thin view over :mod:`embct.trial`.

The rules (one session a week from the start date, the silent day in its week after written
preparation on the last day of the week before, the prearranged feedback weekday, the
adequate dose) live once, in :mod:`embct.trial`; this module only gives the platform the
shapes it works with (session numbers 1..8 for the weekly sessions, ``None`` for the silent
day).

>>> from datetime import date
>>> week_of(date(2026, 1, 5), date(2026, 1, 12))
2
>>> calendar(date(2026, 1, 5), silent_day_week=6).session(3).release_date
datetime.date(2026, 1, 19)
>>> next_weekday(date(2026, 1, 5), 3)  # the Thursday on or after Monday 5 January
datetime.date(2026, 1, 8)
"""

from __future__ import annotations

from datetime import date

from embct.trial import protocol as _protocol
from embct.trial.course import CourseCalendar, course_calendar, feedback_date

#: A course has 8 weekly sessions plus the silent day, released one per week.
WEEKLY_SESSIONS = _protocol.N_WEEKLY_SESSIONS
COURSE_WEEKS = _protocol.N_SESSIONS

#: The adequate dose of the trial (Bisseling et al. 2019, Methods; see embct.trial).
ADEQUATE_DOSE_SESSIONS = _protocol.ADEQUATE_DOSE_SESSIONS


def week_of(start: date, today: date) -> int:
    """The course week ``today`` falls in (1 on the start date), 0 before the start."""
    return course_calendar(start).week_of(today)


def calendar(start: date, silent_day_week: int) -> CourseCalendar:
    """The trial's release calendar of a course that starts on ``start`` (sessions by course
    week: what is released, current and due comes from :func:`embct.trial.this_week`)."""
    return course_calendar(start, _protocol_for(silent_day_week))


def preparation_date(start: date, silent_day_week: int) -> date:
    """The silent day's written preparation opens on the last day of the week before it."""
    return calendar(start, silent_day_week).preparation_date


def next_weekday(on_or_after: date, weekday: int) -> date:
    """The first date on or after ``on_or_after`` that falls on ``weekday`` (Monday = 0)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
    return feedback_date(on_or_after, weekday)


def session_weeks(silent_day_week: int) -> list[tuple[int, int | None]]:
    """``(week, session number)`` for the 9 course weeks; the silent day has number ``None``.

    >>> session_weeks(6)[4:7]
    [(5, 5), (6, None), (7, 6)]
    """
    calendar = course_calendar(date(2000, 1, 3), _protocol_for(silent_day_week))
    return [(session.week, session.weekly_number) for session in calendar.sessions]


def _protocol_for(silent_day_week: int) -> _protocol.Protocol:
    if not 2 <= silent_day_week <= COURSE_WEEKS:
        raise ValueError(f"silent_day_week must be 2 to {COURSE_WEEKS}, got {silent_day_week}")
    return _protocol.Protocol(silent_day_week=silent_day_week)

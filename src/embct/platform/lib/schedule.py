"""The course calendar: which week a patient is in, when a session opens, when feedback is due.

Plain date arithmetic, no Django, so the rules can be read and tested on their own.

>>> from datetime import date
>>> week_of(date(2026, 1, 5), date(2026, 1, 12))
2
>>> release_date(date(2026, 1, 5), 3)
datetime.date(2026, 1, 19)
>>> next_weekday(date(2026, 1, 5), 3)  # the Thursday on or after Monday 5 January
datetime.date(2026, 1, 8)
"""

from __future__ import annotations

from datetime import date, timedelta

DAYS_PER_WEEK = 7

#: A course has 8 weekly sessions plus the silent day, released one per week.
WEEKLY_SESSIONS = 8
COURSE_WEEKS = WEEKLY_SESSIONS + 1

#: The adequate dose of the trial: a participant who completed at least this many sessions
#: is a completer (Bisseling et al. 2019, Methods). Defined here until ``embct.trial`` has it.
ADEQUATE_DOSE_SESSIONS = 4

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def week_of(start: date, today: date) -> int:
    """The course week ``today`` falls in (1 on the start date), 0 before the start."""
    if today < start:
        return 0
    return (today - start).days // DAYS_PER_WEEK + 1


def release_date(start: date, week: int) -> date:
    """The day the session of course week ``week`` (1-based) opens."""
    if week < 1:
        raise ValueError(f"week must be at least 1, got {week}")
    return start + timedelta(days=DAYS_PER_WEEK * (week - 1))


def preparation_date(start: date, silent_day_week: int) -> date:
    """The silent day's written preparation opens on the last day of the week before it."""
    return release_date(start, silent_day_week) - timedelta(days=1)


def next_weekday(on_or_after: date, weekday: int) -> date:
    """The first date on or after ``on_or_after`` that falls on ``weekday`` (Monday = 0)."""
    if not 0 <= weekday <= 6:
        raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), got {weekday}")
    return on_or_after + timedelta(days=(weekday - on_or_after.weekday()) % DAYS_PER_WEEK)


def session_weeks(silent_day_week: int) -> list[tuple[int, int | None]]:
    """``(week, session number)`` for the 9 course weeks; the silent day has number ``None``.

    >>> session_weeks(6)[4:7]
    [(5, 5), (6, None), (7, 6)]
    """
    if not 2 <= silent_day_week <= COURSE_WEEKS:
        raise ValueError(f"silent_day_week must be 2 to {COURSE_WEEKS}, got {silent_day_week}")
    weeks: list[tuple[int, int | None]] = []
    number = 0
    for week in range(1, COURSE_WEEKS + 1):
        if week == silent_day_week:
            weeks.append((week, None))
        else:
            number += 1
            weeks.append((week, number))
    return weeks

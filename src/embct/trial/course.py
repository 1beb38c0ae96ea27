"""The eMBCT course calendar: which session is released when, this week, feedback days.

An eMBCT patient gets one session per week from the start date; earlier sessions stay open.
With the default protocol the 9 sessions are released in 9 course weeks: weekly sessions 1-5
in weeks 1-5, the written preparation for the silent day on the last day of week 5, the silent
day in week 6, and weekly sessions 6-8 in weeks 7-9 (Bisseling et al. 2019, Intervention).

Course week ``n`` runs from ``start + 7 (n - 1)`` to ``start + 7 n - 1`` (inclusive). All
functions work on :class:`datetime.date` values, so daylight-saving changes cannot move a
release; :func:`local_date` turns an aware timestamp into the clinic's calendar date first.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo

from .protocol import DEFAULT_PROTOCOL, Protocol, ProtocolError

__all__ = [
    "CLINIC_TIMEZONE",
    "CourseCalendar",
    "CourseSession",
    "SessionKind",
    "WeekSummary",
    "Weekday",
    "course_calendar",
    "feedback_date",
    "feedback_overdue",
    "local_date",
    "this_week",
]

#: The trial's time zone: calendar dates are taken in it.
CLINIC_TIMEZONE = ZoneInfo("Europe/Amsterdam")


class Weekday(IntEnum):
    """Days of the week, numbered as :meth:`datetime.date.weekday` numbers them."""

    MONDAY = 0
    TUESDAY = 1
    WEDNESDAY = 2
    THURSDAY = 3
    FRIDAY = 4
    SATURDAY = 5
    SUNDAY = 6


class SessionKind(StrEnum):
    """A weekly session or the silent day."""

    WEEKLY = "weekly"
    SILENT_DAY = "silent_day"


@dataclass(frozen=True)
class CourseSession:
    """One session of a patient's course.

    Attributes
    ----------
    number : int
        Position in the course, 1..9 (the silent day counts as a session).
    kind : SessionKind
    weekly_number : int or None
        1..8 for weekly sessions (the protocol's session numbers); None for the silent day.
    week : int
        Course week in which it is released.
    release_date : date
        First day of that week.
    due_date : date
        Last day of that week: its log files are expected by then.
    """

    number: int
    kind: SessionKind
    weekly_number: int | None
    week: int
    release_date: date
    due_date: date


def _check_date(name: str, value: object) -> date:
    # datetime is a subclass of date: refuse it, its time part would be silently dropped.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise ProtocolError(
            f"{name}: {value!r} is not a calendar date (datetime.date); "
            "convert timestamps with local_date() first"
        )
    return value


@dataclass(frozen=True)
class CourseCalendar:
    """The release calendar of one patient's course; build it with :func:`course_calendar`.

    Examples
    --------
    >>> cal = course_calendar(date(2026, 3, 2))  # a Monday
    >>> cal.week_of(date(2026, 3, 9))
    2
    >>> cal.current_session(date(2026, 4, 8)).kind  # week 6
    <SessionKind.SILENT_DAY: 'silent_day'>
    >>> [s.number for s in cal.released(date(2026, 3, 16))]
    [1, 2, 3]
    >>> [s.number for s in cal.overdue(date(2026, 3, 16), completed={1})]
    [2]
    """

    start: date
    protocol: Protocol
    sessions: tuple[CourseSession, ...]
    preparation_date: date

    @property
    def end_date(self) -> date:
        """The last day of the last course week."""
        return self.sessions[-1].due_date

    @property
    def silent_day(self) -> CourseSession:
        """The silent-day session."""
        return next(s for s in self.sessions if s.kind is SessionKind.SILENT_DAY)

    def session(self, number: int) -> CourseSession:
        """Return session ``number`` (1-based), or raise :class:`ProtocolError`."""
        if isinstance(number, bool) or not isinstance(number, int):
            raise ProtocolError(f"session number: {number!r} is not a whole number")
        if not 1 <= number <= len(self.sessions):
            raise ProtocolError(f"session number: {number} is not from 1 to {len(self.sessions)}")
        return self.sessions[number - 1]

    def week_of(self, day: date) -> int:
        """Course week of ``day``: 0 before the start, then 1, 2, ... (may exceed the course)."""
        day = _check_date("day", day)
        offset = (day - self.start).days
        return 0 if offset < 0 else offset // 7 + 1

    def released(self, day: date) -> tuple[CourseSession, ...]:
        """Sessions open on ``day``: every session released on or before it."""
        day = _check_date("day", day)
        return tuple(s for s in self.sessions if s.release_date <= day)

    def current_session(self, day: date) -> CourseSession | None:
        """The session of "this week": the latest released one (None before the start).

        After the last week it stays the last session, as earlier sessions stay open.
        """
        released = self.released(day)
        return released[-1] if released else None

    def preparation_released(self, day: date) -> bool:
        """Whether the written preparation for the silent day is open on ``day``."""
        return _check_date("day", day) >= self.preparation_date

    def silent_day_over(self, day: date) -> bool:
        """Whether the silent day's week has ended by ``day`` (its preparation is behind)."""
        return _check_date("day", day) > self.silent_day.due_date

    def is_over(self, day: date) -> bool:
        """Whether the course has ended by ``day``: its last week is behind.

        >>> cal = course_calendar(date(2026, 3, 2))
        >>> cal.is_over(date(2026, 5, 3)), cal.is_over(date(2026, 5, 4))
        (False, True)
        """
        return _check_date("day", day) > self.end_date

    def overdue(self, day: date, completed: Collection[int]) -> tuple[CourseSession, ...]:
        """Sessions whose week ended before ``day`` and whose log files were not sent.

        Parameters
        ----------
        day : date
        completed : collection of int
            Numbers of the sessions that count as completed (log files sent).
        """
        day = _check_date("day", day)
        for number in completed:
            self.session(number)
        return tuple(s for s in self.sessions if s.due_date < day and s.number not in completed)

    def still_open(self, day: date, completed: Collection[int]) -> tuple[CourseSession, ...]:
        """Sessions not completed whose week has not ended yet on ``day`` (incl. future ones)."""
        day = _check_date("day", day)
        return tuple(s for s in self.sessions if s.due_date >= day and s.number not in completed)


def course_calendar(start: date, protocol: Protocol = DEFAULT_PROTOCOL) -> CourseCalendar:
    """Build the release calendar of an eMBCT course that starts on ``start``.

    One session is released per week, on the first day of the week; the silent day takes
    week ``protocol.silent_day_week`` and its written preparation is released
    ``protocol.preparation_lead_days`` days before that week begins.

    Parameters
    ----------
    start : date
        First day of course week 1 (any weekday).
    protocol : Protocol, optional
        Defaults to the paper's (silent day in week 6).

    Returns
    -------
    CourseCalendar

    Examples
    --------
    >>> cal = course_calendar(date(2026, 3, 2))
    >>> [(s.number, s.weekly_number, s.release_date.isoformat()) for s in cal.sessions][4:7]
    [(5, 5, '2026-03-30'), (6, None, '2026-04-06'), (7, 6, '2026-04-13')]
    >>> cal.preparation_date, cal.end_date
    (datetime.date(2026, 4, 5), datetime.date(2026, 5, 3))
    """
    start = _check_date("start", start)
    sessions = []
    weekly = 0
    for week in range(1, protocol.n_weeks + 1):
        release = start + timedelta(weeks=week - 1)
        if week == protocol.silent_day_week:
            kind, weekly_number = SessionKind.SILENT_DAY, None
        else:
            weekly += 1
            kind, weekly_number = SessionKind.WEEKLY, weekly
        sessions.append(
            CourseSession(
                number=week,
                kind=kind,
                weekly_number=weekly_number,
                week=week,
                release_date=release,
                due_date=release + timedelta(days=6),
            )
        )
    silent_release = start + timedelta(weeks=protocol.silent_day_week - 1)
    return CourseCalendar(
        start=start,
        protocol=protocol,
        sessions=tuple(sessions),
        preparation_date=silent_release - timedelta(days=protocol.preparation_lead_days),
    )


def _check_weekday(weekday: object) -> Weekday:
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise ProtocolError(f"weekday: {weekday!r} is not 0 (Monday) to 6 (Sunday)")
    return Weekday(weekday)


def feedback_date(submitted: date, weekday: int) -> date:
    """The day the therapist's feedback is due: the prearranged weekday on or after submission.

    Parameters
    ----------
    submitted : date
        Date (clinic time zone) the log files or message were sent.
    weekday : int or Weekday
        The prearranged feedback day, 0 = Monday ... 6 = Sunday.

    Returns
    -------
    date

    Examples
    --------
    >>> feedback_date(date(2026, 3, 3), Weekday.THURSDAY)  # a Tuesday
    datetime.date(2026, 3, 5)
    >>> feedback_date(date(2026, 3, 5), Weekday.THURSDAY)  # on the day itself
    datetime.date(2026, 3, 5)
    """
    submitted = _check_date("submitted", submitted)
    wanted = _check_weekday(weekday)
    return submitted + timedelta(days=(wanted - submitted.weekday()) % 7)


def feedback_overdue(submitted: date, weekday: int, today: date) -> int:
    """Days the feedback is late on ``today`` (0 when it is not late yet).

    Examples
    --------
    >>> feedback_overdue(date(2026, 3, 3), Weekday.THURSDAY, date(2026, 3, 5))
    0
    >>> feedback_overdue(date(2026, 3, 3), Weekday.THURSDAY, date(2026, 3, 7))
    2
    """
    due = feedback_date(submitted, weekday)
    return max(0, (_check_date("today", today) - due).days)


@dataclass(frozen=True)
class WeekSummary:
    """What a patient sees for "this week" on a given day.

    Attributes
    ----------
    week : int
        Course week (0 before the start; may exceed the course length afterwards).
    session : CourseSession or None
        The session of this week (the latest released one).
    open_sessions : tuple of CourseSession
        Every released session (earlier sessions stay open).
    still_due : tuple of CourseSession
        Released sessions not completed yet, oldest first (overdue ones included).
    overdue : tuple of CourseSession
        The part of ``still_due`` whose week has ended.
    preparation_open : bool
        Whether the written preparation for the silent day is available.
    next_feedback : date or None
        The next feedback day on or after today, given the prearranged weekday.
    silent_day_over : bool
        Whether the silent day's week has ended (its preparation need not be offered).
    course_over : bool
        Whether the last course week has ended (the course is over; ``week`` may exceed it).
    """

    week: int
    session: CourseSession | None
    open_sessions: tuple[CourseSession, ...]
    still_due: tuple[CourseSession, ...]
    overdue: tuple[CourseSession, ...]
    preparation_open: bool
    next_feedback: date | None
    silent_day_over: bool = False
    course_over: bool = False


def this_week(
    calendar: CourseCalendar,
    today: date,
    completed: Collection[int] = (),
    feedback_weekday: int | None = None,
) -> WeekSummary:
    """Summarize a patient's course on ``today``: this week's session and what is still due.

    Parameters
    ----------
    calendar : CourseCalendar
    today : date
        In the clinic's time zone (:func:`local_date`).
    completed : collection of int, optional
        Numbers of the completed sessions (log files sent).
    feedback_weekday : int, optional
        The prearranged feedback weekday (0 = Monday); None if not arranged yet.

    Returns
    -------
    WeekSummary

    Examples
    --------
    >>> cal = course_calendar(date(2026, 3, 2))
    >>> week = this_week(cal, date(2026, 3, 18), completed={1}, feedback_weekday=Weekday.FRIDAY)
    >>> week.week, week.session.number, [s.number for s in week.still_due]
    (3, 3, [2, 3])
    >>> [s.number for s in week.overdue], week.next_feedback
    ([2], datetime.date(2026, 3, 20))
    """
    today = _check_date("today", today)
    released = calendar.released(today)
    overdue = calendar.overdue(today, completed)
    return WeekSummary(
        week=calendar.week_of(today),
        session=released[-1] if released else None,
        open_sessions=released,
        still_due=tuple(s for s in released if s.number not in completed),
        overdue=overdue,
        preparation_open=calendar.preparation_released(today),
        next_feedback=None if feedback_weekday is None else feedback_date(today, feedback_weekday),
        silent_day_over=calendar.silent_day_over(today),
        course_over=calendar.is_over(today),
    )


def local_date(moment: datetime, tz: ZoneInfo = CLINIC_TIMEZONE) -> date:
    """The calendar date of an aware timestamp in the clinic's time zone.

    Parameters
    ----------
    moment : datetime
        Must be time-zone aware (naive timestamps are ambiguous and refused).
    tz : ZoneInfo, optional
        Defaults to Europe/Amsterdam.

    Examples
    --------
    >>> from datetime import UTC
    >>> local_date(datetime(2026, 3, 28, 23, 30, tzinfo=UTC))  # 00:30 in Amsterdam
    datetime.date(2026, 3, 29)
    """
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise ProtocolError(f"moment: {moment!r} is not a time-zone-aware datetime")
    return moment.astimezone(tz).date()

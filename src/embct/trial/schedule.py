"""The assessment schedule as data, and the state of each assessment on a given day.

The trial (Bisseling et al. 2019, Study Population and Procedure; Measures) asked for

* the HADS at screening (total >= 11 invites an eligibility call);
* the HADS and MHC-SF at baseline, before randomization;
* the WAI-SR at the start of weeks 2, 5 and 9 of the course;
* the HADS and MHC-SF after the course (posttreatment).

The paper recommends measuring the alliance after every session in routine care
(Clinical Implications): :data:`EVERY_SESSION` schedules a WAI-SR at the start of each week
after a session, weeks 2 to 10, named by the week as the trial waves are, so the trial's
``wai_w2``, ``wai_w5`` and ``wai_w9`` are among them.

Each :class:`Assessment` is due a number of days after an anchor event: ``screening``,
``consent`` or ``course_start``. Keys follow the canonical trial table
(``{instrument}_{wave}``); the screening HADS is ``hads_screen``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .course import _check_date
from .protocol import DEFAULT_PROTOCOL, Protocol, ProtocolError

__all__ = [
    "EVERY_SESSION",
    "TRIAL",
    "Anchor",
    "Assessment",
    "AssessmentState",
    "AssessmentWindow",
    "KeyDates",
    "assessment_schedule",
    "assessment_state",
    "due_date",
    "schedule_states",
]

#: Schedule modes.
TRIAL = "trial"
EVERY_SESSION = "every_session"
_MODES = (TRIAL, EVERY_SESSION)


class Anchor(StrEnum):
    """The event an assessment's due date counts from."""

    SCREENING = "screening"
    CONSENT = "consent"
    COURSE_START = "course_start"


class AssessmentState(StrEnum):
    """Where an assessment stands on a day.

    ``not_scheduled``: its anchor event has not happened; ``upcoming``: before its due date;
    ``due``: from the due date through the grace days; ``overdue``: later, not done;
    ``missed``: past its closing day, not done (no longer offered); ``done``: completed.
    """

    NOT_SCHEDULED = "not_scheduled"
    UPCOMING = "upcoming"
    DUE = "due"
    OVERDUE = "overdue"
    MISSED = "missed"
    DONE = "done"


@dataclass(frozen=True)
class Assessment:
    """One scheduled questionnaire.

    Attributes
    ----------
    key : str
        ``{instrument}_{wave}``, e.g. ``"wai_w2"`` (the canonical table's prefix).
    instrument : str
        ``"hads"``, ``"mhc"`` or ``"wai"``.
    wave : str
        ``"screen"``, ``"pre"``, ``"post"`` or ``"w{week}"``.
    anchor : Anchor
    offset_days : int
        Due this many days after the anchor date.
    grace_days : int
        Days after the due date on which it is still ``due`` rather than ``overdue``.
    close_days : int or None
        Days after the due date after which it is ``missed``; None: it never closes.
    """

    key: str
    instrument: str
    wave: str
    anchor: Anchor
    offset_days: int
    grace_days: int = 6
    close_days: int | None = None

    def __post_init__(self) -> None:
        if self.offset_days < 0 or self.grace_days < 0:
            raise ProtocolError(f"{self.key}: offset_days and grace_days must be >= 0")
        if self.close_days is not None and self.close_days < self.grace_days:
            raise ProtocolError(f"{self.key}: close_days must be >= grace_days")


@dataclass(frozen=True)
class KeyDates:
    """A participant's anchor dates; None for events that have not happened yet."""

    screening: date | None = None
    consent: date | None = None
    course_start: date | None = None

    def of(self, anchor: Anchor) -> date | None:
        """The date of ``anchor``, or None."""
        value = getattr(self, str(anchor))
        return None if value is None else _check_date(str(anchor), value)


@dataclass(frozen=True)
class AssessmentWindow:
    """An assessment with its due date and state on a given day."""

    assessment: Assessment
    due: date | None
    state: AssessmentState
    completed_on: date | None = None


def _week_start(week: int) -> int:
    return 7 * (week - 1)


def assessment_schedule(
    mode: str = TRIAL,
    protocol: Protocol = DEFAULT_PROTOCOL,
    *,
    post_offset_days: int | None = None,
    wai_weeks: tuple[int, ...] = (2, 5, 9),
    grace_days: int = 6,
) -> tuple[Assessment, ...]:
    """The assessments of a participant, in due order.

    Parameters
    ----------
    mode : {"trial", "every_session"}
        ``"trial"``: WAI-SR at the start of the weeks in ``wai_weeks``; ``"every_session"``:
        WAI-SR at the start of every week after a session (weeks 2 to ``n_weeks + 1``).
    protocol : Protocol, optional
    post_offset_days : int, optional
        Days from course start to the posttreatment HADS and MHC-SF; by default the first
        day after the last course week (63 days with 9 weeks).
    wai_weeks : tuple of int, optional
        Trial mode only: course weeks at whose start the WAI-SR is due.
    grace_days : int, optional
        Days an assessment stays ``due`` before it is ``overdue`` (6: the rest of its week).

    Returns
    -------
    tuple of Assessment

    Examples
    --------
    >>> [(a.key, a.anchor.value, a.offset_days) for a in assessment_schedule()]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('hads_screen', 'screening', 0), ('hads_pre', 'consent', 0), ('mhc_pre', 'consent', 0),
     ('wai_w2', 'course_start', 7), ('wai_w5', 'course_start', 28),
     ('wai_w9', 'course_start', 56), ('hads_post', 'course_start', 63),
     ('mhc_post', 'course_start', 63)]
    >>> [a.key for a in assessment_schedule("every_session") if a.instrument == "wai"][-2:]
    ['wai_w9', 'wai_w10']
    """
    if mode not in _MODES:
        raise ProtocolError(f"mode: {mode!r} is not one of {', '.join(map(repr, _MODES))}")
    last_week = protocol.n_weeks + 1
    if mode == TRIAL:
        for week in wai_weeks:
            if isinstance(week, bool) or not isinstance(week, int) or not 1 <= week <= last_week:
                raise ProtocolError(f"wai_weeks: {week!r} is not a course week 1..{last_week}")
        weeks = tuple(sorted(set(wai_weeks)))
    else:
        weeks = tuple(range(2, last_week + 1))
    post = _week_start(last_week) if post_offset_days is None else post_offset_days
    if isinstance(post, bool) or not isinstance(post, int) or post < 0:
        raise ProtocolError(f"post_offset_days: {post!r} is not a whole number >= 0")
    items = [
        Assessment("hads_screen", "hads", "screen", Anchor.SCREENING, 0, grace_days),
        Assessment("hads_pre", "hads", "pre", Anchor.CONSENT, 0, grace_days),
        Assessment("mhc_pre", "mhc", "pre", Anchor.CONSENT, 0, grace_days),
    ]
    items += [
        Assessment(f"wai_w{w}", "wai", f"w{w}", Anchor.COURSE_START, _week_start(w), grace_days)
        for w in weeks
    ]
    items += [
        Assessment("hads_post", "hads", "post", Anchor.COURSE_START, post, grace_days),
        Assessment("mhc_post", "mhc", "post", Anchor.COURSE_START, post, grace_days),
    ]
    order = {Anchor.SCREENING: 0, Anchor.CONSENT: 1, Anchor.COURSE_START: 2}
    return tuple(sorted(items, key=lambda a: (order[a.anchor], a.offset_days)))


def due_date(assessment: Assessment, dates: KeyDates) -> date | None:
    """The day ``assessment`` is due for a participant, or None before its anchor event.

    Examples
    --------
    >>> wai5 = next(a for a in assessment_schedule() if a.key == "wai_w5")
    >>> due_date(wai5, KeyDates(course_start=date(2026, 3, 2)))  # start of week 5
    datetime.date(2026, 3, 30)
    >>> due_date(wai5, KeyDates()) is None
    True
    """
    anchor = dates.of(assessment.anchor)
    return None if anchor is None else anchor + timedelta(days=assessment.offset_days)


def assessment_state(
    assessment: Assessment,
    dates: KeyDates,
    today: date,
    completed_on: date | None = None,
) -> AssessmentWindow:
    """Due date and state of one assessment on ``today``.

    Parameters
    ----------
    assessment : Assessment
    dates : KeyDates
        The participant's anchor dates.
    today : date
        In the clinic's time zone (see :func:`embct.trial.course.local_date`).
    completed_on : date, optional
        When it was completed; done wins over every other state.

    Returns
    -------
    AssessmentWindow

    Examples
    --------
    >>> wai2 = assessment_schedule()[3]
    >>> dates = KeyDates(course_start=date(2026, 3, 2))
    >>> [assessment_state(wai2, dates, date(2026, 3, d)).state.value for d in (8, 9, 15, 16)]
    ['upcoming', 'due', 'due', 'overdue']
    >>> assessment_state(wai2, dates, date(2026, 3, 20), date(2026, 3, 10)).state.value
    'done'
    """
    today = _check_date("today", today)
    if completed_on is not None:
        completed_on = _check_date("completed_on", completed_on)
    due = due_date(assessment, dates)
    if completed_on is not None:
        state = AssessmentState.DONE
    elif due is None:
        state = AssessmentState.NOT_SCHEDULED
    elif today < due:
        state = AssessmentState.UPCOMING
    elif (today - due).days <= assessment.grace_days:
        state = AssessmentState.DUE
    elif assessment.close_days is not None and (today - due).days > assessment.close_days:
        state = AssessmentState.MISSED
    else:
        state = AssessmentState.OVERDUE
    return AssessmentWindow(assessment, due, state, completed_on)


def schedule_states(
    schedule: tuple[Assessment, ...],
    dates: KeyDates,
    today: date,
    completions: Mapping[str, date] | None = None,
) -> tuple[AssessmentWindow, ...]:
    """States of a whole schedule on ``today``.

    Parameters
    ----------
    schedule : tuple of Assessment
        From :func:`assessment_schedule`.
    dates : KeyDates
    today : date
    completions : mapping of str to date, optional
        Assessment key -> completion date. A key that is not in the schedule is an error.

    Returns
    -------
    tuple of AssessmentWindow

    Examples
    --------
    >>> dates = KeyDates(date(2026, 2, 1), date(2026, 2, 10), date(2026, 3, 2))
    >>> done = {"hads_screen": date(2026, 2, 1), "hads_pre": date(2026, 2, 10)}
    >>> states = schedule_states(assessment_schedule(), dates, date(2026, 3, 31), done)
    >>> {w.assessment.key: w.state.value for w in states}  # doctest: +NORMALIZE_WHITESPACE
    {'hads_screen': 'done', 'hads_pre': 'done', 'mhc_pre': 'overdue', 'wai_w2': 'overdue',
     'wai_w5': 'due', 'wai_w9': 'upcoming', 'hads_post': 'upcoming', 'mhc_post': 'upcoming'}
    """
    completions = dict(completions or {})
    keys = {a.key for a in schedule}
    unknown = sorted(set(completions) - keys)
    if unknown:
        raise ProtocolError(f"completions: {unknown[0]!r} is not an assessment of this schedule")
    return tuple(assessment_state(a, dates, today, completions.get(a.key)) for a in schedule)

"""The therapist's early warnings, as pure functions that return a :class:`Flag` or None.

Each rule looks at one patient's data and, when it fires, explains itself in plain words and
returns the numbers it used as ``evidence``. The thresholds are parameters; the defaults are
taken from the trial's own figures (Bisseling et al. 2019; ../shared/reference/
published-results.toml) and are early-warning heuristics, not validated clinical cut-offs.

Reliable change (a fall in alliance, a rise in distress) is computed by
:func:`embct.instruments.reliable_change_one` (Jacobson & Truax 1991), which knows each
instrument's direction of improvement; this module only decides when to warn.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType

from embct.instruments import get_instrument, reliable_change_one

from .course import _check_date, feedback_date
from .protocol import ADEQUATE_DOSE_SESSIONS, ProtocolError

__all__ = [
    "ALLIANCE_RELIABILITY",
    "ALLIANCE_SD",
    "FLAG_CODES",
    "RELIABLE_Z",
    "WEAK_ALLIANCE_THRESHOLD",
    "Flag",
    "alliance_fall",
    "dose_at_risk",
    "feedback_waiting",
    "hads_deterioration",
    "no_recent_practice",
    "weak_early_alliance",
]

#: |RC| above this is a reliable change (two-sided p < .05).
RELIABLE_Z = 1.96

#: WAI-SR week 2 of completers in the trial: mean 36.6, SD 9.5 (Results: Dropout).
ALLIANCE_SD = 9.5
#: Cronbach's alpha of the WAI total in the trial (Measures).
ALLIANCE_RELIABILITY = 0.93
#: Default "weak early alliance": one SD below the completers' week-2 mean (36.6 - 9.5).
WEAK_ALLIANCE_THRESHOLD = round(36.6 - 9.5, 1)

#: Totals allowed, from the instruments' definitions (WAI-SR scored 1-5: 12..60; HADS 0..42).
WAI_TOTAL_RANGE = get_instrument("wai").score_range()
HADS_TOTAL_RANGE = get_instrument("hads").score_range()


@dataclass(frozen=True)
class Flag:
    """An early warning: a stable ``code``, a ``title``, a plain-words ``explanation``, and
    the ``evidence`` (numbers and dates, never free text) that made it fire."""

    code: str
    title: str
    explanation: str
    evidence: Mapping[str, object] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict: dates in the evidence become ISO strings, numbers stay numbers.

        Examples
        --------
        >>> flag = feedback_waiting(date(2026, 3, 3), 3, date(2026, 3, 6))
        >>> flag.as_dict()["evidence"]
        {'sent': '2026-03-03', 'feedback_due': '2026-03-05', 'days_late': 1}
        """
        evidence = {
            key: value.isoformat() if isinstance(value, date) else value
            for key, value in self.evidence.items()
        }
        return {
            "code": self.code,
            "title": self.title,
            "explanation": self.explanation,
            "evidence": evidence,
        }


#: Every flag code with its title.
FLAG_CODES: MappingProxyType[str, str] = MappingProxyType(
    {
        "weak_early_alliance": "Weak early alliance",
        "alliance_fall": "Alliance fell",
        "dose_at_risk": "Adequate dose at risk",
        "no_recent_practice": "No practice logged",
        "feedback_waiting": "Feedback waiting",
        "hads_deterioration": "Distress reliably worse",
    }
)


_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


def date_words(day: date) -> str:
    """A date as people write it: ``date_words(date(2026, 3, 3))`` is ``"3 March 2026"``."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def wave_words(label: str) -> str:
    """A WAI-SR wave label in words: ``"wai_w2"`` is ``"start of week 2"``; others as given."""
    match = re.fullmatch(r"wai_w(\d+)", label)
    return f"start of week {match.group(1)}" if match else label


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _number(name: str, value: object, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProtocolError(f"{name}: {value!r} is not a number")
    number = float(value)
    if not math.isfinite(number) or not low <= number <= high:
        raise ProtocolError(f"{name}: {value!r} is outside {low:g} to {high:g}")
    return number


def _reliable_change(
    instrument: str,
    before: float,
    after: float,
    sd: float | None,
    reliability: float | None,
    z: float,
) -> dict[str, object]:
    """One person's reliable change, by :func:`embct.instruments.reliable_change_one`
    (the plain-float twin of :func:`embct.instruments.reliable_change`)."""
    try:
        out = reliable_change_one(before, after, instrument, sd=sd, reliability=reliability, z=z)
    except ValueError as error:
        raise ProtocolError(f"{instrument} reliable change: {error}") from None
    return {
        "rc": float(out["rci"]),
        "direction": str(out["direction"]),
        "threshold": float(out["threshold"]),
        "sd": float(out["sd"]),
        "reliability": float(out["reliability"]),
        "source": str(out["source"]),
    }


def weak_early_alliance(
    wai_w2: float | None, threshold: float = WEAK_ALLIANCE_THRESHOLD
) -> Flag | None:
    """Flag a week-2 WAI-SR total below ``threshold``.

    In the trial a weaker early alliance predicted more distress after group MBCT.

    Parameters
    ----------
    wai_w2 : float or None
        WAI-SR total (12..60) at the start of week 2; None when not filled in (no flag).
    threshold : float, optional
        Default :data:`WEAK_ALLIANCE_THRESHOLD` (27.1).

    Returns
    -------
    Flag or None

    Examples
    --------
    >>> weak_early_alliance(25).evidence
    {'wai_w2': 25.0, 'threshold': 27.1}
    >>> weak_early_alliance(40) is None
    True
    """
    if wai_w2 is None:
        return None
    score = _number("wai_w2", wai_w2, *WAI_TOTAL_RANGE)
    if score >= threshold:
        return None
    return Flag(
        "weak_early_alliance",
        FLAG_CODES["weak_early_alliance"],
        f"The alliance score at the start of week 2 is {score:g}, below {threshold:g}. In the "
        "trial a weaker early alliance went with more distress after group MBCT; it may help "
        "to talk about the course's goals and how the work together is going.",
        {"wai_w2": score, "threshold": float(threshold)},
    )


def alliance_fall(
    scores: Sequence[tuple[str, float]],
    *,
    sd: float = ALLIANCE_SD,
    reliability: float = ALLIANCE_RELIABILITY,
    z: float = RELIABLE_Z,
) -> Flag | None:
    """Flag when the latest WAI-SR total fell reliably below the one before it.

    Parameters
    ----------
    scores : sequence of (label, total)
        WAI-SR totals in time order, labelled (e.g. ``("wai_w2", 41)``).
    sd, reliability : float, optional
        For the reliable change index; the defaults are the trial's (week-2 SD 9.5 of the
        completers, alpha .93), which make a fall of 7 points or more reliable.
    z : float, optional
        Critical value (1.96).

    Returns
    -------
    Flag or None
        A flag when :func:`embct.instruments.reliable_change` calls the change
        ``"deteriorated"``; None with fewer than two scores.

    Examples
    --------
    >>> round(alliance_fall([("wai_w2", 45), ("wai_w5", 36)]).evidence["rc"], 2)
    -2.53
    >>> alliance_fall([("wai_w2", 45), ("wai_w5", 40)]) is None
    True
    """
    if len(scores) < 2:
        return None
    (label1, raw1), (label2, raw2) = scores[-2], scores[-1]
    before = _number(label1, raw1, *WAI_TOTAL_RANGE)
    after = _number(label2, raw2, *WAI_TOTAL_RANGE)
    change = _reliable_change("wai", before, after, sd, reliability, z)
    if change["direction"] != "deteriorated":
        return None
    return Flag(
        "alliance_fall",
        FLAG_CODES["alliance_fall"],
        f"The alliance score fell from {before:g} ({wave_words(label1)}) to {after:g} "
        f"({wave_words(label2)}), more than measurement error explains. Something in the "
        "contact may have changed.",
        {
            "before": before,
            "after": after,
            "before_label": label1,
            "after_label": label2,
            **change,
        },
    )


def dose_at_risk(
    sessions_done: int, sessions_remaining: int, adequate_dose: int = ADEQUATE_DOSE_SESSIONS
) -> Flag | None:
    """Flag when even finishing every remaining session would not reach the adequate dose.

    Parameters
    ----------
    sessions_done : int
        Sessions completed (eMBCT: log files sent) or attended (group MBCT).
    sessions_remaining : int
        Sessions not done that are still in time (eMBCT:
        ``len(calendar.still_open(today, completed))``; group: sessions still to come).
    adequate_dose : int, optional
        4 in the trial.

    Returns
    -------
    Flag or None

    Examples
    --------
    >>> dose_at_risk(1, 2).evidence
    {'sessions_done': 1, 'sessions_remaining': 2, 'adequate_dose': 4}
    >>> dose_at_risk(1, 3) is None
    True
    """
    for name, value in (
        ("sessions_done", sessions_done),
        ("sessions_remaining", sessions_remaining),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ProtocolError(f"{name}: {value!r} is not a whole number >= 0")
    if sessions_done >= adequate_dose or sessions_done + sessions_remaining >= adequate_dose:
        return None
    return Flag(
        "dose_at_risk",
        FLAG_CODES["dose_at_risk"],
        f"{_plural(sessions_done, 'session', 'sessions')} done and {sessions_remaining} still "
        "to come in time: "
        f"the minimum of {adequate_dose} sessions cannot be reached at the current pace "
        "unless missed sessions are caught up.",
        {
            "sessions_done": sessions_done,
            "sessions_remaining": sessions_remaining,
            "adequate_dose": adequate_dose,
        },
    )


def no_recent_practice(
    last_practice: date | None,
    today: date,
    course_start: date,
    *,
    days: int = 7,
    course_end: date | None = None,
) -> Flag | None:
    """Flag when no practice was logged for ``days`` days during the course.

    Parameters
    ----------
    last_practice : date or None
        Date of the latest diary entry; None if there is none (counted from the start).
    today, course_start : date
    days : int, optional
        7 by default.
    course_end : date, optional
        No flag after this day.

    Returns
    -------
    Flag or None

    Examples
    --------
    >>> start = date(2026, 3, 2)
    >>> no_recent_practice(date(2026, 3, 3), date(2026, 3, 10), start).evidence["days_since"]
    7
    >>> no_recent_practice(date(2026, 3, 4), date(2026, 3, 10), start) is None
    True
    """
    today = _check_date("today", today)
    since = _check_date("course_start", course_start)
    if last_practice is not None:
        since = max(since, _check_date("last_practice", last_practice))
    if today < course_start or (course_end is not None and today > course_end):
        return None
    gap = (today - since).days
    if gap < days:
        return None
    when = "since the course began" if last_practice is None else f"since {date_words(since)}"
    return Flag(
        "no_recent_practice",
        FLAG_CODES["no_recent_practice"],
        f"No practice has been logged for {gap} days ({when}).",
        {"last_practice": last_practice, "days_since": gap, "days": days},
    )


def feedback_waiting(oldest_unanswered: date | None, weekday: int, today: date) -> Flag | None:
    """Flag when the oldest unanswered log file or message has passed its feedback day.

    Parameters
    ----------
    oldest_unanswered : date or None
        When the oldest unanswered item was sent; None if nothing waits.
    weekday : int
        The prearranged feedback weekday (0 = Monday).
    today : date

    Returns
    -------
    Flag or None

    Examples
    --------
    >>> f = feedback_waiting(date(2026, 3, 3), 3, date(2026, 3, 6))  # due Thursday the 5th
    >>> f.evidence["days_late"]
    1
    """
    if oldest_unanswered is None:
        return None
    due = feedback_date(oldest_unanswered, weekday)
    late = (_check_date("today", today) - due).days
    if late <= 0:
        return None
    return Flag(
        "feedback_waiting",
        FLAG_CODES["feedback_waiting"],
        f"Log files or a message sent on {date_words(oldest_unanswered)} were due for "
        f"feedback on {date_words(due)} and have waited {_plural(late, 'day', 'days')} longer.",
        {"sent": oldest_unanswered, "feedback_due": due, "days_late": late},
    )


def hads_deterioration(
    before: float | None,
    after: float | None,
    *,
    sd: float | None = None,
    reliability: float | None = None,
    z: float = RELIABLE_Z,
) -> Flag | None:
    """Flag a reliable rise in the HADS total (higher is more distress).

    Parameters
    ----------
    before, after : float or None
        HADS totals (0..42); None when either is missing (no flag).
    sd, reliability : float, optional
        Reference SD and reliability; by default the HADS reference built into
        :mod:`embct.instruments` (UK norms of Crawford et al. 2001: SD 5.98, alpha .86,
        so a rise of 7 points or more is reliable).
    z : float, optional
        Critical value (1.96).

    Returns
    -------
    Flag or None

    Examples
    --------
    >>> hads_deterioration(15, 22).code
    'hads_deterioration'
    >>> hads_deterioration(15, 21) is None
    True
    """
    if before is None or after is None:
        return None
    x1 = _number("hads_before", before, *HADS_TOTAL_RANGE)
    x2 = _number("hads_after", after, *HADS_TOTAL_RANGE)
    change = _reliable_change("hads", x1, x2, sd, reliability, z)
    if change["direction"] != "deteriorated":
        return None
    return Flag(
        "hads_deterioration",
        FLAG_CODES["hads_deterioration"],
        f"The distress score (HADS) rose from {x1:g} to {x2:g}, more than measurement error "
        "explains. Consider checking in and, where needed, further care.",
        {"before": x1, "after": x2, **change},
    )

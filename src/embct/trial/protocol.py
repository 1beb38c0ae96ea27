"""Arms and protocol constants of the trial (Bisseling et al. 2019, Methods).

The trial randomized distressed cancer patients to group MBCT, internet-based MBCT (eMBCT)
or treatment as usual (TAU); after 3 months TAU patients were randomized again to MBCT or
eMBCT. Both courses had 9 sessions (8 weekly sessions and a silent day), and attending 4 or
more sessions was defined as a minimum adequate dose.

Everything here is data: the arms as an enum with stable codes, a frozen :class:`Protocol`
holding the numbers a clinic may change, and :data:`DEFAULT_PROTOCOL` with the paper's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ADEQUATE_DOSE_REFERENCE",
    "ADEQUATE_DOSE_SESSIONS",
    "ANALYSIS_CODES",
    "ARM_LABELS",
    "DEFAULT_PROTOCOL",
    "N_SESSIONS",
    "N_WEEKLY_SESSIONS",
    "SILENT_DAY_WEEK",
    "TAU_WAIT_MONTHS",
    "TREATMENT_ARMS",
    "Arm",
    "Protocol",
    "ProtocolError",
    "analysis_code",
    "is_completer",
    "parse_arm",
]


class ProtocolError(ValueError):
    """A value that the trial protocol does not allow."""


class Arm(StrEnum):
    """The three arms, with the stable codes used in data files and the database.

    Examples
    --------
    >>> Arm("embct") is Arm.EMBCT
    True
    >>> [str(arm) for arm in Arm]
    ['mbct', 'embct', 'tau']
    """

    MBCT = "mbct"
    EMBCT = "embct"
    TAU = "tau"


#: The two treatments; TAU patients end up in one of them after re-randomization.
TREATMENT_ARMS: tuple[Arm, ...] = (Arm.MBCT, Arm.EMBCT)

#: Plain-language names of the arms.
ARM_LABELS: MappingProxyType[Arm, str] = MappingProxyType(
    {
        Arm.MBCT: "Group MBCT (face to face)",
        Arm.EMBCT: "Internet-based MBCT (eMBCT)",
        Arm.TAU: "Treatment as usual, then MBCT or eMBCT",
    }
)

#: Coding of ``condition`` in the paper's regressions: MBCT is the reference category.
ANALYSIS_CODES: MappingProxyType[Arm, int] = MappingProxyType({Arm.MBCT: 0, Arm.EMBCT: 1})

#: Sessions of a course: 8 weekly sessions and one silent day.
N_WEEKLY_SESSIONS = 8
N_SESSIONS = N_WEEKLY_SESSIONS + 1

#: The week of the silent day in eMBCT (written preparation at the end of week 5).
SILENT_DAY_WEEK = 6

#: Attending this many sessions or more is the minimum adequate dose (the completer rule).
ADEQUATE_DOSE_SESSIONS = 4

#: Where the adequate-dose rule comes from (reference 42 of Bisseling et al. 2019).
ADEQUATE_DOSE_REFERENCE = (
    "Crane C, Williams JMG. Factors associated with attrition from mindfulness-based "
    "cognitive therapy in patients with a history of suicidal depression. "
    "Mindfulness 2010;1(1):10-20. doi:10.1007/s12671-010-0003-8. "
    "Cited as the minimum adequate dose in Bisseling et al. 2019, JMIR 21(10):e14065."
)

#: Months in TAU before re-randomization to MBCT or eMBCT.
TAU_WAIT_MONTHS = 3


def parse_arm(value: object) -> Arm:
    """Return the :class:`Arm` for a stable code, or raise :class:`ProtocolError`.

    Parameters
    ----------
    value : object
        An :class:`Arm` or one of the codes ``"mbct"``, ``"embct"``, ``"tau"`` (exactly;
        no case folding, so a typo in a data file is reported rather than guessed).

    Returns
    -------
    Arm

    Examples
    --------
    >>> parse_arm("mbct")
    <Arm.MBCT: 'mbct'>
    >>> parse_arm("eMBCT")
    Traceback (most recent call last):
    ...
    embct.trial.protocol.ProtocolError: arm: 'eMBCT' is not one of 'mbct', 'embct', 'tau'
    """
    if isinstance(value, Arm):
        return value
    if isinstance(value, str):
        try:
            return Arm(value)
        except ValueError:
            pass
    codes = ", ".join(repr(str(arm)) for arm in Arm)
    raise ProtocolError(f"arm: {value!r} is not one of {codes}")


def analysis_code(arm: object) -> int:
    """Return the analysis coding of a treatment arm: MBCT 0 (reference), eMBCT 1.

    Parameters
    ----------
    arm : Arm or str
        ``"mbct"`` or ``"embct"``. TAU has no code: TAU patients are analysed in the arm
        they were re-randomized to.

    Returns
    -------
    int

    Examples
    --------
    >>> analysis_code("mbct"), analysis_code(Arm.EMBCT)
    (0, 1)
    """
    parsed = parse_arm(arm)
    if parsed not in ANALYSIS_CODES:
        raise ProtocolError(
            f"arm: {str(parsed)!r} has no analysis code; expected 'mbct' or 'embct' "
            "(TAU patients are analysed in the arm of their re-randomization)"
        )
    return ANALYSIS_CODES[parsed]


def is_completer(sessions_attended: int, adequate_dose: int = ADEQUATE_DOSE_SESSIONS) -> bool:
    """Whether a participant received the minimum adequate dose (>= 4 sessions by default).

    Parameters
    ----------
    sessions_attended : int
        Sessions attended (group MBCT) or completed (eMBCT), 0 to :data:`N_SESSIONS`.
    adequate_dose : int, optional
        The threshold; the paper's is :data:`ADEQUATE_DOSE_SESSIONS` (see
        :data:`ADEQUATE_DOSE_REFERENCE`).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_completer(3), is_completer(4)
    (False, True)
    >>> is_completer(10)
    Traceback (most recent call last):
    ...
    embct.trial.protocol.ProtocolError: sessions_attended: 10 is not a whole number from 0 to 9
    """
    _check_sessions(sessions_attended, N_SESSIONS)
    return sessions_attended >= adequate_dose


def _check_sessions(value: object, maximum: int, name: str = "sessions_attended") -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
        raise ProtocolError(f"{name}: {value!r} is not a whole number from 0 to {maximum}")


@dataclass(frozen=True)
class Protocol:
    """The protocol numbers a clinic may change; the defaults are the paper's.

    Parameters
    ----------
    weekly_sessions : int
        Weekly sessions (8).
    silent_day_week : int
        Course week of the silent day (6): its written preparation is released at the end of
        the week before. Must lie in 2..``weekly_sessions + 1`` (after at least one weekly
        session; week ``weekly_sessions + 1`` puts it at the end of the course).
    preparation_lead_days : int
        Days before the silent-day week that the written preparation is released (1: the
        last day of the week before).
    adequate_dose : int
        Sessions for the minimum adequate dose (4).
    tau_wait_months : int
        Months in TAU before re-randomization (3).

    Examples
    --------
    >>> DEFAULT_PROTOCOL.n_sessions, DEFAULT_PROTOCOL.silent_day_week
    (9, 6)
    >>> Protocol(silent_day_week=4).n_sessions
    9
    >>> Protocol(silent_day_week=1)
    Traceback (most recent call last):
    ...
    embct.trial.protocol.ProtocolError: silent_day_week: 1 is not a whole number from 2 to 9
    """

    weekly_sessions: int = N_WEEKLY_SESSIONS
    silent_day_week: int = SILENT_DAY_WEEK
    preparation_lead_days: int = 1
    adequate_dose: int = ADEQUATE_DOSE_SESSIONS
    tau_wait_months: int = TAU_WAIT_MONTHS

    def __post_init__(self) -> None:
        checks = [
            ("weekly_sessions", self.weekly_sessions, 1, 52),
            ("silent_day_week", self.silent_day_week, 2, self.weekly_sessions + 1),
            ("preparation_lead_days", self.preparation_lead_days, 0, 7),
            ("adequate_dose", self.adequate_dose, 1, self.weekly_sessions + 1),
            ("tau_wait_months", self.tau_wait_months, 0, 24),
        ]
        for name, value, low, high in checks:
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ProtocolError(f"{name}: {value!r} is not a whole number from {low} to {high}")

    @property
    def n_sessions(self) -> int:
        """All sessions: the weekly ones and the silent day."""
        return self.weekly_sessions + 1

    @property
    def n_weeks(self) -> int:
        """Weeks of the eMBCT course: one session is released per week."""
        return self.n_sessions


#: The protocol of Bisseling et al. (2019).
DEFAULT_PROTOCOL = Protocol()

"""Dropout: reason categories and the dose-based classification of participation.

Bisseling et al. (2019), Results: Dropout. A participant who was randomized but never began
the course *declined*; one who began and attended fewer than 4 sessions *dropped out*; one
who attended 4 or more *completed* (the minimum adequate dose). The paper's main reason for
dropping out was that the course was not as expected; the categories below are this
project's own neutral wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from types import MappingProxyType

from .protocol import (
    ADEQUATE_DOSE_SESSIONS,
    N_SESSIONS,
    ProtocolError,
    _check_sessions,
)

__all__ = [
    "REASON_LABELS",
    "DropoutReason",
    "DropoutRecord",
    "Participation",
    "WithdrawalKind",
    "classify_participation",
    "withdrawal_kind_problem",
]


class DropoutReason(StrEnum):
    """Why a participant stopped, as a category (free text stays out of exports)."""

    NOT_AS_EXPECTED = "not_as_expected"
    TOO_BURDENSOME = "too_burdensome"
    PHYSICAL_CONDITION = "physical_condition"
    PRACTICAL = "practical"
    OTHER = "other"


REASON_LABELS: MappingProxyType[DropoutReason, str] = MappingProxyType(
    {
        DropoutReason.NOT_AS_EXPECTED: "The course was not what they expected",
        DropoutReason.TOO_BURDENSOME: "The course asked too much of them",
        DropoutReason.PHYSICAL_CONDITION: "Their physical condition",
        DropoutReason.PRACTICAL: "Practical reasons (time, travel, technology)",
        DropoutReason.OTHER: "Another reason",
    }
)


class WithdrawalKind(StrEnum):
    """A withdrawal recorded for a randomized participant: before starting the course
    (declined) or after (dropout)."""

    DECLINED = "declined"
    DROPOUT = "dropout"


def withdrawal_kind_problem(kind: str, sessions_attended: int) -> str | None:
    """Why a withdrawal of ``kind`` cannot stand for a participant who attended
    ``sessions_attended`` sessions, or None when it can. Declining is leaving before the
    course begins: after a session it is dropping out (the flow counts one as not started and
    the other as started, so a declined participant with sessions would break it).

    >>> withdrawal_kind_problem("declined", 0) is None, withdrawal_kind_problem("dropout", 2)
    (True, None)
    >>> withdrawal_kind_problem("declined", 2)
    'declined is only for a participant who attended no session (2 attended): a dropout'
    """
    if kind not in {k.value for k in WithdrawalKind}:
        return f"{kind!r} is not a kind of withdrawal; expected declined or dropout"
    if kind == WithdrawalKind.DECLINED and sessions_attended > 0:
        return (
            f"declined is only for a participant who attended no session "
            f"({sessions_attended} attended): a dropout"
        )
    return None


class Participation(StrEnum):
    """How far a randomized participant got."""

    DECLINED = "declined"
    DROPOUT = "dropout"
    COMPLETER = "completer"


def classify_participation(
    started: bool, sessions_attended: int, adequate_dose: int = ADEQUATE_DOSE_SESSIONS
) -> Participation:
    """Declined, dropout (< 4 sessions among starters) or completer (>= 4).

    Parameters
    ----------
    started : bool
        Whether the participant began the course (attended or opened a first session).
    sessions_attended : int
        0..9.
    adequate_dose : int, optional
        4 in the trial.

    Returns
    -------
    Participation

    Examples
    --------
    >>> [classify_participation(True, n).value for n in (1, 3, 4)]
    ['dropout', 'dropout', 'completer']
    >>> classify_participation(False, 0).value
    'declined'
    """
    if not isinstance(started, bool):
        raise ProtocolError(f"started: {started!r} is not True or False")
    _check_sessions(sessions_attended, N_SESSIONS)
    if not started:
        if sessions_attended:
            raise ProtocolError(
                f"sessions_attended: {sessions_attended} sessions, but started is False"
            )
        return Participation.DECLINED
    if sessions_attended >= adequate_dose:
        return Participation.COMPLETER
    return Participation.DROPOUT


@dataclass(frozen=True)
class DropoutRecord:
    """A recorded dropout: when, why (category), and after how many sessions."""

    participant_id: str
    on: date
    reason: DropoutReason
    sessions_attended: int

    def __post_init__(self) -> None:
        if not isinstance(self.reason, DropoutReason):
            try:
                object.__setattr__(self, "reason", DropoutReason(self.reason))
            except ValueError:
                codes = ", ".join(repr(str(r)) for r in DropoutReason)
                raise ProtocolError(f"reason: {self.reason!r} is not one of {codes}") from None
        _check_sessions(self.sessions_attended, N_SESSIONS)

"""CONSORT-style flow counts from per-participant records.

Per treatment arm: randomized, declined after randomization, started, dropouts (< 4
sessions), completers (>= 4), and how many of each came through TAU first, as in the paper's
Figure 1 and Results (Participants; Dropout).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .dropout import Participation, classify_participation
from .protocol import ADEQUATE_DOSE_SESSIONS, TREATMENT_ARMS, Arm, ProtocolError, parse_arm

__all__ = ["ArmFlow", "Flow", "FlowRecord", "consort_flow"]


@dataclass(frozen=True)
class FlowRecord:
    """What the flow needs to know about one randomized participant.

    ``arm`` is the treatment arm (after re-randomization for TAU patients).
    """

    participant_id: str
    arm: Arm
    started: bool
    sessions_attended: int
    tau_first: bool = False


@dataclass(frozen=True)
class ArmFlow:
    """Counts for one arm."""

    randomized: int = 0
    declined: int = 0
    started: int = 0
    dropouts: int = 0
    completers: int = 0
    tau_first: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return {
            "randomized": self.randomized,
            "declined": self.declined,
            "started": self.started,
            "dropouts": self.dropouts,
            "completers": self.completers,
            "tau_first": self.tau_first,
        }


@dataclass(frozen=True)
class Flow:
    """Flow counts per arm and in total."""

    arms: dict[Arm, ArmFlow] = field(default_factory=dict)

    @property
    def total(self) -> ArmFlow:
        """Counts summed over the arms."""
        sums = {k: sum(f.as_dict()[k] for f in self.arms.values()) for k in ArmFlow().as_dict()}
        return ArmFlow(**sums)

    def as_dict(self) -> dict[str, dict[str, int]]:
        """``{"mbct": {...}, "embct": {...}, "total": {...}}``, numbers as ints."""
        out = {str(arm): flow.as_dict() for arm, flow in self.arms.items()}
        out["total"] = self.total.as_dict()
        return out


def consort_flow(
    records: Iterable[FlowRecord], adequate_dose: int = ADEQUATE_DOSE_SESSIONS
) -> Flow:
    """Count the flow of randomized participants per treatment arm.

    Parameters
    ----------
    records : iterable of FlowRecord
        One per randomized participant; participant ids must be unique.
    adequate_dose : int, optional
        Sessions that make a completer (4).

    Returns
    -------
    Flow

    Examples
    --------
    >>> records = [FlowRecord("a", Arm.MBCT, True, 8), FlowRecord("b", Arm.MBCT, False, 0),
    ...            FlowRecord("c", Arm.EMBCT, True, 2, tau_first=True)]
    >>> consort_flow(records).as_dict()["total"]  # doctest: +NORMALIZE_WHITESPACE
    {'randomized': 3, 'declined': 1, 'started': 2, 'dropouts': 1, 'completers': 1,
     'tau_first': 1}
    """
    counts = {arm: dict.fromkeys(ArmFlow().as_dict(), 0) for arm in TREATMENT_ARMS}
    seen: set[str] = set()
    for row, record in enumerate(records):
        if record.participant_id in seen:
            raise ProtocolError(f"row {row}: participant_id {record.participant_id!r} repeats")
        seen.add(record.participant_id)
        arm = parse_arm(record.arm)
        if arm not in counts:
            raise ProtocolError(
                f"row {row}: arm {str(arm)!r} for {record.participant_id!r}; expected 'mbct' or "
                "'embct' (give TAU patients the arm of their re-randomization)"
            )
        try:
            status = classify_participation(record.started, record.sessions_attended, adequate_dose)
        except ProtocolError as error:
            raise ProtocolError(f"row {row} ({record.participant_id}): {error}") from None
        c = counts[arm]
        c["randomized"] += 1
        c["tau_first"] += bool(record.tau_first)
        if status is Participation.DECLINED:
            c["declined"] += 1
        else:
            c["started"] += 1
            c["dropouts" if status is Participation.DROPOUT else "completers"] += 1
    return Flow({arm: ArmFlow(**c) for arm, c in counts.items()})

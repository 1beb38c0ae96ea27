"""CONSORT-style flow counts from per-participant records, and the whole CONSORT diagram.

Per treatment arm: randomized, waiting (allocated, not started yet), declined after
randomization, started, dropouts (< 4 sessions), completers (>= 4), and how many of each came
through TAU first, as in the paper's Figure 1 and Results (Participants; Dropout).

:class:`ConsortFlow` is every box of the diagram, from the screening to the analyses, and
:data:`BOXES` says which parts each box is made of; :meth:`ConsortFlow.check` proves that
every box equals the sum of its parts. The platform counts the boxes from its database, the
analysis from an exported table: both build the same :class:`ConsortFlow`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from .dropout import REASON_LABELS, DropoutReason, Participation, classify_participation
from .eligibility import CRITERIA, EligibilityResult
from .protocol import ADEQUATE_DOSE_SESSIONS, TREATMENT_ARMS, Arm, ProtocolError, parse_arm

__all__ = [
    "ANALYSES",
    "BOXES",
    "BOX_LABELS",
    "DROPOUT_REASON_KEYS",
    "KEYS",
    "NOT_ELIGIBLE_REASONS",
    "ArmFlow",
    "ConsortFlow",
    "Flow",
    "FlowError",
    "FlowRecord",
    "arm_status",
    "consort",
    "consort_flow",
    "count_treatment",
    "dropout_reason",
    "not_eligible_reason",
    "treatment_counts",
]

#: Not eligible because the screening HADS total was below 11 (no eligibility call).
BELOW_THRESHOLD = "hads_below_threshold"
#: Why someone was not eligible: a screening HADS below 11, or the first criterion (in the
#: paper's order) the eligibility call found unmet; each person has exactly one.
NOT_ELIGIBLE_REASONS: tuple[str, ...] = (BELOW_THRESHOLD, *(c.id for c in CRITERIA))
#: A dropout (started, < 4 sessions) without a recorded reason: possibly still in the course.
NOT_RECORDED = "not_recorded"
#: The reasons a dropout box is split by: the categories of DropoutReason, then none recorded.
DROPOUT_REASON_KEYS: tuple[str, ...] = (*(r.value for r in DropoutReason), NOT_RECORDED)
#: The sections of the report whose n the diagram shows (``analysed.<section>``).
ANALYSES: tuple[str, ...] = (
    "baseline",
    "dropout",
    "alliance_development",
    "outcomes.hads",
    "outcomes.mhc",
    "intention_to_treat.hads",
    "intention_to_treat.mhc",
)


def _arm_boxes(arm: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {
        # allocated to the arm directly or after TAU; and where they are now
        arm: (
            (f"allocated.{arm}", f"tau.{arm}"),
            (f"{arm}.waiting", f"{arm}.declined", f"{arm}.started"),
        ),
        f"{arm}.started": ((f"{arm}.dropouts", f"{arm}.completers"),),
        f"{arm}.dropouts": (tuple(f"{arm}.dropouts.{r}" for r in DROPOUT_REASON_KEYS),),
    }


#: Every box that has parts, and its parts: one tuple per way of splitting it (a treatment
#: arm is both "allocated directly + after TAU" and "waiting + declined + started"). A box
#: equals the sum of the parts of each of its splits.
BOXES: MappingProxyType[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        "screened": (
            (
                "not_eligible",
                "not_reached",
                "declined_call",
                "awaiting_call",
                "awaiting_randomization",
                "randomized",
            ),
        ),
        "not_eligible": (tuple(f"not_eligible.{r}" for r in NOT_ELIGIBLE_REASONS),),
        "randomized": (tuple(f"allocated.{a}" for a in Arm),),
        "allocated.tau": (("tau.waiting", *(f"tau.{a}" for a in TREATMENT_ARMS)),),
        **{k: v for a in TREATMENT_ARMS for k, v in _arm_boxes(a.value).items()},
    }
)


def _in_order() -> tuple[str, ...]:
    order: list[str] = []

    def visit(key: str) -> None:
        if key not in order:
            order.append(key)
        for split in BOXES.get(key, ()):
            for part in split:
                visit(part)

    visit("screened")
    for arm in TREATMENT_ARMS:
        visit(arm.value)
    return (*order, *(f"analysed.{s}" for s in ANALYSES))


#: Every box of the diagram, in the diagram's order (the analyses last).
KEYS: tuple[str, ...] = _in_order()

_REASONS = {r.value: REASON_LABELS[r] for r in DropoutReason}
#: What each box counts, in English (the platform translates these texts).
BOX_LABELS: MappingProxyType[str, str] = MappingProxyType(
    {
        "screened": "Screened",
        "not_eligible": "Not eligible",
        f"not_eligible.{BELOW_THRESHOLD}": "HADS total below 11",
        "not_eligible.cancer_diagnosis": "No cancer diagnosis",
        "not_eligible.distress_at_least_mild": "Distress not at least mild",
        "not_eligible.computer_and_internet": "No computer or internet",
        "not_eligible.course_language": "Not fluent in the course's language",
        "not_eligible.willing_either_format": "Not willing to take either format",
        "not_eligible.severe_psychiatric_morbidity": "Severe psychiatric problems",
        "not_eligible.psychotropic_medication_change": "Psychotropic medication changed",
        "not_eligible.previous_mindfulness_course": "Earlier MBCT or MBSR course",
        "not_reached": "Not reached for the eligibility call",
        "declined_call": "Declined at the eligibility call",
        "awaiting_call": "On the call list",
        "awaiting_randomization": "Eligible, not randomized yet",
        "randomized": "Randomized",
        "allocated.mbct": "Allocated to group MBCT",
        "allocated.embct": "Allocated to eMBCT",
        "allocated.tau": "Allocated to TAU",
        "tau.waiting": "Awaiting re-randomization",
        "tau.mbct": "After TAU to group MBCT",
        "tau.embct": "After TAU to eMBCT",
        **{
            key: text
            for a in TREATMENT_ARMS
            for key, text in {
                a.value: f"{'Group MBCT' if a is Arm.MBCT else 'eMBCT'}: allocated in all",
                f"{a}.waiting": "Allocated, not started yet",
                f"{a}.declined": "Declined after randomization",
                f"{a}.started": "Started",
                f"{a}.dropouts": "Dropped out (fewer than 4 sessions)",
                f"{a}.completers": "Completed (4 sessions or more)",
                **{f"{a}.dropouts.{r}": t for r, t in _REASONS.items()},
                f"{a}.dropouts.{NOT_RECORDED}": "No reason recorded",
            }.items()
        },
        "analysed.baseline": "Analysed: baseline characteristics",
        "analysed.dropout": "Analysed: early alliance and dropout",
        "analysed.alliance_development": "Analysed: development of the alliance",
        "analysed.outcomes.hads": "Analysed: distress (HADS) after treatment",
        "analysed.outcomes.mhc": "Analysed: well-being (MHC-SF) after treatment",
        "analysed.intention_to_treat.hads": "Analysed: HADS, intention to treat",
        "analysed.intention_to_treat.mhc": "Analysed: MHC-SF, intention to treat",
    }
)


class FlowError(ProtocolError):
    """Flow counts that do not add up, or a box that does not exist; the message says which."""


@dataclass(frozen=True)
class ConsortFlow:
    """Every box of the CONSORT diagram, each a count, or None where the source cannot know it
    (an exported table holds no screenings). Build it with :func:`consort`, which checks it.

    Examples
    --------
    >>> flow = consort({"allocated.mbct": 2, "tau.mbct": 1, "mbct.waiting": 1,
    ...                 "mbct.declined": 0, "mbct.started": 2, "mbct.dropouts": 1,
    ...                 "mbct.completers": 1, "mbct.dropouts.practical": 1})
    >>> flow["mbct"], flow["mbct.started"], flow["screened"]
    (3, 2, None)
    >>> flow.parts("mbct")
    (('allocated.mbct', 'tau.mbct'), ('mbct.waiting', 'mbct.declined', 'mbct.started'))
    """

    counts: Mapping[str, int | None]

    def __getitem__(self, key: str) -> int | None:
        if key not in BOX_LABELS:
            raise FlowError(f"box {key!r} is not a box of the CONSORT flow")
        return self.counts.get(key)

    @staticmethod
    def parts(key: str) -> tuple[tuple[str, ...], ...]:
        """The splits of box ``key`` into parts (empty for a box without parts)."""
        return BOXES.get(key, ())

    def check(self) -> None:
        """Raise :class:`FlowError` unless every box equals the sum of its parts (each split
        whose box and parts are all known), and no analysis has more participants than the
        two treatment arms hold.

        >>> consort({"randomized": 3, "allocated.mbct": 1, "allocated.embct": 1,
        ...          "allocated.tau": 0})  # doctest: +NORMALIZE_WHITESPACE
        Traceback (most recent call last):
        ...
        embct.trial.flow.FlowError: box 'randomized' (Randomized) is 3, but its parts add up to 2:
        allocated.mbct 1 + allocated.embct 1 + allocated.tau 0
        """
        for key, splits in BOXES.items():
            total = self.counts.get(key)
            for split in splits:
                values = [self.counts.get(part) for part in split]
                if total is None or any(v is None for v in values):
                    continue
                added = sum(v for v in values if v is not None)
                if added != total:
                    shown = " + ".join(f"{p} {v}" for p, v in zip(split, values, strict=True))
                    raise FlowError(
                        f"box {key!r} ({BOX_LABELS[key]}) is {total}, but its parts add up "
                        f"to {added}: {shown}"
                    )
        arms = [self.counts.get(a.value) for a in TREATMENT_ARMS]
        if all(n is not None for n in arms):
            treated = sum(n for n in arms if n is not None)
            for section in ANALYSES:
                n = self.counts.get(f"analysed.{section}")
                if n is not None and n > treated:
                    raise FlowError(
                        f"box 'analysed.{section}' is {n}, more than the {treated} "
                        "participants allocated to a treatment arm"
                    )

    def as_dict(self) -> dict[str, int | None]:
        """Every box in the diagram's order (:data:`KEYS`), None where unknown."""
        return {key: self.counts.get(key) for key in KEYS}

    def known(self) -> dict[str, int]:
        """The boxes whose counts are known, in the diagram's order."""
        return {k: v for k, v in self.as_dict().items() if v is not None}

    def shown(self) -> dict[str, int]:
        """The boxes a figure or a table shows: the known ones, less the reasons nobody
        had (a reason for not being eligible or for dropping out, at 0).

        >>> consort({"not_eligible.course_language": 0, "not_eligible.cancer_diagnosis": 1,
        ...          "screened": 3}).shown()
        {'screened': 3, 'not_eligible.cancer_diagnosis': 1}
        """
        return {k: v for k, v in self.known().items() if v or not _is_reason(k)}


def _is_reason(key: str) -> bool:
    return key.startswith("not_eligible.") or ".dropouts." in key


def consort(counts: Mapping[str, int | None]) -> ConsortFlow:
    """The checked CONSORT flow from counts of some of its boxes.

    A box left out whose parts (its first split) are all given is their sum; any other box
    left out is unknown (None). Then every box must equal the sum of its parts
    (:meth:`ConsortFlow.check`), so give the totals you counted independently.

    Parameters
    ----------
    counts : mapping of str to int or None
        Box key (:data:`KEYS`) -> participants (a whole number, 0 or more) or None.

    Returns
    -------
    ConsortFlow

    Raises
    ------
    FlowError
        An unknown box, a count that is not a whole number of 0 or more, or a box that is not
        the sum of its parts.

    Examples
    --------
    >>> flow = consort({"allocated.mbct": 120, "allocated.embct": 125, "allocated.tau": 0})
    >>> flow["randomized"]
    245
    >>> consort({"screened": -1})
    Traceback (most recent call last):
    ...
    embct.trial.flow.FlowError: box 'screened': -1 is not a whole number of 0 or more
    """
    for key, value in counts.items():
        if key not in BOX_LABELS:
            raise FlowError(f"box {key!r} is not a box of the CONSORT flow")
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise FlowError(f"box {key!r}: {value!r} is not a whole number of 0 or more")
    filled: dict[str, int | None] = {k: counts.get(k) for k in KEYS}
    for key in reversed([k for k in KEYS if k in BOXES]):  # parts before their boxes
        if filled[key] is None:
            values = [filled[part] for part in BOXES[key][0]]
            if all(v is not None for v in values):
                filled[key] = sum(v for v in values if v is not None)
    flow = ConsortFlow(MappingProxyType(filled))
    flow.check()
    return flow


def not_eligible_reason(result: EligibilityResult) -> str | None:
    """The one reason a not-eligible person is counted under (the first failed criterion,
    in the paper's order), or None when eligible.

    >>> from embct.trial import assess_eligibility
    >>> answers = {c.id: c.kind == "inclusion" for c in CRITERIA}
    >>> not_eligible_reason(assess_eligibility(answers)) is None
    True
    >>> answers.update(course_language=False, previous_mindfulness_course=True)
    >>> not_eligible_reason(assess_eligibility(answers))
    'course_language'
    """
    return result.failed_ids[0] if result.failed else None


def arm_status(
    started: bool,
    sessions_attended: int,
    withdrawal: str = "",
    adequate_dose: int = ADEQUATE_DOSE_SESSIONS,
) -> str:
    """Where a participant allocated to a treatment arm is: ``waiting`` (not started, nothing
    recorded), ``declined`` (not started, a withdrawal recorded), ``dropouts`` (started,
    fewer than ``adequate_dose`` sessions) or ``completers``.

    >>> arm_status(False, 0), arm_status(False, 0, "declined"), arm_status(True, 2, "dropout")
    ('waiting', 'declined', 'dropouts')
    >>> arm_status(True, 4)
    'completers'
    """
    status = classify_participation(started, sessions_attended, adequate_dose)
    if status is Participation.DECLINED:
        return "declined" if withdrawal else "waiting"
    return "dropouts" if status is Participation.DROPOUT else "completers"


def dropout_reason(withdrawal: str, reason: str) -> str:
    """The reason a dropout is counted under: the recorded category of a ``dropout``
    withdrawal, else ``not_recorded``.

    >>> dropout_reason("dropout", "practical"), dropout_reason("", "")
    ('practical', 'not_recorded')
    """
    if withdrawal == "dropout" and reason in _REASONS:
        return reason
    return NOT_RECORDED


def count_treatment(
    counts: dict[str, int],
    arm: str,
    tau_first: bool,
    status: str,
    reason: str = NOT_RECORDED,
    n: int = 1,
) -> None:
    """Add ``n`` participants of treatment arm ``arm`` to the boxes they belong in: how they
    came to the arm, their ``status`` (:func:`arm_status`) and, for dropouts, their reason."""
    keys = [f"tau.{arm}" if tau_first else f"allocated.{arm}", f"{arm}.{status}"]
    if status in ("dropouts", "completers"):
        keys.append(f"{arm}.started")
    if status == "dropouts":
        keys.append(f"{arm}.dropouts.{reason}")
    for key in keys:
        counts[key] = counts.get(key, 0) + n


def treatment_counts(
    records: Iterable[FlowRecord], adequate_dose: int = ADEQUATE_DOSE_SESSIONS
) -> dict[str, int]:
    """The treatment arms' boxes counted from one record per participant with a treatment
    arm; each arm's total is counted on its own (rows), so :func:`consort` checks the rest
    against it. Every box of the two arms is present (0 when empty).

    >>> counts = treatment_counts([FlowRecord("a", Arm.MBCT, False, 0),
    ...     FlowRecord("b", Arm.MBCT, True, 2, tau_first=True, withdrawal="dropout",
    ...                withdrawal_reason="practical")])
    >>> counts["mbct"], counts["mbct.waiting"], counts["tau.mbct"]
    (2, 1, 1)
    >>> counts["mbct.dropouts.practical"]
    1
    """
    counts = {
        key: 0
        for arm in TREATMENT_ARMS
        for key in (f"allocated.{arm}", f"tau.{arm}", *_arm_keys(arm.value))
    }
    seen: set[str] = set()
    for row, record in enumerate(records):
        if record.participant_id in seen:
            raise FlowError(f"row {row}: participant_id {record.participant_id!r} repeats")
        seen.add(record.participant_id)
        arm = parse_arm(record.arm)
        if arm not in TREATMENT_ARMS:
            raise FlowError(
                f"row {row}: arm {str(arm)!r} for {record.participant_id!r}; expected 'mbct' or "
                "'embct' (give TAU patients the arm of their re-randomization)"
            )
        try:
            status = arm_status(
                record.started, record.sessions_attended, record.withdrawal, adequate_dose
            )
        except ProtocolError as error:
            raise FlowError(f"row {row} ({record.participant_id}): {error}") from None
        counts[arm.value] += 1
        reason = dropout_reason(record.withdrawal, record.withdrawal_reason)
        count_treatment(counts, arm.value, record.tau_first, status, reason)
    return counts


def _arm_keys(arm: str) -> tuple[str, ...]:
    """The boxes of treatment arm ``arm``: its total and everything below it."""
    return tuple(k for k in KEYS if k == arm or k.startswith(f"{arm}."))


@dataclass(frozen=True)
class FlowRecord:
    """What the flow needs to know about one randomized participant.

    ``arm`` is the treatment arm (after re-randomization for TAU patients); ``withdrawal`` is
    ``declined``, ``dropout`` or empty, ``withdrawal_reason`` a :class:`DropoutReason` code.
    """

    participant_id: str
    arm: Arm
    started: bool
    sessions_attended: int
    tau_first: bool = False
    withdrawal: str = ""
    withdrawal_reason: str = ""


@dataclass(frozen=True)
class ArmFlow:
    """Counts for one arm."""

    randomized: int = 0
    waiting: int = 0
    declined: int = 0
    started: int = 0
    dropouts: int = 0
    completers: int = 0
    tau_first: int = 0

    def as_dict(self) -> dict[str, int]:
        """The counts as a plain dict."""
        return {
            "randomized": self.randomized,
            "waiting": self.waiting,
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
        Per arm: randomized, waiting (not started, no withdrawal recorded), declined (not
        started, a withdrawal recorded), started, dropouts, completers, tau_first; the same
        counts as :func:`treatment_counts` gives the full diagram.

    Examples
    --------
    >>> records = [FlowRecord("a", Arm.MBCT, True, 8), FlowRecord("b", Arm.MBCT, False, 0),
    ...            FlowRecord("c", Arm.EMBCT, True, 2, tau_first=True),
    ...            FlowRecord("d", Arm.EMBCT, False, 0, withdrawal="declined")]
    >>> consort_flow(records).as_dict()["total"]  # doctest: +NORMALIZE_WHITESPACE
    {'randomized': 4, 'waiting': 1, 'declined': 1, 'started': 2, 'dropouts': 1,
     'completers': 1, 'tau_first': 1}
    """
    flow = consort(treatment_counts(records, adequate_dose))
    arms = {}
    for arm in TREATMENT_ARMS:
        a = arm.value
        arms[arm] = ArmFlow(
            **{k: flow[f"{a}.{k}"] or 0 for k in ("waiting", "declined", "started")},
            dropouts=flow[f"{a}.dropouts"] or 0,
            completers=flow[f"{a}.completers"] or 0,
            randomized=flow[a] or 0,
            tau_first=flow[f"tau.{a}"] or 0,
        )
    return Flow(arms)

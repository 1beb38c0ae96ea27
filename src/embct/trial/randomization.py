"""Concealed randomization in permuted blocks, optionally stratified, reproducible for audit.

The trial randomized to MBCT, eMBCT or TAU, and after 3 months randomized the TAU patients
again to MBCT or eMBCT (Bisseling et al. 2019, Design). Here each list (``"main"`` or
``"tau"``) and each stratum (for example a site) has its own sequence of permuted blocks whose
sizes are drawn from a set that staff are not told (3 or 6 with three arms, 2 or 4 with two).

The sequence is a pure function of the secret seed, the list name and the stratum
(:func:`allocation_sequence`), so a trial statistician holding the seed can regenerate it and
check the allocation log. A :class:`Randomizer` holds the seed privately, offers no way to
look ahead, and reveals an allocation only when consent is recorded.

Only :meth:`random.Random.random` is used, whose output for a given integer seed Python
guarantees across versions; shuffling is done here (Fisher-Yates) rather than with
:func:`random.shuffle`, whose algorithm is not guaranteed.
"""

from __future__ import annotations

import calendar
import hashlib
import random
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice

from .protocol import TREATMENT_ARMS, Arm, ProtocolError, parse_arm

__all__ = [
    "MAIN_ARMS",
    "MAIN_BLOCK_SIZES",
    "TAU_BLOCK_SIZES",
    "Allocation",
    "ConsentRequiredError",
    "Randomizer",
    "SequenceSlot",
    "add_months",
    "allocation_sequence",
    "arm_so_far",
    "final_arm",
    "main_randomizer",
    "tau_randomizer",
    "tau_rerandomization_date",
]

#: First randomization: three arms, blocks of 3 or 6.
MAIN_ARMS: tuple[Arm, ...] = (Arm.MBCT, Arm.EMBCT, Arm.TAU)
MAIN_BLOCK_SIZES: tuple[int, ...] = (3, 6)
#: Re-randomization of TAU patients: MBCT or eMBCT, blocks of 2 or 4.
TAU_BLOCK_SIZES: tuple[int, ...] = (2, 4)

_ALL = "all"


class ConsentRequiredError(ProtocolError):
    """Allocation was asked for without recorded consent."""


@dataclass(frozen=True)
class SequenceSlot:
    """One position of an allocation sequence (audit view: includes the block structure)."""

    position: int
    block: int
    block_size: int
    arm: Arm


@dataclass(frozen=True)
class Allocation:
    """An allocation as logged: who, in which list and stratum, which arm, which position.

    The block size is deliberately absent: the log is read by staff.
    """

    participant_id: str
    list_name: str
    stratum: str
    position: int
    arm: Arm


def _rng(seed: int, list_name: str, stratum: str) -> random.Random:
    digest = hashlib.sha256(f"{seed}\x1f{list_name}\x1f{stratum}".encode()).digest()
    # Not for secrecy of the stream itself: the secret is the seed, and an allocation shows
    # only an arm, never the generator's output. Random.random() is what Python keeps stable.
    return random.Random(int.from_bytes(digest[:16], "big"))  # noqa: S311


def _below(rng: random.Random, n: int) -> int:
    return min(int(rng.random() * n), n - 1)


def _check_design(arms: Sequence[Arm], block_sizes: Sequence[int]) -> None:
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise ProtocolError(f"arms: {list(map(str, arms))} must be two or more different arms")
    if not block_sizes:
        raise ProtocolError("block_sizes: at least one block size is needed")
    for size in block_sizes:
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0 or size % len(arms):
            raise ProtocolError(
                f"block_sizes: {size!r} is not a positive multiple of {len(arms)} arms"
            )


def _slots(
    seed: int, list_name: str, stratum: str, arms: Sequence[Arm], block_sizes: Sequence[int]
) -> Iterator[SequenceSlot]:
    rng = _rng(seed, list_name, stratum)
    sizes = sorted(set(block_sizes))
    position = 0
    block = 0
    while True:
        block += 1
        size = sizes[_below(rng, len(sizes))]
        items = [arms[i % len(arms)] for i in range(size)]
        for i in range(size - 1, 0, -1):
            j = _below(rng, i + 1)
            items[i], items[j] = items[j], items[i]
        for arm in items:
            position += 1
            yield SequenceSlot(position, block, size, arm)


def allocation_sequence(
    seed: int,
    n: int,
    *,
    list_name: str = "main",
    stratum: str | None = None,
    arms: Sequence[Arm | str] = MAIN_ARMS,
    block_sizes: Sequence[int] = MAIN_BLOCK_SIZES,
) -> tuple[SequenceSlot, ...]:
    """Regenerate the first ``n`` positions of an allocation sequence (for audit).

    Parameters
    ----------
    seed : int
        The trial's secret seed.
    n : int
        How many positions.
    list_name : str, optional
        ``"main"`` or ``"tau"`` (any name; different names give independent sequences).
    stratum : str, optional
        The stratum (for example a site); None for an unstratified list.
    arms : sequence of Arm or str, optional
    block_sizes : sequence of int, optional
        Each a multiple of the number of arms.

    Returns
    -------
    tuple of SequenceSlot

    Examples
    --------
    >>> seq = allocation_sequence(2019, 6, list_name="tau", arms=("mbct", "embct"),
    ...                           block_sizes=(2, 4))
    >>> [(s.block, s.arm.value) for s in seq]  # doctest: +NORMALIZE_WHITESPACE
    [(1, 'embct'), (1, 'mbct'), (2, 'mbct'), (2, 'embct'), (2, 'mbct'), (2, 'embct')]
    """
    parsed = tuple(parse_arm(a) for a in arms)
    _check_design(parsed, block_sizes)
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ProtocolError(f"n: {n!r} is not a whole number >= 0")
    key = _ALL if stratum is None else stratum
    return tuple(islice(_slots(seed, list_name, key, parsed, block_sizes), n))


class Randomizer:
    """Concealed allocation: the next arm is revealed only by :meth:`allocate` with consent.

    Parameters
    ----------
    seed : int
        Secret; kept in a private attribute and not shown by ``repr``.
    list_name : str, optional
        Name of the list (``"main"`` or ``"tau"``).
    arms : sequence of Arm or str, optional
    block_sizes : sequence of int, optional
    strata : collection of str, optional
        The allowed strata (for example sites). None: unstratified, and ``stratum`` must be
        None in :meth:`allocate`.
    log : iterable of Allocation, optional
        Allocations already made (for example read back from the database). Each is checked
        against the regenerated sequence; a mismatch raises :class:`ProtocolError`.

    Notes
    -----
    Concealment is by design of the interface: no method returns a future arm, the seed is
    not shown, and an :class:`Allocation` carries no block size. Python cannot stop code from
    reading a private attribute, so the seed belongs in a secret setting, never in the
    database that staff can read. A web platform stores :attr:`log`, rebuilds the randomizer
    from it for each allocation (the replay is linear in the log) and must allocate one
    participant at a time (for example under a database row lock).

    Examples
    --------
    >>> r = Randomizer(seed=7, strata={"nijmegen", "bilthoven"})
    >>> a = r.allocate("P001", "nijmegen", consent=True)
    >>> a.position, a.stratum, a.arm in MAIN_ARMS
    (1, 'nijmegen', True)
    >>> r.allocate("P002", "nijmegen", consent=False)
    Traceback (most recent call last):
    ...
    embct.trial.randomization.ConsentRequiredError: P002: consent is not recorded; no allocation
    """

    __slots__ = ("__design", "__log", "__seed", "__streams")

    def __init__(
        self,
        seed: int,
        *,
        list_name: str = "main",
        arms: Sequence[Arm | str] = MAIN_ARMS,
        block_sizes: Sequence[int] = MAIN_BLOCK_SIZES,
        strata: Collection[str] | None = None,
        log: Iterable[Allocation] = (),
    ) -> None:
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise ProtocolError(f"seed: {seed!r} is not a whole number")
        parsed = tuple(parse_arm(a) for a in arms)
        _check_design(parsed, block_sizes)
        if isinstance(strata, str):
            raise ProtocolError(f"strata: {strata!r} must be a collection of names, not one string")
        if strata is not None:
            bad = [s for s in strata if not isinstance(s, str) or not s]
            if bad or not strata:
                raise ProtocolError(f"strata: {bad or strata!r} must be non-empty strings")
        self.__seed = seed
        self.__design = (
            list_name,
            parsed,
            tuple(block_sizes),
            None if strata is None else frozenset(strata),
        )
        self.__streams: dict[str, Iterator[SequenceSlot]] = {}
        self.__log: dict[str, Allocation] = {}
        for entry in log:
            self.__replay(entry)

    def __repr__(self) -> str:
        list_name, arms, _sizes, strata = self.__design
        stratified = "unstratified" if strata is None else f"{len(strata)} strata"
        return (
            f"<Randomizer {list_name!r}: {'/'.join(map(str, arms))}, {stratified}, "
            f"{len(self.__log)} allocated>"
        )

    @property
    def log(self) -> tuple[Allocation, ...]:
        """Every allocation made, in order."""
        return tuple(self.__log.values())

    def __stratum(self, stratum: str | None) -> str:
        strata = self.__design[3]
        if strata is None:
            if stratum is not None:
                raise ProtocolError(f"stratum: {stratum!r} given, but this list is unstratified")
            return _ALL
        if stratum not in strata:
            raise ProtocolError(
                f"stratum: {stratum!r} is not one of {', '.join(map(repr, sorted(strata)))}"
            )
        return stratum

    def __next(self, stratum: str) -> SequenceSlot:
        list_name, arms, sizes, _ = self.__design
        if stratum not in self.__streams:
            self.__streams[stratum] = _slots(self.__seed, list_name, stratum, arms, sizes)
        return next(self.__streams[stratum])

    def __replay(self, entry: Allocation) -> None:
        unstratified = self.__design[3] is None
        if unstratified and entry.stratum != _ALL:
            raise ProtocolError(f"log: {entry!r} has a stratum, but this list is unstratified")
        stratum = self.__stratum(None if unstratified else entry.stratum)
        if entry.participant_id in self.__log or entry.list_name != self.__design[0]:
            raise ProtocolError(f"log: {entry!r} is a duplicate or belongs to another list")
        slot = self.__next(stratum)
        if (slot.position, slot.arm) != (entry.position, entry.arm):
            raise ProtocolError(
                f"log: {entry.participant_id} has position {entry.position} arm "
                f"{str(entry.arm)!r}, the sequence says position {slot.position} arm "
                f"{str(slot.arm)!r}"
            )
        self.__log[entry.participant_id] = entry

    def allocate(
        self, participant_id: str, stratum: str | None = None, *, consent: bool
    ) -> Allocation:
        """Allocate a participant once consent is recorded; idempotent per participant.

        Parameters
        ----------
        participant_id : str
            Study id.
        stratum : str, optional
            Required for a stratified list, forbidden for an unstratified one.
        consent : bool
            Must be True (consent recorded); otherwise :class:`ConsentRequiredError`.

        Returns
        -------
        Allocation
            Asking again for the same participant and stratum returns the same allocation.
        """
        if not isinstance(participant_id, str) or not participant_id:
            raise ProtocolError(f"participant_id: {participant_id!r} is not a non-empty string")
        if consent is not True:
            raise ConsentRequiredError(f"{participant_id}: consent is not recorded; no allocation")
        key = self.__stratum(stratum)
        if participant_id in self.__log:
            previous = self.__log[participant_id]
            if previous.stratum != key:
                raise ProtocolError(
                    f"{participant_id}: already allocated in stratum {previous.stratum!r}"
                )
            return previous
        slot = self.__next(key)
        allocation = Allocation(participant_id, self.__design[0], key, slot.position, slot.arm)
        self.__log[participant_id] = allocation
        return allocation


def main_randomizer(
    seed: int, strata: Collection[str] | None = None, log: Iterable[Allocation] = ()
) -> Randomizer:
    """The first randomization: MBCT / eMBCT / TAU in blocks of 3 or 6.

    Examples
    --------
    >>> main_randomizer(1)
    <Randomizer 'main': mbct/embct/tau, unstratified, 0 allocated>
    """
    return Randomizer(
        seed,
        list_name="main",
        arms=MAIN_ARMS,
        block_sizes=MAIN_BLOCK_SIZES,
        strata=strata,
        log=log,
    )


def tau_randomizer(
    seed: int, strata: Collection[str] | None = None, log: Iterable[Allocation] = ()
) -> Randomizer:
    """The re-randomization of TAU patients: MBCT / eMBCT in blocks of 2 or 4.

    Examples
    --------
    >>> tau_randomizer(1)
    <Randomizer 'tau': mbct/embct, unstratified, 0 allocated>
    """
    return Randomizer(
        seed,
        list_name="tau",
        arms=TREATMENT_ARMS,
        block_sizes=TAU_BLOCK_SIZES,
        strata=strata,
        log=log,
    )


def add_months(day: date, months: int) -> date:
    """``day`` plus whole calendar months, clamped to the month's last day.

    Examples
    --------
    >>> add_months(date(2026, 11, 30), 3)
    datetime.date(2027, 2, 28)
    """
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def tau_rerandomization_date(allocated_on: date, months: int = 3) -> date:
    """When a TAU patient is re-randomized: 3 months (calendar) after the first allocation.

    Examples
    --------
    >>> tau_rerandomization_date(date(2026, 1, 15))
    datetime.date(2026, 4, 15)
    """
    return add_months(allocated_on, months)


def final_arm(first: Arm | str, second: Arm | str | None = None) -> tuple[Arm, bool]:
    """The arm a participant is analysed in, and ``tau_first`` (canonical table columns).

    Parameters
    ----------
    first : Arm or str
        The first allocation.
    second : Arm or str, optional
        The re-randomization, required when ``first`` is TAU and forbidden otherwise.

    Returns
    -------
    (Arm, bool)

    Examples
    --------
    >>> final_arm("tau", "embct")
    (<Arm.EMBCT: 'embct'>, True)
    >>> final_arm("mbct")
    (<Arm.MBCT: 'mbct'>, False)
    """
    first_arm = parse_arm(first)
    if first_arm is Arm.TAU:
        if second is None:
            raise ProtocolError("second: a TAU patient needs a re-randomization to mbct or embct")
        second_arm = parse_arm(second)
        if second_arm not in TREATMENT_ARMS:
            raise ProtocolError(f"second: {str(second_arm)!r} is not 'mbct' or 'embct'")
        return second_arm, True
    if second is not None:
        raise ProtocolError(f"second: {second!r} given, but the first arm was {str(first_arm)!r}")
    return first_arm, False


def arm_so_far(first: Arm | str | None, second: Arm | str | None = None) -> tuple[Arm | None, bool]:
    """:func:`final_arm` while allocation is under way: ``(None, tau_first)`` while the arm is
    undecided (no allocation yet, or TAU awaiting its re-randomization).

    Examples
    --------
    >>> arm_so_far(None)
    (None, False)
    >>> arm_so_far("tau")
    (None, True)
    >>> arm_so_far("tau", "mbct")
    (<Arm.MBCT: 'mbct'>, True)
    """
    if first is None:
        return None, False
    if parse_arm(first) is Arm.TAU and second is None:
        return None, True
    return final_arm(first, second)

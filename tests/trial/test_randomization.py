"""Permuted-block randomization: balance, reproducibility, concealment, strata, TAU."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embct.trial import (
    Allocation,
    Arm,
    ConsentRequiredError,
    ProtocolError,
    Randomizer,
    allocation_sequence,
    final_arm,
    main_randomizer,
    tau_randomizer,
    tau_rerandomization_date,
)
from embct.trial.randomization import MAIN_ARMS, add_months

seeds = st.integers(min_value=0, max_value=2**63)
strata = st.sampled_from(["nijmegen", "bilthoven", "amsterdam", "haren"])
DESIGNS = [
    (("mbct", "embct", "tau"), (3, 6)),
    (("mbct", "embct"), (2, 4)),
]


@given(seed=seeds, stratum=st.none() | strata, design=st.sampled_from(DESIGNS))
def test_every_completed_block_is_balanced(seed: int, stratum: str | None, design) -> None:
    arms, sizes = design
    seq = allocation_sequence(seed, 60, stratum=stratum, arms=arms, block_sizes=sizes)
    blocks: dict[int, list] = {}
    for slot in seq:
        blocks.setdefault(slot.block, []).append(slot)
    complete = [b for b in blocks.values() if len(b) == b[0].block_size]
    assert len(complete) >= 60 // max(sizes) - 1
    for block in complete:
        assert block[0].block_size in sizes
        counts = Counter(slot.arm for slot in block)
        assert set(counts) == {Arm(a) for a in arms}
        assert set(counts.values()) == {block[0].block_size // len(arms)}
    # and at any point the imbalance is at most one block's share
    running: Counter = Counter()
    for slot in seq:
        running[slot.arm] += 1
        counts = [running[Arm(a)] for a in arms]
        assert max(counts) - min(counts) <= max(sizes) // len(arms)


def test_both_block_sizes_occur_and_no_other() -> None:
    seq = allocation_sequence(11, 3000)
    blocks = {slot.block: slot.block_size for slot in seq}
    sizes = Counter(blocks.values())
    assert set(sizes) == {3, 6}
    # drawn with equal probability: roughly half the blocks of each size
    assert 0.4 < sizes[3] / len(blocks) < 0.6


def test_the_sequence_is_pinned_for_audit() -> None:
    """A golden sequence: if this changes, old trials can no longer be audited from their seed."""
    seq = allocation_sequence(20190101, 12, stratum="nijmegen")
    assert [(s.block, s.block_size, s.arm.value) for s in seq] == PINNED


PINNED = [
    (1, 3, "tau"),
    (1, 3, "embct"),
    (1, 3, "mbct"),
    (2, 3, "embct"),
    (2, 3, "mbct"),
    (2, 3, "tau"),
    (3, 6, "tau"),
    (3, 6, "tau"),
    (3, 6, "mbct"),
    (3, 6, "embct"),
    (3, 6, "embct"),
    (3, 6, "mbct"),
]


@given(seed=seeds, picks=st.lists(strata, min_size=1, max_size=40))
def test_allocations_regenerate_from_the_seed(seed: int, picks: list[str]) -> None:
    sites = {"nijmegen", "bilthoven", "amsterdam", "haren"}
    r = main_randomizer(seed, strata=sites)
    made = [r.allocate(f"P{i:03d}", site, consent=True) for i, site in enumerate(picks)]
    for site in sites:
        mine = [a for a in made if a.stratum == site]
        expected = allocation_sequence(seed, len(mine), stratum=site)
        assert [(a.position, a.arm) for a in mine] == [(s.position, s.arm) for s in expected]
    # a second randomizer with the same seed and the log replays to the same state
    again = main_randomizer(seed, strata=sites, log=r.log)
    assert again.log == r.log


def test_strata_have_independent_sequences() -> None:
    alone = main_randomizer(5, strata={"a", "b"})
    first_b = [alone.allocate(f"b{i}", "b", consent=True).arm for i in range(12)]
    mixed = main_randomizer(5, strata={"a", "b"})
    for i in range(20):
        mixed.allocate(f"a{i}", "a", consent=True)
    assert [mixed.allocate(f"b{i}", "b", consent=True).arm for i in range(12)] == first_b
    assert allocation_sequence(5, 12, stratum="a") != allocation_sequence(5, 12, stratum="b")


def test_the_main_and_tau_lists_are_independent_for_one_seed() -> None:
    main = [s.arm for s in allocation_sequence(3, 30)]
    tau = [s.arm for s in allocation_sequence(3, 30, list_name="tau")]
    assert main != tau


def test_no_allocation_without_consent_and_none_is_used_up() -> None:
    r = main_randomizer(9)
    for consent in (False, None, "yes", 1):
        with pytest.raises(ConsentRequiredError, match="P1: consent is not recorded"):
            r.allocate("P1", consent=consent)  # type: ignore[arg-type]
    assert r.log == ()
    first = r.allocate("P1", consent=True)
    assert first.position == 1
    assert first.arm == allocation_sequence(9, 1)[0].arm


def test_nothing_can_be_peeked() -> None:
    r = main_randomizer(424242)
    public = {name for name in dir(r) if not name.startswith("_")}
    assert public == {"allocate", "log"}
    assert "424242" not in repr(r)
    assert not hasattr(r, "__dict__")  # no ad-hoc attributes to read or plant
    with pytest.raises(AttributeError):
        r.seed  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(AttributeError):
        r.next_arm = "mbct"  # type: ignore[attr-defined]
    a = r.allocate("P1", consent=True)
    assert not hasattr(a, "block_size")
    assert set(vars(a)) == {"participant_id", "list_name", "stratum", "position", "arm"}


def test_allocation_is_idempotent_per_participant() -> None:
    r = main_randomizer(1, strata={"x", "y"})
    a = r.allocate("P1", "x", consent=True)
    assert r.allocate("P1", "x", consent=True) is a
    assert len(r.log) == 1
    with pytest.raises(ProtocolError, match="P1: already allocated in stratum 'x'"):
        r.allocate("P1", "y", consent=True)


def test_strata_are_checked() -> None:
    with pytest.raises(ProtocolError, match="stratum: 'utrecht' is not one of 'x', 'y'"):
        main_randomizer(1, strata={"x", "y"}).allocate("P1", "utrecht", consent=True)
    with pytest.raises(ProtocolError, match="this list is unstratified"):
        main_randomizer(1).allocate("P1", "x", consent=True)
    with pytest.raises(ProtocolError, match="stratum: None is not one of"):
        main_randomizer(1, strata={"x"}).allocate("P1", consent=True)


def test_a_tampered_log_is_detected() -> None:
    r = main_randomizer(77)
    log = [r.allocate(f"P{i}", consent=True) for i in range(5)]
    other = next(a for a in MAIN_ARMS if a != log[2].arm)
    forged = [*log[:2], Allocation("P2", "main", "all", 3, other), *log[3:]]
    with pytest.raises(ProtocolError, match="log: P2 has position 3"):
        main_randomizer(77, log=forged)
    with pytest.raises(ProtocolError, match="duplicate or belongs to another list"):
        tau_randomizer(77, log=log)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"arms": ("mbct",)}, "two or more different arms"),
        ({"arms": ("mbct", "mbct")}, "two or more different arms"),
        ({"arms": ("mbct", "embct", "tau"), "block_sizes": (3, 4)}, "4 is not a positive multiple"),
        ({"block_sizes": ()}, "at least one block size"),
        ({"arms": ("mbct", "cbt")}, "arm: 'cbt'"),
    ],
)
def test_a_bad_design_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=message):
        Randomizer(1, **kwargs)


def test_tau_patients_are_rerandomized_to_a_treatment_after_three_months() -> None:
    r = tau_randomizer(2019)
    arms = [r.allocate(f"T{i}", consent=True).arm for i in range(40)]
    assert set(arms) == {Arm.MBCT, Arm.EMBCT}
    assert abs(arms.count(Arm.MBCT) - arms.count(Arm.EMBCT)) <= 2
    assert tau_rerandomization_date(date(2026, 1, 31)) == date(2026, 4, 30)
    assert tau_rerandomization_date(date(2026, 3, 15)) == date(2026, 6, 15)
    assert final_arm("tau", arms[0]) == (arms[0], True)
    assert final_arm(Arm.EMBCT) == (Arm.EMBCT, False)
    with pytest.raises(ProtocolError, match="needs a re-randomization"):
        final_arm("tau")
    with pytest.raises(ProtocolError, match="'tau' is not 'mbct' or 'embct'"):
        final_arm("tau", "tau")
    with pytest.raises(ProtocolError, match="but the first arm was 'mbct'"):
        final_arm("mbct", "embct")


@given(
    day=st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    months=st.integers(min_value=0, max_value=36),
)
def test_add_months_keeps_the_day_or_the_months_last_day(day: date, months: int) -> None:
    out = add_months(day, months)
    assert (out.year * 12 + out.month) - (day.year * 12 + day.month) == months
    assert out.day == min(day.day, calendar.monthrange(out.year, out.month)[1])


def test_a_site_may_be_called_all_and_strata_are_not_a_string() -> None:
    r = main_randomizer(3, strata={"all", "other"})
    r.allocate("P1", "all", consent=True)
    assert main_randomizer(3, strata={"all", "other"}, log=r.log).log == r.log
    with pytest.raises(ProtocolError, match="has a stratum, but this list is unstratified"):
        main_randomizer(3, log=[Allocation("P1", "main", "x", 1, Arm.MBCT)])
    with pytest.raises(ProtocolError, match="not one string"):
        main_randomizer(3, strata="nijmegen")

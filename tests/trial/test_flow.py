"""Dropout classification and the CONSORT flow, checked against the paper's Figure 1."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

import embct.simulate
from embct.trial import (
    BOX_LABELS,
    BOXES,
    KEYS,
    REASON_LABELS,
    Arm,
    DropoutReason,
    DropoutRecord,
    FlowError,
    FlowRecord,
    Participation,
    ProtocolError,
    assess_eligibility,
    classify_participation,
    consort,
    consort_flow,
    not_eligible_reason,
    treatment_counts,
)
from embct.trial import CRITERIA as CRITERIA_FOR_TEST

# The copy of shared/reference/published-results.toml that embct.simulate ships (identical),
# so these checks run wherever the package is installed.
PUBLISHED = Path(embct.simulate.__file__).resolve().parent / "published-results.toml"


def test_participation_by_dose() -> None:
    assert classify_participation(False, 0) is Participation.DECLINED
    assert [classify_participation(True, n) for n in range(10)] == (
        [Participation.DROPOUT] * 4 + [Participation.COMPLETER] * 6
    )
    with pytest.raises(ProtocolError, match="3 sessions, but started is False"):
        classify_participation(False, 3)
    with pytest.raises(ProtocolError, match="started: 1 is not True or False"):
        classify_participation(1, 3)  # type: ignore[arg-type]


def test_dropout_reasons_are_categories_with_labels() -> None:
    assert [r.value for r in DropoutReason] == [
        "not_as_expected",
        "too_burdensome",
        "physical_condition",
        "practical",
        "other",
    ]
    assert set(REASON_LABELS) == set(DropoutReason)
    record = DropoutRecord("P1", date(2026, 4, 1), "practical", 2)  # type: ignore[arg-type]
    assert record.reason is DropoutReason.PRACTICAL
    with pytest.raises(ProtocolError, match="reason: 'bored' is not one of"):
        DropoutRecord("P1", date(2026, 4, 1), "bored", 2)  # type: ignore[arg-type]
    with pytest.raises(ProtocolError, match="sessions_attended: 12"):
        DropoutRecord("P1", date(2026, 4, 1), DropoutReason.OTHER, 12)


def published_cohort(sample: dict) -> list[FlowRecord]:
    """One record per randomized participant with the paper's counts per arm."""
    records = []
    for arm in ("mbct", "embct"):
        declined = sample["declined_after_randomization"][arm]
        dropouts = sample["dropouts"][arm]
        completers = sample["completers"][arm]
        rows = [(False, 0, "declined")] * declined
        rows += [(True, 1 + i % 3, "dropout" if i % 2 else "") for i in range(dropouts)]
        rows += [(True, 4 + i % 6, "") for i in range(completers)]
        records += [
            FlowRecord(
                f"{arm}{i}",
                Arm(arm),
                started,
                n,
                tau_first=i % 5 == 0,
                withdrawal=withdrawal,
                withdrawal_reason="not_as_expected" if withdrawal else "",
            )
            for i, (started, n, withdrawal) in enumerate(rows)
        ]
    return records


def test_the_flow_reproduces_figure_one() -> None:
    # published-results.toml [sample] (Results: Participants; Dropout; Figure 1)
    sample = tomllib.loads(PUBLISHED.read_text(encoding="utf-8"))["sample"]
    flow = consort_flow(published_cohort(sample)).as_dict()
    for arm in ("mbct", "embct", "total"):
        assert flow[arm]["randomized"] == sample["randomized"][arm]
        assert flow[arm]["started"] == sample["started"][arm]
        assert flow[arm]["dropouts"] == sample["dropouts"][arm]
        assert flow[arm]["completers"] == sample["completers"][arm]
    assert flow["mbct"]["declined"] == 25
    assert flow["embct"]["declined"] == 22
    assert flow["total"]["waiting"] == 0
    assert flow["total"]["tau_first"] == flow["mbct"]["tau_first"] + flow["embct"]["tau_first"]


def test_flow_refuses_bad_records() -> None:
    with pytest.raises(ProtocolError, match="row 1: participant_id 'a' repeats"):
        consort_flow([FlowRecord("a", Arm.MBCT, True, 5), FlowRecord("a", Arm.MBCT, True, 5)])
    with pytest.raises(ProtocolError, match="row 0: arm 'tau' for 'a'"):
        consort_flow([FlowRecord("a", Arm.TAU, True, 5)])
    with pytest.raises(ProtocolError, match=r"row 0 \(a\): sessions_attended: 11"):
        consort_flow([FlowRecord("a", Arm.EMBCT, True, 11)])


def test_an_empty_flow_has_zero_counts() -> None:
    flow = consort_flow([]).as_dict()
    assert flow["total"] == dict.fromkeys(flow["total"], 0)
    assert set(flow) == {"mbct", "embct", "total"}


def test_allocated_and_not_started_is_waiting_not_declined() -> None:
    # Before: every randomized participant who had not started was counted as "declined".
    flow = consort_flow(
        [
            FlowRecord("a", Arm.MBCT, False, 0),
            FlowRecord("b", Arm.MBCT, False, 0, withdrawal="declined", withdrawal_reason="other"),
        ]
    ).as_dict()
    assert (flow["mbct"]["waiting"], flow["mbct"]["declined"]) == (1, 1)


def test_the_paper_s_printed_flow_adds_up_box_by_box() -> None:
    # published-results.toml [sample]: Figure 1 as the paper prints it, arm by arm
    sample = tomllib.loads(PUBLISHED.read_text(encoding="utf-8"))["sample"]
    counts: dict[str, int] = {}
    for arm in ("mbct", "embct"):
        counts[arm] = sample["randomized"][arm]
        counts[f"allocated.{arm}"] = sample["randomized"][arm]
        counts[f"tau.{arm}"] = 0
        counts[f"{arm}.waiting"] = 0
        counts[f"{arm}.declined"] = sample["declined_after_randomization"][arm]
        counts[f"{arm}.started"] = sample["started"][arm]
        counts[f"{arm}.dropouts"] = sample["dropouts"][arm]
        counts[f"{arm}.completers"] = sample["completers"][arm]
    counts["allocated.tau"] = 0
    flow = consort(counts)
    assert flow["randomized"] == sample["randomized"]["total"] == 245
    assert (flow["mbct.started"], flow["embct.started"]) == (95, 103)
    # one printed number changed is caught, naming the box and its parts
    with pytest.raises(FlowError, match=r"box 'embct' .* is 125, but its parts add up to 124"):
        consort({**counts, "embct.declined": 21})
    with pytest.raises(FlowError, match=r"box 'mbct.started' .* is 95, but .* 96"):
        consort({**counts, "mbct.completers": 85})


def hand_counted() -> dict[str, int]:
    """A small trial counted by hand, box by box: 20 screened (every other box is 0)."""
    return dict.fromkeys(KEYS[: KEYS.index("analysed.baseline")], 0) | {
        "screened": 20,
        "not_eligible": 5,
        "not_eligible.hads_below_threshold": 3,
        "not_eligible.course_language": 1,
        "not_eligible.previous_mindfulness_course": 1,
        "not_reached": 1,
        "declined_call": 1,
        "awaiting_call": 2,
        "awaiting_randomization": 1,
        "randomized": 10,
        "allocated.mbct": 3,
        "allocated.embct": 4,
        "allocated.tau": 3,
        "tau.waiting": 1,
        "tau.mbct": 1,
        "tau.embct": 1,
        "mbct": 4,
        "mbct.waiting": 1,
        "mbct.declined": 1,
        "mbct.started": 2,
        "mbct.dropouts": 1,
        "mbct.dropouts.practical": 1,
        "mbct.completers": 1,
        "embct": 5,
        "embct.waiting": 0,
        "embct.declined": 1,
        "embct.started": 4,
        "embct.dropouts": 2,
        "embct.dropouts.not_as_expected": 1,
        "embct.dropouts.not_recorded": 1,
        "embct.completers": 2,
    }


def test_a_hand_counted_trial_has_every_box_and_the_leaves_left_out_are_unknown() -> None:
    given = hand_counted()
    # a box with parts may be left out: it is then their sum
    flow = consort({k: v for k, v in given.items() if k not in ("screened", "mbct.started")})
    assert (flow["screened"], flow["mbct.started"]) == (20, 2)
    assert flow.known() == given
    # a leaf left out is unknown, and so is every box made of it
    partial = consort({k: v for k, v in given.items() if k not in ("screened", "not_reached")})
    assert (partial["not_reached"], partial["screened"]) == (None, None)
    assert flow["analysed.baseline"] is None
    assert set(BOX_LABELS) == set(KEYS)
    assert all(part in KEYS for splits in BOXES.values() for split in splits for part in split)


@pytest.mark.parametrize(
    ("box", "change"),
    [
        ("screened", 1),
        ("not_eligible.hads_below_threshold", 1),
        ("allocated.tau", -1),
        ("tau.embct", 1),
        ("embct.dropouts.not_recorded", 1),
        ("mbct.waiting", 1),
    ],
)
def test_every_box_must_equal_the_sum_of_its_parts(box: str, change: int) -> None:
    counts = hand_counted()
    consort(counts).check()
    counts[box] += change
    with pytest.raises(FlowError, match="but its parts add up to"):
        consort(counts)


def test_bad_boxes_and_counts_are_refused() -> None:
    with pytest.raises(FlowError, match=r"'mbct\.lost' is not a box"):
        consort({"mbct.lost": 1})
    with pytest.raises(FlowError, match=r"'randomized': 2\.5 is not a whole number"):
        consort({"randomized": 2.5})  # type: ignore[dict-item]
    with pytest.raises(FlowError, match=r"analysed\.baseline' is 3, more than the 2"):
        consort(
            {
                **treatment_counts(
                    [FlowRecord("a", Arm.MBCT, True, 5), FlowRecord("b", Arm.EMBCT, True, 5)]
                ),
                "analysed.baseline": 3,
            }
        )


def test_a_not_eligible_person_counts_once_under_the_first_failed_criterion() -> None:
    answers = {c.id: c.kind == "inclusion" for c in CRITERIA_FOR_TEST}
    answers.update(computer_and_internet=False, severe_psychiatric_morbidity=True)
    assert not_eligible_reason(assess_eligibility(answers)) == "computer_and_internet"


def test_dropouts_are_split_by_recorded_reason() -> None:
    counts = treatment_counts(
        [
            FlowRecord("a", Arm.EMBCT, True, 1, withdrawal="dropout", withdrawal_reason="other"),
            FlowRecord("b", Arm.EMBCT, True, 3),  # no withdrawal: perhaps still in the course
            FlowRecord("c", Arm.EMBCT, True, 6, withdrawal="dropout", withdrawal_reason="other"),
        ]
    )
    assert counts["embct.dropouts"] == 2
    assert (counts["embct.dropouts.other"], counts["embct.dropouts.not_recorded"]) == (1, 1)
    assert counts["embct.completers"] == 1  # 6 sessions: the dose decides, as in the paper

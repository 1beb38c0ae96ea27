"""Dropout classification and the CONSORT flow, checked against the paper's Figure 1."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

import pytest

import embct.simulate
from embct.trial import (
    REASON_LABELS,
    Arm,
    DropoutReason,
    DropoutRecord,
    FlowRecord,
    Participation,
    ProtocolError,
    classify_participation,
    consort_flow,
)

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
        rows = [(False, 0)] * declined
        rows += [(True, 1 + i % 3) for i in range(dropouts)]
        rows += [(True, 4 + i % 6) for i in range(completers)]
        records += [
            FlowRecord(f"{arm}{i}", Arm(arm), started, n, tau_first=i % 5 == 0)
            for i, (started, n) in enumerate(rows)
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

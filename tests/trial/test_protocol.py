"""Arms, analysis coding, the completer rule and the protocol numbers (paper: Methods)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import embct.simulate
from embct.trial import (
    ADEQUATE_DOSE_REFERENCE,
    ADEQUATE_DOSE_SESSIONS,
    DEFAULT_PROTOCOL,
    N_SESSIONS,
    TREATMENT_ARMS,
    Arm,
    Protocol,
    ProtocolError,
    analysis_code,
    is_completer,
    parse_arm,
)

# The copy of shared/reference/published-results.toml that embct.simulate ships (extended since),
# so these checks run wherever the package is installed.
PUBLISHED = Path(embct.simulate.__file__).resolve().parent / "published-results.toml"


def published() -> dict:
    return tomllib.loads(PUBLISHED.read_text(encoding="utf-8"))


def test_arm_codes_are_stable() -> None:
    assert [a.value for a in Arm] == ["mbct", "embct", "tau"]
    assert TREATMENT_ARMS == (Arm.MBCT, Arm.EMBCT)


def test_mbct_is_the_reference_category() -> None:
    assert analysis_code("mbct") == 0
    assert analysis_code(Arm.EMBCT) == 1
    with pytest.raises(ProtocolError, match="'tau' has no analysis code"):
        analysis_code("tau")


@pytest.mark.parametrize("bad", ["MBCT", "e-mbct", "", None, 1])
def test_parse_arm_names_the_bad_value(bad: object) -> None:
    with pytest.raises(ProtocolError, match=r"arm: .* is not one of 'mbct', 'embct', 'tau'"):
        parse_arm(bad)


def test_adequate_dose_matches_the_paper_and_cites_it() -> None:
    assert ADEQUATE_DOSE_SESSIONS == published()["sample"]["adequate_dose_sessions"] == 4
    assert "Crane" in ADEQUATE_DOSE_REFERENCE
    assert "10.1007/s12671-010-0003-8" in ADEQUATE_DOSE_REFERENCE


def test_the_completer_rule_is_four_or_more_sessions() -> None:
    assert [is_completer(n) for n in range(N_SESSIONS + 1)] == [False] * 4 + [True] * 6


@pytest.mark.parametrize("bad", [-1, 10, 4.0, True, "4", None])
def test_the_completer_rule_refuses_impossible_counts(bad: object) -> None:
    with pytest.raises(ProtocolError, match="sessions_attended"):
        is_completer(bad)  # type: ignore[arg-type]


def test_the_default_protocol_is_the_papers() -> None:
    assert DEFAULT_PROTOCOL.n_sessions == 9
    assert DEFAULT_PROTOCOL.weekly_sessions == 8
    assert DEFAULT_PROTOCOL.silent_day_week == 6
    assert DEFAULT_PROTOCOL.tau_wait_months == 3
    assert DEFAULT_PROTOCOL.adequate_dose == 4


def test_a_protocol_is_frozen() -> None:
    with pytest.raises(AttributeError):
        DEFAULT_PROTOCOL.silent_day_week = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"silent_day_week": 1}, "silent_day_week"),
        ({"silent_day_week": 10}, "silent_day_week"),
        ({"weekly_sessions": 0}, "weekly_sessions"),
        ({"adequate_dose": 0}, "adequate_dose"),
        ({"tau_wait_months": -1}, "tau_wait_months"),
        ({"preparation_lead_days": 8}, "preparation_lead_days"),
    ],
)
def test_a_protocol_refuses_impossible_numbers(kwargs: dict, name: str) -> None:
    with pytest.raises(ProtocolError, match=name):
        Protocol(**kwargs)

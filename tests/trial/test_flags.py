"""The therapist's early warnings (issue 7) as pure functions."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embct.trial import (
    FLAG_CODES,
    Flag,
    ProtocolError,
    alliance_fall,
    course_calendar,
    dose_at_risk,
    feedback_waiting,
    hads_deterioration,
    no_recent_practice,
    weak_early_alliance,
)
from embct.trial.flags import ALLIANCE_RELIABILITY, ALLIANCE_SD, WEAK_ALLIANCE_THRESHOLD

R_OUTPUT = Path(__file__).resolve().parent / "reference" / "R" / "trial_reliable_change.csv"
START = date(2026, 3, 2)


def r_cases() -> list[dict[str, str]]:
    with R_OUTPUT.open(newline="") as handle:
        return [{k: v.strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def test_reliable_change_behind_the_flags_equals_r() -> None:
    # R: Rscript tests/trial/reference/R/trial_reliable_change.R (Jacobson & Truax 1991)
    cases = {c["case"]: c for c in r_cases()}
    assert len(cases) == 5
    for name, case in cases.items():
        before, after = float(case["before"]), float(case["after"])
        sd, r, rc = float(case["sd"]), float(case["r"]), float(case["rc"])
        if name.startswith("hads"):
            flag = hads_deterioration(before, after, sd=sd, reliability=r)
        else:
            flag = alliance_fall([("a", before), ("b", after)], sd=sd, reliability=r)
        # a flag exactly when R's RC passes 1.96 in the direction that is worse
        worse = rc > 1.96 if name.startswith("hads") else rc < -1.96
        assert (flag is not None) == worse, name
        if flag is not None:
            assert flag.evidence["rc"] == pytest.approx(rc, abs=1e-8), name
            threshold = float(case["min_reliable_change"])
            assert flag.evidence["threshold"] == pytest.approx(threshold, abs=1e-8), name


def test_hads_defaults_are_the_crawford_norms_of_embct_instruments() -> None:
    # reference/instruments.md section 4: HADS total, UK norms (SD 5.98, alpha .86):
    # 1.96 * S_diff = 6.20, so 7 points is the smallest reliable integer change.
    flag = hads_deterioration(10, 17)
    assert flag is not None
    assert (flag.evidence["sd"], flag.evidence["reliability"]) == (5.98, 0.86)
    assert flag.evidence["threshold"] == pytest.approx(6.20, abs=0.005)
    assert "Crawford" in str(flag.evidence["source"])
    assert hads_deterioration(10, 16) is None


def test_defaults_come_from_the_trial() -> None:
    # published-results.toml: [dropout] wai_w2_completers mean 36.6 sd 9.5; [reliability]
    assert WEAK_ALLIANCE_THRESHOLD == 27.1
    assert (ALLIANCE_SD, ALLIANCE_RELIABILITY) == (9.5, 0.93)


def test_reliable_change_parameters_are_checked() -> None:
    with pytest.raises(ProtocolError, match=r"wai reliable change: .*reliability must be in"):
        alliance_fall([("a", 40), ("b", 20)], reliability=1.0)
    with pytest.raises(ProtocolError, match=r"hads reliable change: .*SD must be a positive"):
        hads_deterioration(10, 20, sd=0, reliability=0.8)


def check_flag(flag: Flag | None, code: str) -> Flag:
    assert flag is not None
    assert flag.code == code
    assert flag.title == FLAG_CODES[code]
    assert len(flag.explanation) > 20
    assert flag.evidence
    return flag


def test_weak_early_alliance() -> None:
    flag = check_flag(weak_early_alliance(27.0), "weak_early_alliance")
    assert flag.evidence == {"wai_w2": 27.0, "threshold": 27.1}
    assert "27.1" in flag.explanation
    assert weak_early_alliance(27.1) is None
    assert weak_early_alliance(None) is None
    assert weak_early_alliance(40, threshold=45) is not None
    with pytest.raises(ProtocolError, match="wai_w2: 61 is outside 12 to 60"):
        weak_early_alliance(61)


def test_alliance_fall_uses_reliable_change() -> None:
    # R: wai_trial_fall 45 -> 36 gives RC -2.532; wai_trial_small 45 -> 40 gives -1.407
    flag = check_flag(alliance_fall([("wai_w2", 45), ("wai_w5", 36)]), "alliance_fall")
    assert flag.evidence["rc"] == pytest.approx(-2.532, abs=0.001)
    assert flag.evidence["before_label"] == "wai_w2"
    assert alliance_fall([("wai_w2", 45), ("wai_w5", 40)]) is None
    assert alliance_fall([("wai_w2", 30), ("wai_w5", 50)]) is None  # a rise is no warning
    assert alliance_fall([("wai_w2", 45)]) is None
    # only the latest two count
    assert alliance_fall([("wai_w2", 60), ("wai_w5", 40), ("wai_w9", 41)]) is None


def test_dose_at_risk_when_four_sessions_are_out_of_reach() -> None:
    cal = course_calendar(START)
    # last day of week 6 with only session 1 done: sessions 6-9 are still in time (1 + 4)
    assert len(cal.still_open(date(2026, 4, 12), {1})) == 4
    # first day of week 7: sessions 7-9 (1 + 3 = 4, still reachable)
    assert dose_at_risk(1, len(cal.still_open(date(2026, 4, 13), {1}))) is None
    # week 8: only sessions 8 and 9 are left (1 + 2 < 4)
    later = date(2026, 4, 20)
    flag = check_flag(dose_at_risk(1, len(cal.still_open(later, {1}))), "dose_at_risk")
    assert flag.evidence == {"sessions_done": 1, "sessions_remaining": 2, "adequate_dose": 4}
    assert dose_at_risk(4, 0) is None
    with pytest.raises(ProtocolError, match="sessions_remaining: -1"):
        dose_at_risk(0, -1)


@given(done=st.integers(0, 9), remaining=st.integers(0, 9))
def test_dose_at_risk_is_exactly_when_done_plus_remaining_is_below_four(
    done: int, remaining: int
) -> None:
    assert (dose_at_risk(done, remaining) is not None) == (done + remaining < 4)


def test_no_practice_for_seven_days() -> None:
    flag = check_flag(
        no_recent_practice(date(2026, 3, 5), date(2026, 3, 12), START), "no_recent_practice"
    )
    assert flag.evidence["days_since"] == 7
    assert no_recent_practice(date(2026, 3, 6), date(2026, 3, 12), START) is None
    # nothing logged yet: counted from the start of the course
    assert no_recent_practice(None, START + timedelta(days=6), START) is None
    flag = check_flag(
        no_recent_practice(None, START + timedelta(days=7), START), "no_recent_practice"
    )
    assert "since the course began" in flag.explanation
    # not before the course, nor after it
    assert no_recent_practice(None, START - timedelta(days=30), START) is None
    end = course_calendar(START).end_date
    assert no_recent_practice(START, end + timedelta(days=1), START, course_end=end) is None
    assert no_recent_practice(START, end, START, course_end=end) is not None


def test_feedback_waiting_past_its_weekday() -> None:
    tuesday = date(2026, 3, 3)
    assert feedback_waiting(tuesday, 3, date(2026, 3, 5)) is None  # Thursday itself: on time
    flag = check_flag(feedback_waiting(tuesday, 3, date(2026, 3, 9)), "feedback_waiting")
    assert flag.evidence == {
        "sent": tuesday,
        "feedback_due": date(2026, 3, 5),
        "days_late": 4,
    }
    assert feedback_waiting(None, 3, date(2026, 3, 9)) is None


def test_hads_reliable_deterioration() -> None:
    # R: hads_crawford 20 -> 27 with SD 5.98, r .86 gives RC 2.212 (> 1.96)
    flag = check_flag(hads_deterioration(20, 27), "hads_deterioration")
    assert flag.evidence["rc"] == pytest.approx(2.212, abs=0.001)
    assert hads_deterioration(20, 26) is None
    assert hads_deterioration(22, 15) is None  # improvement
    assert hads_deterioration(None, 30) is None
    with pytest.raises(ProtocolError, match="hads_after: 43 is outside 0 to 42"):
        hads_deterioration(10, 43)


def test_every_flag_code_has_a_rule() -> None:
    import embct.trial.flags as flags

    assert all(callable(getattr(flags, code, None)) for code in FLAG_CODES)


def test_a_flag_serializes_to_json() -> None:
    import json

    flag = no_recent_practice(date(2026, 3, 3), date(2026, 3, 12), START)
    assert flag is not None
    data = json.loads(json.dumps(flag.as_dict()))
    assert data["code"] == "no_recent_practice"
    assert data["evidence"] == {"last_practice": "2026-03-03", "days_since": 9, "days": 7}

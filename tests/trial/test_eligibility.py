"""Screening, the inclusion and exclusion criteria, and the Table 1 schema."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embct.trial import (
    BASELINE_FIELDS,
    CRITERIA,
    SCREENING_HADS_THRESHOLD,
    BaselineValueError,
    CriterionKind,
    ProtocolError,
    assess_eligibility,
    invite_for_eligibility_call,
    validate_baseline,
)

# DESIGN.md, "The canonical trial table": baseline characteristics, in this order.
CANONICAL_BASELINE = [
    "female",
    "relationship",
    "children",
    "education_high",
    "age",
    "diagnosis_breast",
    "intent_curative",
    "current_treatment",
    "psychiatric_diagnosis",
    "years_since_diagnosis",
]

VALID = {
    "female": True,
    "relationship": False,
    "children": True,
    "education_high": True,
    "age": 51,
    "diagnosis_breast": True,
    "intent_curative": True,
    "current_treatment": False,
    "psychiatric_diagnosis": False,
    "years_since_diagnosis": 3.5,
}


def test_a_hads_of_eleven_or_more_invites_a_call() -> None:
    assert SCREENING_HADS_THRESHOLD == 11
    assert [invite_for_eligibility_call(t) for t in range(43)] == [False] * 11 + [True] * 32
    # a prorated total is compared unrounded
    assert invite_for_eligibility_call(10.9) is False
    assert invite_for_eligibility_call(11.0) is True


@pytest.mark.parametrize("bad", [-1, 43, 42.5, float("nan"), True, "11", None])
def test_screening_refuses_a_total_the_hads_cannot_have(bad: object) -> None:
    with pytest.raises(ProtocolError, match="hads_total"):
        invite_for_eligibility_call(bad)  # type: ignore[arg-type]


def test_five_inclusion_and_three_exclusion_criteria_with_unique_ids() -> None:
    kinds = [c.kind for c in CRITERIA]
    assert kinds.count(CriterionKind.INCLUSION) == 5
    assert kinds.count(CriterionKind.EXCLUSION) == 3
    assert len({c.id for c in CRITERIA}) == 8
    assert all(c.description.endswith(".") and len(c.description) < 100 for c in CRITERIA)


def test_every_combination_of_answers() -> None:
    ids = [c.id for c in CRITERIA]
    for values in itertools.product([False, True], repeat=len(ids)):
        answers = dict(zip(ids, values, strict=True))
        result = assess_eligibility(answers)
        expected_failed = [
            c.id
            for c in CRITERIA
            if (c.kind is CriterionKind.INCLUSION and not answers[c.id])
            or (c.kind is CriterionKind.EXCLUSION and answers[c.id])
        ]
        assert list(result.failed_ids) == expected_failed
        assert result.eligible is (not expected_failed)


def test_eligibility_needs_every_answer_as_a_bool() -> None:
    answers = {c.id: c.kind is CriterionKind.INCLUSION for c in CRITERIA}
    missing = dict(answers)
    del missing["course_language"]
    with pytest.raises(ProtocolError, match="'course_language' was not answered"):
        assess_eligibility(missing)
    with pytest.raises(ProtocolError, match="'age_over_18' is not an eligibility criterion"):
        assess_eligibility({**answers, "age_over_18": True})
    with pytest.raises(ProtocolError, match="cancer_diagnosis = 1 is not True or False"):
        assess_eligibility({**answers, "cancer_diagnosis": 1})


def test_the_baseline_schema_has_the_canonical_names() -> None:
    assert [f.name for f in BASELINE_FIELDS] == CANONICAL_BASELINE
    kinds = {f.name: f.kind for f in BASELINE_FIELDS}
    assert kinds["age"] == "int"
    assert kinds["years_since_diagnosis"] == "float"
    assert {k for k, v in kinds.items() if v == "bool"} == set(CANONICAL_BASELINE) - {
        "age",
        "years_since_diagnosis",
    }
    for spec in BASELINE_FIELDS:
        if spec.kind == "bool":
            assert [code for code, _ in spec.value_labels] == [0, 1]


def test_a_valid_record_comes_back_unchanged() -> None:
    assert validate_baseline(VALID) == VALID


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("female", 1, "female: 1 is not True or False"),
        ("female", "yes", "female: 'yes' is not True or False"),
        ("age", 51.5, "age: 51.5 is not a whole number"),
        ("age", True, "age: True is not a whole number"),
        ("age", 17, "age: 17 is outside 18 to 110"),
        ("years_since_diagnosis", -0.5, "years_since_diagnosis: -0.5 is outside 0 to 100"),
        ("years_since_diagnosis", math.nan, "years_since_diagnosis: nan is outside"),
        ("years_since_diagnosis", "3", "years_since_diagnosis: '3' is not a number"),
        ("children", None, "children: None is missing"),
    ],
)
def test_a_bad_value_names_the_field_and_the_value(field: str, value: object, message: str) -> None:
    with pytest.raises(BaselineValueError, match=message):
        validate_baseline({**VALID, field: value})


def test_unknown_fields_and_impossible_combinations_are_refused() -> None:
    with pytest.raises(BaselineValueError, match="gender: is not a baseline characteristic"):
        validate_baseline({**VALID, "gender": "f"})
    with pytest.raises(BaselineValueError, match="years_since_diagnosis: 60 is larger than age 51"):
        validate_baseline({**VALID, "years_since_diagnosis": 60})


def test_a_partial_record_is_allowed_only_when_asked() -> None:
    partial = {"female": True, "age": 40}
    with pytest.raises(BaselineValueError, match="relationship: None is missing"):
        validate_baseline(partial)
    out = validate_baseline(partial, partial=True)
    assert out["age"] == 40
    assert out["children"] is None
    assert list(out) == CANONICAL_BASELINE


@given(
    record=st.fixed_dictionaries(
        {
            **{f.name: st.booleans() for f in BASELINE_FIELDS if f.kind == "bool"},
            "age": st.integers(min_value=18, max_value=110),
            "years_since_diagnosis": st.floats(min_value=0, max_value=18),
        }
    )
)
def test_every_value_in_range_is_accepted(record: dict) -> None:
    assert validate_baseline(record) == record


def test_the_screening_rule_agrees_with_embct_instruments() -> None:
    from embct.instruments import get_instrument

    hads = get_instrument("hads")
    assert hads.screening is not None
    assert (hads.screening.scale, hads.screening.threshold) == ("total", SCREENING_HADS_THRESHOLD)
    assert hads.score_range() == (0, 42)

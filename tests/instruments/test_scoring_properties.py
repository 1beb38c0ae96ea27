"""Property tests: random valid responses score within range and identically by the
one-response path and the vectorized table path; random invalid ones always raise with
the right item (and row) named."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embct.instruments import (
    INSTRUMENTS,
    InstrumentError,
    MissingRule,
    NotANumberError,
    OutOfRangeError,
    get_instrument,
    item_columns,
    score_response,
    score_table,
)

CODINGS = [(key, coding) for key, inst in INSTRUMENTS.items() for coding in inst.codings]


@st.composite
def responses(draw: st.DrawFn) -> tuple[Any, str, list[dict[int, int | None]]]:
    key, coding = draw(st.sampled_from(CODINGS))
    instrument = get_instrument(key)
    if draw(st.booleans()):  # a random missing-item rule: settings are data too
        rule = {
            name: draw(st.integers(1, len(items))) for name, items in instrument.subscales.items()
        }
        instrument = dataclasses.replace(instrument, missing=MissingRule("random", rule))
    chosen = instrument.coding(coding)
    missing_rate = draw(st.sampled_from([0.0, 0.1, 0.4, 1.0]))
    rows = []
    for _ in range(draw(st.integers(1, 6))):
        row: dict[int, int | None] = {}
        for item in instrument.items:
            missing = draw(st.floats(0, 1)) < missing_rate
            row[item] = None if missing else draw(st.sampled_from(chosen.allowed(item)))
        rows.append(row)
    return instrument, coding, rows


def same(a: Any, b: Any) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or b is pd.NA or (isinstance(b, float) and math.isnan(b))
    return bool(a == b)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(responses())
def test_both_paths_agree_and_stay_in_range(case: tuple[Any, str, list]) -> None:
    instrument, coding, rows = case
    key = instrument.key
    frame = pd.DataFrame(
        [{f"{key}_pre_{i}": v for i, v in row.items()} for row in rows], dtype=float
    )
    frame.insert(0, "participant_id", [f"P{n}" for n in range(len(rows))])
    table = score_table(frame, instrument, "pre", coding=coding)
    low, high = instrument.score_range(coding=coding)
    for n, row in enumerate(rows):
        one = score_response(instrument, row, participant_id=f"P{n}", coding=coding)
        line = table.iloc[n]
        assert same(one["total"], line[f"{key}_pre"])
        assert same(one["mean"], line[f"{key}_pre_mean"])
        for name in instrument.subscales:
            assert same(one["subscales"][name], line[f"{key}_pre_{name}"])
            s_low, s_high = instrument.score_range(name, coding=coding)
            if one["subscales"][name] is not None:
                assert s_low <= one["subscales"][name] <= s_high
        assert one["n_missing"] == line[f"{key}_pre_n_missing"]
        assert one["n_missing"] == sum(v is None for v in row.values())
        assert one["prorated"] == line[f"{key}_pre_prorated"]
        for scale, label in one["bands"].items():
            column = f"{key}_pre_band" if scale == "total" else f"{key}_pre_{scale}_band"
            assert same(label, line[column])
        if instrument.screening is not None:
            assert same(one["screen_positive"], line[f"{key}_pre_screen_positive"])
        if instrument.diagnosis is not None:
            assert same(one["category"], line[f"{key}_pre_category"])
        if one["total"] is not None:
            assert low <= one["total"] <= high
            assert one["n_missing"] < instrument.n_items
        if one["n_missing"] == 0:
            assert one["total"] == sum(
                instrument.coding(coding).score(i, v) for i, v in row.items()
            )
            assert one["prorated"] is False


invalid_values = st.one_of(
    st.integers(-1000, -1),
    st.integers(7, 1000),
    st.floats(0.01, 0.99).map(lambda f: round(f, 2) + 1),
    st.sampled_from(["x", "often", "3a", "nan", "1,5", True]),
)


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(CODINGS),
    st.data(),
    invalid_values,
)
def test_an_invalid_answer_always_raises_naming_its_item_and_row(
    case: tuple[str, str], data: st.DataObject, bad: Any
) -> None:
    key, coding = case
    instrument = get_instrument(key)
    chosen = instrument.coding(coding)
    item = data.draw(st.sampled_from(instrument.items))
    n_rows = data.draw(st.integers(1, 4))
    bad_row = data.draw(st.integers(0, n_rows - 1))
    rows: list[dict[int, Any]] = [
        {i: data.draw(st.sampled_from(chosen.allowed(i))) for i in instrument.items}
        for _ in range(n_rows)
    ]
    rows[bad_row][item] = bad
    expected = NotANumberError if isinstance(bad, str | bool) else OutOfRangeError

    with pytest.raises(InstrumentError) as raised:
        score_response(key, rows[bad_row], participant_id="X", coding=coding)
    error = raised.value
    assert type(error) is expected
    assert (error.instrument, error.item, error.row, error.value) == (key, item, "X", bad)

    columns = item_columns(key, "w2")
    frame = pd.DataFrame([[r[i] for i in instrument.items] for r in rows], columns=columns)
    frame.insert(0, "participant_id", [f"P{n}" for n in range(n_rows)])
    with pytest.raises(InstrumentError) as raised:
        score_table(frame, key, "w2", coding=coding)
    error = raised.value
    assert type(error) is expected
    assert error.item == f"{key}_w2_{item}"
    assert error.row == f"P{bad_row}"
    assert error.value == bad


def test_numpy_integer_tables_are_scored_like_float_tables() -> None:
    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, size=(50, 14))
    ints = pd.DataFrame(values, columns=item_columns("hads", "pre"))
    pd.testing.assert_frame_equal(
        score_table(ints, "hads", "pre"), score_table(ints.astype(float), "hads", "pre")
    )


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_keyes_indeterminate_means_the_missing_items_could_change_the_category(
    data: st.DataObject,
) -> None:
    """Brute force: fill the missing items with every possible score; the category is
    determined exactly when all fillings agree (checks the two-extremes shortcut)."""
    import itertools

    n_missing = data.draw(st.integers(0, 3))
    missing = set(data.draw(st.permutations(range(1, 15)))[:n_missing])
    answers: dict[int, int | None] = {
        i: None if i in missing else data.draw(st.integers(0, 5)) for i in range(1, 15)
    }
    categories = set()
    for fill in itertools.product(range(6), repeat=n_missing):
        complete = dict(answers) | dict(zip(sorted(missing), fill, strict=True))
        categories.add(score_response("mhc", complete)["category"])
    expected = categories.pop() if len(categories) == 1 else "indeterminate"
    assert score_response("mhc", answers)["category"] == expected
    frame = pd.DataFrame([{f"mhc_{i}": v for i, v in answers.items()}], dtype=float)
    assert score_table(frame, "mhc", None)["mhc_category"].iloc[0] == expected

"""Scoring rules, with hand-worked examples (the arithmetic is in the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from embct.instruments import (
    InstrumentError,
    MissingColumnError,
    NotANumberError,
    OutOfRangeError,
    UnknownItemError,
    WrongInstrumentError,
    item_columns,
    score_columns,
    score_response,
    score_table,
)
from support.shared import SharedData


def hads_row(values: list[int | None], wave: str = "pre") -> dict[str, int | None]:
    return {f"hads_{wave}_{i}": v for i, v in enumerate(values, start=1)}


# --- HADS ------------------------------------------------------------------------------
def test_hads_complete_response() -> None:
    # items 1..14 = 3,0,2,1,3,0,1,2,2,1,3,0,1,2
    # anxiety (odd) 3+2+3+1+2+3+1 = 15 -> case; depression (even) 0+1+0+2+1+0+2 = 6
    answers = dict(enumerate([3, 0, 2, 1, 3, 0, 1, 2, 2, 1, 3, 0, 1, 2], start=1))
    result = score_response("hads", answers)
    assert result["subscales"] == {"anxiety": 15.0, "depression": 6.0}
    assert result["total"] == 21.0
    assert result["mean"] == 21 / 14
    assert result["n_missing"] == 0
    assert result["prorated"] is False
    assert result["bands"] == {"anxiety": "case", "depression": "non-case"}
    assert result["screen_positive"] is True


def test_hads_position_coding_reverses_the_right_items() -> None:
    # All answers at position 0 (top option): reversed items 1,3,5,6,8,10,11,13 score 3.
    # anxiety: items 1,3,5,11,13 -> 5 x 3 = 15 (7, 9 are direct -> 0);
    # depression: items 6, 8, 10 -> 9.
    result = score_response("hads", dict.fromkeys(range(1, 15), 0), coding="position")
    assert result["subscales"] == {"anxiety": 15.0, "depression": 9.0}
    assert result["total"] == 24.0
    # the same answers as printed scores are all zero
    assert score_response("hads", dict.fromkeys(range(1, 15), 0))["total"] == 0.0


def test_hads_half_rule_prorates_each_subscale() -> None:
    # The example of reference/instruments.md: answered anxiety items 2,1,3,0,1,2 with one
    # missing -> 9 / 6 x 7 = 10.5 (doubtful: no rounding before the cut-off at 11).
    answers: dict[int, int | None] = {1: 2, 3: 1, 5: 3, 7: 0, 9: 1, 11: 2, 13: None}
    # depression: 4 of 7 answered (the half rule's minimum), 1+1+2+2 = 6 -> 6 / 4 x 7 = 10.5
    answers |= {2: 1, 4: 1, 6: 2, 8: 2, 10: None, 12: None, 14: None}
    result = score_response("hads", answers)
    assert result["subscales"] == {"anxiety": 10.5, "depression": 10.5}
    assert result["total"] == 21.0
    assert result["n_missing"] == 4
    assert result["prorated"] is True
    assert result["bands"] == {"anxiety": "doubtful", "depression": "doubtful"}


def test_hads_subscale_with_fewer_than_four_answers_is_missing_never_zero() -> None:
    answers = dict.fromkeys(range(1, 15, 2), 1) | {2: 3, 4: 3, 6: 3}
    result = score_response("hads", answers)
    assert result["subscales"] == {"anxiety": 7.0, "depression": None}
    assert result["total"] is None
    assert result["mean"] is None
    assert result["screen_positive"] is None
    assert result["bands"] == {"anxiety": "non-case", "depression": None}
    assert result["prorated"] is False


def test_hads_screen_cut_off_is_not_rounded() -> None:
    # anxiety 1,1,1,1,1,1,- = 6 / 6 x 7 = 7; depression 0,0,0,0,0,0,1 -> 1; total 8
    # and a prorated total of 10.5 stays below 11.
    answers = dict.fromkeys(range(1, 15), 0) | {1: 3, 3: 3, 5: 3, 7: None}
    answers |= {9: 0, 11: 0, 13: 0}
    result = score_response("hads", answers)
    assert result["subscales"]["anxiety"] == 9 / 6 * 7  # 10.5
    assert result["total"] == 10.5
    assert result["screen_positive"] is False
    result = score_response("hads", answers | {2: 1})
    assert result["total"] == 11.5
    assert result["screen_positive"] is True


# --- WAI-SR ----------------------------------------------------------------------------
def test_wai_totals_subscales_and_means() -> None:
    # task 1,2,10,12 = 5,4,3,2 -> 14; bond 3,5,7,9 = 4,4,4,4 -> 16; goal 4,6,8,11 = 1,2,3,4 -> 10
    answers = {1: 5, 2: 4, 10: 3, 12: 2, 3: 4, 5: 4, 7: 4, 9: 4, 4: 1, 6: 2, 8: 3, 11: 4}
    result = score_response("wai", answers)
    assert result["subscales"] == {"task": 14.0, "bond": 16.0, "goal": 10.0}
    assert result["subscale_means"] == {"task": 3.5, "bond": 4.0, "goal": 2.5}
    assert result["total"] == 40.0
    assert result["mean"] == 40 / 12
    assert result["category"] is None  # no categorical diagnosis for the WAI-SR
    assert result["bands"] == {}


def test_wai_zero_to_four_coding() -> None:
    answers = dict.fromkeys(range(1, 13), 0)
    assert score_response("wai", answers, coding="0-4")["total"] == 0.0
    with pytest.raises(OutOfRangeError, match=r"expected one of 1, 2, 3, 4, 5 \(coding '1-5'\)"):
        score_response("wai", answers)


def test_wai_at_most_one_missing_per_subscale() -> None:
    answers: dict[int, int | None] = dict.fromkeys(range(1, 13), 3)
    answers[1] = None  # task: 3 of 4 -> 9 / 3 x 4 = 12
    result = score_response("wai", answers)
    assert result["subscales"]["task"] == 12.0
    assert result["prorated"] is True
    answers[2] = None  # task: 2 of 4 -> missing, total missing
    result = score_response("wai", answers)
    assert result["subscales"]["task"] is None
    assert result["total"] is None
    assert result["subscales"]["bond"] == 12.0
    assert result["prorated"] is False


# --- MHC-SF ----------------------------------------------------------------------------
def mhc(values: list[int | None]) -> dict[int, int | None]:
    return dict(enumerate(values, start=1))


@pytest.mark.parametrize(
    ("values", "category"),
    [
        # one hedonic item >= 4, six functioning items >= 4 -> flourishing
        ([4, 0, 0, 4, 4, 4, 4, 4, 4, 0, 0, 0, 0, 0], "flourishing"),
        # only five functioning items >= 4 -> moderate
        ([5, 5, 5, 4, 4, 4, 4, 4, 3, 3, 3, 3, 3, 3], "moderate"),
        # no hedonic item >= 4 -> moderate even with all functioning items at 5
        ([3, 3, 3, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5], "moderate"),
        # one hedonic <= 1 and six functioning <= 1 -> languishing
        ([1, 3, 3, 0, 1, 1, 0, 1, 1, 5, 5, 5, 5, 5], "languishing"),
        ([2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "moderate"),
    ],
)
def test_mhc_keyes_diagnosis(values: list[int | None], category: str) -> None:
    assert score_response("mhc", mhc(values))["category"] == category


def test_mhc_diagnosis_with_missing_items() -> None:
    # Already flourishing whatever the missing items are: determined.
    values: list[int | None] = [4, None, None, 4, 4, 4, 4, 4, 4, None, None, None, None, None]
    assert score_response("mhc", mhc(values))["category"] == "flourishing"
    # Five functioning items >= 4 and one missing could make six: indeterminate.
    values = [4, 4, 4, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, None]
    assert score_response("mhc", mhc(values))["category"] == "indeterminate"
    # ... but if no hedonic item can be >= 4 or <= 1 it stays moderate.
    values = [3, 3, 3, 4, 4, 4, 4, 4, 2, 2, 2, 2, 2, None]
    assert score_response("mhc", mhc(values))["category"] == "moderate"
    assert score_response("mhc", {})["category"] is None


def test_mhc_sum_and_mean() -> None:
    # emotional 5+4+3 = 12; social 2,2,2,2,None -> 8/4 x 5 = 10; psych 6 x 1 = 6
    values: list[int | None] = [5, 4, 3, 2, 2, 2, 2, None, 1, 1, 1, 1, 1, 1]
    result = score_response("mhc", mhc(values))
    assert result["subscales"] == {"emotional": 12.0, "social": 10.0, "psychological": 6.0}
    assert result["total"] == 28.0
    assert result["mean"] == 2.0
    assert result["subscale_means"] == {"emotional": 4.0, "social": 2.0, "psychological": 1.0}


# --- answers' keys and values ----------------------------------------------------------
def test_item_keys_may_be_numbers_text_or_column_names() -> None:
    a = score_response("hads", dict.fromkeys(range(1, 15), 1))
    b = score_response("hads", {str(i): 1 for i in range(1, 15)})
    c = score_response("hads", {f"hads_pre_{i}": 1 for i in range(1, 15)})
    d = score_response("hads", {f"hads_{i}": "1" for i in range(1, 15)})
    assert a["total"] == b["total"] == c["total"] == d["total"] == 14.0


@pytest.mark.parametrize(
    ("answers", "error", "item", "value"),
    [
        ({6: 4}, OutOfRangeError, 6, 4),
        ({6: -1}, OutOfRangeError, 6, -1),
        ({6: 1.5}, OutOfRangeError, 6, 1.5),
        ({6: math.inf}, OutOfRangeError, 6, math.inf),
        ({6: "x"}, NotANumberError, 6, "x"),
        ({6: "nan"}, NotANumberError, 6, "nan"),
        ({6: True}, NotANumberError, 6, True),
        ({6: [1]}, NotANumberError, 6, [1]),
        ({15: 1}, UnknownItemError, 15, None),
        ({0: 1}, UnknownItemError, 0, None),
        ({"mhc_pre_3": 1}, WrongInstrumentError, "mhc_pre_3", None),
        ({"hads_pre_x": 1}, UnknownItemError, "hads_pre_x", None),
    ],
)
def test_bad_answers_raise_naming_instrument_item_row_and_value(
    answers: dict, error: type[InstrumentError], item: object, value: object
) -> None:
    with pytest.raises(error) as raised:
        score_response("hads", answers, participant_id="P042")
    assert raised.value.instrument == "hads"
    assert raised.value.item == item
    assert raised.value.row == "P042"
    assert raised.value.value == value
    message = str(raised.value)
    assert message.startswith(f"hads item {item}, row 'P042'")
    if value is not None:
        assert f"value {value!r}" in message


def test_floats_and_numeric_text_that_are_codes_are_accepted() -> None:
    answers = {1: 2.0, 2: "3", 3: " 1 ", 4: np.int64(2), 5: np.float32(0), 6: ""}
    result = score_response("hads", answers)
    assert [result["item_scores"][i] for i in range(1, 7)] == [2, 3, 1, 2, 0, None]


# --- tables ----------------------------------------------------------------------------
def test_item_and_score_columns() -> None:
    assert item_columns("hads", "pre") == [f"hads_pre_{i}" for i in range(1, 15)]
    assert item_columns("wai", "w9")[-1] == "wai_w9_12"
    assert score_columns("mhc", "post")[-1] == "mhc_post_category"
    assert "wai_w2_task_mean" in score_columns("wai", "w2")


def test_table_scoring_matches_the_hand_worked_rows() -> None:
    frame = pd.DataFrame(
        [
            hads_row([3, 0, 2, 1, 3, 0, 1, 2, 2, 1, 3, 0, 1, 2]),  # 15 + 6
            hads_row([2, 1, 1, 1, 3, 2, 0, 2, 1, None, 2, None, None, None]),  # 10.5 + 10.5
            # anxiety 1,1,1,1 (4 of 7) -> 4 / 4 x 7 = 7; depression 3 of 7 -> missing
            hads_row([1, 3, 1, 3, 1, 3, 1, None, None, None, None, None, None, None]),
        ],
        index=[10, 11, 12],
    )
    frame.insert(0, "participant_id", ["A", "B", "C"])
    scored = score_table(frame, "hads", "pre")
    assert list(scored.index) == [10, 11, 12]
    assert list(scored.columns) == score_columns("hads", "pre")
    np.testing.assert_array_equal(scored["hads_pre"], [21.0, 21.0, np.nan])
    np.testing.assert_array_equal(scored["hads_pre_anxiety"], [15.0, 10.5, 7.0])
    np.testing.assert_array_equal(scored["hads_pre_depression"], [6.0, 10.5, np.nan])
    assert scored["hads_pre_n_missing"].tolist() == [0, 4, 7]
    assert scored["hads_pre_prorated"].tolist() == [False, True, True]
    assert scored["hads_pre_anxiety_band"].tolist() == ["case", "doubtful", "non-case"]
    assert pd.isna(scored["hads_pre_depression_band"].iloc[2])
    assert scored["hads_pre_screen_positive"].tolist() == [True, True, pd.NA]
    assert scored["hads_pre"].dtype == float


def test_table_errors_name_the_participant_and_score_nothing() -> None:
    frame = pd.DataFrame([hads_row([1] * 14), hads_row([1] * 14)])
    frame["participant_id"] = ["P1", "P2"]
    frame.loc[1, "hads_pre_6"] = 7
    with pytest.raises(OutOfRangeError) as raised:
        score_table(frame, "hads", "pre")
    assert (raised.value.item, raised.value.row, raised.value.value) == ("hads_pre_6", "P2", 7)
    assert "hads item hads_pre_6, row 'P2', value 7: expected one of 0, 1, 2, 3" in str(
        raised.value
    )


def test_table_error_without_id_column_names_the_index_label() -> None:
    frame = pd.DataFrame([hads_row([1] * 14)], index=["row-a"]).astype(object)
    frame.loc["row-a", "hads_pre_2"] = "often"
    with pytest.raises(NotANumberError) as raised:
        score_table(frame, "hads", "pre")
    assert (raised.value.row, raised.value.value) == ("row-a", "often")


def test_text_columns_as_read_from_csv() -> None:
    frame = pd.DataFrame({f"hads_pre_{i}": ["1", " 2", "", None] for i in range(1, 15)})
    scored = score_table(frame, "hads", "pre")
    np.testing.assert_array_equal(scored["hads_pre"], [14.0, 28.0, np.nan, np.nan])
    nullable = pd.DataFrame(
        {f"hads_pre_{i}": pd.array([1, None], dtype="Int64") for i in range(1, 15)}
    )
    np.testing.assert_array_equal(score_table(nullable, "hads", "pre")["hads_pre"], [14.0, np.nan])


def test_boolean_columns_are_not_numbers() -> None:
    frame = pd.DataFrame({f"hads_pre_{i}": [1] for i in range(1, 15)})
    frame["hads_pre_3"] = [True]
    with pytest.raises(NotANumberError, match="hads_pre_3"):
        score_table(frame, "hads", "pre")


def test_missing_unknown_and_wrong_columns() -> None:
    frame = pd.DataFrame([hads_row([1] * 14)])
    with pytest.raises(MissingColumnError, match="waves found: pre"):
        score_table(frame, "hads", "post")
    with pytest.raises(MissingColumnError) as raised:
        score_table(frame.drop(columns="hads_pre_9"), "hads", "pre")
    assert raised.value.item == "hads_pre_9"
    with pytest.raises(UnknownItemError) as raised_unknown:
        score_table(frame.assign(hads_pre_15=1), "hads", "pre")
    assert raised_unknown.value.item == "hads_pre_15"
    with pytest.raises(WrongInstrumentError, match="is this 'hads' data"):
        score_table(frame, "mhc", "pre")


def test_unwaved_columns_and_empty_tables() -> None:
    frame = pd.DataFrame({f"mhc_{i}": [3] for i in range(1, 15)})
    scored = score_table(frame, "mhc", None)
    assert scored["mhc"].tolist() == [42.0]
    assert scored["mhc_category"].tolist() == ["moderate"]
    empty = score_table(frame.iloc[:0], "mhc", None)
    assert len(empty) == 0
    assert list(empty.columns) == score_columns("mhc", None)


# --- settings ---------------------------------------------------------------------------
def test_settings_are_data_changed_with_dataclasses_replace() -> None:
    import dataclasses

    from embct.instruments import Band, Cutoff, MissingRule, get_instrument

    hads = get_instrument("hads")
    custom = dataclasses.replace(
        hads,
        # a stricter rule: at most one missing item per subscale (qscorer's nvalid = 6)
        missing=MissingRule("at most one missing", {"anxiety": 6, "depression": 6}),
        # the manual's bands as quoted by Crawford et al. 2001
        bands={
            "anxiety": (
                Band(0, "normal"),
                Band(8, "mild"),
                Band(11, "moderate"),
                Band(16, "severe"),
            )
        },
        screening=Cutoff("total", 15, "distressed", "total >= 15 (Strong et al. 2007)"),
    )
    # anxiety 3,3,3,3,3,2 + one missing -> 17 / 6 x 7 = 19.8333; depression 2 missing -> NaN
    answers: dict[int, int | None] = {1: 3, 3: 3, 5: 3, 7: 3, 9: 3, 11: 2, 13: None}
    answers |= {2: 1, 4: 1, 6: 1, 8: 1, 10: 1, 12: None, 14: None}
    one = score_response(custom, answers)
    assert one["subscales"]["anxiety"] == 17 / 6 * 7
    assert one["subscales"]["depression"] is None
    assert one["bands"] == {"anxiety": "severe"}
    assert one["distressed"] is None
    frame = pd.DataFrame([hads_row([answers[i] for i in range(1, 15)])])
    table = score_table(frame, custom, "pre")
    assert list(table.columns) == score_columns(custom, "pre")
    assert "hads_pre_distressed" in table
    assert "hads_pre_depression_band" not in table
    assert table["hads_pre_anxiety_band"].tolist() == ["severe"]
    # the default rule (half rule) scores the depression subscale: 5 / 5 x 7 = 7
    assert score_response("hads", answers)["subscales"]["depression"] == 7.0


#: MultiLCIRT's HADS data (GPL: read where it lies, through the shared_data fixture).
MULTILCIRT = "data/hads-multilcirt/hads.csv"


def test_real_hads_data_imports_and_totals_are_row_sums(shared_data: SharedData) -> None:
    # 201 oncology patients, printed scores 0-3, no missing values (MultiLCIRT, GPL: read
    # where it lies). Its item order is not the original one, so only totals are checked.
    raw = pd.read_csv(shared_data.path(MULTILCIRT))
    frame = raw.rename(columns={f"item{i}": f"hads_{i}" for i in range(1, 15)})
    scored = score_table(frame, "hads", None)
    assert len(scored) == 201
    np.testing.assert_array_equal(scored["hads"], raw.sum(axis=1).astype(float))
    assert scored["hads_n_missing"].eq(0).all()
    assert not scored["hads_prorated"].any()
    assert scored["hads"].between(0, 42).all()

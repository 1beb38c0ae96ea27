"""Reading a user's table: config, CSV and .sav, roles, and errors that name the cell."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embct.analysis import (
    AnalysisConfig,
    ConfigError,
    DataError,
    load_config,
    load_table,
    prepare,
    read_table,
)


def small(**columns: list) -> pd.DataFrame:
    base: dict[str, list] = {
        "participant_id": ["a", "b", "c", "d"],
        "arm": ["mbct", "embct", "mbct", "embct"],
    }
    base.update(columns)
    return pd.DataFrame(base)


# -- the configuration -----------------------------------------------------------------------
def test_it_reads_a_full_config(tmp_path: Path) -> None:
    path = tmp_path / "trial.toml"
    path.write_text(
        '[columns]\nparticipant_id = "id"\narm = "group"\nwai_w2 = "wai2"\n'
        '[arms]\nreference = "MBCT"\ncomparison = "eMBCT"\n'
        '[items]\nhads_pre = "H0_{item}"\n[dose]\ncompleter_min_sessions = 5\n'
        '[instruments]\nwai_coding = "0-4"\n'
    )
    config = load_config(path)
    assert config.column("wai_w2") == "wai2"
    assert config.column("hads_post") == "hads_post"
    assert config.item_column("hads", "pre", 3) == "H0_3"
    assert config.item_column("hads", "post", 3) == "hads_post_3"
    assert (config.completer_min_sessions, config.wai_coding) == (5, "0-4")
    assert config.arm_code("embct") == 1
    assert config.arm_code("tau") is None
    assert config.to_dict()["columns"]["arm"] == "group"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\nwai_week2 = "w"\n', "unknown role 'wai_week2'"),
        ('[colums]\narm = "g"\n', "unknown table [colums]"),
        ('[arms]\nreference = "A"\ncomparison = "a"\n', "same label"),
        ('[arms]\ncontrol = "A"\n', "unknown key 'control'"),
        ('[columns]\narm = "g"\nsite = "g"\n', "mapped to more than one role"),
        ('[items]\nhads_pre = "H0_"\n', "containing '{item}'"),
        ("[dose]\ncompleter_min_sessions = 0\n", "whole number >= 1"),
        ('[instruments]\nwai_coding = "1-7"\n', "wai_coding must be one of"),
        ("[columns\n", "not valid TOML"),
    ],
)
def test_a_bad_config_is_refused_with_the_reason(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("{", r"\{")) as err:
        load_config(path)
    assert str(path) in str(err.value)


def test_a_missing_config_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


# -- the normalized frame --------------------------------------------------------------------
def test_it_builds_the_normalized_frame_with_the_dose_rule() -> None:
    frame = prepare(
        small(
            started=["yes", "true", "0", "1"],
            sessions_attended=[4, 3, 0, None],
            female=[1, 0, 1, 1],
        )
    )
    assert frame["participant_id"].tolist() == ["a", "b", "c", "d"]
    assert frame["arm"].tolist() == [0, 1, 0, 1]
    assert frame["arm_label"].tolist() == ["mbct", "embct", "mbct", "embct"]
    assert frame["started"].tolist() == [True, True, False, True]
    # >= 4 sessions completes; never-starters and unknown doses have no dropout status
    np.testing.assert_array_equal(frame["dropped_out"], [0.0, 1.0, np.nan, np.nan])
    assert frame["completer"].tolist() == [True, False, False, False]
    assert frame["female"].tolist() == [1.0, 0.0, 1.0, 1.0]
    assert frame["wai_w2"].isna().all()  # absent totals are NaN columns
    assert frame.attrs["embct"]["started_from"] == "started"


def test_a_dropped_out_column_overrides_the_dose_rule() -> None:
    frame = prepare(small(sessions_attended=[9, 2, 9, 9], dropped_out=[1, 0, None, 0]))
    np.testing.assert_array_equal(frame["dropped_out"], [1.0, 0.0, np.nan, 0.0])
    assert "dropped_out" in frame.attrs["embct"]["dropped_out_from"]


def test_started_defaults_to_true_and_ids_to_row_numbers() -> None:
    frame = prepare(pd.DataFrame({"arm": ["mbct", "embct"]}))
    assert frame["started"].tolist() == [True, True]
    assert frame["participant_id"].tolist() == ["1", "2"]
    assert frame["dropped_out"].isna().all()


def test_the_completer_threshold_comes_from_the_config() -> None:
    config = AnalysisConfig(completer_min_sessions=6)
    frame = prepare(small(sessions_attended=[5, 6, 9, 0]), config)
    np.testing.assert_array_equal(frame["dropped_out"], [1.0, 0.0, 0.0, 1.0])


def test_config_maps_columns_and_arm_labels() -> None:
    raw = pd.DataFrame(
        {"id": [7, 8, 9], "group": [" MBCT", "eMBCT ", "mbct"], "wai2": ["40", "", "38.5"]}
    )
    config = AnalysisConfig(
        columns={"participant_id": "id", "arm": "group", "wai_w2": "wai2"},
        reference_label="MBCT",
        comparison_label="eMBCT",
    )
    frame = prepare(raw, config)
    assert frame["participant_id"].tolist() == ["7", "8", "9"]
    assert frame["arm"].tolist() == [0, 1, 0]
    assert frame["arm_label"].tolist() == ["MBCT", "eMBCT", "MBCT"]
    np.testing.assert_array_equal(frame["wai_w2"], [40.0, np.nan, 38.5])


def test_items_are_scored_with_the_instruments_and_kept_as_scores() -> None:
    from embct.instruments import score_table

    answers = {f"hads_pre_{i}": [i % 4, 3, None, 1] for i in range(1, 15)}
    frame = prepare(small(**answers))
    expected = score_table(pd.DataFrame(answers), "hads", "pre")["hads_pre"]
    np.testing.assert_array_equal(frame["hads_pre"], expected)
    assert frame.loc[1, "hads_pre"] == 42.0
    assert np.isnan(frame.loc[2, "hads_pre"])
    assert frame["hads_pre_14"].tolist()[:2] == [2.0, 3.0]
    assert "scored from 14 items" in frame.attrs["embct"]["totals_from"]["hads_pre"]


def test_item_columns_can_be_mapped_by_pattern() -> None:
    answers = {f"H0_{i}": [1, 2, 0, 3] for i in range(1, 15)}
    config = AnalysisConfig(items={"hads_pre": "H0_{item}"})
    frame = prepare(small(**answers), config)
    assert frame["hads_pre"].tolist() == [14.0, 28.0, 0.0, 42.0]


# -- errors: what and where, and nothing half-done --------------------------------------------
@pytest.mark.parametrize(
    ("columns", "config", "fragments"),
    [
        ({}, AnalysisConfig(columns={"wai_w2": "wai2"}), ["'wai2'", "wai_w2", "not"]),
        ({"arm": ["mbct", "embct", "tau", "mbct"]}, None, ["'arm'", "row 3", "'c'", "'tau'"]),
        ({"arm": ["mbct", "embct", None, "mbct"]}, None, ["'arm'", "row 3", "empty"]),
        ({"arm": ["mbct"] * 4}, None, ["'arm'", "'mbct'", "two arms", "'embct'"]),
        ({"wai_w2": [40, 61, 30, 20]}, None, ["'wai_w2'", "row 2", "'b'", "61", "12 to 60"]),
        ({"hads_pre": [4, "12,5", 3, 2]}, None, ["'hads_pre'", "row 2", "'12,5'", "number"]),
        ({"sessions_attended": [4, 3, 2.5, 0]}, None, ["row 3", "2.5", "whole number"]),
        ({"sessions_attended": [4, 3, 10, 0]}, None, ["row 3", "10", "0 to 9"]),
        ({"started": ["yes", "maybe", "no", "no"]}, None, ["'started'", "row 2", "'maybe'"]),
        (
            {"started": ["yes", "yes", "no", "yes"], "sessions_attended": [5, 6, 2, 0]},
            None,
            ["'started'", "row 3", "sessions_attended is 2"],
        ),
        ({"participant_id": ["a", "b", "a", "d"]}, None, ["'a'", "rows 1, 3"]),
        ({"female": [1, 0, 2, 1]}, None, ["'female'", "row 3", "2", "0/1"]),
        ({"age": [50, -3, 40, 41]}, None, ["'age'", "row 2", "-3"]),
        (
            {f"hads_pre_{i}": [1, 2, 0, 1] for i in range(1, 14)},
            None,
            ["hads_pre_14", "missing", "13 of the 14"],
        ),
        (
            {f"hads_pre_{i}": [1, 2, 0, 1] if i != 6 else [1, 2, 4, 1] for i in range(1, 15)},
            None,
            ["'hads_pre_6'", "row 3", "'c'", "4", "0, 1, 2, 3"],
        ),
    ],
)
def test_bad_input_is_refused_naming_column_row_and_value(
    columns: dict, config: AnalysisConfig | None, fragments: list[str]
) -> None:
    with pytest.raises(DataError) as error:
        prepare(small(**columns), config)
    for fragment in fragments:
        assert fragment in str(error.value), (fragment, str(error.value))


def test_an_error_names_the_users_column_for_a_mapped_item() -> None:
    answers = {f"H0_{i}": [1, 2, 0, 1] for i in range(1, 15)}
    answers["H0_9"] = [1, 2, "x", 1]
    with pytest.raises(DataError) as error:
        prepare(small(**answers), AnalysisConfig(items={"hads_pre": "H0_{item}"}))
    assert "'H0_9'" in str(error.value)
    assert "row 3" in str(error.value)
    assert error.value.column == "H0_9"
    assert error.value.row == 3


def test_data_error_carries_the_cell() -> None:
    with pytest.raises(DataError) as error:
        prepare(small(wai_w2=[40, 61, 30, 20]))
    assert (error.value.column, error.value.row, error.value.value) == ("wai_w2", 2, 61)


# -- files -----------------------------------------------------------------------------------
def test_csv_and_sav_give_the_same_frame(
    tmp_path: Path, trial_table: Callable[..., pd.DataFrame]
) -> None:
    import pyreadstat

    raw = trial_table(n=40, seed=3)
    raw.to_csv(tmp_path / "trial.csv", index=False)
    sav = raw.assign(
        arm=raw["arm"].map({"mbct": 0, "embct": 1}).astype(float),
        started=(raw["started"] == "true").astype(float),
    )
    pyreadstat.write_sav(
        sav, str(tmp_path / "trial.sav"), variable_value_labels={"arm": {0: "mbct", 1: "embct"}}
    )
    from_csv = load_table(tmp_path / "trial.csv")
    from_sav = load_table(tmp_path / "trial.sav")
    pd.testing.assert_frame_equal(from_csv, from_sav, check_dtype=False)
    assert from_sav.attrs["embct"]["source"] == "trial.sav"


def test_sav_without_value_labels_uses_the_codes_as_labels(tmp_path: Path) -> None:
    import pyreadstat

    raw = pd.DataFrame({"arm": [1.0, 2.0, 1.0], "wai_w2": [40.0, 35.0, np.nan]})
    pyreadstat.write_sav(raw, str(tmp_path / "coded.sav"))
    frame = load_table(
        tmp_path / "coded.sav", AnalysisConfig(reference_label="1", comparison_label="2")
    )
    assert frame["arm"].tolist() == [0, 1, 0]
    assert frame["arm_label"].tolist() == ["1", "2", "1"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("trial.xlsx", "x", "expected a .csv or .sav"),
        ("trial.csv", "", "not a readable CSV"),
        ("trial.csv", "arm,wai_w2\n", "no data rows"),
        ("trial.sav", "not spss", "not a readable SPSS"),
    ],
)
def test_unreadable_files_are_refused(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_a_missing_data_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "nope.csv")


def test_the_wai_coding_from_the_config_sets_the_valid_items_and_totals() -> None:
    from embct.instruments import get_instrument

    answers = {f"wai_w2_{i}": [0, 4, 2, 1] for i in range(1, 13)}
    config = AnalysisConfig(wai_coding="0-4")
    frame = prepare(small(**answers), config)
    # Totals on the scale the coding defines (embct.instruments' score_range).
    assert get_instrument("wai").score_range(coding="0-4") == (0, 48)
    assert frame["wai_w2"].tolist() == [0.0, 48.0, 24.0, 12.0]
    with pytest.raises(DataError, match="'wai_w2_1', row 1"):
        prepare(small(**answers))  # 0 is not a WAI-SR answer under the default 1-5
    with pytest.raises(DataError, match="0 to 48"):
        prepare(small(wai_w2=[10, 49, 3, 4]), config)

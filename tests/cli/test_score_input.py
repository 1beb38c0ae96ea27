"""``embct score`` reads ids as text, refuses duplicate ids and columns, and refuses a file
wider than any trial table before parsing it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from embct.cli import main
from embct.instruments import item_columns

ITEMS = item_columns("mhc", "pre")


def write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    return path


def score(tmp_path: Path, source: Path) -> tuple[int, Path]:
    out = tmp_path / "out.csv"
    return main(["score", "mhc", "--in", str(source), "--out", str(out)]), out


def test_na_null_and_none_are_ids_not_missing(tmp_path: Path) -> None:
    ids = ["NA", "null", "None", "n/a", "007"]
    source = write(
        tmp_path / "in.csv", ["participant_id", *ITEMS], [[i] + ["3"] * len(ITEMS) for i in ids]
    )
    status, out = score(tmp_path, source)
    assert status == 0
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert written["participant_id"].tolist() == ids
    assert written["mhc_pre"].tolist() == ["42.0"] * 5


def test_na_in_an_item_column_is_still_missing(tmp_path: Path) -> None:
    row = ["P1"] + ["3"] * (len(ITEMS) - 1) + ["NA"]
    source = write(tmp_path / "in.csv", ["participant_id", *ITEMS], [row])
    status, out = score(tmp_path, source)
    assert status == 0
    assert pd.read_csv(out)["mhc_pre_n_missing"].tolist() == [1]


def test_duplicate_ids_are_an_error_naming_them(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    ids = ["P1", "NA", "P2", "NA", "P1"]
    source = write(
        tmp_path / "in.csv", ["participant_id", *ITEMS], [[i] + ["3"] * len(ITEMS) for i in ids]
    )
    status, out = score(tmp_path, source)
    assert status == 2
    assert not out.exists()
    message = capsys.readouterr().err
    assert "column 'participant_id': 'NA', 'P1' appear more than once" in message


def test_duplicate_columns_are_an_error_naming_them(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    header = ["participant_id", *ITEMS, ITEMS[2], "participant_id"]
    source = write(tmp_path / "in.csv", header, [["P1"] + ["3"] * (len(header) - 1)])
    status, out = score(tmp_path, source)
    assert status == 2
    assert not out.exists()
    message = capsys.readouterr().err
    assert f"column 'participant_id', '{ITEMS[2]}' appears more than once" in message


def test_a_file_wider_than_any_trial_table_is_refused_at_once(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    header = ["participant_id", *ITEMS] + [f"extra_{i}" for i in range(10_000)]
    row = ",".join(["P1"] + ["3"] * (len(header) - 1))
    source = tmp_path / "wide.csv"
    source.write_text(",".join(header) + "\n" + "\n".join([row] * 20) + "\n")
    status, out = score(tmp_path, source)
    assert status == 2
    assert not out.exists()
    message = capsys.readouterr().err.strip()
    assert message.endswith("wide.csv: 10,015 columns; a trial table has at most 10,000")
    assert len(message) < 200


def test_ten_thousand_columns_are_still_read(tmp_path: Path) -> None:
    header = ["participant_id", *ITEMS]
    header += [f"extra_{i}" for i in range(10_000 - len(header))]
    source = write(tmp_path / "in.csv", header, [["P1"] + ["3"] * (len(header) - 1)])
    assert score(tmp_path, source)[0] == 0

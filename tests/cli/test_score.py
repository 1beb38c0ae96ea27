"""``embct score`` and ``embct reliability``, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from embct.cli import main
from embct.instruments import item_columns, score_table

OWN_CSV = Path(__file__).resolve().parents[1] / "reference" / "R" / "alpha_own_hads.csv"
R_OUT = json.loads((OWN_CSV.parent / "alpha_psych_output.json").read_text())


def two_waves(tmp_path: Path) -> Path:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4"]})
    for wave in ("pre", "post"):
        for column in item_columns("mhc", wave):
            frame[column] = rng.integers(0, 6, size=4)
    path = tmp_path / "mhc.csv"
    frame.to_csv(path, index=False)
    return path


def test_score_writes_the_scores_of_every_wave(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = two_waves(tmp_path)
    out = tmp_path / "scores.csv"
    assert main(["score", "mhc", "--in", str(source), "--out", str(out)]) == 0
    assert "scored 4 rows of mhc" in capsys.readouterr().out
    written = pd.read_csv(out)
    frame = pd.read_csv(source)
    assert written["participant_id"].tolist() == ["P1", "P2", "P3", "P4"]
    for wave in ("pre", "post"):
        expected = score_table(frame, "mhc", wave)
        np.testing.assert_allclose(written[f"mhc_{wave}"], expected[f"mhc_{wave}"])
        assert written[f"mhc_{wave}_category"].tolist() == expected[f"mhc_{wave}_category"].tolist()
    assert not any(c.startswith("mhc_pre_1") and c[-1].isdigit() for c in written.columns)


def test_score_one_wave_and_keep_columns(tmp_path: Path) -> None:
    source = two_waves(tmp_path)
    out = tmp_path / "scores.csv"
    args = ["score", "mhc", "--in", str(source), "--out", str(out), "--wave", "post"]
    assert main([*args, "--keep-columns"]) == 0
    written = pd.read_csv(out)
    assert "mhc_post" in written
    assert "mhc_pre" not in written
    assert "mhc_pre_1" in written  # input columns kept


def test_score_hads_by_position_and_spss_in_and_out(tmp_path: Path) -> None:
    frame = pd.DataFrame([[0] * 14, [3] * 14], columns=item_columns("hads", "screen"))
    frame.insert(0, "participant_id", ["A", "B"])
    source = tmp_path / "screen.sav"
    pyreadstat.write_sav(frame, str(source))
    out = tmp_path / "scores.sav"
    args = ["score", "hads", "--in", str(source), "--out", str(out), "--coding", "position"]
    assert main(args) == 0
    written, meta = pyreadstat.read_sav(str(out))
    # all top options: reversed items 1,3,5,6,8,10,11,13 score 3 -> 24; all bottom -> 18
    assert written["hads_screen"].tolist() == [24.0, 18.0]
    assert written["hads_screen_screen_positive"].tolist() == [1.0, 1.0]
    assert meta.variable_value_labels["hads_screen_screen_positive"] == {0.0: "no", 1.0: "yes"}
    # all bottom: anxiety = items 7, 9 only (3 + 3 = 6, non-case), depression 2,4,12,14 = 12
    assert written["hads_screen_anxiety_band"].tolist() == ["case", "non-case"]
    assert written["hads_screen_depression"].tolist() == [9.0, 12.0]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda f: f.__setitem__("hads_pre_6", f["hads_pre_6"].replace(2, 9)), "value 9"),
        (lambda f: f.pop("hads_pre_3"), "hads_pre_3"),
        (lambda f: f.__setitem__("hads_pre_6", "x"), "value 'x': expected a number"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path, capsys, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(OWN_CSV)
    edit(frame)
    source = tmp_path / "bad.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert main(["score", "hads", "--in", str(source), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("embct score: error: hads item")
    assert message in error
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_the_error_names_the_participant(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(OWN_CSV)
    frame.loc[frame["participant_id"] == "S010", "hads_pre_4"] = 5
    source = tmp_path / "bad.csv"
    frame.to_csv(source, index=False)
    assert main(["score", "hads", "--in", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "hads item hads_pre_4, row 'S010', value 5" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coding", "position"], "not a coding of mhc"),
        (["--wave", "w9"], "no mhc_w9_<item> columns"),
    ],
)
def test_user_errors(tmp_path: Path, capsys, args: list[str], message: str) -> None:  # type: ignore[no-untyped-def]
    source = two_waves(tmp_path)
    out = tmp_path / "o.csv"
    assert main(["score", "mhc", "--in", str(source), "--out", str(out), *args]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def test_file_errors(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    source = two_waves(tmp_path)
    assert main(["score", "mhc", "--in", str(tmp_path / "none.csv"), "--out", "o.csv"]) == 2
    assert "no such file" in capsys.readouterr().err
    assert main(["score", "mhc", "--in", str(source), "--out", str(source)]) == 2
    assert "--out must differ" in capsys.readouterr().err
    assert main(["score", "mhc", "--in", str(source), "--out", str(tmp_path / "o.xlsx")]) == 2
    assert "expected a .csv or .sav" in capsys.readouterr().err
    assert main(["score", "wai", "--in", str(source), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no wai item columns" in capsys.readouterr().err
    garbage = tmp_path / "garbage.sav"
    garbage.write_text("not spss")
    assert main(["score", "mhc", "--in", str(garbage), "--out", str(tmp_path / "o.csv")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_reliability_prints_the_table(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["reliability", "hads", "--in", str(OWN_CSV)]) == 0
    out = capsys.readouterr().out
    # R: psych::alpha(na.omit(x)) on alpha_own_hads.csv: raw_alpha 0.8904502 (n = 141)
    ref = R_OUT["own_hads"]["total"]["listwise"]
    assert f"total           14    141   {ref['raw_alpha']:.3f}" in out
    assert "hads_pre_14" in out
    assert "anxiety" in out
    assert "depression" in out


def test_reliability_json_pairwise(capsys) -> None:  # type: ignore[no-untyped-def]
    args = ["reliability", "hads", "--in", str(OWN_CSV), "--json", "--nan-policy", "pairwise"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    # R: psych::alpha(x) (pairwise) on alpha_own_hads.csv
    for scale in ("total", "anxiety", "depression"):
        ref = R_OUT["own_hads"][scale]["pairwise"]
        assert result["scales"][scale]["alpha"] == pytest.approx(ref["raw_alpha"], abs=1e-9)
    assert result["scales"]["total"]["items"][0]["n"] == 285


def test_reliability_bad_input(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(OWN_CSV)
    frame.loc[3, "hads_pre_2"] = -1
    source = tmp_path / "bad.csv"
    frame.to_csv(source, index=False)
    assert main(["reliability", "hads", "--in", str(source)]) == 2
    assert "row 'S004', value -1" in capsys.readouterr().err


def test_as_a_real_process_bad_input_exits_2(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import subprocess
    import sys

    frame = pd.read_csv(OWN_CSV)
    frame.loc[0, "hads_pre_1"] = 4
    source = tmp_path / "bad.csv"
    frame.to_csv(source, index=False)
    out = tmp_path / "out.csv"
    command = [sys.executable, "-m", "embct.cli", "score", "hads", "--in", str(source)]
    done = subprocess.run(
        [*command, "--out", str(out)], env=cli_env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "hads item hads_pre_1, row 'S001', value 4" in done.stderr
    assert not out.exists()

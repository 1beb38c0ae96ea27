"""Population mode, parameters and the CLI commands."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from embct.cli import main
from embct.simulate import (
    ParameterError,
    default_parameters,
    load_parameters,
    scale_design,
    simulate,
)
from embct.simulate.reproduce import power_curve


def test_the_same_seed_gives_the_same_table_and_another_seed_another():
    a = simulate(seed=5, mode="population", items=False)
    b = simulate(seed=5, mode="population", items=False)
    c = simulate(seed=6, mode="population", items=False)
    pd.testing.assert_frame_equal(a, b)
    assert not a["hads_post"].equals(c["hads_post"])


def test_population_items_are_in_range():
    t = simulate(seed=7, mode="population")
    items = t.filter(regex=r"^hads_post_\d+$").dropna().to_numpy(float)
    assert items.min() >= 0
    assert items.max() <= 3
    assert np.array_equal(items.sum(1), t["hads_post"].dropna().to_numpy())


def test_other_n_scales_the_design():
    t = simulate(490, seed=1, mode="population", items=False)
    assert len(t) == 490
    assert scale_design(default_parameters(), 490)["design"]["randomized"] == {
        "mbct": 240,
        "embct": 250,
    }


def test_exact_mode_refuses_another_n():
    with pytest.raises(ParameterError, match="exact mode"):
        simulate(300, mode="exact")


def test_a_bad_parameter_file_names_the_problem(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[design]\nrandomized = { mbct = 10, embct = 10 }\n", "utf-8")
    with pytest.raises(ParameterError, match="design"):
        load_parameters(p)


def test_cli_simulate_writes_csv_and_sav(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    assert main(["simulate", "--n", "120", "--seed", "3", "--out", str(tmp_path / "c.csv")]) == 0
    frame = pd.read_csv(tmp_path / "c.csv")
    assert len(frame) == 120
    assert "wai_w2_12" in frame
    assert main(["simulate", "--seed", "3", "--totals-only", "--out", str(tmp_path / "c.sav")]) == 0
    sav, _ = pyreadstat.read_sav(str(tmp_path / "c.sav"))
    assert len(sav) == 245
    assert "hads_pre" in sav


def test_cli_simulate_rejects_an_unknown_extension(tmp_path, capsys):
    assert main(["simulate", "--out", str(tmp_path / "c.xlsx")]) == 2
    assert "expected a .csv or .sav" in capsys.readouterr().err
    assert not (tmp_path / "c.xlsx").exists()


def test_cli_power_prints_and_plots(tmp_path, capsys):
    out = tmp_path / "power.png"
    assert main(["power", "--n", "150:300:150", "--replications", "10", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "power of interaction on hads" in text
    assert out.exists()
    curve = pd.read_csv(out.with_suffix(".csv"))
    assert list(curve["n"]) == [150, 300]


def test_power_grows_with_n():
    curve = power_curve([120, 1200], replications=30, seed=2)
    assert curve["power"].iloc[1] > curve["power"].iloc[0]


def test_cli_reproduce_population_writes_the_comparison(tmp_path):
    assert main(["reproduce", "--mode", "population", "--seed", "4", "--out", str(tmp_path)]) == 0
    doc = json.loads((tmp_path / "comparison.json").read_text("utf-8"))
    assert {"section", "figure", "published", "ours", "difference", "matched", "note"} <= set(
        doc["rows"][0]
    )
    assert any(i["what"].startswith("HADS: the text says") for i in doc["inconsistencies"])
    # every printed number has a row, the checker ran on the paper, the probe is reported
    assert sum(r["section"] == "Printed figures" for r in doc["rows"]) >= 400
    assert any("swapped" in f["implies"] for f in doc["checker"])
    assert doc["probe"]["p"] == 0.004
    assert (tmp_path / "comparison.csv").exists()


def test_cli_reproduce_rejects_negative_replications(tmp_path, capsys):
    assert main(["reproduce", "--replications", "-1", "--out", str(tmp_path)]) == 2
    assert "--replications" in capsys.readouterr().err


def test_f_interval_inverts_the_noncentral_f_like_r():
    from pathlib import Path

    from embct.simulate.compare import _f_interval

    # Rscript tests/simulate/f_interval_reference.R (uniroot on pf(f, df1, df2, ncp) = .975
    # and .025, divided by df1); printed to 6 decimals
    text = (Path(__file__).parent / "f_interval_reference.txt").read_text("utf-8")
    for line in text.splitlines():
        f, d1, d2, lo, hi = map(float, line.split())
        got = _f_interval(f, d1, d2)
        assert abs(got[0] - lo) <= 5e-6 + 1e-6 * lo
        assert abs(got[1] - hi) <= 5e-6 + 1e-6 * hi

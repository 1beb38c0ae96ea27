"""``embct analyze`` end to end: files written, totals = items, errors write nothing."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from embct.cli import main

# The keys issue 4 requires in results.json (model sections may be skipped in this build).
TOP_LEVEL = [
    "n",
    "flow",
    "reliability",
    "baseline",
    "dropout",
    "alliance_development",
    "outcomes",
    "intention_to_treat",
    "clustering",
    "meta",
]


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def same_numbers(a: Any, b: Any, path: str = "") -> None:
    """Assert two results documents hold the same numbers (floats to 1e-9 relative)."""
    if isinstance(a, dict):
        assert isinstance(b, dict), path
        assert a.keys() == b.keys(), path
        for key in a:
            same_numbers(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert isinstance(b, list), path
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            same_numbers(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_it_writes_results_json_and_tables(
    tmp_path: Path, trial_table: Callable[..., pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    trial_table(n=120, seed=5).to_csv(tmp_path / "trial.csv", index=False)
    code, out, err = run(
        [
            "--data",
            str(tmp_path / "trial.csv"),
            "--out",
            str(tmp_path / "out"),
            "--title",
            "Pilot <trial>",
        ],
        capsys,
    )
    assert code == 0, err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert list(results) == TOP_LEVEL
    assert results["n"] == 120
    assert [arm["arm_label"] for arm in results["flow"]["arms"]] == ["mbct", "embct"]
    assert set(results["flow"]["dropout_by_arm"]) >= {"chi2", "dof", "p_val", "fisher_p_val", "n"}
    assert results["reliability"]["hads_pre"]["alpha"] > 0.5
    assert results["baseline"]["rows"][0]["variable"] == "female"
    wai = results["dropout"]["wai_w2"]
    assert set(wai) >= {"dropouts", "completers", "t", "dof", "p_val"}
    assert set(wai["dropouts"]) == {"n", "mean", "sd"}
    assert results["meta"]["input"] == "trial.csv"
    tables = sorted(p.name for p in (tmp_path / "out" / "tables").iterdir())
    assert {"flow.csv", "baseline.csv", "reliability.csv", "dropout_wai_w2.csv"} <= set(tables)
    flow = pd.read_csv(tmp_path / "out" / "tables" / "flow.csv")
    assert flow["randomized"].tolist() == [
        results["flow"]["arms"][0]["randomized"],
        results["flow"]["arms"][1]["randomized"],
        120,
    ]
    assert "results.json" in out
    # The report layer's page and figures sit beside them, from the same results.
    html = (tmp_path / "out" / "report.html").read_text()
    assert "<svg" in html
    assert "Pilot &lt;trial&gt;" in html
    assert f"{results['flow']['dropout_by_arm']['chi2']:.2f}" in html
    assert (tmp_path / "out" / "figures" / "consort.svg").exists()


def test_totals_and_items_give_the_same_numbers(
    tmp_path: Path,
    trial_table: Callable[..., pd.DataFrame],
    totals_of: Callable[[pd.DataFrame], pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
) -> None:
    items = trial_table(n=150, seed=11)
    items.to_csv(tmp_path / "items.csv", index=False)
    totals_of(items).to_csv(tmp_path / "totals.csv", index=False)
    for name in ("items", "totals"):
        code, _, err = run(
            ["--data", str(tmp_path / f"{name}.csv"), "--out", str(tmp_path / name)], capsys
        )
        assert code == 0, err
    a = json.loads((tmp_path / "items" / "results.json").read_text())
    b = json.loads((tmp_path / "totals" / "results.json").read_text())
    assert "skipped" in b["reliability"]
    assert "skipped" not in a["reliability"]
    for key in ("n", "flow", "baseline", "dropout", "alliance_development", "outcomes"):
        same_numbers(a[key], b[key], key)
    assert a["baseline"]["rows"][-1]["variable"] == "mhc_pre"


def test_a_config_maps_a_users_own_columns(
    tmp_path: Path, trial_table: Callable[..., pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> None:
    raw = trial_table(n=80, seed=2)
    canonical = tmp_path / "canonical.csv"
    raw.to_csv(canonical, index=False)
    renamed = raw.rename(
        columns={"participant_id": "id", "arm": "group", "sessions_attended": "n_sessions"}
    )
    renamed = renamed.rename(columns={f"hads_pre_{i}": f"HADS_T0_{i}" for i in range(1, 15)})
    renamed["group"] = renamed["group"].map({"mbct": "group MBCT", "embct": "online"})
    renamed.to_csv(tmp_path / "own.csv", index=False)
    (tmp_path / "own.toml").write_text(
        '[columns]\nparticipant_id = "id"\narm = "group"\nsessions_attended = "n_sessions"\n'
        '[arms]\nreference = "group MBCT"\ncomparison = "online"\n'
        '[items]\nhads_pre = "HADS_T0_{item}"\n'
    )
    assert run(["--data", str(canonical), "--out", str(tmp_path / "a")], capsys)[0] == 0
    code, _, err = run(
        [
            "--data",
            str(tmp_path / "own.csv"),
            "--config",
            str(tmp_path / "own.toml"),
            "--out",
            str(tmp_path / "b"),
        ],
        capsys,
    )
    assert code == 0, err
    a = json.loads((tmp_path / "a" / "results.json").read_text())
    b = json.loads((tmp_path / "b" / "results.json").read_text())
    assert [arm["arm_label"] for arm in b["flow"]["arms"]] == ["group MBCT", "online"]
    for arm in b["flow"]["arms"]:
        arm["arm_label"] = {"group MBCT": "mbct", "online": "embct"}[arm["arm_label"]]
    for arm in b["baseline"]["arms"] + [a for r in b["baseline"]["rows"] for a in r["arms"]]:
        arm["arm_label"] = {"group MBCT": "mbct", "online": "embct"}[arm["arm_label"]]
    for key in ("n", "flow", "reliability", "baseline", "dropout"):
        same_numbers(a[key], b[key], key)


def test_sections_without_their_columns_are_skipped_and_say_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pd.DataFrame({"arm": ["mbct", "embct"] * 5, "age": range(40, 50)}).to_csv(
        tmp_path / "thin.csv", index=False
    )
    code, out, err = run(
        ["--data", str(tmp_path / "thin.csv"), "--out", str(tmp_path / "out")], capsys
    )
    assert code == 0, err
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    assert "items" in results["reliability"]["skipped"]
    # No started, sessions_attended or dropped_out: the dose is not given.
    assert "dose not given" in results["flow"]["dropout_by_arm"]["skipped"]
    assert "dose not given" in results["dropout"]["wai_w2"]["skipped"]
    assert "dose not given" in results["flow"]["dose"]
    assert results["baseline"]["rows"][0]["variable"] == "age"
    assert "skipped reliability" in out


def write_bad(
    tmp_path: Path,
    change: Callable[[pd.DataFrame], pd.DataFrame],
    trial_table: Callable[..., pd.DataFrame],
) -> Path:
    path = tmp_path / "bad.csv"
    change(trial_table(n=30, seed=4)).to_csv(path, index=False)
    return path


def set_cell(column: str, row: int, value: Any) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def change(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.astype({column: object})
        frame.loc[row, column] = value
        return frame

    return change


@pytest.mark.parametrize(
    ("change", "config", "fragments"),
    [
        (lambda f: f, '[columns]\nwai_w2 = "wai2"\n', ["'wai2'", "wai_w2"]),
        (lambda f: f.drop(columns="hads_post_7"), None, ["hads_post_7", "missing"]),
        (set_cell("arm", 4, "TAU"), None, ["'arm'", "row 5", "'p0005'", "'TAU'"]),
        (lambda f: f.assign(arm="mbct"), None, ["'arm'", "two arms"]),
        (
            lambda f: f.assign(arm=(["mbct", "embct", "tau"] * 10)),
            None,
            ["'arm'", "row 3", "'tau'"],
        ),
        (set_cell("wai_w2_3", 7, 6), None, ["'wai_w2_3'", "row 8", "'p0008'", "6"]),
        (set_cell("hads_pre_1", 2, -1), None, ["'hads_pre_1'", "row 3", "-1"]),
        (set_cell("sessions_attended", 0, 12), None, ["'sessions_attended'", "row 1", "12"]),
        (set_cell("age", 9, "fifty"), None, ["'age'", "row 10", "'fifty'"]),
    ],
)
def test_bad_data_exits_non_zero_naming_the_cell_and_writes_nothing(
    tmp_path: Path,
    trial_table: Callable[..., pd.DataFrame],
    capsys: pytest.CaptureFixture[str],
    change: Callable[[pd.DataFrame], pd.DataFrame],
    config: str | None,
    fragments: list[str],
) -> None:
    data = write_bad(tmp_path, change, trial_table)
    args = ["--data", str(data), "--out", str(tmp_path / "out")]
    if config:
        (tmp_path / "c.toml").write_text(config)
        args += ["--config", str(tmp_path / "c.toml")]
    code, _out, err = run(args, capsys)
    assert code == 2
    assert err.startswith("embct analyze: error: ")
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    assert not (tmp_path / "out").exists()
    # No report, no staging folder, nothing else left behind.
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["bad.csv", *(["c.toml"] if config else [])]
    )


def test_a_bad_config_exits_non_zero(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.toml").write_text('[arms]\nreference = "x"\ncomparison = "x"\n')
    pd.DataFrame({"arm": ["x", "y"]}).to_csv(tmp_path / "d.csv", index=False)
    code, _, err = run(
        [
            "--data",
            str(tmp_path / "d.csv"),
            "--config",
            str(tmp_path / "c.toml"),
            "--out",
            str(tmp_path / "o"),
        ],
        capsys,
    )
    assert code == 2
    assert "same label" in err
    assert not (tmp_path / "o").exists()


def test_out_must_not_be_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "o").write_text("")
    pd.DataFrame({"arm": ["mbct", "embct"]}).to_csv(tmp_path / "d.csv", index=False)
    code, _, err = run(["--data", str(tmp_path / "d.csv"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2
    assert "not a folder" in err


def test_analyze_runs_as_a_real_process(tmp_path: Path, cli_env: dict[str, str]) -> None:
    import subprocess
    import sys

    pd.DataFrame({"arm": ["mbct", "embct"] * 3, "age": [50, 40, 61, 45, 38, 52]}).to_csv(
        tmp_path / "d.csv", index=False
    )
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "embct.cli",
            "analyze",
            "--data",
            str(tmp_path / "d.csv"),
            "--out",
            str(tmp_path / "o"),
        ],
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "o" / "results.json").read_text())["n"] == 6

"""``embct analyze --syntax r,spss``: the written scripts reproduce results.json.

The R script is run with Rscript on a trial table the tests did not calibrate on (seed 23)
and every figure it writes is compared with results.json: to 1e-6 relative, or 1e-9
absolute for figures near zero (p values, coefficients of about 0). What the scripts do not
reproduce is listed in ``embct.analysis.syntax.KNOWN_DIFFERENCES`` (and the README).
Without Rscript the test skips, except under CI (CI=true), where it fails.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from embct.analysis.syntax import parse_syntaxes, spss_outputs
from embct.cli import main


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{program} is not installed, and CI must run the syntax comparison")
        pytest.skip(f"{program} is not installed (Debian: see .ci/run)")
    return found


def lookup(document: Any, key: str) -> Any:
    """The results.json value at ``a/b/0/terms/term=arm/b``."""
    node = document
    for part in key.split("/"):
        if isinstance(node, list):
            if "=" in part:
                field, value = part.split("=", 1)
                node = next(item for item in node if str(item.get(field)) == value)
            else:
                node = node[int(part)]
        else:
            node = node[part]
    return node


def test_parse_syntaxes_names_an_unknown_one() -> None:
    assert parse_syntaxes("r, SPSS") == ["r", "spss"]
    with pytest.raises(ValueError, match="'stata'"):
        parse_syntaxes("r,stata")


@pytest.fixture
def exported(
    tmp_path: Path, trial_table: Callable[..., pd.DataFrame], capsys: pytest.CaptureFixture[str]
) -> tuple[Path, dict[str, Any]]:
    """``embct analyze --syntax r,spss`` on a table no test calibrated on (seed 23)."""
    trial_table(n=160, seed=23).to_csv(tmp_path / "trial.csv", index=False)
    out = tmp_path / "out"
    code = main(
        ["analyze", "--data", str(tmp_path / "trial.csv"), "--out", str(out), "--syntax", "r,spss"]
    )
    capsys.readouterr()
    assert code == 0
    assert (out / "analysis.R").is_file()
    assert (out / "analysis.sps").is_file()
    return out, json.loads((out / "results.json").read_text())


def close(expected: Any, got: float, key: str) -> None:
    assert expected is not None, key
    assert math.isclose(float(expected), got, rel_tol=1e-6, abs_tol=1e-9), (key, expected, got)


@pytest.mark.slow
def test_analysis_sps_reproduces_results_json(exported: tuple[Path, dict[str, Any]]) -> None:
    pspp = need("pspp")
    out, results = exported
    started = time.perf_counter()
    subprocess.run([pspp, "analysis.sps"], cwd=out, check=True, capture_output=True, timeout=120)
    print(f"pspp analysis.sps: {time.perf_counter() - started:.2f} s")
    checked = 0
    for name, keys in spss_outputs(results).items():
        numbers = [float(line) for line in (out / name).read_text().split()]
        assert len(numbers) == len(keys), name
        for key, value in zip(keys, numbers, strict=True):
            close(lookup(results, key), value, key)
            checked += 1
    assert checked == 2 * (10 + 13 + 16)


@pytest.mark.slow
def test_analysis_r_reproduces_results_json(exported: tuple[Path, dict[str, Any]]) -> None:
    rscript = need("Rscript")
    out, results = exported
    started = time.perf_counter()
    subprocess.run([rscript, str(out / "analysis.R")], check=True, capture_output=True, timeout=120)
    print(f"Rscript analysis.R: {time.perf_counter() - started:.2f} s")
    figures = pd.read_csv(out / "analysis_R.csv")
    for key, value in zip(figures["key"], figures["value"], strict=True):
        close(lookup(results, key), float(value), key)
    sections = {"/".join(key.split("/")[:2]) for key in figures["key"]}
    assert sections == {"flow/dropout_by_arm", "dropout/wai_w2", "outcomes/hads", "outcomes/mhc"}
    assert len(figures) > 100

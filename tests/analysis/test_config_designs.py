"""Another trial's measures and design as configuration (issue 16).

The constructed trial (tests/reference/R/pipeline_designs.csv, written by make_designs.py,
configured by pipeline_designs.toml): an SRS-like 0-40 alliance measure after each of 8
sessions, a PHQ-9 (9 items 0-3, a plain sum) at pre, post, 3 and 9 months. Its figures are
checked against R: ``Rscript pipeline_designs.R > pipeline_designs_reference.csv``
(car::Anova type 3 on the 8 x 2 split plot, lme4::lmer REML, lm).
"""

from __future__ import annotations

import csv
import dataclasses
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from embct.analysis import (
    AnalysisConfig,
    ConfigError,
    DataError,
    analyze,
    dropout_logistic,
    load_config,
    load_table,
    prepare,
)
from embct.analysis.pipeline import DOSE_NOT_GIVEN, results_tables
from embct.analysis.results_schema import schema_errors
from embct.cli import main

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"
DATA = REFERENCE / "pipeline_designs.csv"
CONFIG = REFERENCE / "pipeline_designs.toml"


@pytest.fixture(scope="module")
def r() -> dict[str, float]:
    with (REFERENCE / "pipeline_designs_reference.csv").open() as handle:
        return {row["name"]: float(row["value"]) for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def results() -> dict[str, Any]:
    config = load_config(CONFIG)
    return dict(analyze(load_table(DATA, config), config))


def close(a: float | None, b: float, tol: float = 1e-6) -> bool:
    assert a is not None
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def test_the_document_is_valid_and_says_what_was_configured(results: dict[str, Any]) -> None:
    assert schema_errors(results) == []
    config = results["meta"]["config"]
    assert config["scales"]["wai"]["name"] == "Session Rating Scale"
    assert config["waves"]["wai"] == [f"s{i}" for i in range(1, 9)]
    assert config["waves"]["early_alliance"] == "s2"
    assert "plain sum of 9 items" in results["meta"]["totals_from"]["hads_fu3"]
    assert "wai_s2" in results["meta"]["missing_data"]["outcomes"]
    assert "wai_s2" in results["outcomes"]["hads"]["missing_data"]
    assert "no data for mhc_pre" in results["outcomes"]["mhc"]["skipped"]


def test_repeated_measures_use_all_eight_waves_as_car_anova(
    results: dict[str, Any], r: dict[str, float]
) -> None:
    al = results["alliance_development"]
    assert al["n"] == r["rm_n"]
    assert [m["week"] for m in al["means"][:8]] == list(range(1, 9))
    for name in ("time", "time_x_arm"):
        mv = al["multivariate"][name]
        assert (mv["df1"], mv["df2"]) == (7, al["n"] - 2 - 7 + 1)
        assert close(mv["wilks_lambda"], r[f"rm_{name}_wilks"])
        assert close(mv["f"], r[f"rm_{name}_mv_f"])
        assert close(al["univariate"][name]["f"], r[f"rm_{name}_f"])
    assert close(al["sphericity"]["gg_epsilon"], r["rm_gg_epsilon"])
    assert close(al["sphericity"]["hf_epsilon"], r["rm_hf_epsilon"])
    assert close(al["sphericity"]["mauchly_w"], r["rm_mauchly_w"])
    assert close(al["between"]["arm"]["f"], r["rm_between_f"])


def test_the_mixed_model_uses_every_alliance_wave_as_lme4(
    results: dict[str, Any], r: dict[str, float]
) -> None:
    mixed = results["alliance_development"]["mixed_model"]
    assert mixed["n_obs"] == r["mixed_n_obs"]
    assert len(mixed["terms"]) == 16  # intercept, 7 sessions, arm, 7 session x arm
    for i, term in enumerate(mixed["terms"], start=1):
        assert close(term["b"], r[f"mixed_b_{i}"], 1e-5), term["term"]
        assert close(term["se"], r[f"mixed_se_{i}"], 1e-5), term["term"]
    assert close(mixed["loglik"], r["mixed_loglik"], 1e-6)
    assert close(mixed["random_intercept_var"], r["mixed_group_var"], 1e-5)
    assert close(mixed["residual_var"], r["mixed_residual_var"], 1e-5)


@pytest.mark.parametrize("wave", ["post", "fu3", "fu9"])
def test_outcome_regressions_at_post_and_each_follow_up_as_lm(
    results: dict[str, Any], r: dict[str, float], wave: str
) -> None:
    outcomes = results["outcomes"]
    section = outcomes["hads"] if wave == "post" else outcomes["follow_ups"][f"hads_{wave}"]
    assert section["n"] == r[f"reg_{wave}_n"]
    step3 = section["steps"][2]
    assert close(step3["r2"], r[f"reg_{wave}_r2"])
    for i, term in enumerate(step3["terms"], start=1):
        assert close(term["b"], r[f"reg_{wave}_b_{i}"]), term["term"]
        assert close(term["se"], r[f"reg_{wave}_se_{i}"]), term["term"]
    if wave != "post":
        assert f"hads_{wave}" in section["missing_data"]


def test_the_default_document_has_none_of_the_new_keys(trial_table: Any) -> None:
    results = analyze(prepare(trial_table(n=60, seed=2)))
    assert set(results["meta"]["config"]) == {
        "source",
        "columns",
        "arms",
        "items",
        "dose",
        "instruments",
    }
    assert "dose" not in results["flow"]
    assert "dose" not in results["meta"]
    assert "follow_ups" not in results["outcomes"]


def test_without_dose_everyone_is_analysed_and_the_flow_says_so(r: dict[str, float]) -> None:
    raw = pd.read_csv(DATA, dtype=str).drop(columns="sessions")
    configured = load_config(CONFIG)
    columns = {k: v for k, v in configured.columns.items() if k != "sessions_attended"}
    config = dataclasses.replace(configured, columns=columns)
    results = analyze(prepare(raw, config), config)
    assert schema_errors(results) == []
    assert results["flow"]["dose"] == DOSE_NOT_GIVEN
    assert results["meta"]["dose"] == DOSE_NOT_GIVEN
    assert results["dropout"]["wai_w2"] == {"skipped": DOSE_NOT_GIVEN}
    assert results["flow"]["dropout_by_arm"] == {"skipped": DOSE_NOT_GIVEN}
    al = results["alliance_development"]
    complete = raw[[f"srs{i}" for i in range(1, 9)]].notna().all(axis=1).sum()
    assert al["n"] == complete  # every participant with all waves, not only completers
    assert "dose not given" in al["missing_data"]
    assert "dose not given" in results["meta"]["missing_data"]["outcomes"]
    assert results["outcomes"]["hads"]["n"] > r["reg_post_n"]  # more than the completers


def test_a_separated_second_step_leaves_the_first_reported() -> None:
    rng = np.random.default_rng(4)
    n = 80
    arm = np.repeat([0, 1], n // 2)
    wai = rng.normal(36, 8, n)
    dropped = np.where(arm == 0, rng.random(n) < 0.3, wai < 36).astype(float)
    frame = pd.DataFrame({"arm": arm, "wai_w2": wai, "dropped_out": dropped, "started": True})
    res = dropout_logistic(frame)
    assert "skipped" not in res
    first, second = res["steps"]
    assert first["step"] == 1
    assert len(first["terms"]) == 3
    assert second["step"] == 2
    assert "separat" in second["skipped"]


def test_the_tables_of_a_separated_second_step_hold_step_one_only(
    trial_table: Callable[..., pd.DataFrame],
) -> None:
    # tables/*.csv are written from the same document: a skipped step has no classification
    # table or Hosmer-Lemeshow groups, and must not stop the other tables being written.
    results = analyze(prepare(trial_table(n=120, seed=7)))
    logistic = results["dropout"]["logistic"]
    assert "skipped" not in logistic
    logistic["steps"][1] = {"step": 2, "skipped": "quasi-complete separation"}  # type: ignore[index]
    tables = results_tables(results)
    assert tables["dropout_logistic_classification"]["step"].unique().tolist() == [1]
    assert tables["dropout_logistic_hosmer_lemeshow"]["step"].unique().tolist() == [1]


# ---- bad input: a clear error naming file, table, key or cell; nothing written ----------


def _analyze(tmp_path: Path, toml: str, data: Path = DATA) -> tuple[int, str, Path]:
    config = tmp_path / "trial.toml"
    config.write_text(toml)
    out = tmp_path / "out"
    code = main(["analyze", "--data", str(data), "--config", str(config), "--out", str(out)])
    return code, str(config), out


BASE = CONFIG.read_text()


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (("max = 40", "max = 0"), ["[scales.wai]", "min (0) must be below max (0)"]),
        (("[scales.wai]", "[scales.srs]"), ["unknown scale 'srs'", "wai, hads, mhc"]),
        (('name = "PHQ-9"', 'label = "PHQ-9"'), ["[scales.hads]", "unknown key 'label'"]),
        (('"s7", "s8"]', '"s7", "s7"]'), ["[waves]", "names wave 's7' twice"]),
        (('"fu3", "fu9"]', '"fu3", "fu3"]'), ["[waves]", "names wave 'fu3' twice"]),
        (
            ('wai = ["s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"]', 'wai = ["s1"]'),
            ["[waves]", "at least 2"],
        ),
        (("item_max = 3", "item_max = 4"), ["[scales.hads]", "plain sum", "0 to 36"]),
        (('early_alliance = "s2"', 'early_alliance = "s9"'), ["early_alliance 's9'"]),
        (("[waves]", "[waves]\nsessions = 8"), ["[waves]", "unknown key 'sessions'"]),
    ],
)
def test_a_bad_declaration_names_file_table_and_key_and_writes_nothing(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: tuple[str, str],
    fragments: list[str],
) -> None:
    old, new = change
    assert old in BASE
    code, config, out = _analyze(tmp_path, BASE.replace(old, new, 1))
    err = capsys.readouterr().err
    assert code != 0
    for fragment in [config, *fragments]:
        assert fragment in err
    assert not out.exists()


def test_a_value_outside_the_declared_range_names_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = pd.read_csv(DATA, dtype=str)
    raw.loc[4, "srs3"] = "41"
    data = tmp_path / "trial.csv"
    raw.to_csv(data, index=False)
    code, _, out = _analyze(tmp_path, BASE, data)
    err = capsys.readouterr().err
    assert code != 0
    assert "column 'srs3', row 5 (participant_id 't005')" in err
    assert "from 0 to 40, got '41'" in err
    assert not out.exists()
    # An item outside the declared item range names its cell too.
    raw = pd.read_csv(DATA, dtype=str)
    raw.loc[0, "phq3_4"] = "4"
    with pytest.raises(DataError, match=r"column 'phq3_4', row 1 .*from 0 to 3, got '4'"):
        prepare(raw, load_config(CONFIG))


def test_a_built_in_total_range_still_applies_without_a_declaration() -> None:
    raw = pd.DataFrame({"arm": ["mbct", "embct"] * 3, "wai_w2": [12, 60, 30, 40, 41, 8]})
    with pytest.raises(DataError, match="from 12 to 60, got 8"):
        prepare(raw)
    declared = AnalysisConfig(scales={"wai": load_config(CONFIG).scales["wai"]})
    with pytest.raises(DataError, match="from 0 to 40, got 60"):
        prepare(raw, declared)


def test_items_of_a_declared_measure_without_an_item_range_are_refused(
    tmp_path: Path,
) -> None:
    config = tmp_path / "trial.toml"
    text = BASE.replace("items = 9\nitem_min = 0\nitem_max = 3\n", "")
    config.write_text(text)
    with pytest.raises(DataError, match=r"declares no item-level scoring; add items, item_min"):
        load_table(DATA, load_config(config))
    with pytest.raises(ConfigError, match=r"\[scales.hads\].*items given without item_min"):
        AnalysisConfig(scales={"hads": _scale(items=9)})


def _scale(**kwargs: Any) -> Any:
    from embct.analysis.config import Scale

    return Scale("PHQ-9", 0, 27, **kwargs)


def test_the_committed_csv_is_what_make_designs_writes(tmp_path: Path) -> None:
    shutil.copy(REFERENCE / "make_designs.py", tmp_path / "make_designs.py")
    import runpy

    runpy.run_path(str(tmp_path / "make_designs.py"), run_name="__main__")
    assert (tmp_path / "pipeline_designs.csv").read_text() == DATA.read_text()


# ---- the report's wording ---------------------------------------------------------------


def test_the_report_names_the_declared_measures(results: dict[str, Any]) -> None:
    from embct.report.render import render_report

    html = render_report(results)  # type: ignore[arg-type]
    assert "WAI-SR" not in html
    assert "HADS" not in html
    assert "Early Alliance (Session Rating Scale, s2) of Dropouts and Completers" in html
    assert "Predicted posttreatment PHQ-9 total" in html
    assert "at waves s1, s2, s3, s4, s5, s6, s7, s8" in html
    assert ">Wave</text>" in html  # the alliance figure's x axis
    # Each follow-up has its section, beside the posttreatment one.
    assert "<h2>Alliance and psychological distress (PHQ-9 total follow-up fu9)</h2>" in html
    assert "Hierarchical Regression of Follow-up fu3 PHQ-9 total: Model Summary" in html
    assert 'id="outcome-hads_fu3"' in html


def test_the_report_says_dose_not_given_and_which_step_was_not_estimated() -> None:
    from embct.report.render import render_report

    raw = pd.DataFrame({"arm": ["mbct", "embct"] * 10, "age": range(40, 60)})
    html = render_report(analyze(prepare(raw)))
    assert 'id="dose-not-given"' in html
    assert "Dose not given" in html
    rng = np.random.default_rng(4)
    n = 80
    arm = np.repeat(["mbct", "embct"], n // 2)
    wai = np.round(rng.normal(36, 8, n), 1).clip(12, 60)
    dropped = np.where(arm == "mbct", rng.random(n) < 0.3, wai < 36).astype(int)
    results = analyze(prepare(pd.DataFrame({"arm": arm, "wai_w2": wai, "dropped_out": dropped})))
    assert "skipped" in results["dropout"]["logistic"]["steps"][1]
    assert schema_errors(results) == []
    html = render_report(results)
    assert "Step 2: not estimated: the logistic model" in html
    assert "separated" in html


@pytest.mark.parametrize(
    ("wave", "code"), [("pre", "0"), ("post", "1"), ("fu3", "3"), ("fu9", "9")]
)
def test_a_declared_measures_items_have_their_alpha_as_psych(
    results: dict[str, Any], r: dict[str, float], wave: str, code: str
) -> None:
    entry = results["reliability"][f"hads_{wave}"]
    assert entry["k"] == 9
    assert entry["subscales"] == {}  # a plain sum: the HADS's subscales are not the PHQ-9's
    assert entry["n"] == r[f"alpha_{code}_n"]
    assert close(entry["alpha"], r[f"alpha_{code}_raw"], 1e-9)
    assert close(entry["standardized_alpha"], r[f"alpha_{code}_std"], 1e-9)


def test_results_tables_hold_the_follow_ups_and_a_skipped_step(results: dict[str, Any]) -> None:
    from embct.analysis import results_tables

    tables = results_tables(results)  # type: ignore[arg-type]
    assert {"outcome_hads_fu3_steps", "outcome_hads_fu9_terms"} <= set(tables)
    assert len(tables["outcome_hads_fu9_steps"]) == 3

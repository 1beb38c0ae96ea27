"""The sections beyond the paper in the pipeline: intention to treat (multiple imputation)
and clustering, wired from a user's file and config through analyze, results.json's tables,
and skipped with a reason where their data are missing. Their figures are checked against R
in tests/analysis/test_impute.py and test_cluster.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from embct.analysis import (
    AnalysisConfig,
    ConfigError,
    analyze,
    load_config,
    load_table,
    outcome_clustering,
    outcome_regression_mi,
    prepare,
    results_tables,
    to_jsonable,
)
from embct.analysis.results_schema import schema_errors

CLUSTERED = Path(__file__).resolve().parent.parent / "reference" / "R" / "clustering"
FAST = AnalysisConfig(imputations=3, imputation_iterations=2, imputation_seed=11)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    """The clustered trial (therapists, MBCT groups, missing outcomes) read like a user's file."""
    return load_table(CLUSTERED / "clustered_trial.csv")


@pytest.fixture(scope="module")
def results(frame: pd.DataFrame) -> dict:
    return dict(analyze(frame, FAST))


def test_it_reads_the_group_and_therapist_columns(frame: pd.DataFrame) -> None:
    assert frame["therapist_id"].nunique() == 10
    groups = frame.loc[frame["arm"] == 0, "group_id"]
    assert groups.nunique() == 12
    assert frame.loc[frame["arm"] == 1, "group_id"].isna().all()


def test_itt_is_the_imputation_of_every_randomized_participant(
    frame: pd.DataFrame, results: dict
) -> None:
    itt = results["intention_to_treat"]
    assert itt["hads"]["n"] == 240 > results["outcomes"]["hads"]["n"]
    assert (itt["hads"]["m"], itt["hads"]["iterations"], itt["hads"]["seed"]) == (3, 2, 11)
    direct = outcome_regression_mi(frame, "mhc", m=3, iterations=2, seed=11)
    assert itt["mhc"] == to_jsonable(direct)
    assert results["meta"]["missing_data"]["intention_to_treat"].startswith("every randomized")


def test_clustering_is_on_the_completers_sample(frame: pd.DataFrame, results: dict) -> None:
    section = results["clustering"]["hads"]
    assert section["n"] == results["outcomes"]["hads"]["n"]
    assert section["n_therapists"] == 10
    assert section["icc"]["group"]["n_clusters"] == 12
    assert section == to_jsonable(outcome_clustering(frame, "hads"))
    # the OLS column is the paper's regression
    ols = results["outcomes"]["hads"]["steps"][2]["terms"]
    assert [t["b"] for t in section["models"][2]["terms"]] == pytest.approx([t["b"] for t in ols])
    assert [t["se_ols"] for t in section["models"][2]["terms"]] == pytest.approx(
        [t["se"] for t in ols]
    )


def test_the_document_is_valid_and_has_tables(results: dict) -> None:
    assert schema_errors(results) == []
    tables = results_tables(results)  # type: ignore[arg-type]
    assert tables["itt_hads_pattern"]["n"].sum() == 240
    assert set(tables["clustering_mhc_icc"]["cluster"]) == {"therapist", "group"}
    assert len(tables["clustering_hads_terms"]) == 3 + 4 + 5
    assert len(tables["itt_mhc_terms"]) == 3 + 4 + 5


def test_sections_are_skipped_with_the_reason_where_data_are_missing(frame: pd.DataFrame) -> None:
    bare = frame.drop(columns=["therapist_id", "group_id", "hads_post"])
    res = analyze(bare, FAST)
    assert res["clustering"]["mhc"] == {"skipped": "no therapist_id in the data"}
    assert res["intention_to_treat"]["hads"] == {"skipped": "no data for hads_post"}
    no_groups = analyze(frame.drop(columns=["group_id"]), FAST)
    assert no_groups["clustering"]["hads"]["icc"]["group"] == {"skipped": "no group_id in the data"}
    complete = frame.dropna(subset=["hads_post", "hads_pre", "wai_w2"])
    skipped = analyze(complete, FAST)["intention_to_treat"]["hads"]["skipped"]
    assert skipped.startswith("no missing values")


def test_the_imputation_is_configured_in_toml(tmp_path: Path) -> None:
    path = tmp_path / "trial.toml"
    path.write_text("[imputation]\nm = 5\niterations = 3\nseed = 7\n")
    config = load_config(path)
    assert (config.imputations, config.imputation_iterations, config.imputation_seed) == (5, 3, 7)
    assert config.to_dict()["imputation"] == {"m": 5, "iterations": 3, "seed": 7}
    for text, message in (
        ("[imputation]\nm = 1\n", r"\[imputation\] in .*: m must be a whole number >= 2, got 1"),
        ("[imputation]\nseed = -1\n", "seed must be a whole number >= 0"),
        ("[imputation]\ndraws = 5\n", r"\[imputation\] has unknown key 'draws'"),
    ):
        path.write_text(text)
        with pytest.raises(ConfigError, match=message):
            load_config(path)


def test_the_same_seed_gives_the_same_document_and_another_seed_another(
    frame: pd.DataFrame, results: dict
) -> None:
    again = analyze(frame, FAST)
    assert again["intention_to_treat"] == results["intention_to_treat"]
    other = analyze(
        frame, AnalysisConfig(imputations=3, imputation_iterations=2, imputation_seed=12)
    )
    assert other["intention_to_treat"] != results["intention_to_treat"]


def test_a_group_column_can_be_mapped_from_the_users_name(tmp_path: Path) -> None:
    data = pd.read_csv(CLUSTERED / "clustered_trial.csv").rename(columns={"group_id": "cohort"})
    config = AnalysisConfig(columns={"group_id": "cohort"})
    normalized = prepare(data, config)
    assert normalized["group_id"].nunique() == 12


def test_a_degenerate_arm_skips_the_imputation_instead_of_failing(frame: pd.DataFrame) -> None:
    one_alliance = frame.copy()
    one_alliance.loc[one_alliance["arm"] == 1, "wai_w2"] = float("nan")
    one_alliance.loc[one_alliance.index[-1], "wai_w2"] = 40.0  # one observed value in arm 1
    res = analyze(one_alliance, FAST)["intention_to_treat"]["hads"]
    assert res["skipped"].startswith("arm 1: column 'wai_w2' has fewer than 2 observed")
    clustering = analyze(one_alliance, FAST)["clustering"]["hads"]
    assert clustering["skipped"].startswith("1 case(s) in an arm")


def test_the_imputation_defaults_are_the_fields_defaults() -> None:
    from embct.analysis.config import _IMPUTATION_DEFAULTS

    default = AnalysisConfig()
    assert (
        default.imputations,
        default.imputation_iterations,
        default.imputation_seed,
    ) == _IMPUTATION_DEFAULTS
    assert "imputation" not in default.to_dict()

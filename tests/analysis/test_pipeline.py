"""Each section of the pipeline on data with known answers (R output, hand counts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embct.analysis import (
    MissingDataError,
    analyze,
    baseline_table,
    early_alliance_by_dropout,
    load_table,
    prepare,
    reliability_table,
    sample_flow,
)

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"


def small_trial() -> pd.DataFrame:
    """tests/reference/R/pipeline_small.csv as a trial: group a = MBCT, b = eMBCT."""
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    return pd.DataFrame(
        {
            "arm": data["group"].map({"a": "mbct", "b": "embct"}),
            "age": data["score"],
            "children": data["event"],
        }
    )


def test_baseline_t_and_chi_square_match_r(reference: Callable[[str], dict[str, float]]) -> None:
    r = reference("pipeline_reference")
    table = baseline_table(prepare(small_trial())).set_index("variable")
    # R: t.test(score ~ group, var.equal = TRUE), t.test(score ~ group),
    #    car::leveneTest(score ~ group, center = mean)   (pipeline_reference.R)
    age = table.loc["age"]
    assert age["t"] == pytest.approx(r["student_t"], rel=1e-10)
    assert age["dof"] == r["student_dof"]
    assert age["p_val"] == pytest.approx(r["student_p_val"], rel=1e-10)
    assert age["welch_dof"] == pytest.approx(r["welch_dof"], rel=1e-10)
    assert age["levene_f"] == pytest.approx(r["levene_f"], rel=1e-10)
    assert age["levene_p_val"] == pytest.approx(r["levene_p_val"], rel=1e-10)
    assert age["reference_mean"] == pytest.approx(r["mean_a"], rel=1e-12)
    assert age["comparison_sd"] == pytest.approx(r["sd_b"], rel=1e-12)
    assert (age["reference_n"], age["comparison_n"], age["n"]) == (11, 14, 25)
    # R: chisq.test(table(d$group, d$event), correct = FALSE); fisher.test(...)
    children = table.loc["children"]
    assert children["chi2"] == pytest.approx(r["event_chi2"], rel=1e-10)
    assert children["p_val"] == pytest.approx(r["event_p_val"], rel=1e-10)
    assert children["fisher_p_val"] == pytest.approx(r["event_fisher_p_val"], rel=1e-10)
    assert children["reference_count"] == 3
    assert children["reference_percent"] == pytest.approx(100 * 3 / 11)


def test_baseline_uses_available_cases_per_row() -> None:
    raw = small_trial()
    raw.loc[[0, 1, 20], "age"] = np.nan
    table = baseline_table(prepare(raw)).set_index("variable")
    assert (table.loc["age", "reference_n"], table.loc["age", "comparison_n"]) == (9, 13)
    assert table.loc["children", "n"] == 25


def test_early_alliance_of_dropouts_vs_completers_matches_r(
    reference: Callable[[str], dict[str, float]],
) -> None:
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    raw = pd.DataFrame(
        {
            "arm": ["mbct", "embct"] * 12 + ["mbct"],
            "sessions_attended": np.where(data["group"] == "a", 2, 8),  # a = dropouts
            "wai_w2": data["score"],
        }
    )
    # A non-starter and a starter without WAI are outside the sample.
    raw = pd.concat(
        [
            raw,
            pd.DataFrame(
                {
                    "arm": ["embct", "mbct"],
                    "started": [False, True],
                    "sessions_attended": [0, 9],
                    "wai_w2": [50.0, np.nan],
                }
            ),
        ],
        ignore_index=True,
    )
    raw["started"] = raw["started"].fillna(True)
    table = early_alliance_by_dropout(prepare(raw)).set_index("group")
    r = reference("pipeline_reference")
    # R: t.test(score ~ group, var.equal = TRUE) with a = dropouts, b = completers
    assert table.loc["dropouts", "t"] == pytest.approx(r["student_t"], rel=1e-10)
    assert table.loc["dropouts", "p_val"] == pytest.approx(r["student_p_val"], rel=1e-10)
    assert table.loc["dropouts", "welch_p_val"] == pytest.approx(r["welch_p_val"], rel=1e-10)
    assert (table.loc["dropouts", "n"], table.loc["completers", "n"]) == (11, 14)
    assert table.loc["completers", "mean"] == pytest.approx(r["mean_b"], rel=1e-12)


def test_early_alliance_needs_two_in_each_group() -> None:
    raw = pd.DataFrame(
        {
            "arm": ["mbct", "embct"] * 3,
            "sessions_attended": [1, 9, 9, 9, 9, 9],
            "wai_w2": [30, 40, 41, 39, 44, 38],
        }
    )
    with pytest.raises(MissingDataError, match="1 dropouts and 5 completers"):
        early_alliance_by_dropout(prepare(raw))


def test_reliability_matches_psych_alpha_listwise(
    reference: Callable[[str], dict[str, float]],
) -> None:
    r = reference("pipeline_reliability")
    table = reliability_table(load_table(REFERENCE / "pipeline_hads_items.csv"))
    table = table.set_index("scale")
    # R: psych::alpha(na.omit(items)[, scale])$total$raw_alpha / $std.alpha
    #    per scale (pipeline_reliability.R; a participant with a missing item is left out)
    for scale in ("total", "anxiety", "depression"):
        assert table.loc[scale, "alpha"] == pytest.approx(r[f"{scale}_alpha"], rel=1e-10)
        assert table.loc[scale, "standardized_alpha"] == pytest.approx(
            r[f"{scale}_alpha_standardized"], rel=1e-10
        )
        assert table.loc[scale, "n"] == r[f"{scale}_n"]
    assert (table["key"] == "hads_pre").all()
    assert (
        table.loc["total", "ci_low"] < table.loc["total", "alpha"] < table.loc["total", "ci_high"]
    )


def test_item_total_statistics_match_psych_and_reach_results_json(
    reference: Callable[[str], dict[str, float]],
) -> None:
    r = reference("reviewer_reference")
    frame = load_table(REFERENCE / "pipeline_hads_items.csv")
    table = reliability_table(frame).set_index("scale")
    items = table.loc["total", "items"]
    assert [item["item"] for item in items] == [f"hads_pre_{i}" for i in range(1, 15)]
    for i, item in enumerate(items, start=1):
        # R: psych::alpha(na.omit(items))$item.stats$r.drop, $alpha.drop$raw_alpha,
        #    $item.stats$mean, $item.stats$sd   (reviewer_reference.R)
        assert item["corrected_item_total_r"] == pytest.approx(r[f"hads_pre_{i}_r_drop"], rel=1e-10)
        assert item["alpha_if_deleted"] == pytest.approx(
            r[f"hads_pre_{i}_alpha_if_deleted"], rel=1e-10
        )
        assert item["mean"] == pytest.approx(r[f"hads_pre_{i}_mean"], rel=1e-10)
        assert item["sd"] == pytest.approx(r[f"hads_pre_{i}_sd"], rel=1e-10)
    assert len(table.loc["anxiety", "items"]) == 7
    document = json.loads(json.dumps(analyze(frame)))
    assert document["reliability"]["hads_pre"]["items"] == json.loads(json.dumps(items))
    assert len(document["reliability"]["hads_pre"]["subscales"]["depression"]["items"]) == 7


def test_reliability_reports_why_an_alpha_is_missing() -> None:
    items = {f"hads_pre_{i}": [1, 1, 1, 1] for i in range(1, 15)}
    table = reliability_table(prepare(pd.DataFrame({"arm": ["mbct", "embct"] * 2, **items})))
    assert table["alpha"].isna().all()
    assert table["note"].notna().all()


def test_flow_counts_by_hand() -> None:
    raw = pd.DataFrame(
        {
            "arm": ["mbct"] * 5 + ["embct"] * 4,
            "started": [1, 1, 1, 0, 1, 1, 1, 0, 0],
            "sessions_attended": [9, 3, 4, 0, None, 0, 8, 0, 0],
        }
    )
    flow = sample_flow(prepare(raw)).set_index("arm_label")
    # randomized, waiting, declined, ...: without a withdrawal column, never started is declined
    assert flow.loc["mbct"].tolist()[1:] == [5, 0, 1, 4, 1, 2, 1]
    assert flow.loc["embct"].tolist()[1:] == [4, 0, 2, 2, 1, 1, 0]
    assert flow.loc["total"].tolist()[1:] == [9, 0, 3, 6, 2, 3, 1]
    # with one: the one withdrawal recorded is declined, the others are waiting to start
    withdrawal = [None, None, None, "declined", None, None, None, None, None]
    flow = sample_flow(prepare(raw.assign(withdrawal=withdrawal))).set_index("arm_label")
    assert flow.loc["mbct"].tolist()[1:4] == [5, 0, 1]
    assert flow.loc["embct"].tolist()[1:4] == [4, 2, 0]


def test_analyze_prepares_a_raw_frame_and_records_the_rules() -> None:
    results = analyze(small_trial())
    assert results["n"] == 25
    assert results["meta"]["started_from"].startswith("assumed true")
    assert "listwise" in results["meta"]["missing_data"]["reliability"]
    assert results["meta"]["arms"] == [
        {"arm": 0, "arm_label": "mbct"},
        {"arm": 1, "arm_label": "embct"},
    ]


def test_a_model_missing_from_the_build_is_skipped_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch, trial_table: Callable[..., pd.DataFrame]
) -> None:
    import embct.analysis
    from embct.analysis.pipeline import MODEL_UNAVAILABLE

    frame = prepare(trial_table(n=60, seed=1))
    assert "skipped" not in analyze(frame)["outcomes"]["hads"]
    monkeypatch.delattr(embct.analysis, "outcome_regression")
    results = analyze(frame)
    assert results["outcomes"] == {
        "hads": {"skipped": MODEL_UNAVAILABLE},
        "mhc": {"skipped": MODEL_UNAVAILABLE},
    }
    assert "skipped" not in results["dropout"]["logistic"]


def test_the_tables_hold_item_totals_classification_and_hosmer_lemeshow(
    trial_table: Callable[..., pd.DataFrame],
) -> None:
    from embct.analysis import results_tables

    results = analyze(trial_table(n=245, seed=1))
    tables = results_tables(results)
    items = tables["reliability_items"]
    assert items.columns.tolist()[:3] == ["key", "scale", "item"]
    assert len(items[(items["key"] == "hads_pre") & (items["scale"] == "total")]) == 14
    classification = tables["dropout_logistic_classification"]
    assert classification["step"].tolist() == [1, 2]
    counts = [f"observed_{o}_predicted_{p}" for o in (0, 1) for p in (0, 1)]
    assert (classification[counts].sum(axis=1) == results["dropout"]["logistic"]["n"]).all()
    hl = tables["dropout_logistic_hosmer_lemeshow"]
    assert hl.groupby("step")["n"].sum().tolist() == [results["dropout"]["logistic"]["n"]] * 2

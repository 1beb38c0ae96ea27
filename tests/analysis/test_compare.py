"""Two-group tests (t, Levene, chi-square, Fisher) against R and the paper."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embct.analysis import (
    baseline_table,
    crosstab_test,
    dropout_by_arm,
    early_alliance_by_dropout,
    independent_t,
    prepare,
)

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"

# R datasets::sleep, `extra` by group (public facts; the example of R's ?t.test).
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_student_and_welch_t_match_rs_sleep_example() -> None:
    out = independent_t(SLEEP_1, SLEEP_2)
    # R (published, ?t.test): t.test(extra ~ group, data = sleep, var.equal = TRUE)
    #   t = -1.8608, df = 18, p-value = 0.07919
    assert out["t"] == pytest.approx(-1.8608, abs=5e-5)
    assert out["dof"] == 18
    assert out["p_val"] == pytest.approx(0.07919, abs=5e-6)
    # R: t.test(extra ~ group, data = sleep)  (Welch)
    #   t = -1.8608, df = 17.776, p-value = 0.07939
    assert out["welch_t"] == pytest.approx(-1.8608, abs=5e-5)
    assert out["welch_dof"] == pytest.approx(17.776, abs=5e-4)
    assert out["welch_p_val"] == pytest.approx(0.07939, abs=5e-6)


def test_t_levene_and_welch_match_r_on_our_own_data(
    reference: Callable[[str], dict[str, float]],
) -> None:
    r = reference("pipeline_reference")
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    out = independent_t(data.loc[data.group == "a", "score"], data.loc[data.group == "b", "score"])
    # R: t.test(score ~ group, data = d, var.equal = TRUE); t.test(score ~ group, data = d);
    #    car::leveneTest(score ~ group, data = d, center = mean)   (pipeline_reference.R)
    for key in ("t", "dof", "p_val", "ci_low", "ci_high", "welch_t", "welch_dof", "welch_p_val"):
        name = f"student_{key}" if key in ("t", "dof", "p_val", "ci_low", "ci_high") else key
        assert out[key] == pytest.approx(r[name], rel=1e-10), key
    for key in ("levene_f", "levene_df1", "levene_df2", "levene_p_val"):
        assert out[key] == pytest.approx(r[key], rel=1e-10), key
    assert out["mean_a"] == pytest.approx(r["mean_a"], rel=1e-12)
    assert out["sd_b"] == pytest.approx(r["sd_b"], rel=1e-12)


def test_levene_is_mean_centred_not_the_median_default() -> None:
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    from scipy import stats

    a, b = data.loc[data.group == "a", "score"], data.loc[data.group == "b", "score"]
    median = stats.levene(a, b).statistic
    assert independent_t(a, b)["levene_f"] != pytest.approx(median, rel=1e-3)


def test_chi_square_matches_rs_agresti_example() -> None:
    # R (published, ?chisq.test): M <- as.table(rbind(c(762, 327, 468), c(484, 239, 477)))
    #   chisq.test(M): X-squared = 30.07, df = 2, p-value = 2.954e-07
    out = crosstab_test([[762, 327, 468], [484, 239, 477]])
    assert out["chi2"] == pytest.approx(30.07, abs=5e-3)
    assert out["dof"] == 2
    assert out["p_val"] == pytest.approx(2.954e-07, rel=5e-4)
    assert np.isnan(out["fisher_p_val"])  # Fisher only for 2 x 2


def test_uncorrected_chi_square_and_fisher_match_r_on_our_own_data(
    reference: Callable[[str], dict[str, float]],
) -> None:
    r = reference("pipeline_reference")
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    # R: chisq.test(table(d$group, d$event), correct = FALSE); fisher.test(...)
    out = crosstab_test(pd.crosstab(data.group, data.event))
    assert out["chi2"] == pytest.approx(r["event_chi2"], rel=1e-10)
    assert out["p_val"] == pytest.approx(r["event_p_val"], rel=1e-10)
    assert out["fisher_p_val"] == pytest.approx(r["event_fisher_p_val"], rel=1e-10)
    # R: chisq.test(table(d$group, d$level), correct = FALSE)
    out = crosstab_test(pd.crosstab(data.group, data.level))
    assert out["chi2"] == pytest.approx(r["level_chi2"], rel=1e-10)
    assert out["dof"] == r["level_dof"]
    assert out["p_val"] == pytest.approx(r["level_p_val"], rel=1e-10)


def test_crosstab_with_an_empty_margin_has_no_chi_square() -> None:
    out = crosstab_test([[5, 0], [7, 0]])
    assert np.isnan(out["chi2"])
    assert np.isnan(out["p_val"])
    assert out["fisher_p_val"] == 1.0


def test_crosstab_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        crosstab_test([[5, -1], [7, 2]])


def test_dropout_by_arm_on_the_papers_flow_matches_r_and_the_paper(
    reference: Callable[[str], dict[str, float]],
) -> None:
    r = reference("pipeline_reference")
    frame = prepare(
        pd.DataFrame(
            {
                "arm": ["mbct"] * 120 + ["embct"] * 125,
                "started": [True] * 95 + [False] * 25 + [True] * 103 + [False] * 22,
                "sessions_attended": [2] * 11
                + [8] * 84
                + [0] * 25
                + [1] * 24
                + [9] * 79
                + [0] * 22,
            }
        )
    )
    row = dropout_by_arm(frame).iloc[0]
    # R: chisq.test(matrix(c(84, 11, 79, 24), 2, byrow = TRUE), correct = FALSE); fisher.test
    assert row["chi2"] == pytest.approx(r["flow_chi2"], rel=1e-10)
    assert row["p_val"] == pytest.approx(r["flow_p_val"], rel=1e-10)
    assert row["fisher_p_val"] == pytest.approx(r["flow_fisher_p_val"], rel=1e-10)
    # The paper (Results, Dropout): "significantly higher ... P=.03"
    assert round(row["p_val"], 2) == 0.03
    assert (row["n"], row["dropouts_reference"], row["dropouts_comparison"]) == (198, 11, 24)


# The paper's Table 1 counts, MBCT n = 120 then eMBCT n = 125, and its printed chi-square and P.
TABLE1 = {
    "female": (101, 109, 0.5, 0.50),
    "children": (79, 90, 1.1, 0.30),
    "education_high": (85, 81, 1.02, 0.31),
}


def test_baseline_chi_squares_from_the_papers_table_1_counts_are_uncorrected(
    reference: Callable[[str], dict[str, float]],
) -> None:
    """The paper's gender, children and education chi-squares are Pearson without Yates.

    "Relation" (1.6, P = .40) matches neither version (the statistics notes, 5.3); it is
    checked against R only.
    """
    r = reference("pipeline_reference")
    data: dict[str, list] = {"arm": ["mbct"] * 120 + ["embct"] * 125}
    counts = {**{k: v[:2] for k, v in TABLE1.items()}, "relationship": (102, 100)}
    for variable, (ref, comp) in counts.items():
        data[variable] = [1] * ref + [0] * (120 - ref) + [1] * comp + [0] * (125 - comp)
    table = baseline_table(prepare(pd.DataFrame(data))).set_index("variable")
    for variable in counts:
        # R: chisq.test(matrix(c(120 - a, a, 125 - b, b), 2, byrow = TRUE), correct = FALSE)
        assert table.loc[variable, "chi2"] == pytest.approx(r[f"table1_{variable}_chi2"], rel=1e-10)
        assert table.loc[variable, "p_val"] == pytest.approx(
            r[f"table1_{variable}_p_val"], rel=1e-10
        )
    for variable, (_, _, chi2, p_val) in TABLE1.items():
        # Published (Table 1), rounded as printed.
        digits = len(str(chi2).split(".")[1])
        assert round(table.loc[variable, "chi2"], digits) == pytest.approx(chi2)
        assert round(table.loc[variable, "p_val"], 2) == pytest.approx(p_val)
    assert table.loc["female", "reference_percent"] == pytest.approx(84.2, abs=0.05)
    assert table.loc["children", "comparison_percent"] == pytest.approx(72.0, abs=0.05)


def test_yates_likelihood_ratio_one_sided_fisher_phi_and_v_match_r(
    reference: Callable[[str], dict[str, float]],
) -> None:
    """SPSS CROSSTABS' "Continuity Correction", "Likelihood Ratio" and "Exact Sig.
    (1-sided)" rows and its "Symmetric Measures", on our table and the paper's flow."""
    r = reference("reviewer_reference")
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    tables = {
        "event": crosstab_test(pd.crosstab(data.group, data.event)),
        "flow": crosstab_test([[84, 11], [79, 24]]),
    }
    for name, out in tables.items():
        # R: chisq.test(m)  (Yates, R's default for a 2 x 2 table)   (reviewer_reference.R)
        assert out["yates_chi2"] == pytest.approx(r[f"{name}_yates_chi2"], rel=1e-10)
        assert out["yates_p_val"] == pytest.approx(r[f"{name}_yates_p_val"], rel=1e-10)
        # R: 2 * sum(m * log(m / chisq.test(m, correct = FALSE)$expected)); pchisq(g2, 1)
        assert out["lr_chi2"] == pytest.approx(r[f"{name}_lr_chi2"], rel=1e-10)
        assert out["lr_p_val"] == pytest.approx(r[f"{name}_lr_p_val"], rel=1e-10)
        # R: psych::phi(m, digits = 15); effectsize::cramers_v(m, adjust = FALSE)
        assert out["phi"] == pytest.approx(r[f"{name}_phi"], rel=1e-10)
        assert out["cramers_v"] == pytest.approx(r[f"{name}_cramers_v"], rel=1e-10)
    # R: fisher.test(m, alternative = "greater"): cell a lies above its expectation in both
    #    (event: 8 observed vs 6.2 expected; flow: 84 vs 78.6)
    assert tables["event"]["fisher_p_val_one_sided"] == pytest.approx(
        r["event_fisher_greater"], rel=1e-10
    )
    assert tables["flow"]["fisher_p_val_one_sided"] == pytest.approx(
        r["flow_fisher_greater"], rel=1e-10
    )
    # R: effectsize::cramers_v(table(d$group, d$level), adjust = FALSE)  (2 x 3)
    level = crosstab_test(pd.crosstab(data.group, data.level))
    assert level["cramers_v"] == pytest.approx(r["level_cramers_v"], rel=1e-10)
    assert np.isnan(level["yates_chi2"])
    assert np.isnan(level["fisher_p_val_one_sided"])
    assert level["phi"] == pytest.approx(math.sqrt(level["chi2"] / level["n"]), rel=1e-12)


def test_one_sided_fisher_follows_the_direction_of_cell_a() -> None:
    """By hand: a below its expectation takes the lower tail; phi turns negative."""
    table = [[2, 8], [7, 3]]  # a = 2, expected 4.5
    out = crosstab_test(table)
    from scipy import stats

    assert out["fisher_p_val_one_sided"] == stats.fisher_exact(table, alternative="less").pvalue
    # phi = (ad - bc) / sqrt(r1 r2 c1 c2) = (6 - 56) / sqrt(10 * 10 * 9 * 11) = -0.502519
    assert out["phi"] == pytest.approx(-50 / math.sqrt(9900), rel=1e-12)
    assert out["cramers_v"] == pytest.approx(50 / math.sqrt(9900), rel=1e-12)
    # Yates by hand: n (|ad - bc| - n/2)^2 / (r1 r2 c1 c2) = 20 * 40^2 / 9900
    assert out["yates_chi2"] == pytest.approx(20 * 40**2 / 9900, rel=1e-12)


def test_yates_is_zero_when_the_table_is_within_half_a_count_of_independence() -> None:
    # |ad - bc| = 0 < n / 2: SPSS and R give a continuity-corrected chi-square of 0.
    assert crosstab_test([[5, 5], [5, 5]])["yates_chi2"] == 0.0


def test_cohens_d_and_hedges_g_match_rs_effectsize(
    reference: Callable[[str], dict[str, float]],
) -> None:
    """Noncentral-t intervals, as effectsize. effectsize's root finder stops within about
    1e-8 of the tail probability, ours within 1e-12 (R: pt(-1.86081, 18, ncp = bound /
    sqrt(0.2)) - 0.975 is -1.6e-8 at effectsize's lower bound on sleep, 4.1e-13 at ours;
    on our data 9.2e-10 and -1.1e-14), hence 5e-7 (absolute) on the bounds."""
    r = reference("reviewer_reference")
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    out = independent_t(data.loc[data.group == "a", "score"], data.loc[data.group == "b", "score"])
    sleep = independent_t(SLEEP_1, SLEEP_2)
    for prefix, result in (("", out), ("sleep_", sleep)):
        # R: effectsize::cohens_d(score ~ group, data = d, ci = 0.95)   (reviewer_reference.R)
        #    effectsize::hedges_g(score ~ group, data = d, ci = 0.95); the same on sleep
        for key in ("cohens_d", "hedges_g"):
            assert result[key] == pytest.approx(r[prefix + key], rel=1e-12), key
        for key in ("cohens_d_ci_low", "cohens_d_ci_high", "hedges_g_ci_low", "hedges_g_ci_high"):
            assert result[key] == pytest.approx(r[prefix + key], abs=5e-7), key
    # By hand: d is the mean difference over the pooled SD.
    pooled = math.sqrt(
        ((out["n_a"] - 1) * out["sd_a"] ** 2 + (out["n_b"] - 1) * out["sd_b"] ** 2)
        / (out["n_a"] + out["n_b"] - 2)
    )
    assert out["cohens_d"] == pytest.approx(out["mean_difference"] / pooled, rel=1e-12)
    # Hedges & Olkin's approximation of J, 1 - 3 / (4 df - 1), is within 1e-3 here (df 23).
    assert out["hedges_g"] / out["cohens_d"] == pytest.approx(1 - 3 / (4 * 23 - 1), abs=1e-3)


def test_effect_sizes_are_missing_with_fewer_than_two_per_group() -> None:
    out = independent_t([1.0], [2.0, 3.0])
    assert np.isnan(out["cohens_d"])
    assert np.isnan(out["hedges_g_ci_high"])


def test_early_alliance_reports_levenes_df_and_the_effect_sizes() -> None:
    frame = prepare(
        pd.DataFrame(
            {
                "arm": ["mbct", "embct"] * 4,
                "sessions_attended": [2, 3, 3, 8, 9, 7, 6, 9],
                "wai_w2": [30, 34, 29, 41, 38, 44, 36, 40],
            }
        )
    )
    row = early_alliance_by_dropout(frame).iloc[0]
    # Levene's F is on (groups - 1, n - groups) = (1, 6) df, as SPSS prints them.
    assert (row["levene_df1"], row["levene_df2"]) == (1.0, 6.0)
    direct = independent_t([30, 34, 29], [41, 38, 44, 36, 40])
    assert row["cohens_d"] == pytest.approx(direct["cohens_d"], rel=1e-12)
    assert row["hedges_g_ci_low"] < row["hedges_g"] < row["hedges_g_ci_high"]

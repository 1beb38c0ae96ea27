"""Hierarchical OLS and the alliance -> outcome regressions against outside references:
NIST StRD Longley (certified values), palmer penguins (R lm/anova, and the values in
shared/reference/statistics.md), R on our own trial-like data (reference.R), statsmodels."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf

from embct.analysis.linalg import ModelError, nested_ols
from embct.analysis.regression import (
    hierarchical_regression,
    outcome_regression,
    outcome_regression_table,
)


def test_longley_matches_nist_certified_values() -> None:
    """NIST StRD Longley, certified to 15 digits; we ask for 1e-9 relative (the QR solve
    reaches about 1e-12 here)."""
    data = sm.datasets.longley.load_pandas().data
    res = hierarchical_regression(
        data, "TOTEMP", [["GNPDEFL", "GNP", "UNEMP", "ARMED", "POP", "YEAR"]]
    )
    step = res["steps"][0]
    # NIST StRD Longley certified values (b0..b6, their standard deviations, R2, F).
    certified_b = [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
    certified_se = [
        890420.383607373,
        84.9149257747669,
        0.334910077722432e-01,
        0.488399681651699,
        0.214274163161675,
        0.226073200069370,
        455.478499142212,
    ]
    np.testing.assert_allclose([t["b"] for t in step["terms"]], certified_b, rtol=1e-9)
    np.testing.assert_allclose([t["se"] for t in step["terms"]], certified_se, rtol=1e-9)
    assert step["r2"] == pytest.approx(0.995479004577296, rel=1e-12)
    assert step["f"] == pytest.approx(330.285339234588, rel=1e-9)
    assert (step["df1"], step["df2"]) == (6, 9)
    assert step["f_change"] == pytest.approx(step["f"])


PENGUIN_STEPS = [["flipper_length_mm", "male"], ["bill_length_mm"], ["bill_length_mm:male"]]


def test_penguins_hierarchy_matches_published_r_values(penguins: pd.DataFrame) -> None:
    """statistics.md section 2 (R lm/anova, pairwise F change), to the printed digits."""
    res = hierarchical_regression(penguins, "body_mass_g", PENGUIN_STEPS)
    assert res["n"] == 333
    s1, s2, s3 = res["steps"]
    # R: summary(lm(body_mass_g ~ flipper + male [+ bill [+ bill:male]])) and
    #    anova(m_{k-1}, m_k) for each pair (values as printed in statistics.md)
    assert s1["f"] == pytest.approx(684.8032623, abs=1e-7)
    assert s1["r2"] == pytest.approx(0.8058374128, abs=1e-10)
    assert s1["adj_r2"] == pytest.approx(0.8046606699, abs=1e-10)
    assert s2["f"] == pytest.approx(457.1182756, abs=1e-7)
    assert s2["r2_change"] == pytest.approx(0.0006735607, abs=1e-10)
    assert s2["f_change"] == pytest.approx(1.145292, abs=1e-6)
    assert s2["f_change_p_val"] == pytest.approx(0.285321, abs=1e-6)
    assert s3["f"] == pytest.approx(356.5747253, abs=1e-7)
    assert s3["adj_r2"] == pytest.approx(0.8107506083, abs=1e-10)
    assert s3["r2_change"] == pytest.approx(0.0065197478, abs=1e-10)
    assert s3["f_change"] == pytest.approx(11.43759, abs=1e-5)
    assert s3["f_change_p_val"] == pytest.approx(0.000807, abs=1e-6)
    assert (s3["f_change_df1"], s3["f_change_df2"]) == (1, 328)
    b = [t["b"] for t in s3["terms"]]
    t = [t["t"] for t in s3["terms"]]
    np.testing.assert_allclose(
        b, [-6088.706952, 48.712242, 1476.313192, 8.004244, -25.534925], atol=1e-6
    )
    np.testing.assert_allclose(t, [-17.79133, 26.77894, 4.43325, 1.29606, -3.38195], atol=1e-5)


def test_penguins_hierarchy_matches_r_full_precision(
    penguins: pd.DataFrame, r_reference: dict
) -> None:
    """reference.R: lm, confint, anova(m_{k-1}, m_k), beta = b sd(x)/sd(y)."""
    res = hierarchical_regression(penguins, "body_mass_g", PENGUIN_STEPS)
    for ours, ref in zip(res["steps"], r_reference["penguins"]["steps"], strict=True):
        _assert_step(ours, ref)


def _assert_step(ours: dict, ref: dict, rel: float = 1e-9) -> None:
    for key in ("r2", "adj_r2", "f", "p_val"):
        assert ours[key] == pytest.approx(ref[key], rel=rel), key
    assert (ours["df1"], ours["df2"]) == (ref["df1"], ref["df2"])
    for key in ("r2_change", "f_change", "f_change_p_val"):
        if key in ref:
            assert ours[key] == pytest.approx(ref[key], rel=1e-7), key
    for column, ref_key in (
        ("b", "b"),
        ("se", "se"),
        ("t", "t"),
        ("p_val", "p"),
        ("ci_low", "ci_low"),
        ("ci_high", "ci_high"),
    ):
        np.testing.assert_allclose(
            [t[column] for t in ours["terms"]], ref[ref_key], rtol=1e-8, err_msg=column
        )
    np.testing.assert_allclose([t["beta"] for t in ours["terms"][1:]], ref["beta"], rtol=1e-9)
    assert ours["terms"][0]["beta"] is None


@pytest.mark.parametrize("outcome", ["hads", "mhc"])
def test_outcome_regression_matches_r(
    trial_frame: pd.DataFrame, r_reference: dict, outcome: str
) -> None:
    """reference.R on our trial-like data: the three steps, the probes (vcov linear
    combinations; closed-form J-N), car::vif, cooks.distance, shapiro.test."""
    ref = r_reference[f"outcome_{outcome}"]
    res = outcome_regression(trial_frame, outcome)
    assert res["n"] == ref["n"]
    assert [t["term"] for t in res["steps"][2]["terms"]] == [
        "intercept",
        "baseline",
        "arm",
        "wai_w2",
        "wai_w2:arm",
    ]
    for ours, r_step in zip(res["steps"], ref["steps"], strict=True):
        _assert_step(ours, r_step)
    # R: lc(c(0,0,0,1,a)) with vcov(m3): the wai_w2 slope in arm a
    for ours, r_slope, code in zip(res["simple_slopes"], ref["simple_slopes"], (0, 1), strict=True):
        assert ours["arm"] == code
        assert ours["arm_label"] == ("MBCT" if code == 0 else "eMBCT")
        for key in ("b", "se", "t", "p_val"):
            assert ours[key] == pytest.approx(r_slope[key], rel=1e-9), key
    # R: lc(c(0,0,1,0,w)) at mean(wai_w2) -1 SD, mean, +1 SD
    assert [s["label"] for s in res["arm_difference_at"]] == ["-1 SD", "mean", "+1 SD"]
    for ours, r_spot in zip(res["arm_difference_at"], ref["arm_difference_at"], strict=True):
        for key in ("b", "se", "t", "p_val"):
            assert ours[key] == pytest.approx(r_spot[key], rel=1e-9), key
    assert res["moderator"]["mean"] == pytest.approx(ref["moderator_mean"], rel=1e-12)
    assert res["moderator"]["sd"] == pytest.approx(ref["moderator_sd"], rel=1e-12)
    jn = res["johnson_neyman"]
    if ref["jn"][0] is None:
        assert jn["lower"] is None
    else:
        assert [jn["lower"], jn["upper"]] == pytest.approx(ref["jn"], rel=1e-9)
    assumptions = res["assumptions"]
    # R: car::vif(m3); max(cooks.distance(m3)); shapiro.test(residuals(m3))
    assert list(assumptions["vif"].values()) == pytest.approx(ref["vif"], rel=1e-9)
    assert assumptions["max_cooks_d"] == pytest.approx(ref["max_cooks_d"], rel=1e-9)
    assert assumptions["shapiro_w"] == pytest.approx(ref["shapiro_w"], rel=1e-6)
    assert assumptions["shapiro_p_val"] == pytest.approx(ref["shapiro_p_val"], rel=1e-4)
    json.dumps(res, allow_nan=False)  # JSON-ready: numbers only, no NaN


def test_hc3_matches_sandwich(trial_frame: pd.DataFrame, r_reference: dict) -> None:
    """R: sandwich::vcovHC(m3, type = "HC3"); statsmodels fit(cov_type="HC3", use_t=True)."""
    res = outcome_regression(trial_frame, "hads", cov_type="HC3")
    ses = [t["se"] for t in res["steps"][2]["terms"]]
    np.testing.assert_allclose(ses, r_reference["outcome_hads"]["hc3_se"], rtol=1e-9)
    d = trial_frame[trial_frame["completer"]].dropna(subset=["hads_pre", "hads_post", "wai_w2"])
    fit = smf.ols("hads_post ~ hads_pre + arm + wai_w2 + wai_w2:arm", d).fit(
        cov_type="HC3", use_t=True
    )
    np.testing.assert_allclose([t["p_val"] for t in res["steps"][2]["terms"]], fit.pvalues)
    np.testing.assert_allclose(
        [t["ci_low"] for t in res["steps"][2]["terms"]], fit.conf_int()[0].to_numpy()
    )
    # HC3 leaves R2 and the F tests classical.
    plain = outcome_regression(trial_frame, "hads")
    assert res["steps"][2]["f_change"] == plain["steps"][2]["f_change"]


def test_outcome_regression_equals_statsmodels_formulas(trial_frame: pd.DataFrame) -> None:
    """The direct QR path against plain statsmodels formula calls on one listwise sample."""
    d = trial_frame[trial_frame["completer"]].dropna(subset=["mhc_pre", "mhc_post", "wai_w2"])
    formulas = [
        "mhc_post ~ mhc_pre + arm",
        "mhc_post ~ mhc_pre + arm + wai_w2",
        "mhc_post ~ mhc_pre + arm + wai_w2 + wai_w2:arm",
    ]
    fits = [smf.ols(f, d).fit() for f in formulas]
    res = outcome_regression(trial_frame, "mhc")
    for ours, fit in zip(res["steps"], fits, strict=True):
        np.testing.assert_allclose([t["b"] for t in ours["terms"]], fit.params, rtol=1e-10)
        np.testing.assert_allclose([t["se"] for t in ours["terms"]], fit.bse, rtol=1e-10)
        assert ours["r2"] == pytest.approx(fit.rsquared, rel=1e-12)
        assert ours["f"] == pytest.approx(fit.fvalue, rel=1e-10)
    slope = fits[2].t_test("wai_w2 + wai_w2:arm = 0")
    assert res["simple_slopes"][1]["b"] == pytest.approx(float(slope.effect[0]), rel=1e-10)
    assert res["simple_slopes"][1]["se"] == pytest.approx(float(slope.sd[0, 0]), rel=1e-10)


def test_penguins_probes_match_statistics_md(penguins: pd.DataFrame) -> None:
    """statistics.md section 4: statsmodels t_test simple slopes and pyprocessmacro's J-N
    boundary 52.06 (closed form 52.0562 and 77.9393), on penguins cast as the trial roles
    (male as arm, bill length as wai_w2, flipper length as baseline)."""
    frame = pd.DataFrame(
        {
            "arm": penguins["male"].astype(int),
            "completer": True,
            "hads_pre": penguins["flipper_length_mm"],
            "hads_post": penguins["body_mass_g"],
            "wai_w2": penguins["bill_length_mm"],
        }
    )
    res = outcome_regression(frame, "hads")
    male0, male1 = res["simple_slopes"]
    assert male0["b"] == pytest.approx(8.004244, abs=1e-6)
    assert male0["se"] == pytest.approx(6.175846, abs=1e-6)
    assert male0["t"] == pytest.approx(1.29606, abs=1e-5)
    assert male0["p_val"] == pytest.approx(0.1959, abs=1e-4)
    assert male1["b"] == pytest.approx(-17.530682, abs=1e-6)
    assert male1["se"] == pytest.approx(6.015426, abs=1e-6)
    assert male1["t"] == pytest.approx(-2.91429, abs=1e-5)
    assert male1["p_val"] == pytest.approx(0.0038, abs=1e-4)
    jn = res["johnson_neyman"]
    assert jn["lower"] == pytest.approx(52.0562, abs=1e-4)
    assert jn["upper"] == pytest.approx(77.9393, abs=1e-4)
    assert jn["inside_significant"] is False
    assert jn["range"] == [32.1, 59.6]


def test_table_twin_has_one_row_per_step_and_term(trial_frame: pd.DataFrame) -> None:
    table = outcome_regression_table(trial_frame, "hads")
    assert len(table) == 3 + 4 + 5
    assert table.loc[table["step"] == 3, "term"].tolist()[-1] == "wai_w2:arm"
    res = outcome_regression(trial_frame, "hads")
    assert table["b"].iloc[-1] == res["steps"][2]["terms"][-1]["b"]


def test_missing_role_is_skipped_with_a_reason(trial_frame: pd.DataFrame) -> None:
    res = outcome_regression(trial_frame.drop(columns=["mhc_post"]), "mhc")
    assert res == {"skipped": "no data for mhc_post"}
    empty = trial_frame.assign(hads_post=np.nan)
    assert "hads_post" in outcome_regression(empty, "hads")["skipped"]
    one_arm = trial_frame[trial_frame["arm"] == 0]
    assert "only one arm" in outcome_regression(one_arm, "hads")["skipped"]


def test_bad_input_raises_naming_row_column_value(trial_frame: pd.DataFrame) -> None:
    bad = trial_frame.copy()
    bad.loc[3, "arm"] = 2
    with pytest.raises(ModelError, match=r"row 'P004', column 'arm': value 2") as caught:
        outcome_regression(bad, "hads")
    assert (caught.value.row, caught.value.column, caught.value.value) == ("P004", "arm", 2)
    inf = trial_frame.copy()
    inf.loc[0, "wai_w2"] = np.inf
    with pytest.raises(ModelError, match="column 'wai_w2'"):
        outcome_regression(inf, "hads")
    with pytest.raises(ModelError, match="outcome 'bdi'"):
        outcome_regression(trial_frame, "bdi")
    with pytest.raises(ModelError, match="cov_type"):
        outcome_regression(trial_frame, "hads", cov_type="HC1")


def test_rank_deficient_design_is_refused() -> None:
    x = np.column_stack([np.ones(6), np.arange(6.0), 2 * np.arange(6.0)])
    with pytest.raises(ModelError, match="rank deficient"):
        nested_ols(x, np.arange(6.0) ** 2, [3])


def test_anova_table_and_part_partial_correlations_match_r(
    penguins: pd.DataFrame, reviewer_reference: dict[str, float]
) -> None:
    r = reviewer_reference
    data = penguins.assign(bill_x_male=penguins["bill_length_mm"] * penguins["male"])
    steps = [["flipper_length_mm", "male"], ["bill_length_mm"], ["bill_x_male"]]
    res = hierarchical_regression(data, "body_mass_g", steps)
    for number, step in enumerate(res["steps"], start=1):
        # R: sum((fitted(m) - mean(y))^2), sum(residuals(m)^2), sum((y - mean(y))^2), and
        #    each over its df   (reviewer_reference.R)
        for key in ("ss_regression", "ss_residual", "ss_total", "ms_regression", "ms_residual"):
            assert step[key] == pytest.approx(r[f"penguins_step{number}_{key}"], rel=1e-10), key
        assert step["f"] == pytest.approx(step["ms_regression"] / step["ms_residual"], rel=1e-12)
        assert step["ss_regression"] + step["ss_residual"] == pytest.approx(step["ss_total"])
        for term in step["terms"][1:]:
            name = term["term"]
            # R: cor(x, y); cor(resid(lm(x ~ others)), resid(lm(y ~ others)));
            #    cor(resid(lm(x ~ others)), y)
            for key in ("zero_order_r", "partial_r", "part_r"):
                expected = r[f"penguins_step{number}_{name}_{key}"]
                assert term[key] == pytest.approx(expected, rel=1e-9), (number, name, key)
        assert step["terms"][0]["partial_r"] is None


def test_part_and_partial_stay_classical_under_hc3(penguins: pd.DataFrame) -> None:
    steps = [["flipper_length_mm", "male"], ["bill_length_mm"]]
    classical = hierarchical_regression(penguins, "body_mass_g", steps)
    robust = hierarchical_regression(penguins, "body_mass_g", steps, cov_type="HC3")
    for a, b in zip(classical["steps"][1]["terms"], robust["steps"][1]["terms"], strict=True):
        assert a["partial_r"] == b["partial_r"]
        assert a["part_r"] == b["part_r"]

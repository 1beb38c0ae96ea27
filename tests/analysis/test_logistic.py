"""Binary logistic regression against outside references: Spector & Mazzeo (Stata values
as in statsmodels' test results; Greene's published table), R glm on our own data
(reference.R), statsmodels Logit.

The UCLA admissions example (binary.csv, published R output in statistics.md) is not
used: its data carry no licence and cannot be had offline here, so it is neither shipped
nor loaded."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from embct.analysis.linalg import ModelError
from embct.analysis.logistic import (
    collapse_patterns,
    dropout_logistic,
    dropout_logistic_table,
    fit_logit,
    hierarchical_logistic,
    hosmer_lemeshow,
)


def test_spector_matches_stata_and_greene() -> None:
    """Spector & Mazzeo (1980), loaded from statsmodels at test time (rights retained by
    the author: never copied here). Stata full precision, as in statsmodels'
    discrete/tests/results/results_discrete.py; Greene's logit column (3 decimals)."""
    data = sm.datasets.spector.load_pandas().data
    res = hierarchical_logistic(data, "GRADE", [["GPA", "TUCE", "PSI"]])
    step = res["steps"][0]
    b = [t["b"] for t in step["terms"]]
    se = [t["se"] for t in step["terms"]]
    # Stata: logit grade gpa tuce psi
    np.testing.assert_allclose(
        b, [-13.0213483201, 2.82611297201, 0.0951576702557, 2.37868772835], atol=2e-6
    )
    # Greene, Econometric Analysis, logit: SE 4.931, 1.263, .142, 1.065; lnL -12.890
    np.testing.assert_allclose(se, [4.931, 1.263, 0.142, 1.065], atol=5e-4)
    assert step["minus2ll"] / -2 == pytest.approx(-12.889634, abs=1e-6)
    assert res["n"] == 32
    assert step["terms"][1]["wald"] == pytest.approx((b[1] / se[1]) ** 2)
    assert step["terms"][1]["odds_ratio"] == pytest.approx(math.exp(b[1]))


def test_spector_equals_statsmodels_logit() -> None:
    data = sm.datasets.spector.load_pandas().data
    res = hierarchical_logistic(data, "GRADE", [["GPA"], ["TUCE", "PSI"]])
    for step, columns in zip(res["steps"], (["GPA"], ["GPA", "TUCE", "PSI"]), strict=True):
        fit = sm.Logit(data["GRADE"], sm.add_constant(data[columns])).fit(disp=0, tol=1e-12)
        np.testing.assert_allclose([t["b"] for t in step["terms"]], fit.params, rtol=1e-7)
        np.testing.assert_allclose([t["se"] for t in step["terms"]], fit.bse, rtol=1e-7)
        np.testing.assert_allclose([t["p_val"] for t in step["terms"]], fit.pvalues, rtol=1e-6)
        ci = np.exp(fit.conf_int().to_numpy())
        np.testing.assert_allclose([t["ci_low"] for t in step["terms"]], ci[:, 0], rtol=1e-7)
        assert step["model_chi2"] == pytest.approx(fit.llr, rel=1e-9)
        assert step["minus2ll"] == pytest.approx(-2 * fit.llf, rel=1e-12)
    # step chi-square = difference of -2LL between the steps (SPSS "Step" row)
    s1, s2 = res["steps"]
    assert s2["step_chi2"] == pytest.approx(s1["minus2ll"] - s2["minus2ll"])
    assert s2["step_dof"] == 2
    assert s1["step_chi2"] == pytest.approx(s1["model_chi2"])


def test_dropout_logistic_matches_r_glm(trial_frame: pd.DataFrame, r_reference: dict) -> None:
    """R: glm(dropped_out ~ wai_w2 + arm [+ wai_w2:arm], binomial) among starters with
    wai_w2; Wald = z^2, confint.default (Wald) for Exp(B), Cox-Snell and Nagelkerke by
    their definitions. glm stops at a relative deviance change of 1e-8 and takes its
    standard errors from the weights of its last iteration, so coefficients, SEs and the
    statistics built on them agree to about 1e-6 relative: we ask 1e-5."""
    ref = r_reference["dropout"]
    res = dropout_logistic(trial_frame)
    assert res["n"] == ref["n"]
    assert [t["term"] for t in res["steps"][1]["terms"]] == [
        "intercept",
        "wai_w2",
        "arm",
        "wai_w2:arm",
    ]
    for ours, r_step in zip(res["steps"], ref["steps"], strict=True):
        for column, key in (
            ("b", "b"),
            ("se", "se"),
            ("wald", "wald"),
            ("p_val", "p_val"),
            ("ci_low", "or_low"),
            ("ci_high", "or_high"),
        ):
            np.testing.assert_allclose(
                [t[column] for t in ours["terms"]], r_step[key], rtol=1e-5, err_msg=column
            )
        for key, r_key in (
            ("minus2ll", "minus2ll"),
            ("model_chi2", "model_chi2"),
            ("cox_snell_r2", "cox_snell"),
            ("nagelkerke_r2", "nagelkerke"),
        ):
            assert ours[key] == pytest.approx(r_step[r_key], rel=1e-7), key
        assert ours["model_dof"] == r_step["model_dof"]
        assert all(t["dof"] == 1 for t in ours["terms"])
    json.dumps(res, allow_nan=False)


def test_table_twin(trial_frame: pd.DataFrame) -> None:
    table = dropout_logistic_table(trial_frame)
    assert table["step"].tolist() == [1, 1, 1, 2, 2, 2, 2]
    assert table["odds_ratio"].gt(0).all()


def test_sample_is_starters_with_wai_w2(trial_frame: pd.DataFrame) -> None:
    res = dropout_logistic(trial_frame)
    expected = trial_frame["started"] & trial_frame["wai_w2"].notna()
    expected &= trial_frame["dropped_out"].notna()
    assert res["n"] == int(expected.sum())
    assert res["events"] == int(trial_frame.loc[expected, "dropped_out"].sum())


def test_separation_and_missing_roles_are_skipped(trial_frame: pd.DataFrame) -> None:
    separated = trial_frame.copy()
    separated["dropped_out"] = np.where(separated["wai_w2"] < 33, 1.0, 0.0)
    separated.loc[~separated["started"], "dropped_out"] = np.nan
    res = dropout_logistic(separated)
    assert "separat" in res["skipped"]
    assert dropout_logistic(trial_frame.drop(columns=["dropped_out"])) == {
        "skipped": "no data for dropped_out"
    }
    none = trial_frame.assign(dropped_out=np.where(trial_frame["started"], 0.0, np.nan))
    assert "constant" in dropout_logistic(none)["skipped"]


def test_outcome_other_than_0_1_raises(trial_frame: pd.DataFrame) -> None:
    bad = trial_frame.copy()
    bad.loc[0, "dropped_out"] = 2.0
    with pytest.raises(ModelError, match=r"row 'P001', column 'dropped_out': value 2.0"):
        dropout_logistic(bad)


def test_grouped_fit_equals_row_level_fit() -> None:
    """Collapsing identical covariate patterns (the fast path for integer totals) gives the
    row-level estimates, covariance and log-likelihood; statsmodels Logit on the rows."""
    rng = np.random.default_rng(7)
    n = 3000
    wai = rng.integers(12, 61, n).astype(float)
    arm = rng.integers(0, 2, n).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(1 - 0.05 * wai + 0.8 * arm)))).astype(float)
    x = np.column_stack([np.ones(n), wai, arm, wai * arm])
    grouped = collapse_patterns(x, y)
    assert grouped is not None
    patterns, trials, events = grouped
    assert len(patterns) <= 98
    assert trials.sum() == n
    assert events.sum() == y.sum()
    b_rows, cov_rows, ll_rows, _ = fit_logit(x, y)
    b_grouped, cov_grouped, ll_grouped, _ = fit_logit(patterns, events, trials)
    np.testing.assert_allclose(b_grouped, b_rows, rtol=1e-9)
    np.testing.assert_allclose(cov_grouped, cov_rows, rtol=1e-8)
    assert ll_grouped == pytest.approx(ll_rows, rel=1e-12)
    fit = sm.Logit(y, x).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(b_grouped, fit.params, rtol=1e-7)
    assert ll_grouped == pytest.approx(fit.llf, rel=1e-12)
    frame = pd.DataFrame({"arm": arm.astype(int), "wai_w2": wai, "dropped_out": y})
    res = dropout_logistic(frame)
    np.testing.assert_allclose([t["b"] for t in res["steps"][1]["terms"]], b_rows, rtol=1e-9)
    assert collapse_patterns(np.column_stack([np.ones(n), rng.normal(size=n)]), y) is None


def _penguins_330() -> pd.DataFrame:
    path = __import__("pathlib").Path(__file__).resolve().parent.parent / "reference" / "R"
    return pd.read_csv(path / "models" / "penguins.csv").iloc[:330]


def test_classification_table_matches_r(
    trial_frame: pd.DataFrame, reviewer_reference: dict[str, float]
) -> None:
    r = reviewer_reference
    res = dropout_logistic(trial_frame)
    pen = hierarchical_logistic(
        _penguins_330(), "male", [["body_mass_g", "bill_length_mm", "flipper_length_mm"]]
    )
    for name, step in (("dropout", res["steps"][1]), ("penguins", pen["steps"][0])):
        table = step["classification"]
        # R: table(y, fitted(glm(...)) > 0.5)   (reviewer_reference.R)
        for o in (0, 1):
            for p in (0, 1):
                assert table[f"observed_{o}_predicted_{p}"] == r[f"{name}_class_o{o}_p{p}"]
        right = table["observed_0_predicted_0"] + table["observed_1_predicted_1"]
        assert table["percent_correct"] == pytest.approx(
            100 * right / sum(table[f"observed_{o}_predicted_{p}"] for o in (0, 1) for p in (0, 1))
        )
        assert table["cut"] == 0.5


def test_hosmer_lemeshow_matches_hoslem_test_where_the_groupings_agree(
    reviewer_reference: dict[str, float],
) -> None:
    """330 penguins, distinct fitted values but one tied pair inside a group: SPSS/SAS
    groups of floor(330 / 10 + .5) = 33 and R's quantile groups are the same ten groups.
    glm stops at a relative deviance change of 1e-8, so fitted values agree to ~1e-7."""
    r = reviewer_reference
    res = hierarchical_logistic(
        _penguins_330(), "male", [["body_mass_g", "bill_length_mm", "flipper_length_mm"]]
    )
    hl = res["steps"][0]["hosmer_lemeshow"]
    # R: ResourceSelection::hoslem.test(pen$male, fitted(gp), g = 10), its definition written
    #    out in reviewer_reference.R (Debian has no r-cran-resourceselection)
    assert hl["chi2"] == pytest.approx(r["penguins_hoslem_chi2"], rel=1e-6)
    assert hl["dof"] == r["penguins_hoslem_df"]
    assert hl["p_val"] == pytest.approx(r["penguins_hoslem_p_val"], rel=1e-6)
    for i, group in enumerate(hl["groups"], start=1):
        assert group["n"] == r[f"penguins_hoslem_n_{i}"]
        assert group["observed_1"] == r[f"penguins_hoslem_observed_1_{i}"]
        assert group["expected_1"] == pytest.approx(r[f"penguins_hoslem_expected_1_{i}"], rel=1e-6)
        assert group["observed_0"] + group["observed_1"] == group["n"]
        assert group["expected_0"] + group["expected_1"] == pytest.approx(group["n"])


def test_hosmer_lemeshow_keeps_ties_together_unlike_hoslem_test(
    trial_frame: pd.DataFrame, reviewer_reference: dict[str, float]
) -> None:
    """With integer WAI totals the dropout model's 144 fitted values take 61 distinct
    values; hoslem.test's quantile breaks split tied cases, ours (SPSS/SAS) never do, so
    the statistics differ (documented in hosmer_lemeshow)."""
    res = dropout_logistic(trial_frame)
    hl = res["steps"][1]["hosmer_lemeshow"]
    # R: hoslem.test(dl$dropped_out, fitted(g2))$statistic = 6.4627
    assert hl["chi2"] != pytest.approx(reviewer_reference["dropout_hoslem_chi2"], rel=1e-3)
    assert sum(g["n"] for g in hl["groups"]) == res["n"]
    assert hl["dof"] == len(hl["groups"]) - 2
    # The groups are runs of the sorted fitted values with no value on both sides of a cut.
    sample = trial_frame[
        trial_frame["started"] & trial_frame["wai_w2"].notna() & trial_frame["dropped_out"].notna()
    ]
    step = res["steps"][1]
    b = [t["b"] for t in step["terms"]]
    eta = (
        b[0]
        + b[1] * sample["wai_w2"]
        + b[2] * sample["arm"]
        + b[3] * sample["wai_w2"] * sample["arm"]
    )
    fitted = np.sort(1 / (1 + np.exp(-eta.to_numpy())))
    cuts = np.cumsum([g["n"] for g in hl["groups"]])[:-1]
    for cut in cuts:
        assert fitted[cut - 1] < fitted[cut] - 1e-12


def test_hosmer_lemeshow_by_hand() -> None:
    """Ten cases in five blocks of two tied values: target M = floor(10/10 + .5) = 1, so
    each block is a group (a block is never split); chi2 by the formula."""
    from embct.analysis.logistic import hosmer_lemeshow

    p = np.repeat([0.1, 0.3, 0.5, 0.7, 0.9], 2)
    y = np.array([0, 0, 1, 0, 0, 1, 1, 1, 1, 1], dtype=float)
    out = hosmer_lemeshow(y, p)
    assert [g["n"] for g in out["groups"]] == [2, 2, 2, 2, 2]
    expected = sum(
        (o - 2 * q) ** 2 / (2 * q * (1 - q))
        for o, q in zip([0, 1, 1, 2, 2], [0.1, 0.3, 0.5, 0.7, 0.9], strict=True)
    )
    assert out["chi2"] == pytest.approx(expected, rel=1e-12)
    assert out["dof"] == 3


def test_hosmer_lemeshow_folds_a_small_last_group_into_the_one_before_it() -> None:
    """37 distinct values: M = floor(37/10 + .5) = 4, nine groups of 4 and a last group of
    1 (< M / 2), which joins group 9. The groups must partition the cases (found by the R
    script of `embct analyze --syntax r`: the last group was added to group 8 instead,
    overlapping group 9)."""
    from embct.analysis.logistic import hosmer_lemeshow

    p = np.linspace(0.05, 0.95, 37)
    y = (np.arange(37) % 3 == 0).astype(float)
    out = hosmer_lemeshow(y, p)
    assert [g["n"] for g in out["groups"]] == [4] * 8 + [5]
    assert sum(g["observed_1"] for g in out["groups"]) == int(y.sum())
    assert sum(g["expected_1"] for g in out["groups"]) == pytest.approx(p.sum(), rel=1e-12)


def test_hosmer_lemeshow_keeps_a_covariate_pattern_together_whatever_its_last_bits() -> None:
    """A pattern's fitted probability may differ in the last bits with the row order (found
    by the row-permutation property test): such cases are still one tie, so the groups and
    the statistic do not depend on the order of the rows."""
    rng = np.random.default_rng(7)
    pattern = rng.integers(0, 12, 80)
    exact = np.linspace(0.1, 0.8, 12)[pattern]
    noisy = exact * (1 + rng.choice([-1, 0, 1], 80) * 2e-16)
    y = (rng.random(80) < exact).astype(float)
    assert len(np.unique(noisy)) > 12  # the noise splits some patterns bit-wise
    noisy_fit, exact_fit = hosmer_lemeshow(y, noisy), hosmer_lemeshow(y, exact)
    sizes = [[(g["n"], g["observed_1"]) for g in fit["groups"]] for fit in (noisy_fit, exact_fit)]
    assert sizes[0] == sizes[1]
    assert math.isclose(noisy_fit["chi2"], exact_fit["chi2"], rel_tol=1e-12)

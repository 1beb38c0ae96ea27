"""The statistics SPSS prints beside the repeated-measures MANOVA and the mixed model's
small-sample and likelihood-ratio tests, against R (tests/reference/R/models/
rm_mixed_reference.R -> rm_mixed_reference.json; the tests never run R).

Huynh-Feldt: car 3.1-1's "HF eps" (car:::summary.Anova.mlm, function HF) is Lecoutre's
(1991) correction, ``((v + 1) p eps - 2) / (p (v - p eps))``; SPSS prints the original
Huynh & Feldt (1976) epsilon with ``N`` subjects in place of ``v + 1``. Both are kept:
``huynh_feldt`` (Lecoutre, as before) and ``huynh_feldt_1976`` (SPSS). car has no 1976
epsilon, so reference.R computes it from the formula with car's GG epsilon; the published
check is the O'Brien & Kaiser value in test_repeated.py (1.40372 for phase).

Box's M: heplots and biotools are not installed here (and print only the chi-square
approximation), so the R script computes M and SPSS's F approximation from Box's (1949)
formulas, written independently of the Python code.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embct.analysis.mixed import alliance_mixed_model, random_intercept_reml, satterthwaite
from embct.analysis.repeated import alliance_development, box_m

MODELS_REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R" / "models"


@pytest.fixture(scope="module")
def r_rm() -> dict:
    return json.loads((MODELS_REFERENCE / "rm_mixed_reference.json").read_text())


@pytest.fixture(params=["alliance", "rm_2x3"])
def case(request, trial_frame, rm_2x3_frame, r_rm) -> tuple[dict, dict]:
    frame = trial_frame if request.param == "alliance" else rm_2x3_frame
    return alliance_development(frame, mixed=False), r_rm[request.param]


def test_huynh_feldt_both_epsilons(case: tuple[dict, dict]) -> None:
    res, ref = case
    assert res["n"] == ref["n"]
    sph = res["sphericity"]
    # R: summary(car::Anova(lm(Y ~ g), idata, idesign = ~w, type = 3))$pval.adjustments
    #    [, "HF eps"] (Lecoutre) and [, "Pr(>F[HF])"]
    assert sph["hf_epsilon"] == pytest.approx(ref["hf_epsilon_lecoutre"], rel=1e-9)
    # R: (n * p * gg - 2) / (p * (v - p * gg)), gg = car's "GG eps" (Huynh & Feldt 1976)
    assert sph["hf_epsilon_original"] == pytest.approx(ref["hf_epsilon_1976"], rel=1e-9)
    for effect in ("time", "time_x_arm"):
        uni = res["univariate"][effect]
        assert uni["huynh_feldt"]["p_val"] == pytest.approx(
            ref["hf_lecoutre_p_val"][effect], rel=1e-8
        )
        # R: pf(F, min(1, eps1976) * num Df, min(1, eps1976) * den Df, lower.tail = FALSE)
        hf = uni["huynh_feldt_1976"]
        assert hf["epsilon"] == pytest.approx(ref["hf_epsilon_1976"], rel=1e-9)
        assert hf["p_val"] == pytest.approx(ref["hf1976_p_val"][effect], rel=1e-8)
        assert hf["df1"] == pytest.approx(uni["df1"] * min(1.0, hf["epsilon"]))
        assert hf["f"] == uni["f"]


def test_within_subjects_polynomial_contrasts(case: tuple[dict, dict]) -> None:
    res, ref = case
    rows = res["within_contrasts"]
    assert [row["contrast"] for row in rows] == ["linear", "quadratic"]
    for row, r in zip(rows, ref["contrasts"], strict=True):
        # R: car::Anova(lm(Y %*% contr.poly(3)[, j] ~ g), type = 3): the (Intercept) row is
        #    the week contrast, the g row week x arm, Residuals the contrast's error
        assert row["time"]["ss"] == pytest.approx(r["time_ss"], rel=1e-9)
        assert row["time"]["f"] == pytest.approx(r["time_f"], rel=1e-9)
        assert row["time"]["p_val"] == pytest.approx(r["time_p_val"], rel=1e-8)
        assert row["time_x_arm"]["ss"] == pytest.approx(r["inter_ss"], rel=1e-9)
        assert row["time_x_arm"]["f"] == pytest.approx(r["inter_f"], rel=1e-9)
        assert row["time_x_arm"]["p_val"] == pytest.approx(r["inter_p_val"], rel=1e-8)
        assert row["error"]["ss"] == pytest.approx(r["error_ss"], rel=1e-9)
        assert row["error"]["df"] == r["error_df"]
        assert row["time"]["df"] == row["time_x_arm"]["df"] == 1
        assert row["time"]["partial_eta2"] == pytest.approx(
            r["time_ss"] / (r["time_ss"] + r["error_ss"]), rel=1e-9
        )
    # The contrasts' SS add up to the averaged univariate test's SS (orthonormal M).
    for effect in ("time", "time_x_arm"):
        total = sum(row[effect]["ss"] for row in rows)
        assert total == pytest.approx(res["univariate"][effect]["ss"], rel=1e-12)


def test_box_m(case: tuple[dict, dict]) -> None:
    res, ref = case
    # R: box_m(Y, g) in rm_mixed_reference.R (Box 1949; SPSS's F approximation)
    r = ref["box_m"]
    for key in ("m", "f", "df1", "df2", "p_val"):
        assert res["box_m"][key] == pytest.approx(r[key], rel=1e-9), key


def test_levene_per_wave(case: tuple[dict, dict]) -> None:
    res, ref = case
    assert [row["week"] for row in res["levene"]] == [2, 5, 9]
    for row, r in zip(res["levene"], ref["levene"], strict=True):
        # R: car::leveneTest(y ~ g, center = mean) per wave
        assert row["f"] == pytest.approx(r["f"], rel=1e-9)
        assert (row["df1"], row["df2"]) == (r["df1"], r["df2"])
        assert row["p_val"] == pytest.approx(r["p_val"], rel=1e-8)


def test_box_m_skips_a_singular_group() -> None:
    y = np.arange(24, dtype=float).reshape(8, 3)
    assert "at least 4" in box_m(y, [0, 0, 0, 1, 1, 1, 1, 1])["skipped"]
    assert (
        "singular"
        in box_m(np.column_stack([y[:, 0], y[:, 0] * 2, y[:, 1] ** 2]), [0, 1] * 4)["skipped"]
    )


def test_box_m_of_equal_covariances_is_zero() -> None:
    """Two groups with the same sample covariance: M = 0, F = 0, p = 1."""
    rng = np.random.default_rng(2)
    a = rng.normal(size=(12, 2))
    res = box_m(np.vstack([a, a + 5.0]), np.repeat([0, 1], 12))
    assert res["m"] == pytest.approx(0.0, abs=1e-12)
    assert res["p_val"] == pytest.approx(1.0)


def test_mixed_satterthwaite_matches_lmertest(trial_frame: pd.DataFrame, r_rm: dict) -> None:
    """lmerTest's numerical Hessian (numDeriv) and lme4's optimum (variance ratio to about
    1e-7) limit the agreement: 1e-5 relative on df, t and p."""
    ref = r_rm["mixed"]
    res = alliance_mixed_model(trial_frame)
    # R: summary(lmerTest::lmer(wai ~ week5 + week9 + arm + week5:arm + week9:arm +
    #    (1 | participant_id), REML = TRUE), ddf = "Satterthwaite")$coefficients
    sat = [t["satterthwaite"] for t in res["terms"]]
    np.testing.assert_allclose([s["df"] for s in sat], ref["df"], rtol=1e-5)
    np.testing.assert_allclose([s["t"] for s in sat], ref["t"], rtol=1e-5)
    np.testing.assert_allclose([s["p_val"] for s in sat], ref["p_val"], rtol=1e-4)
    for term, s in zip(res["terms"], sat, strict=True):
        half = s["ci_high"] - term["b"]
        assert half > term["b"] - term["ci_low"]  # t quantile > z quantile
    for effect in ("time", "time_x_arm"):
        # R: lmerTest::contestMD(lmm, L, ddf = "Satterthwaite") with L the Wald test's rows
        f = res["tests"][effect]["satterthwaite"]
        r = ref[effect]
        assert f["f"] == pytest.approx(r["f"], rel=1e-5)
        assert f["df1"] == r["df1"]
        assert f["df2"] == pytest.approx(r["df2"], rel=1e-5)
        assert f["p_val"] == pytest.approx(r["p_val"], rel=1e-4)
        # F = chi2 / q for the same contrast
        assert f["f"] == pytest.approx(res["tests"][effect]["chi2"] / 2, rel=1e-10)


def test_mixed_likelihood_ratio_tests_match_lme4(trial_frame: pd.DataFrame, r_rm: dict) -> None:
    ref = r_rm["mixed"]
    res = alliance_mixed_model(trial_frame)
    for effect in ("time_x_arm", "time", "arm"):
        # R: anova(m0, m1) of lme4::lmer fits (refit = TRUE: both refitted by ML)
        lr = res["lr_tests"][effect]
        r = ref[f"lr_{effect}"]
        for key in ("loglik_m0", "loglik_m1", "aic_m0", "aic_m1"):
            assert lr[key] == pytest.approx(r[key], rel=1e-9), (effect, key)
        assert lr["chi2"] == pytest.approx(r["chi2"], rel=1e-5, abs=1e-6)
        assert lr["dof"] == r["dof"]
        assert lr["p_val"] == pytest.approx(r["p_val"], rel=1e-5)
    assert res["lr_tests"]["arm"]["m0"] == "week"
    json.dumps(res, allow_nan=False)


def test_satterthwaite_at_the_boundary_is_the_residual_df() -> None:
    """With no between-person variance (tau2 = 0) only sigma2 is free and the
    Satterthwaite df of every coefficient is the OLS residual df, N - p."""
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(40), 3)
    x = np.column_stack([np.ones(120), np.tile([0.0, 1.0, 2.0], 40)])
    y = x @ [1.0, 0.5] + rng.normal(0, 1, 120)
    fit = random_intercept_reml(x, y, groups)
    assert fit.group_var == 0.0
    [res] = satterthwaite(x, y, groups, fit, [[0.0, 1.0]])
    assert res["df2"] == pytest.approx(118, rel=1e-6)
    assert math.isfinite(res["p_val"])


def test_box_m_iris_published_and_r(r_rm: dict) -> None:
    """Fisher's iris (written by rm_mixed_reference.R from R's datasets). Published: the
    biotools reference page's boxM(iris[, -5], iris[, 5]) example prints
    "Chi-Sq (approx.) = 140.94, df = 20" (https://arsilva87.github.io/biotools/reference/
    boxM.html). SPSS's F line for these data (M 146.663, F 7.045, df 20 and 77566.751) is
    as R's formula gives below; we have no citable copy of that SPSS output here."""
    iris = pd.read_csv(MODELS_REFERENCE / "iris.csv")
    res = box_m(iris.iloc[:, :4].to_numpy(), iris["Species"])
    assert res["chi2"] == pytest.approx(140.94, abs=0.005)
    assert res["df1"] == 20
    # R: box_m(as.matrix(iris[, 1:4]), iris$Species) in rm_mixed_reference.R
    for key in ("m", "f", "df1", "df2", "p_val", "chi2"):
        assert res[key] == pytest.approx(r_rm["iris_box_m"][key], rel=1e-9), key


def test_satterthwaite_without_a_maximum_gives_nan_not_an_error() -> None:
    """A fit whose variances are not at the REML maximum (here: a made-up residual
    variance 100 times the estimate, where the deviance is not convex) gives NaN df and
    p, never an exception; the estimate itself gives finite ones."""
    rng = np.random.default_rng(4)
    groups = np.repeat(np.arange(30), 3)
    x = np.ones((90, 1))
    y = rng.normal(0, 3, 30)[groups] + rng.normal(0, 1, 90)
    fit = random_intercept_reml(x, y, groups)
    bad = type(fit)(**{**fit.__dict__, "residual_var": fit.residual_var * 100})
    [res] = satterthwaite(x, y, groups, bad, [[1.0]])
    assert math.isnan(res["df2"])
    assert math.isnan(res["p_val"])
    [good] = satterthwaite(x, y, groups, fit, [[1.0]])
    assert 20 < good["df2"] < 30

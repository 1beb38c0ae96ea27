"""The alliance linear mixed model (random intercept, week x arm, REML) against R
lme4::lmer (reference.R) and statsmodels MixedLM."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from embct.analysis.mixed import alliance_mixed_model, random_intercept_reml
from embct.analysis.repeated import alliance_development


def test_mixed_model_matches_lme4(trial_frame: pd.DataFrame, r_reference: dict) -> None:
    """R: lmer(wai ~ week5 + week9 + arm + week5:arm + week9:arm + (1 | participant_id),
    REML = TRUE) on every starter's available WAI totals. lme4 optimises the variance
    ratio to about 1e-7, so 1e-5 relative on the variances and 1e-6 on the rest."""
    ref = r_reference["mixed"]
    res = alliance_mixed_model(trial_frame)
    assert (res["n_obs"], res["n_participants"]) == (ref["n_obs"], ref["n_groups"])
    assert [t["term"] for t in res["terms"]] == [
        "intercept",
        "week_5",
        "week_9",
        "arm",
        "week_5:arm",
        "week_9:arm",
    ]
    np.testing.assert_allclose([t["b"] for t in res["terms"]], ref["b"], rtol=1e-6)
    np.testing.assert_allclose([t["se"] for t in res["terms"]], ref["se"], rtol=1e-5)
    assert res["random_intercept_var"] == pytest.approx(ref["group_var"], rel=1e-5)
    assert res["residual_var"] == pytest.approx(ref["residual_var"], rel=1e-5)
    assert res["loglik"] == pytest.approx(ref["loglik_reml"], rel=1e-9)
    assert res["converged"] is True
    # R: car::linearHypothesis(lmm, rbind(c(0,1,0,0,.5,0), c(0,0,1,0,0,.5)))$Chisq[2] (time
    # averaged over the arms) and the same for the two week x arm terms.
    assert res["tests"]["time"]["chi2"] == pytest.approx(ref["time_chi2"], rel=1e-5)
    assert res["tests"]["time_x_arm"]["chi2"] == pytest.approx(ref["time_x_arm_chi2"], rel=1e-5)
    json.dumps(res, allow_nan=False)


def test_mixed_model_equals_statsmodels_mixedlm(trial_frame: pd.DataFrame) -> None:
    """statsmodels MixedLM (REML) on the same long table; its optimizer stops a little
    earlier than our profiled 1-D search, so 1e-4 relative on the variance components and
    1e-4 absolute on the coefficients (a thousandth of their SE),
    and our restricted log-likelihood is at least as high. Its fixed-effect SEs come from
    a numerical Hessian over all parameters; ours (= lme4's) are sigma2 (X'V^-1 X)^-1 at the
    estimate, so they agree to 1e-3 relative only."""
    res = alliance_mixed_model(trial_frame)
    starters = trial_frame[trial_frame["started"]]
    long = starters.melt(
        id_vars=["participant_id", "arm"], value_vars=["wai_w2", "wai_w5", "wai_w9"]
    ).dropna(subset=["value"])
    long["week5"] = (long["variable"] == "wai_w5").astype(float)
    long["week9"] = (long["variable"] == "wai_w9").astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm(
            "value ~ week5 + week9 + arm + week5:arm + week9:arm",
            long,
            groups=long["participant_id"],
        ).fit(reml=True)
    np.testing.assert_allclose([t["b"] for t in res["terms"]], fit.fe_params, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose([t["se"] for t in res["terms"]], fit.bse_fe, rtol=1e-3)
    assert res["random_intercept_var"] == pytest.approx(float(fit.cov_re.iloc[0, 0]), rel=1e-4)
    assert res["residual_var"] == pytest.approx(fit.scale, rel=1e-4)
    assert res["loglik"] >= fit.llf - 1e-9


def test_random_intercept_reml_boundary_and_balanced_case() -> None:
    """With no between-person variance the estimate sits at the boundary 0 and the fit is
    OLS; with balanced data the REML variance components equal the ANOVA (method of
    moments) estimates when those are positive."""
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(40), 3)
    y = rng.normal(0, 1, 120)
    y = y - np.repeat(y.reshape(40, 3).mean(axis=1), 3)  # no between-group variation
    fit = random_intercept_reml(np.ones((120, 1)), y, groups)
    assert fit.group_var == pytest.approx(0.0, abs=1e-8)
    y = rng.normal(0, 2, 40)[groups] + rng.normal(0, 1, 120)
    fit = random_intercept_reml(np.ones((120, 1)), y, groups)
    table = y.reshape(40, 3)
    msw = ((table - table.mean(axis=1, keepdims=True)) ** 2).sum() / (40 * 2)
    msb = 3 * ((table.mean(axis=1) - table.mean()) ** 2).sum() / 39
    assert fit.residual_var == pytest.approx(msw, rel=1e-6)
    assert fit.group_var == pytest.approx((msb - msw) / 3, rel=1e-6)


def test_alliance_development_carries_the_mixed_model(trial_frame: pd.DataFrame) -> None:
    res = alliance_development(trial_frame)
    mixed = res["mixed_model"]
    assert mixed["n_participants"] > res["n"]  # dropouts are not thrown away
    assert mixed["tests"]["time_x_arm"]["dof"] == 2
    assert 0 < mixed["icc"] < 1

"""embct.analysis.cluster against R (tests/reference/R/clustering/clustering.R ->
clustering_output.csv, on clustered_trial.csv written by make_data.py).

Known differences: lme4 stops its optimizer at a relative tolerance near 1e-7, so the REML
variances, the mixed-model estimates and their Satterthwaite df agree to about 1e-5 (our
REML is a bounded Brent search to 1e-12 on the variance ratio); the ANOVA and CR2 figures are
closed forms and agree to 1e-9.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from embct.analysis.cluster import (
    cr2_coef_test,
    icc_oneway,
    outcome_clustering,
)

HERE = Path(__file__).resolve().parent.parent / "reference" / "R" / "clustering"
OUTCOMES = ("hads", "mhc")


def load_clustered_trial() -> pd.DataFrame:
    """clustered_trial.csv as a normalized frame (arm 0/1, completer bool, group None)."""
    frame = pd.read_csv(HERE / "clustered_trial.csv", keep_default_na=False, na_values=[""])
    frame["arm"] = (frame["arm"] == "embct").astype(int)
    frame["completer"] = frame["completer"].astype(bool)
    frame["group_id"] = frame["group_id"].replace("", None)
    return frame


@pytest.fixture(scope="module")
def ref() -> pd.Series:
    return pd.read_csv(HERE / "clustering_output.csv").set_index("name")["value"]


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    frame = load_clustered_trial()
    return {outcome: outcome_clustering(frame, outcome) for outcome in OUTCOMES}


@pytest.mark.parametrize("outcome", OUTCOMES)
@pytest.mark.parametrize("cluster", ["therapist", "group"])
def test_icc_matches_r_anova_and_lmer(results, ref, outcome, cluster):
    res = results[outcome]
    assert res["n"] == ref[f"{outcome}_n"]
    icc = res["icc"][cluster]
    p = f"{outcome}_icc_{cluster}_"
    # R: a <- summary(aov(post ~ cluster, data = t))[[1]]; msb, msw, F, Pr(>F);
    #    icc1 = (msb - msw) / (msb + (n0 - 1) * msw), n0 = (N - sum(nj^2) / N) / (J - 1)
    for key in ("ms_between", "ms_within", "f", "p_val", "icc1"):
        assert icc[key] == pytest.approx(ref[p + key], rel=1e-9), key
    # R: vc <- as.data.frame(VarCorr(lmer(post ~ 1 + (1 | cluster), REML = TRUE)))$vcov;
    #    vc[1] / sum(vc)
    assert icc["icc_reml"] == pytest.approx(ref[p + "icc_reml"], rel=1e-4)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_cr2_satterthwaite_matches_club_sandwich(results, ref, outcome):
    for model in results[outcome]["models"]:
        for j, term in enumerate(model["terms"]):
            p = f"{outcome}_step{model['step']}_{j}_"
            # R: fit <- lm(form, data = s); coef(fit); sqrt(diag(vcov(fit)))
            assert term["b"] == pytest.approx(ref[p + "b"], rel=1e-9)
            assert term["se_ols"] == pytest.approx(ref[p + "se_ols"], rel=1e-9)
            # R: ct <- clubSandwich::coef_test(fit, vcov = "CR2", cluster = s$therapist_id,
            #                                  test = "Satterthwaite"); ct$SE, ct$df_Satt, ct$p_Satt
            assert term["se_cr2"] == pytest.approx(ref[p + "se_cr2"], rel=1e-9)
            assert term["dof_cr2"] == pytest.approx(ref[p + "dof_cr2"], rel=1e-9)
            assert term["p_val_cr2"] == pytest.approx(ref[p + "p_val_cr2"], rel=1e-8)


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_random_therapist_intercept_matches_lmer_test(results, ref, outcome):
    for model in results[outcome]["models"]:
        p = f"{outcome}_step{model['step']}_"
        # R: vc <- as.data.frame(VarCorr(lmer(update(form, . ~ . + (1 | therapist_id)))))$vcov
        assert model["tau2"] == pytest.approx(ref[p + "tau2"], rel=1e-4)
        assert model["sigma2"] == pytest.approx(ref[p + "sigma2"], rel=1e-6)
        for j, term in enumerate(model["terms"]):
            q = f"{p}{j}_"
            # R: summary(mm, ddf = "Satterthwaite")$coefficients: Estimate, Std. Error, df,
            #    Pr(>|t|) (lmerTest)
            assert term["b_mixed"] == pytest.approx(ref[q + "b_mixed"], rel=1e-5, abs=1e-8)
            assert term["se_mixed"] == pytest.approx(ref[q + "se_mixed"], rel=1e-5)
            assert term["dof_mixed"] == pytest.approx(ref[q + "dof_mixed"], rel=1e-4)
            assert term["p_val_mixed"] == pytest.approx(ref[q + "p_val_mixed"], rel=1e-3)


def test_cr2_with_one_observation_per_cluster_is_hc2():
    """Singleton clusters make CR2 the HC2 estimator: (X'X)^-1 X' diag(e^2/(1-h)) X (X'X)^-1."""
    rng = np.random.default_rng(3)
    x = np.column_stack([np.ones(30), rng.normal(size=30)])
    y = x @ [1.0, 2.0] + rng.normal(size=30)
    res = cr2_coef_test(x, y, np.arange(30))
    m = np.linalg.inv(x.T @ x)
    e = y - x @ (m @ x.T @ y)
    h = np.einsum("ij,jk,ik->i", x, m, x)
    hc2 = m @ (x.T * (e**2 / (1 - h))) @ x @ m
    np.testing.assert_allclose(res["se"], np.sqrt(np.diag(hc2)), rtol=1e-12)


def test_icc_without_clusters_is_refused_and_skips_the_section():
    from embct.analysis.linalg import ModelError

    with pytest.raises(ModelError, match="2 clusters"):
        icc_oneway([1.0, 2.0, 3.0], ["a", "a", "a"])
    frame = load_clustered_trial().drop(columns=["therapist_id"])
    assert outcome_clustering(frame, "hads") == {"skipped": "no therapist_id in the data"}

"""embct.analysis.impute against R's mice (tests/reference/R/imputation/imputation.R ->
imputation_output.csv and imputation_completed_hads.csv, on the clustered trial of
tests/reference/R/clustering/).

Two kinds of check:

- Rubin's rules are deterministic: on mice's own completed data sets (exported by the R
  script) our :func:`pool` and :func:`pool_r_squared` must give ``mice::pool`` and
  ``mice::pool.r.squared`` to 1e-8.
- The imputations are random, and our random numbers are not R's: with the same model, method
  (pmm), m = 20 and 10 iterations our pooled estimates must agree with mice's within Monte
  Carlo error. Each pooled estimate is a mean of m draws with between-imputation variance B,
  so its Monte Carlo variance is B / m and the difference of two independent runs has
  variance (B_ours + B_mice) / m; we allow 4 of its standard deviations (a two-sided
  probability of 6e-5 per coefficient under agreement). The pooled standard error
  sqrt(T), T = Ubar + (1 + 1/m) B, carries Monte Carlo error through B only: B has m - 1 df,
  a relative SD of sqrt(2 / (m - 1)), and B's share of T is lambda, so sqrt(T) has a
  relative SD of about lambda sqrt(2 / (m - 1)) / 2 per run; we allow 4 SDs of the
  difference (plus 2% for Ubar's own spread).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from embct.analysis.cluster import design
from embct.analysis.impute import (
    impute_chained,
    missing_pattern,
    outcome_regression_mi,
    pool,
    pool_r_squared,
)
from embct.analysis.linalg import ModelError

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"
M, ITERATIONS = 20, 10
STEP_K = {1: 3, 2: 4, 3: 5}


@pytest.fixture(scope="module")
def ref() -> pd.Series:
    return pd.read_csv(REFERENCE / "imputation" / "imputation_output.csv").set_index("name")[
        "value"
    ]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    data = pd.read_csv(
        REFERENCE / "clustering" / "clustered_trial.csv", keep_default_na=False, na_values=[""]
    )
    data["arm"] = (data["arm"] == "embct").astype(int)
    return data


@pytest.fixture(scope="module")
def results(frame) -> dict[str, dict]:
    return {
        outcome: outcome_regression_mi(frame, outcome, m=M, iterations=ITERATIONS, seed=2019)
        for outcome in ("hads", "mhc")
    }


def _fit(data: pd.DataFrame, k: int) -> tuple[np.ndarray, np.ndarray, float]:
    x, y = design(data, k), data["post"].to_numpy()
    b, *_ = np.linalg.lstsq(x, y, rcond=None)
    e = y - x @ b
    var = np.diag(np.linalg.inv(x.T @ x)) * float(e @ e) / (len(y) - k)
    return b, var, 1 - float(e @ e) / float(np.sum((y - y.mean()) ** 2))


@pytest.mark.parametrize("step", [1, 2, 3])
def test_rubins_rules_equal_mice_pool_on_mices_completed_data(ref, step):
    long = pd.read_csv(REFERENCE / "imputation" / "imputation_completed_hads.csv")
    k = STEP_K[step]
    fits = [_fit(group, k) for _, group in long.groupby(".imp")]
    n = int(long[".imp"].value_counts().iloc[0])
    pooled = pool([f[0] for f in fits], [f[1] for f in fits], dfcom=n - k)
    for j in range(k):
        p = f"hads_step{step}_{j}_"
        # R: pool(with(imp, lm(form)))$pooled[, c("estimate", "ubar", "b", "t", "df", "riv",
        #    "lambda", "fmi")]; summary(pool(fit))$p.value
        for key in ("estimate", "ubar", "b", "t", "df", "riv", "lambda", "fmi", "p_val"):
            assert pooled[key][j] == pytest.approx(ref[p + key], rel=1e-8), (key, j)
    # R: pool.r.squared(fit)[1, c("est", "lo 95", "hi 95")]
    r2 = pool_r_squared([f[2] for f in fits], n)
    for key, name in (("est", "r2"), ("ci_low", "r2_ci_low"), ("ci_high", "r2_ci_high")):
        assert r2[key] == pytest.approx(ref[f"hads_step{step}_{name}"], rel=1e-8)


@pytest.mark.parametrize("outcome", ["hads", "mhc"])
def test_missing_pattern_equals_md_pattern(results, ref, outcome):
    # R: md.pattern(s[, c("post", "baseline", "wai_w2")], plot = FALSE): count per pattern
    expected = {
        name.rsplit("_", 1)[1]: int(value)
        for name, value in ref.items()
        if name.startswith(f"{outcome}_pattern_")
    }
    got = {
        "".join(str(v) for v in p["observed"]): p["n"]
        for p in results[outcome]["pattern"]["patterns"]
    }
    assert got == expected
    assert results[outcome]["pattern"]["columns"] == ["post", "baseline", "wai_w2"]


@pytest.mark.parametrize("outcome", ["hads", "mhc"])
def test_pooled_estimates_agree_with_mice_within_monte_carlo_error(results, ref, outcome):
    res = results[outcome]
    assert (res["n"], res["m"], res["method"]) == (240, M, "pmm")
    for step in res["steps"]:
        for j, term in enumerate(step["terms"]):
            q = f"{outcome}_step{step['step']}_{j}_"
            # R: pool(with(rbind(mice(arm 0, m = 20, maxit = 10, method = "pmm"),
            #                    mice(arm 1, ...)), lm(form)))$pooled$estimate, $b, $t, $lambda
            mc_sd = math.sqrt((term["b_between"] + ref[q + "b"]) / M)
            assert abs(term["b"] - ref[q + "estimate"]) <= 4 * mc_sd, q
            lam = max(term["lambda"], ref[q + "lambda"])
            rel_sd = lam * math.sqrt(2 / (M - 1)) / 2 * math.sqrt(2)
            assert term["se"] / math.sqrt(ref[q + "t"]) == pytest.approx(1, abs=4 * rel_sd + 0.02)


def test_the_same_seed_gives_the_same_imputations_and_another_seed_others(frame):
    data = frame[["hads_post", "hads_pre", "wai_w2"]].iloc[:60]
    one = impute_chained(data, m=2, iterations=2, seed=7)
    two = impute_chained(data, m=2, iterations=2, seed=7)
    three = impute_chained(data, m=2, iterations=2, seed=8)
    assert all(a.equals(b) for a, b in zip(one, two, strict=True))
    assert not one[0].equals(three[0])
    # pmm imputes observed values only, and leaves observed values as they were
    observed = set(data["hads_post"].dropna())
    assert set(one[0]["hads_post"]) <= observed
    kept = data.notna()
    assert (one[0][kept] == data[kept]).sum().sum() == kept.sum().sum()


def test_norm_imputes_from_the_regression():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    y = 2 * x + rng.normal(scale=0.1, size=400)
    data = pd.DataFrame({"x": x, "y": np.where(np.arange(400) % 4 == 0, np.nan, y)})
    done = impute_chained(data, m=1, iterations=1, seed=1, method="norm")[0]
    gap = data["y"].isna()
    assert np.abs(done.loc[gap, "y"] - 2 * x[gap]).max() < 0.5


def test_bad_input_is_refused():
    with pytest.raises(ModelError, match="method"):
        impute_chained(pd.DataFrame({"a": [1.0, None]}), method="cart")
    with pytest.raises(ModelError, match="fewer than 2 observed"):
        impute_chained(pd.DataFrame({"a": [1.0, None, None], "b": [1.0, 2, 3]}), m=2)
    with pytest.raises(ModelError, match="at least 2 imputations"):
        pool([[1.0]], [[0.1]], dfcom=10)
    assert missing_pattern(pd.DataFrame({"a": [1.0]}))["patterns"] == [
        {"observed": [1], "n": 1, "n_missing": 0}
    ]


def test_predictive_mean_matching_picks_among_the_nearest_donors():
    """The sorted-window matcher against brute force: every pick is one of the 5 nearest."""
    from embct.analysis.impute import _match

    rng = np.random.default_rng(5)
    yhat_obs = rng.normal(size=200)
    y_obs = np.arange(200.0)  # the donor's value is its position
    yhat_mis = np.concatenate([rng.normal(size=300), [-9.0, 9.0]])  # and beyond both ends
    picks = _match(yhat_obs, yhat_mis, y_obs, 5, rng).astype(int)
    for target, pick in zip(yhat_mis, picks, strict=True):
        nearest = np.argsort(np.abs(yhat_obs - target))[:5]
        assert pick in nearest
    assert len(set(picks[:300])) > 100  # random among the donors, not always the nearest


def test_stacked_chains_are_matched_each_within_its_own_chain():
    from embct.analysis.impute import _match

    rng = np.random.default_rng(6)
    hat_obs = rng.normal(size=(4, 50)) * [[1], [10], [0.1], [100]]
    hat_mis = rng.normal(size=(4, 30)) * [[1], [10], [0.1], [100]]
    y_obs = np.tile(np.arange(50.0), (4, 1)) + np.arange(4)[:, None] * 1000
    picks = _match(hat_obs, hat_mis, y_obs, 5, rng)
    for chain in range(4):
        for target, pick in zip(hat_mis[chain], picks[chain], strict=True):
            nearest = np.argsort(np.abs(hat_obs[chain] - target))[:5] + chain * 1000
            assert pick in nearest


def test_a_run_of_equal_predictions_donates_from_all_its_rows():
    """Equal predictions are ties, broken at random as mice's matcher does (it shuffles the
    donors before sorting): a target inside a run of 30 equal predictions gets each of the
    30 rows with probability 1/30, not only the few that sort next to it."""
    from embct.analysis.impute import _match

    rng = np.random.default_rng(8)
    yhat_obs = np.concatenate([np.full(30, 2.0), np.linspace(10, 20, 70)])
    y_obs = np.arange(100.0)
    picks = _match(yhat_obs, np.full(6000, 2.0), y_obs, 5, rng).astype(int)
    counts = np.bincount(picks, minlength=100)
    assert counts[30:].sum() == 0  # never a row of another prediction
    # chi-square of uniformity over the 30 rows; 29 df, the 1e-4 critical value is 66.6
    expected = 6000 / 30
    assert float(((counts[:30] - expected) ** 2 / expected).sum()) < 66.6
    # A run only partly among the 5 nearest: 3 nearer rows, then a run of 4 equal ones of
    # which 2 are among the 5; each of the 4 is picked with probability 2/5 / 4 = 0.1.
    yhat_obs = np.array([0.0, 0.1, -0.1, 1.0, 1.0, 1.0, 1.0, 5.0])
    picks = _match(yhat_obs, np.zeros(20000), np.arange(8.0), 5, rng).astype(int)
    shares = np.bincount(picks, minlength=8) / 20000
    assert shares[:3] == pytest.approx([0.2, 0.2, 0.2], abs=0.02)
    assert shares[3:7] == pytest.approx([0.1] * 4, abs=0.015)
    assert shares[7] == 0

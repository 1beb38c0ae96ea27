"""Cronbach's alpha, item-total statistics, Feldt interval and omega, checked against R.

Reference: tests/reference/R/alpha_psych_output.json, made by
``Rscript tests/reference/R/alpha_psych.R`` (R 4.2.2, psych 2.2.9). Each block of that file
records the call (``psych::alpha(na.omit(x))`` for listwise, ``psych::alpha(x)`` for psych's
default pairwise) and ``psych::alpha.ci`` for the Feldt interval; omega is
``(sum l)^2 / ((sum l)^2 + sum(1 - l^2))`` with ``l`` from ``psych::fa(R, 1, fm = "minres")``.
R prints full double precision, so the tolerance is 1e-9 except for the factor loadings
(psych::fa stops its optimiser at about 1e-6: 1e-5).

Known differences from psych, by design:
* pairwise ``n`` counts respondents with at least one answer (psych: all rows; equal here);
* pairwise ``r_total`` comes from the covariance matrix, psych's ``raw.r`` from row means,
  so ``r_total`` is compared listwise only.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from embct.instruments import cronbach_alpha, feldt_interval, item_scores, omega_total
from support.shared import SharedData

HERE = Path(__file__).resolve().parent
R_OUT = json.loads((HERE.parent / "reference" / "R" / "alpha_psych_output.json").read_text())
OWN_CSV = HERE.parent / "reference" / "R" / "alpha_own_hads.csv"
#: MultiLCIRT's HADS data (GPL: read where it lies, through the shared_data fixture).
MULTILCIRT = "data/hads-multilcirt/hads.csv"


def load_generator() -> Any:
    spec = importlib.util.spec_from_file_location("alpha_own_data", HERE / "alpha_own_data.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check(result: Any, ref: dict[str, Any], tol: float = 1e-9) -> None:
    """Compare an AlphaResult with one psych::alpha block of the R output."""
    # psych's n is every row; ours (pairwise) counts rows with at least one answer
    assert result.n == ref["n_answered"]
    assert result.k == ref["k"]
    assert result.alpha == pytest.approx(ref["raw_alpha"], abs=tol)
    assert result.std_alpha == pytest.approx(ref["std_alpha"], abs=tol)
    assert result.average_r == pytest.approx(ref["average_r"], abs=tol)
    # R: psych::alpha.ci(raw_alpha, n.obs = n_answered, n.var = k)
    assert result.ci_low == pytest.approx(ref["feldt_low_answered"], abs=tol)
    assert result.ci_high == pytest.approx(ref["feldt_high_answered"], abs=tol)
    if result.n == ref["n"]:
        assert result.ci_low == pytest.approx(ref["feldt_low"], abs=tol)
    assert result.omega == pytest.approx(ref["omega_minres"], abs=1e-5)
    items = result.item_total
    assert list(items.index) == ref["items"]
    np.testing.assert_allclose(items["n"], ref["item_n"])
    np.testing.assert_allclose(items["mean"], ref["item_mean"], atol=tol)
    np.testing.assert_allclose(items["sd"], ref["item_sd"], atol=tol)
    np.testing.assert_allclose(items["r_drop"], ref["r_drop"], atol=tol)
    np.testing.assert_allclose(items["r_total_std"], ref["std_r"], atol=tol)
    np.testing.assert_allclose(items["alpha_if_deleted"], ref["alpha_drop"], atol=tol)
    np.testing.assert_allclose(items["std_alpha_if_deleted"], ref["std_alpha_drop"], atol=tol)
    if result.nan_policy == "listwise":
        np.testing.assert_allclose(items["r_total"], ref["raw_r"], atol=tol)
        # psych reports the mean and SD of the mean item score; ours are of the sum score
        assert result.mean / result.k == pytest.approx(ref["mean"], abs=tol)
        assert result.sd / result.k == pytest.approx(ref["sd"], abs=tol)


def test_own_data_file_is_what_the_generator_makes() -> None:
    made = load_generator().make_own_hads()
    committed = pd.read_csv(OWN_CSV, dtype={"participant_id": str})
    pd.testing.assert_frame_equal(
        committed.set_index("participant_id").astype(float),
        made.set_index("participant_id").astype(float),
    )


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
@pytest.mark.parametrize(
    ("scale", "items"),
    [("total", range(1, 15)), ("anxiety", range(1, 15, 2)), ("depression", range(2, 15, 2))],
)
def test_alpha_on_own_simulated_hads_matches_psych(policy: str, scale: str, items: range) -> None:
    # R: psych::alpha(na.omit(x)) / psych::alpha(x) on alpha_own_hads.csv (see the script)
    frame = pd.read_csv(OWN_CSV)
    scores = item_scores(frame, "hads", "pre")
    result = cronbach_alpha(scores[[f"hads_pre_{i}" for i in items]], nan_policy=policy)
    check(result, R_OUT["own_hads"][scale][policy])


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
@pytest.mark.parametrize(
    ("block", "columns"),
    [("total", range(1, 15)), ("odd_items", range(1, 15, 2)), ("even_items", range(2, 15, 2))],
)
def test_alpha_on_real_hads_data_matches_psych(
    policy: str, block: str, columns: range, shared_data: SharedData
) -> None:
    # R: psych::alpha(x) on MultiLCIRT's hads.csv (201 oncology patients, no missing values)
    raw = pd.read_csv(shared_data.path(MULTILCIRT))
    frame = raw.rename(columns={f"item{i}": f"hads_{i}" for i in range(1, 15)})
    scores = item_scores(frame, "hads", None)  # validates every cell as a HADS answer
    result = cronbach_alpha(scores[[f"hads_{i}" for i in columns]], nan_policy=policy)
    ref = R_OUT["multilcirt_hads"][block][policy]
    ref = ref | {"items": [f"hads_{i}" for i in columns]}
    check(result, ref)


def test_listwise_is_the_textbook_formula_on_complete_cases() -> None:
    frame = pd.read_csv(OWN_CSV)
    scores = item_scores(frame, "hads", "pre").dropna()
    k = scores.shape[1]
    by_hand = k / (k - 1) * (1 - scores.var().sum() / scores.sum(axis=1).var())
    assert cronbach_alpha(scores).alpha == pytest.approx(by_hand, abs=1e-12)


def test_feldt_interval_matches_psych_alpha_ci() -> None:
    # R: psych::alpha.ci(0.8, n.obs = 100, n.var = 10) -> lower 0.7360485, upper 0.8536918
    low, high = feldt_interval(0.8, 100, 10)
    assert low == pytest.approx(0.7360485, abs=5e-8)
    assert high == pytest.approx(0.8536918, abs=5e-8)
    low90, high90 = feldt_interval(0.8, 100, 10, level=0.90)
    assert low < low90 < 0.8 < high90 < high


def test_bad_items_raise() -> None:
    items = pd.DataFrame({"a": [1, 2, 3], "b": [1, "x", 2]}, index=["r1", "r2", "r3"])
    with pytest.raises(ValueError, match=r"item b, row 'r2', value 'x': expected a number"):
        cronbach_alpha(items)
    with pytest.raises(ValueError, match="at least 2 items"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3]}))
    with pytest.raises(ValueError, match="'b' has no variance"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2, 3], "b": [2, 2, 2]}))
    with pytest.raises(ValueError, match="at least 2 respondents"):
        cronbach_alpha(pd.DataFrame({"a": [1, np.nan, 3], "b": [np.nan, 2, np.nan]}))
    with pytest.raises(ValueError, match="nan_policy"):
        cronbach_alpha(pd.DataFrame({"a": [1, 2], "b": [2, 1]}), nan_policy="all")  # type: ignore[arg-type]


def test_result_is_json_ready() -> None:
    frame = pd.read_csv(OWN_CSV)
    result = cronbach_alpha(item_scores(frame, "hads", "pre"))
    document = json.loads(json.dumps(result.to_dict()))
    assert document["n"] == 141
    assert len(document["items"]) == 14
    assert document["items"][0]["item"] == "hads_pre_1"
    assert result.alpha_if_deleted.index[0] == "hads_pre_1"


def test_omega_of_an_exact_one_factor_matrix() -> None:
    # McDonald (1999): with loadings l the model-implied omega is (sum l)^2 / ((sum l)^2 + sum psi)
    loadings = np.array([0.8, 0.7, 0.6, 0.5, 0.4])
    corr = np.outer(loadings, loadings)
    np.fill_diagonal(corr, 1.0)
    expected = loadings.sum() ** 2 / (loadings.sum() ** 2 + (1 - loadings**2).sum())
    assert omega_total(corr) == pytest.approx(expected, abs=1e-9)


def test_bfi_is_read_as_r_has_it(bfi: pd.DataFrame) -> None:
    # R: dim(bfi); colSums(bfi, na.rm = TRUE); colSums(is.na(bfi))
    assert list(bfi.shape) == R_OUT["bfi_dims"]
    for column, total in R_OUT["bfi_colsums"].items():
        assert bfi[column].sum() == total
        assert bfi[column].isna().sum() == R_OUT["bfi_nmissing"][column]


@pytest.mark.parametrize("policy", ["listwise", "pairwise"])
@pytest.mark.parametrize("scale", ["E_unreversed", "E", "A", "C", "N", "O"])
def test_alpha_on_bfi_matches_psych(bfi: pd.DataFrame, scale: str, policy: str) -> None:
    # R: x <- bfi[, items]; x[reversed] <- 7 - x[reversed]; psych::alpha(na.omit(x)) for
    # listwise, psych::alpha(x) for pairwise; psych::alpha.ci for the Feldt interval.
    ref = R_OUT["bfi"][scale][policy]
    items = bfi[ref["items"]].copy()
    for column in R_OUT["bfi"][scale]["reversed"]:
        items[column] = 7 - items[column]
    check(cronbach_alpha(items, nan_policy=policy), ref)


def test_bfi_listwise_matches_the_published_bruceR_example(bfi: pd.DataFrame) -> None:
    # bruceR::Alpha(psych::bfi, "E", 1:5) documents "Valid Cases: 2713 ... Mean = 3.791,
    # S.D. = 0.542, Cronbach's alpha = -0.624" (psychbruce.github.io/bruceR/reference/Alpha.html)
    result = cronbach_alpha(bfi[[f"E{i}" for i in range(1, 6)]])
    assert result.n == 2713
    assert round(result.alpha, 3) == -0.624
    assert round(result.mean / 5, 3) == 3.791
    assert round(result.sd / 5, 3) == 0.542


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(3, 8), st.floats(0.0, 0.15))
def test_alpha_properties_on_random_items(seed: int, k: int, missing_rate: float) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    latent = rng.normal(size=(n, 1))
    values = np.round(latent + rng.normal(size=(n, k)), 0) + 3
    items = pd.DataFrame(values, columns=[f"i{j}" for j in range(k)])
    complete = cronbach_alpha(items)
    # pairwise equals listwise when nothing is missing; row order does not matter
    assert cronbach_alpha(items, nan_policy="pairwise").alpha == pytest.approx(complete.alpha)
    shuffled = items.sample(frac=1.0, random_state=seed % 1000)
    assert cronbach_alpha(shuffled).alpha == pytest.approx(complete.alpha)
    assert complete.ci_low < complete.alpha < complete.ci_high
    # listwise with missing values is the textbook formula on complete rows
    holes = items.mask(rng.random(items.shape) < missing_rate)
    rows = holes.dropna()
    if len(rows) > 3 and (rows.var() > 0).all():
        by_hand = k / (k - 1) * (1 - rows.var().sum() / rows.sum(axis=1).var())
        assert cronbach_alpha(holes).alpha == pytest.approx(by_hand, abs=1e-10)
        assert cronbach_alpha(holes).n == len(rows)


def test_alpha_if_deleted_is_nan_not_a_warning_when_the_rest_has_no_variance() -> None:
    """Three items where the last two always sum to the same value: deleting item 1 leaves
    a constant rest score, so alpha if deleted and r_drop are undefined (NaN), and no
    division warning escapes (the suite turns RuntimeWarnings into errors)."""
    import warnings

    items = pd.DataFrame({"a": [2, 2, 3, 1, 4], "b": [0, 1, 2, 3, 1], "c": [3, 2, 1, 0, 2]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = cronbach_alpha(items)
    row = result.item_total.loc["a"]
    assert np.isnan(row["alpha_if_deleted"])
    assert np.isnan(row["r_drop"])
    assert np.isfinite(result.item_total.loc["b", "alpha_if_deleted"])

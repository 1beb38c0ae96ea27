"""Properties of the whole analysis: row order is irrelevant; swapping which arm is the
reference only swaps the arms and flips the sign of arm differences."""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from embct.analysis import AnalysisConfig, analyze, prepare

SWAPPED = AnalysisConfig(reference_label="embct", comparison_label="mbct")
# Baseline columns that flip sign, and pairs that trade places, when the arms swap.
FLIPS = ("t", "welch_t", "mean_difference")
SIDES = ("n", "count", "percent", "mean", "sd")


def close(a: Any, b: Any, rel: float = 1e-9) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=rel, abs_tol=rel)
    return bool(a == b)


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Equal documents. Known, tolerated differences:

    - the mixed model is fitted iteratively (profiled REML), so its estimates depend on the
      row order to the optimizer's tolerance: compared to 1e-5 relative;
    - a skipped section may explain itself differently when the data are degenerate (a
      separated logit is found as "separation" or as a singular information matrix,
      depending on rounding): both must be skipped.
    """
    if isinstance(a, dict) and "skipped" in a:
        assert isinstance(b, dict), path
        assert "skipped" in b, path
    elif isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for key in a:
            assert_same(a[key], b[key], f"{path}.{key}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    else:
        rel = 1e-5 if ".mixed_model." in path else 1e-9
        assert close(a, b, rel), (path, a, b)


# The fixtures only return pure functions, so sharing them across examples is safe. The
# examples use totals (reliability, the slow section, is checked on items once below).
SETTINGS = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking whole trials is slow
)
shapes = st.fixed_dictionaries(
    {
        "n": st.integers(min_value=40, max_value=90),
        "seed": st.integers(min_value=0, max_value=10_000),
        "missing": st.sampled_from([0.0, 0.03]),
    }
)


@SETTINGS
@given(shape=shapes, order=st.randoms(use_true_random=False))
def test_permuting_rows_changes_nothing(
    trial_table: Callable[..., pd.DataFrame],
    totals_of: Callable[[pd.DataFrame], pd.DataFrame],
    shape: dict[str, Any],
    order: Any,
) -> None:
    raw = totals_of(trial_table(**shape))
    check_permutation(raw, order)


def check_permutation(raw: pd.DataFrame, order: Any) -> None:
    rows = list(range(len(raw)))
    order.shuffle(rows)
    a = analyze(prepare(raw))
    b = analyze(prepare(raw.iloc[rows].reset_index(drop=True)))
    # Which spelling of an arm label is "first" may change with the order; here it cannot.
    assert_same(
        {k: v for k, v in a.items() if k != "meta"}, {k: v for k, v in b.items() if k != "meta"}
    )


@SETTINGS
@given(shape=shapes)
def test_swapping_the_reference_arm_swaps_arms_and_flips_signs(
    trial_table: Callable[..., pd.DataFrame],
    totals_of: Callable[[pd.DataFrame], pd.DataFrame],
    shape: dict[str, Any],
) -> None:
    check_swap(totals_of(trial_table(**shape)))


def test_both_properties_hold_on_item_level_data(
    trial_table: Callable[..., pd.DataFrame],
) -> None:
    raw = trial_table(n=80, seed=3, missing=0.03)
    check_swap(raw)
    check_permutation(raw, random.Random(5))


def check_swap(raw: pd.DataFrame) -> None:
    a = analyze(prepare(raw))
    b = analyze(prepare(raw, SWAPPED))
    assert a["n"] == b["n"]
    assert_same(a["flow"]["arms"][0] | {"arm": 1}, b["flow"]["arms"][1])
    assert_same(a["flow"]["arms"][1] | {"arm": 0}, b["flow"]["arms"][0])
    assert_same(a["flow"]["total"], b["flow"]["total"])
    test_a, test_b = a["flow"]["dropout_by_arm"], b["flow"]["dropout_by_arm"]
    if "skipped" not in test_a:
        for key in ("n", "chi2", "dof", "p_val", "fisher_p_val", "min_expected"):
            assert close(test_a[key], test_b[key]), key
        assert test_a["dropouts_reference"] == test_b["dropouts_comparison"]
    assert_same(a["reliability"], b["reliability"])
    assert_same(a["dropout"]["wai_w2"], b["dropout"]["wai_w2"])
    for row_a, row_b in zip(a["baseline"]["rows"], b["baseline"]["rows"], strict=True):
        for arm_a, arm_b in zip(row_a["arms"], reversed(row_b["arms"]), strict=True):
            assert_same(arm_a | {"arm": 1 - arm_a["arm"]}, arm_b)
        for key, value in row_a.items():
            if key == "arms":
                continue
            if key in FLIPS:
                assert close(value, None if row_b[key] is None else -row_b[key]), key
            elif key == "ci_low":
                assert close(value, None if row_b["ci_high"] is None else -row_b["ci_high"])
            elif key == "ci_high":
                assert close(value, None if row_b["ci_low"] is None else -row_b["ci_low"])
            elif key.startswith(("reference_", "comparison_")):
                side, stat = key.split("_", 1)
                other = "comparison" if side == "reference" else "reference"
                assert stat in SIDES
                assert close(value, row_b[f"{other}_{stat}"]), key
            else:
                assert close(value, row_b[key]), (key, value, row_b[key])


def test_the_property_tests_see_real_differences(
    trial_table: Callable[..., pd.DataFrame],
) -> None:
    """Guard: the generated arms differ, so the swap checks are not vacuous."""
    a = analyze(prepare(trial_table(n=60, seed=7)))
    age = next(row for row in a["baseline"]["rows"] if row["variable"] == "age")
    assert abs(age["t"]) > 1e-6
    assert not np.isclose(age["ci_low"], -age["ci_high"])
    counts = [arm["randomized"] for arm in a["flow"]["arms"]]
    assert counts[0] != counts[1]

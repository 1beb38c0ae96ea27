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
FLIPS = ("t", "welch_t", "mean_difference", "phi", "cohens_d", "hedges_g")
#: Interval ends that swap (and flip sign) with the reference arm.
CI_ENDS = {
    "ci_low": "ci_high",
    "ci_high": "ci_low",
    **{
        f"{d}_ci_{a}": f"{d}_ci_{b}"
        for d in ("cohens_d", "hedges_g")
        for a, b in (("low", "high"), ("high", "low"))
    },
}
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
    max_examples=10,
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
    check_models_swap(a, b)
    for row_a, row_b in zip(a["baseline"]["rows"], b["baseline"]["rows"], strict=True):
        for arm_a, arm_b in zip(row_a["arms"], reversed(row_b["arms"]), strict=True):
            assert_same(arm_a | {"arm": 1 - arm_a["arm"]}, arm_b)
        for key, value in row_a.items():
            if key == "arms":
                continue
            if key in FLIPS:
                assert close(value, None if row_b[key] is None else -row_b[key]), key
            elif key in CI_ENDS:
                end = row_b[CI_ENDS[key]]
                assert close(value, None if end is None else -end), key
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


def both_ran(a: Any, b: Any) -> bool:
    assert ("skipped" in a) == ("skipped" in b), (a.get("skipped"), b.get("skipped"))
    return "skipped" not in a


def check_terms(ta: dict, tb: dict, rel: float, same: set[str], flipped: set[str]) -> None:
    """Terms of one step: ``same`` unchanged, ``flipped`` with b (and t) negated."""
    for term in same | flipped:
        sign = -1.0 if term in flipped else 1.0
        x, y = ta[term], tb[term]
        assert close(x["b"], sign * y["b"], rel), term
        assert close(x["se"], y["se"], rel), term
        assert close(x["p_val"], y["p_val"], rel), term
        if "t" in x:
            assert close(x["t"], sign * y["t"], rel), term


def check_models_swap(a: dict, b: dict) -> None:
    """Coding the other arm as 0: y = b0 + b1 arm + b2 w + b3 w arm becomes
    (b0 + b1) - b1 arm' + (b2 + b3) w - b3 w arm', so the arm and interaction terms flip
    sign, the baseline term and (before the interaction enters) the WAI term stay, and
    every model-level statistic is unchanged."""
    la, lb = a["dropout"]["logistic"], b["dropout"]["logistic"]
    if both_ran(la, lb):
        assert la["n"] == lb["n"]
        for sa, sb in zip(la["steps"], lb["steps"], strict=True):
            if "skipped" in sa or "skipped" in sb:
                # A step that separates is not estimated under either coding.
                assert "skipped" in sa, sa
                assert "skipped" in sb, sb
                continue
            for key in ("minus2ll", "model_chi2", "model_p_val", "nagelkerke_r2"):
                assert close(sa[key], sb[key], 1e-6), key
            ta = {t["term"]: t for t in sa["terms"]}
            tb = {t["term"]: t for t in sb["terms"]}
            interaction = "wai_w2:arm" in ta
            same = set() if interaction else {"wai_w2"}
            check_terms(ta, tb, 1e-6, same, {"arm", "wai_w2:arm"} & set(ta))
    for outcome in ("hads", "mhc"):
        oa, ob = a["outcomes"][outcome], b["outcomes"][outcome]
        if not both_ran(oa, ob):
            continue
        assert oa["n"] == ob["n"]
        for sa, sb in zip(oa["steps"], ob["steps"], strict=True):
            for key in ("r2", "adj_r2", "f", "p_val", "r2_change", "f_change", "f_change_p_val"):
                assert close(sa[key], sb[key], 1e-7), key
            ta = {t["term"]: t for t in sa["terms"]}
            tb = {t["term"]: t for t in sb["terms"]}
            same = {"baseline"} | (
                {"wai_w2"} if "wai_w2:arm" not in ta and "wai_w2" in ta else set()
            )
            check_terms(ta, tb, 1e-7, same, {"arm", "wai_w2:arm"} & set(ta))
        for x, y in zip(oa["simple_slopes"], reversed(ob["simple_slopes"]), strict=True):
            for key in ("b", "se", "t", "p_val"):
                assert close(x[key], y[key], 1e-7), key
        for x, y in zip(oa["arm_difference_at"], ob["arm_difference_at"], strict=True):
            assert close(x["b"], -y["b"], 1e-7)
            assert close(x["p_val"], y["p_val"], 1e-7)
        for key in ("lower", "upper"):
            assert close(oa["johnson_neyman"][key], ob["johnson_neyman"][key], 1e-7), key
    aa, ab = a["alliance_development"], b["alliance_development"]
    if both_ran(aa, ab):
        assert aa["n"] == ab["n"]
        assert_same(aa["multivariate"], ab["multivariate"])
        assert_same(aa["between"], ab["between"])
        assert_same(aa["sphericity"], ab["sphericity"])
        means_b = {(1 - m["arm"], m["week"]): m for m in ab["means"]}
        for m in aa["means"]:
            other = means_b[(m["arm"], m["week"])]
            assert close(m["mean"], other["mean"])
            assert close(m["se"], other["se"])
        # The mixed model's "time" test is time in the reference arm (treatment coding, with
        # the interaction in the model), so it rightly changes; the interaction does not.
        assert_same(
            aa["mixed_model"]["tests"]["time_x_arm"],
            ab["mixed_model"]["tests"]["time_x_arm"],
            ".mixed_model.tests.time_x_arm",
        )

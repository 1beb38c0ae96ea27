"""Reliable and clinically significant change (Jacobson & Truax 1991), hand-worked."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embct.instruments import (
    jacobson_truax_cutoffs,
    reliable_change,
    reliable_change_one,
    reliable_change_threshold,
)


def test_hads_minimal_reliable_change_matches_crawford_2001() -> None:
    # Crawford et al. (2001) UK norms as quoted in reference/instruments.md section 4:
    # total SD 5.98, alpha .86 -> 1.96 * S_diff = 6.20 -> 7 points on the integer scale;
    # anxiety SD 3.76, .82 -> 4.42 -> 5; depression SD 3.07, .77 -> 4.08 -> 5.
    assert round(reliable_change_threshold(5.98, 0.86), 2) == 6.20
    assert round(reliable_change_threshold(3.76, 0.82), 2) == 4.42
    assert round(reliable_change_threshold(3.07, 0.77), 2) == 4.08
    assert math.ceil(reliable_change_threshold(5.98, 0.86)) == 7
    assert math.ceil(reliable_change_threshold(3.76, 0.82)) == 5
    assert math.ceil(reliable_change_threshold(3.07, 0.77)) == 5


def test_hads_is_direction_aware_and_uses_the_screening_cut_off() -> None:
    # S_diff = sqrt(2) * 5.98 * sqrt(0.14) = 3.16432; threshold 1.96 * S_diff = 6.2021
    pre = pd.Series([22.0, 22.0, 15.0, 10.0, 12.0, np.nan], index=list("abcdef"))
    post = pd.Series([9.0, 14.0, 10.0, 18.0, 12.0, 5.0], index=list("abcdef"))
    out = reliable_change(pre, post, "hads")
    assert list(out.index) == list("abcdef")
    np.testing.assert_allclose(
        out["rci"].iloc[:5], np.array([-13, -8, -5, 8, 0]) / 3.16432, rtol=2e-6
    )
    assert out.attrs["threshold"] == pytest.approx(6.2021, abs=5e-5)
    assert out["direction"].tolist()[:5] == [
        "improved",
        "improved",
        "no reliable change",
        "deteriorated",
        "no reliable change",
    ]
    # a: reliably better and now below 11 -> recovered; b: reliably better, still >= 11
    assert out["status"].tolist()[:5] == [
        "recovered",
        "improved",
        "unchanged",
        "deteriorated",
        "unchanged",
    ]
    assert out["reliable"].tolist()[:5] == [True, True, False, True, False]
    assert out["reliable"].iloc[5] is pd.NA
    assert pd.isna(out["status"].iloc[5])
    assert out.attrs["cutoff"] == 11.0
    assert out.attrs["source"].startswith("Crawford")


def test_higher_is_better_scales_need_explicit_parameters() -> None:
    with pytest.raises(ValueError, match="give sd= and reliability="):
        reliable_change([30], [40], "mhc")
    # MHC-SF: SD 10, r .89 -> S_diff = sqrt(2) * 10 * sqrt(.11) = 4.6904; +10 -> RC 2.132
    out = reliable_change([30, 50], [40, 40], "mhc", sd=10, reliability=0.89, cutoff=35)
    assert out["rci"].round(3).tolist() == [2.132, -2.132]
    assert out["direction"].tolist() == ["improved", "deteriorated"]
    # 30 -> 40 crosses the cut-off 35 upwards: recovered
    assert out["status"].tolist() == ["recovered", "deteriorated"]
    wai = reliable_change([30], [40], "wai", sd=10, reliability=0.89)
    assert wai["status"].tolist() == ["improved"]  # no cut-off: reliable change only


def test_jacobson_truax_cutoffs() -> None:
    # c = (SD_func * M_dys + SD_dys * M_func) / (SD_func + SD_dys)
    #   = (4 * 18 + 6 * 8) / 10 = 12; a = 18 - 12 = 6; b = 8 + 8 = 16
    assert jacobson_truax_cutoffs(18, 6, 8, 4) == {"a": 6.0, "b": 16.0, "c": 12.0}
    # higher is better (dysfunctional mean below the functional one): mirrored a and b
    assert jacobson_truax_cutoffs(30, 5, 45, 5) == {"a": 40.0, "b": 35.0, "c": 37.5}
    assert jacobson_truax_cutoffs(18, 6) == {"a": 6.0, "b": None, "c": None}


def test_bad_parameters_and_values() -> None:
    with pytest.raises(ValueError, match="reliability must be in"):
        reliable_change([1], [2], "hads", sd=5, reliability=1.0)
    with pytest.raises(ValueError, match="SD must be a positive"):
        reliable_change([1], [2], "hads", sd=-1, reliability=0.8)
    with pytest.raises(ValueError, match="differ in length"):
        reliable_change([1, 2], [2], "hads")
    with pytest.raises(ValueError, match=r"post, row 1, value 'x': expected a number"):
        reliable_change([1, 2], [2, "x"], "hads")


# ---- the plain-float path for one person (issue 18) -----------------------------------------
scores = st.floats(-100, 100, allow_nan=False) | st.integers(-100, 100)


@given(
    pre=scores,
    post=scores,
    key=st.sampled_from(["hads", "wai", "mhc"]),
    sd=st.floats(0.1, 30),
    reliability=st.floats(0, 0.99),
    z=st.floats(0.5, 4),
    given_reference=st.booleans(),
)
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # pandas per example
def test_reliable_change_one_equals_the_pandas_path(
    pre: float,
    post: float,
    key: str,
    sd: float,
    reliability: float,
    z: float,
    given_reference: bool,
) -> None:
    reference = {"sd": sd, "reliability": reliability} if given_reference or key != "hads" else {}
    table = reliable_change([pre], [post], key, z=z, **reference)
    one = reliable_change_one(pre, post, key, z=z, **reference)
    row = table.iloc[0]
    assert one["change"] == row["change"]
    assert one["rci"] == row["rci"]
    assert one["direction"] == row["direction"]
    for name in ("sd", "reliability", "z", "s_diff", "threshold", "higher_is_better", "source"):
        assert one[name] == table.attrs[name], name


@pytest.mark.parametrize("bad", ["12", None, float("nan"), True, [3]])
def test_reliable_change_one_refuses_what_is_not_a_number(bad: object) -> None:
    with pytest.raises(ValueError, match="expected a number"):
        reliable_change_one(bad, 10, "hads")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="expected a number"):
        reliable_change_one(10, bad, "hads")  # type: ignore[arg-type]


def test_reliable_change_one_needs_a_reference_where_none_is_built_in() -> None:
    with pytest.raises(ValueError, match="no built-in reference"):
        reliable_change_one(30, 40, "wai")
    with pytest.raises(ValueError, match="reliability"):
        reliable_change_one(30, 40, "wai", sd=9.5, reliability=1.0)

"""APA formatting (APA Publication Manual, 7th ed., 6.36 and 6.44): p values without a
leading zero, "< .001", exact to 2 or 3 decimals; a true minus sign; numbers stay numbers
until formatted."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from embct.report import format as fmt


@pytest.mark.parametrize(
    ("p", "expected"),
    [
        (0.03, ".03"),  # the paper: P = .03
        (0.2005, ".20"),  # time x condition, printed .20
        (0.736, ".74"),  # condition, printed .74
        (0.004, ".004"),  # arm difference at low alliance, printed .004
        (8.1e-07, "< .001"),
        (0.001, ".001"),
        (0.00099999, "< .001"),
        (0.0496, ".050"),  # two decimals would hide that it is below .05
        (0.05, ".05"),
        (0.0504, ".050"),
        (0.994, ".99"),
        (0.9951, "> .99"),
        (0.0, "< .001"),
        (None, "—"),
        (float("nan"), "—"),
    ],
)
def test_p_values(p: float | None, expected: str) -> None:
    assert fmt.p_value(p) == expected


@pytest.mark.parametrize("p", [-0.01, 1.0001, float("inf")])
def test_p_outside_zero_one_is_an_error(p: float) -> None:
    with pytest.raises(ValueError, match="outside"):
        fmt.p_value(p)


@given(st.floats(min_value=0.0, max_value=1.0))
def test_every_p_value_has_apa_form(p: float) -> None:
    text = fmt.p_value(p)
    assert re.fullmatch(r"< \.001|> \.99|\.\d{2,3}", text), text
    if text.startswith("."):
        assert abs(float("0" + text) - p) <= 0.005 + 1e-12


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), st.integers(0, 4))
def test_num_round_trips(x: float, digits: int) -> None:
    text = fmt.num(x, digits)
    assert "-" not in text
    value = float(text.replace(fmt.MINUS, "-"))
    assert math.isclose(value, x, abs_tol=0.5 * 10**-digits + 1e-9)
    if digits:
        assert len(text.split(".")[1]) == digits


def test_numbers_without_leading_zero() -> None:
    assert fmt.num(0.732, 3, leading_zero=False) == ".732"
    assert fmt.num(-0.5, 2, leading_zero=False) == f"{fmt.MINUS}.50"
    assert fmt.num(1.0, 3, leading_zero=False) == "1.000"
    assert fmt.num(True) == "—"  # a bool is not a number here


def test_dof_ci_and_table_cells() -> None:
    assert fmt.dof(113) == "113"
    assert fmt.dof(17.776) == "17.78"  # Welch df of R's t.test(extra ~ group, sleep)
    assert fmt.ci(-4.231, -0.369, 3) == f"[{fmt.MINUS}4.231, {fmt.MINUS}0.369]"
    assert fmt.mean_sd(18.2, 6.7) == "18.2 (6.7)"
    assert fmt.n_percent(44, 36.6667) == "44 (36.7)"
    assert fmt.integer(-3) == f"{fmt.MINUS}3"
    assert fmt.signed_difference(-0.00004) == "0.000"

"""The rules of ``embct check-figures`` on published worked examples and constructed figures.

Published examples (the numbers, never the code):
- statcheck: the cases of its test suite (Epskamp & Nuijten, statcheck 1.5.0,
  tests/testthat/test-error.R and test-decisionerror.R), which illustrate the decision rules of
  Nuijten et al. (2016, Behav Res Methods 48:1205-1226) and the statcheck manual.
- GRIM: Brown & Heathers (2017, Soc Psychol Personal Sci 8:363-369), their illustration of
  49 participants with a mean of 5.93 (as retold by The Economist, 18 June 2016), and the die
  rolled 20 times averaging 3.48 (the GRIM test's standard example).
- GRIMMER: Anaya (2016, PeerJ Preprints 2400) as implemented analytically by Allard (2018);
  the worked case of scrutiny's GRIMMER vignette (mean 7.3, SD 2.51, n = 12: inconsistent).
"""

from __future__ import annotations

import pytest
from scipy import stats

from embct.figures import rules


# statcheck test-error.R: "simple errors are classified as such"
@pytest.mark.parametrize(
    ("stat", "value", "p", "df1", "df2"),
    [
        ("t", "2.20", ".03", 28, None),
        ("F", "2.20", ".15", 2, 28),
        ("r", ".22", ".26", 28, None),
        ("chi2", "22.20", ".79", 28, None),
        ("z", "2.20", ".04", None, None),
        ("t", "-2.20", ".03", 28, None),
        ("t", "2.20", ">.05", 28, None),
    ],
)
def test_statcheck_flags_its_published_errors(stat, value, p, df1, df2) -> None:
    assert rules.statcheck(stat, value, p, df1, df2)["consistent"] is False


# statcheck test-error.R: " Z = -2.42, p = 0.016" (no error) and "t(28) = 2.0, p < .05" (no
# error: 2.0 may be 2.04, whose P is below .05)
@pytest.mark.parametrize(
    ("stat", "value", "p", "df1"), [("z", "-2.42", "0.016", None), ("t", "2.0", "<.05", 28)]
)
def test_statcheck_passes_its_published_consistent_results(stat, value, p, df1) -> None:
    assert rules.statcheck(stat, value, p, df1)["consistent"] is True


# statcheck test-decisionerror.R: "simple decision errors are classified as such"
@pytest.mark.parametrize(
    ("stat", "value", "p", "df1", "df2"),
    [
        ("t", "2.20", ".06", 28, None),
        ("t", "1.20", ".03", 28, None),
        ("F", "22.20", ".06", 2, 28),
        ("F", "2.20", ".03", 2, 28),
        ("r", ".22", ".03", 28, None),
        ("r", ".52", ".06", 28, None),
        ("chi2", "2.20", ".03", 28, None),
        ("chi2", "52.20", ".06", 28, None),
        ("z", "1.20", ".03", None, None),
        ("z", "2.20", ".06", None, None),
    ],
)
def test_statcheck_marks_its_published_decision_errors(stat, value, p, df1, df2) -> None:
    result = rules.statcheck(stat, value, p, df1, df2)
    assert result["consistent"] is False
    assert result["decision_error"] is True


def test_an_error_that_keeps_significance_is_no_decision_error() -> None:
    # t(28) = 2.20 has P = .036: printed .03 is an error, both sides of .05 agree
    result = rules.statcheck("t", "2.20", ".03", 28)
    assert result["decision_error"] is False
    assert result["p_computed"] == pytest.approx(2 * stats.t.sf(2.2, 28))


def test_a_one_sided_p_passes_only_when_the_test_is_called_one_sided() -> None:
    # t(28) = 2.20: one-sided P = .018
    assert rules.statcheck("t", "2.20", ".02", 28)["consistent"] is False
    assert rules.statcheck("t", "2.20", ".02", 28)["other_sided_consistent"] is True
    assert rules.statcheck("t", "2.20", ".02", 28, one_sided=True)["consistent"] is True


def test_the_statistics_rounding_is_allowed_for_and_no_more() -> None:
    # t(113) = 2.57 stands for 2.565..2.575: P from .0114 to .0117, so .01 is right, .02 not
    assert rules.statcheck("t", "2.57", ".01", 113)["consistent"] is True
    assert rules.statcheck("t", "2.57", ".012", 113)["consistent"] is True
    assert rules.statcheck("t", "2.57", ".013", 113)["consistent"] is False
    # P < .001 is a bound: t(113) = 8.69 gives 3e-14
    assert rules.statcheck("t", "8.69", "<.001", 113)["consistent"] is True
    assert rules.statcheck("t", "2.57", "<.001", 113)["consistent"] is False


def test_a_negative_chi_square_is_impossible() -> None:
    result = rules.statcheck("chi2", "-1.46", ".15", 1)
    assert result["consistent"] is False
    assert "never negative" in result["impossible"]


def test_printed_numbers_keep_their_precision() -> None:
    assert rules.printed(".50").half == 0.005
    assert rules.printed("0.5").half == 0.05
    assert rules.printed("\u22122.36").value == -2.36
    assert rules.printed_p("<.001").comparison == "<"
    with pytest.raises(ValueError, match="not a printed number"):
        rules.printed("1.2.3")
    with pytest.raises(ValueError, match="between 0 and 1"):
        rules.printed_p("1.5")


def test_grim_on_brown_and_heathers_examples() -> None:
    # 49 participants, integer ratings: 5.93 x 49 = 290.57 is no integer total
    assert rules.grim("5.93", 49)["consistent"] is False
    assert 5.92 in rules.grim("5.93", 49)["nearest"]
    assert rules.grim("5.94", 49)["consistent"] is True
    # a die rolled 20 times: means are multiples of .05
    assert rules.grim("3.48", 20)["consistent"] is False
    assert rules.grim("3.45", 20)["consistent"] is True


def test_grim_counts_items_and_knows_when_it_cannot_tell() -> None:
    # 10 people x 3 integer items: totals over 30; 2.50 = 75/30 is possible, 2.51 not
    assert rules.grim("2.50", 10, items=3)["consistent"] is True
    assert rules.grim("2.51", 10, items=3)["consistent"] is False
    # 120 people, one decimal: every mean is possible
    assert rules.grim("51.5", 120)["informative"] is False


def test_grimmer_on_the_published_case_and_constructed_data() -> None:
    # scrutiny's vignette (Anaya 2016; Allard 2018): 7.3, 2.51, n = 12 is inconsistent
    assert rules.grimmer("7.3", "2.51", 12)["consistent"] is False
    # constructed: 1, 2, 2, 3, 7 has mean 3.00 and SD 2.345...
    assert rules.grimmer("3.00", "2.35", 5)["consistent"] is True
    assert rules.grimmer("3.00", "2.34", 5)["consistent"] is False
    # n = 2 with total 3: 1, 2 (SD .71) or 0, 3 (SD 2.12); no pair gives 1.41
    assert rules.grimmer("1.5", "0.71", 2)["consistent"] is True  # 1, 2
    assert rules.grimmer("1.5", "2.12", 2)["consistent"] is True  # 0, 3
    assert rules.grimmer("1.5", "1.41", 2)["consistent"] is False
    # a mean that fails GRIM fails GRIMMER too
    assert rules.grimmer("5.93", "1.00", 49)["grim"] is False


def test_bounded_sd() -> None:
    # 0/4 split evenly around 2: the largest SD of 10 scores on 0-4 is 2 sqrt(10/9)
    assert rules.bounded_sd("2.0", 10, 0, 4) == pytest.approx(2 * (10 / 9) ** 0.5, abs=0.01)


def test_percent_recomputes_and_names_what_the_percentage_implies() -> None:
    assert rules.percent(101, "84.2", 120)["consistent"] is True
    res = rules.percent(22, "19.2", 125)
    assert res["consistent"] is False
    assert res["implied_count"] == [24]
    assert rules.percent(24, "12.1", 103)["implied_n"] == [198, 199]
    # 6/23 = 26.1%, 6/24 = 25.0%: no n gives 25.7%
    assert rules.percent(6, "25.7")["implied_n"] == []


def test_crosstab_against_scipy_on_a_constructed_table() -> None:
    # 30/50 vs 20/50: Pearson chi2 = 100 (30*30 - 20*20)^2 / (50*50*50*50) = 4.0
    res = rules.crosstab((30, 20), (50, 50))
    assert res["pearson"] == pytest.approx(4.0)
    assert res["p_pearson"] == pytest.approx(stats.chi2.sf(4.0, 1))
    assert res["yates"] == pytest.approx(100 * (abs(900 - 400) - 50) ** 2 / 50**4)
    with pytest.raises(ValueError, match="between 0 and its group"):
        rules.crosstab((60, 20), (50, 50))


def test_two_sample_t_ranges_cover_the_exact_t() -> None:
    res = rules.two_sample_t(("10.0", "8.0"), ("2.0", "2.0"), (50, 50))
    assert res["student"] == pytest.approx(2.0 / (2.0 * (2 / 50) ** 0.5))
    lo, hi = res["student_range"]
    assert lo < res["student"] < hi


def test_regression_arithmetic() -> None:
    # constructed: R2 = .5 with n = 103, k = 2: adj R2 = 1 - .5 * 102/100 = .49, F = 50
    lo, hi = rules.f_from_adjusted_r2("0.490", 103, 2)
    assert lo < 50 < hi
    res = rules.r2_change("0.490", "0.490", 103, 2, 3)
    assert res["df1"] == 1
    assert res["df2"] == 99
    # Wilks' lambda .5 on (2, 90): F = (.5 / .5) * 90 / 2 = 45
    lo, hi = rules.wilks_f("0.500", 2, 90)
    assert lo < 45 < hi

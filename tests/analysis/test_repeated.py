"""Repeated-measures MANOVA (SPSS GLM Repeated Measures) against car::Anova and published
tables: O'Brien & Kaiser (1985) Type III (car, run by reference.R) and Type II (car
reference manual), the afex/O'Brien & Kaiser Table 8 univariate F, our own 2 x 3
unbalanced design and our trial-like data (car::Anova Type III), statsmodels'
MultivariateLS.mv_test with sum coding.

About the O'Brien & Kaiser data: the 16 rows below are the contrived numbers printed in
O'Brien, R. G. & Kaiser, M. K. (1985), "MANOVA method for analyzing repeated measures
designs: an extensive primer", Psychological Bulletin 97(2), 316-333 (Table 7; the same
values as R's carData::OBrienKaiser). They are embedded, citing the paper, rather than
read from carData at test time because (a) the test run must not need R, (b) carData is
GPL and we take only the published table, not the package's file, and (c) published
numerical facts from a journal table carry low legal risk (shared/reference/statistics.md,
section 2). reference.R reads carData's copy when it makes the reference values, which
also checks that the embedded table equals it.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.multivariate.api import MultivariateLS

from embct.analysis.repeated import (
    alliance_development,
    alliance_development_table,
    hypothesis_sscp,
    multivariate_tests,
    orthonormal_contrasts,
    sphericity,
    univariate_tests,
)

# O'Brien & Kaiser (1985) Table 7: treatment, gender, pre 1-5, post 1-5, follow-up 1-5.
OBRIEN_KAISER = [
    ("control", "M", [1, 2, 4, 2, 1, 3, 2, 5, 3, 2, 2, 3, 2, 4, 4]),
    ("control", "M", [4, 4, 5, 3, 4, 2, 2, 3, 5, 3, 4, 5, 6, 4, 1]),
    ("control", "M", [5, 6, 5, 7, 7, 4, 5, 7, 5, 4, 7, 6, 9, 7, 6]),
    ("control", "F", [5, 4, 7, 5, 4, 2, 2, 3, 5, 3, 4, 4, 5, 3, 4]),
    ("control", "F", [3, 4, 6, 4, 3, 6, 7, 8, 6, 3, 4, 3, 6, 4, 3]),
    ("A", "M", [7, 8, 7, 9, 9, 9, 9, 10, 8, 9, 9, 10, 11, 9, 6]),
    ("A", "M", [5, 5, 6, 4, 5, 7, 7, 8, 10, 8, 8, 9, 11, 9, 8]),
    ("A", "F", [2, 3, 5, 3, 2, 2, 4, 8, 6, 5, 6, 6, 7, 5, 6]),
    ("A", "F", [3, 3, 4, 6, 4, 4, 5, 6, 4, 1, 5, 4, 7, 5, 4]),
    ("B", "M", [4, 4, 5, 3, 4, 6, 7, 6, 8, 8, 8, 8, 9, 7, 8]),
    ("B", "M", [3, 3, 4, 2, 3, 5, 4, 7, 5, 4, 5, 6, 8, 6, 5]),
    ("B", "M", [6, 7, 8, 6, 3, 9, 10, 11, 9, 6, 8, 7, 10, 8, 7]),
    ("B", "F", [5, 5, 6, 8, 6, 4, 6, 6, 8, 6, 7, 7, 8, 10, 8]),
    ("B", "F", [2, 2, 3, 1, 2, 5, 6, 7, 5, 2, 6, 7, 8, 6, 3]),
    ("B", "F", [2, 2, 3, 4, 4, 6, 6, 7, 9, 7, 7, 7, 8, 6, 7]),
    ("B", "F", [4, 5, 7, 5, 4, 7, 7, 8, 6, 7, 7, 8, 10, 8, 7]),
]

BETWEEN = {"(Intercept)": [0], "treatment": [1, 2], "gender": [3], "treatment:gender": [4, 5]}
CONTAINS = {
    "(Intercept)": ["treatment", "gender", "treatment:gender"],
    "treatment": ["treatment:gender"],
    "gender": ["treatment:gender"],
    "treatment:gender": [],
}


def _obk() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    treatment = np.array([row[0] for row in OBRIEN_KAISER])
    gender = np.array([row[1] for row in OBRIEN_KAISER])
    y = np.array([row[2] for row in OBRIEN_KAISER], dtype=float)
    # Sum-to-zero coding (any sum-to-zero basis gives the same Type III tests).
    t1 = np.select([treatment == "control", treatment == "A"], [1.0, 0.0], -1.0)
    t2 = np.select([treatment == "control", treatment == "A"], [0.0, 1.0], -1.0)
    g = np.where(gender == "F", 1.0, -1.0)
    x = np.column_stack([np.ones(16), t1, t2, g, t1 * g, t2 * g])
    p3, p5 = orthonormal_contrasts(3), orthonormal_contrasts(5)
    within = {
        "": np.ones((15, 1)) / np.sqrt(15),
        "phase": np.kron(p3, np.ones((5, 1)) / np.sqrt(5)),
        "hour": np.kron(np.ones((3, 1)) / np.sqrt(3), p5),
        "phase:hour": np.kron(p3, p5),
    }
    return y, x, within


def _term(between: str, within: str) -> str:
    if not within:
        return between
    return within if between == "(Intercept)" else f"{between}:{within}"


def test_obrien_kaiser_type3_matches_car(r_reference: dict) -> None:
    """R: car::Anova(mod.ok, idata, idesign = ~phase*hour, type = 3), contr.sum; all four
    multivariate statistics (car's F approximations) and the univariate tests with their
    GG/HF epsilons, for all 16 terms, to 1e-9 relative."""
    y, x, within = _obk()
    ref = r_reference["obrien_kaiser_type3"]
    for wname, m in within.items():
        for bname, cols in BETWEEN.items():
            term = _term(bname, wname)
            lmat = np.eye(6)[cols]
            h, e, dfe = hypothesis_sscp(y, x, lmat, m)
            mv = multivariate_tests(h, e, len(cols), dfe)
            for ours, theirs in (
                ("wilks", "Wilks"),
                ("pillai", "Pillai"),
                ("hotelling_lawley", "HL"),
                ("roy", "Roy"),
            ):
                r = ref["multivariate"][term][theirs]
                for key in ("value", "f", "df1", "df2", "p_val"):
                    assert mv[ours][key] == pytest.approx(r[key], rel=1e-9), (term, ours, key)
            r_uni = ref["univariate"][term]
            eps = {}
            if wname:
                sph = sphericity(e, dfe, 16)
                assert sph["mauchly_w"] == pytest.approx(r_uni["mauchly_w"], rel=1e-9)
                assert sph["gg_epsilon"] == pytest.approx(r_uni["gg_epsilon"], rel=1e-9)
                assert sph["hf_epsilon"] == pytest.approx(r_uni["hf_epsilon"], rel=1e-9)
                if m.shape[1] == 2:
                    # With 2 dimensions R's second-order term vanishes: same p as SPSS.
                    assert sph["p_val"] == pytest.approx(r_uni["mauchly_p_val"], rel=1e-9)
                eps = {"gg": sph["gg_epsilon"], "hf": sph["hf_epsilon"]}
            uni = univariate_tests(h, e, len(cols), dfe, eps)
            for key in ("ss", "ss_error", "f", "df1", "df2", "p_val"):
                assert uni[key] == pytest.approx(r_uni[key], rel=1e-9), (term, key)
            if wname:
                assert uni["gg"]["p_val"] == pytest.approx(r_uni["gg_p_val"], rel=1e-8)
                assert uni["hf"]["p_val"] == pytest.approx(r_uni["hf_p_val"], rel=1e-8)


def test_obrien_kaiser_published_values() -> None:
    """Published: the car reference manual's Anova example (Type II Pillai, 5 decimals;
    Mauchly W and GG epsilon), O'Brien & Kaiser (1985) Table 8 between F 3.94, 3.66, 2.86
    and the afex test suite's Type III univariate F (as quoted in statistics.md)."""
    y, x, within = _obk()

    def residual_sscp(columns: list[int], m: np.ndarray) -> np.ndarray:
        q, _ = np.linalg.qr(x[:, sorted(columns)])
        resid = (y - q @ (q.T @ y)) @ m
        return resid.T @ resid

    published_pillai = {
        "(Intercept)": 0.96954,
        "treatment": 0.48092,
        "phase": 0.85052,
        "treatment:phase": 0.68518,
        "hour": 0.93468,
        "treatment:gender:phase:hour": 0.79277,
    }
    for wname, m in within.items():
        e = residual_sscp(list(range(6)), m)
        for bname, cols in BETWEEN.items():
            term = _term(bname, wname)
            if term not in published_pillai:
                continue
            # Type II: the term after every term that does not contain it.
            keep = [
                c
                for t, cs in BETWEEN.items()
                if t != bname and t not in CONTAINS[bname]
                for c in cs
            ]
            if bname == "(Intercept)":
                mean = y.mean(axis=0) @ m
                h = len(y) * np.outer(mean, mean)
            else:
                h = residual_sscp(keep, m) - residual_sscp(keep + cols, m)
            mv = multivariate_tests(h, e, len(cols), 10)
            # car manual: Anova(mod.ok, idata=idata, idesign=~phase*hour) (Type II)
            assert mv["pillai"]["value"] == pytest.approx(published_pillai[term], abs=5e-6)
            if term == "treatment:phase":
                assert mv["pillai"]["f"] == pytest.approx(2.61, abs=0.005)
                assert (mv["pillai"]["df1"], mv["pillai"]["df2"]) == (4, 20)
    for name, w_published, gg_published in (
        ("phase", 0.74927, 0.79953),
        ("hour", 0.06607, 0.46028),
        ("phase:hour", 0.00478, 0.44950),
    ):
        sph = sphericity(residual_sscp(list(range(6)), within[name]), 10, 16)
        assert sph["mauchly_w"] == pytest.approx(w_published, abs=5e-6)
        assert sph["gg_epsilon"] == pytest.approx(gg_published, abs=5e-6)
    # car documents the Lecoutre HF (.9278594 for phase); the original formula is 1.40372.
    sph = sphericity(residual_sscp(list(range(6)), within["phase"]), 10, 16)
    assert sph["hf_epsilon"] == pytest.approx(0.9278594, abs=5e-8)
    assert sph["hf_epsilon_original"] == pytest.approx(1.40372, abs=5e-6)
    # afex: "Data from O'Brien & Kaiser replicates their paper (p. 328, Table 8...)"
    afex = {
        ("treatment", ""): 3.940494501098,
        ("(Intercept)", "phase"): 16.1329196993199,
        ("treatment", "phase"): 4.85098375975551,
        ("(Intercept)", "hour"): 16.6856704980843,
        ("treatment:gender", "phase:hour"): 0.735935938468544,
    }
    for (bname, wname), f_published in afex.items():
        h, e, dfe = hypothesis_sscp(y, x, np.eye(6)[BETWEEN[bname]], within[wname])
        uni = univariate_tests(h, e, len(BETWEEN[bname]), dfe, {})
        assert uni["f"] == pytest.approx(f_published, rel=1e-10)
    for bname, f_published in (("treatment", 3.94), ("gender", 3.66), ("treatment:gender", 2.86)):
        h, e, dfe = hypothesis_sscp(y, x, np.eye(6)[BETWEEN[bname]], within[""])
        assert univariate_tests(h, e, len(BETWEEN[bname]), dfe, {})["f"] == pytest.approx(
            f_published, abs=0.005
        )


def _assert_like_car(res: dict, ref: dict, time: str, between: str, inter: str) -> None:
    for ours, theirs in (("time", time), ("time_x_arm", inter)):
        mv = res["multivariate"][ours]
        r = ref["multivariate"][theirs]
        assert mv["wilks_lambda"] == pytest.approx(r["Wilks"]["value"], rel=1e-9)
        assert mv["pillai_trace"] == pytest.approx(r["Pillai"]["value"], rel=1e-9)
        assert mv["hotelling_lawley"] == pytest.approx(r["HL"]["value"], rel=1e-9)
        assert mv["roys_root"] == pytest.approx(r["Roy"]["value"], rel=1e-9)
        assert mv["f"] == pytest.approx(r["Wilks"]["f"], rel=1e-9)
        assert (mv["df1"], mv["df2"]) == (r["Wilks"]["df1"], r["Wilks"]["df2"])
        assert mv["p_val"] == pytest.approx(r["Wilks"]["p_val"], rel=1e-8)
        assert mv["partial_eta2"] == pytest.approx(1 - r["Wilks"]["value"], rel=1e-9)
        uni = res["univariate"][ours]
        r_uni = ref["univariate"][theirs]
        for key in ("f", "df1", "df2", "p_val"):
            assert uni[key] == pytest.approx(r_uni[key], rel=1e-9), key
        assert uni["greenhouse_geisser"]["epsilon"] == pytest.approx(r_uni["gg_epsilon"])
        assert uni["greenhouse_geisser"]["p_val"] == pytest.approx(r_uni["gg_p_val"], rel=1e-8)
        assert uni["huynh_feldt"]["p_val"] == pytest.approx(r_uni["hf_p_val"], rel=1e-8)
    sph = res["sphericity"]
    r_uni = ref["univariate"][time]
    assert sph["mauchly_w"] == pytest.approx(r_uni["mauchly_w"], rel=1e-9)
    assert sph["p_val"] == pytest.approx(r_uni["mauchly_p_val"], rel=1e-8)
    assert sph["gg_epsilon"] == pytest.approx(r_uni["gg_epsilon"], rel=1e-9)
    assert sph["hf_epsilon"] == pytest.approx(r_uni["hf_epsilon"], rel=1e-9)
    arm = res["between"]["arm"]
    r_b = ref["univariate"][between]
    assert arm["f"] == pytest.approx(r_b["f"], rel=1e-9)
    assert (arm["df1"], arm["df2"]) == (r_b["df1"], r_b["df2"])
    assert arm["p_val"] == pytest.approx(r_b["p_val"], rel=1e-9)
    assert arm["partial_eta2"] == pytest.approx(r_b["ss"] / (r_b["ss"] + r_b["ss_error"]))


def test_2x3_unbalanced_matches_car_type3(rm_2x3_frame: pd.DataFrame, r_reference: dict) -> None:
    """R: car::Anova(lm(cbind(t1, t2, t3) ~ group), idata, idesign = ~time, type = 3) on our
    30 + 22 design (the closed-form two-arm path)."""
    res = alliance_development(rm_2x3_frame, mixed=False)
    assert res["n"] == 52
    _assert_like_car(res, r_reference["rm_2x3"], "time", "group", "group:time")


def test_alliance_development_matches_car(trial_frame: pd.DataFrame, r_reference: dict) -> None:
    """R: car::Anova Type III on the completers with all three WAI totals."""
    res = alliance_development(trial_frame, mixed=False)
    assert res["n"] == r_reference["alliance"]["n"]
    _assert_like_car(res, r_reference["alliance"], "week", "armf", "armf:week")
    json.dumps(res, allow_nan=False)


def test_alliance_development_equals_statsmodels_mv_test(trial_frame: pd.DataFrame) -> None:
    """statistics.md 1.2: MultivariateLS with C(arm, Sum) and mv_test(L, M)."""
    wide = trial_frame[trial_frame["completer"]].dropna(subset=["wai_w2", "wai_w5", "wai_w9"])
    model = MultivariateLS.from_formula("wai_w2 + wai_w5 + wai_w9 ~ C(arm, Sum)", data=wide)
    fit = model.fit()
    contrast = np.array([[1.0, 0.0], [-1.0, 1.0], [0.0, -1.0]])
    group = [name for name in model.exog_names if name.startswith("C(arm")]
    mv = fit.mv_test(
        hypotheses=[
            ("time", ["Intercept"], contrast),
            ("time_x_arm", group, contrast),
            ("between", group, np.ones((3, 1)) / 3),
        ]
    )
    res = alliance_development(trial_frame, mixed=False)
    for name in ("time", "time_x_arm"):
        stat = mv.results[name]["stat"]
        assert res["multivariate"][name]["wilks_lambda"] == pytest.approx(
            stat.loc["Wilks' lambda", "Value"], rel=1e-10
        )
        assert res["multivariate"][name]["f"] == pytest.approx(
            stat.loc["Wilks' lambda", "F Value"], rel=1e-10
        )
        assert res["multivariate"][name]["pillai_trace"] == pytest.approx(
            stat.loc["Pillai's trace", "Value"], rel=1e-10
        )
    between = mv.results["between"]["stat"]
    assert res["between"]["arm"]["f"] == pytest.approx(
        between.loc["Wilks' lambda", "F Value"], rel=1e-10
    )


def test_means_are_cell_means_with_pooled_error(trial_frame: pd.DataFrame) -> None:
    """SPSS EMMeans for one between factor: the cell mean, SE = sqrt(MSE_week / n_arm) with
    the pooled within-arm error of that week, t on n - 2 df."""
    res = alliance_development(trial_frame, mixed=False)
    wide = trial_frame[trial_frame["completer"]].dropna(subset=["wai_w2", "wai_w5", "wai_w9"])
    cells = wide.groupby("arm")[["wai_w2", "wai_w5", "wai_w9"]]
    first = res["means"][0]
    assert (first["arm"], first["arm_label"], first["week"]) == (0, "MBCT", 2)
    assert first["mean"] == pytest.approx(cells.mean().loc[0, "wai_w2"])
    ss = (cells.var(ddof=1) * (cells.count() - 1)).sum()
    dfe = len(wide) - 2
    assert first["se"] == pytest.approx(np.sqrt(ss["wai_w2"] / dfe / first["n"]))
    assert [m["week"] for m in res["means"]] == [2, 5, 9, 2, 5, 9]
    assert res["means"][3]["arm_label"] == "eMBCT"


def test_skips_and_table(trial_frame: pd.DataFrame) -> None:
    assert alliance_development(trial_frame.drop(columns=["wai_w9"])) == {
        "skipped": "no data for wai_w9"
    }
    one_arm = trial_frame[trial_frame["arm"] == 1]
    assert "per arm" in alliance_development(one_arm)["skipped"]
    table = alliance_development_table(trial_frame)
    assert table["test"].tolist() == [
        "multivariate",
        "multivariate",
        "between",
        "univariate",
        "greenhouse_geisser",
        "huynh_feldt",
        "univariate",
        "greenhouse_geisser",
        "huynh_feldt",
    ]


def test_degenerate_week_differences_are_skipped_not_crashed() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"arm": np.repeat([0, 1], 20), "completer": True})
    frame["wai_w2"] = rng.normal(36, 8, 40)
    frame["wai_w5"] = frame["wai_w2"] + 1
    frame["wai_w9"] = frame["wai_w2"] + 2
    assert "no within-arm variation" in alliance_development(frame)["skipped"]


def test_perfect_fit_gives_an_infinite_f() -> None:
    """Pillai at its bound s (a perfect fit) gives an infinite F, not an exception."""
    res = multivariate_tests(np.array([[1.0]]), np.array([[1e-300]]), 1, 10)
    assert res["pillai"]["f"] == np.inf
    assert res["wilks"]["p_val"] == 0.0


def test_univariate_section_shape(trial_frame: pd.DataFrame) -> None:
    """Each effect carries the sphericity-assumed test and every correction in one shape."""
    uni = alliance_development(trial_frame, mixed=False)["univariate"]["time"]
    for name in ("sphericity_assumed", "greenhouse_geisser", "huynh_feldt", "lower_bound"):
        assert set(uni[name]) == {"epsilon", "f", "df1", "df2", "p_val"}
        assert uni[name]["f"] == uni["f"]
    assert uni["sphericity_assumed"]["df2"] == uni["df2"]
    assert uni["lower_bound"]["df1"] == pytest.approx(1.0)

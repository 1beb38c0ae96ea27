"""The report shows the repeated-measures and mixed-model statistics SPSS prints beside the
multivariate tests (Huynh-Feldt in both forms, within-subjects contrasts, Box's M, Levene per
wave, Satterthwaite df, likelihood-ratio tests), computed on our trial-like reference data
(tests/reference/R/models/trial.csv) whose values R gives in rm_mixed_reference.json: the
cells are R's numbers as the report rounds them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
import pytest

matplotlib.use("Agg")

from embct.analysis.repeated import alliance_development
from embct.report import render_report
from embct.report.format import MINUS

MODELS = Path(__file__).resolve().parent.parent / "reference" / "R" / "models"


@pytest.fixture(scope="module")
def r_rm() -> dict[str, Any]:
    return json.loads((MODELS / "rm_mixed_reference.json").read_text())


@pytest.fixture(scope="module")
def section() -> dict[str, Any]:
    frame = pd.read_csv(MODELS / "trial.csv", dtype={"participant_id": str})
    return alliance_development(frame)


@pytest.fixture
def root_and_rows(section: dict[str, Any], results: dict[str, Any], rh: Any) -> Any:
    """The example document with the alliance section computed on trial.csv."""
    results["alliance_development"] = section
    root = rh.parse(render_report(results))
    return root, lambda table_id: rh.table(root, table_id)


def test_sphericity_table_has_spss_huynh_feldt_and_lecoutre(root_and_rows: Any, r_rm) -> None:
    _, rows_of = root_and_rows
    rows = rows_of("table-alliance-sphericity")
    # R: (n p gg - 2) / (p (v - p gg)) = 1.0174 (printed at most 1, as SPSS) and car's
    #    Lecoutre "HF eps" 1.0065 (unbounded, as car)
    assert "Huynh–Feldt ε = 1.000 (Huynh & Feldt, 1976)" in rows[1][0]
    assert "Huynh–Feldt–Lecoutre ε = 1.007" in rows[1][0]
    labels = [r[1] for r in rows[2:7]]
    assert labels == [
        "Sphericity assumed",
        "Greenhouse–Geisser",
        "Huynh–Feldt",
        "Huynh–Feldt–Lecoutre",
        "Lower-bound",
    ]
    assert rows[6][2] == ".500"


def test_within_subjects_contrasts_table(root_and_rows: Any, r_rm) -> None:
    _, rows_of = root_and_rows
    rows = rows_of("table-alliance-contrasts")
    ref = r_rm["alliance"]["contrasts"]
    # R: car::Anova(lm(Y %*% contr.poly(3)[, 1] ~ armf), type = 3): (Intercept) SS 443.473,
    #    F 28.631, p 6.3e-07; Residuals 1440.495 on 93 df
    assert rows[1] == [
        "Time",
        "Linear",
        f"{ref[0]['time_ss']:.3f}",
        "1",
        "443.473",
        "28.631",
        "< .001",
        ".235",
    ]
    assert rows[2][1:3] == ["Quadratic", f"{ref[1]['time_ss']:.3f}"]
    assert rows[3][:2] == ["Time × arm", "Linear"]
    assert rows[3][5] == f"{ref[0]['inter_f']:.3f}"
    assert rows[5][:4] == ["Error (time)", "Linear", f"{ref[0]['error_ss']:.3f}", "93"]


def test_homogeneity_table(root_and_rows: Any, r_rm) -> None:
    _, rows_of = root_and_rows
    rows = rows_of("table-alliance-homogeneity")
    box = r_rm["alliance"]["box_m"]
    # R: box_m(Y, g) (Box 1949, SPSS's F): M 10.701, F 1.717, df 6 and 39252.93, p .11
    assert rows[1] == [
        "Box's M",
        f"{box['m']:.3f}",
        f"{box['f']:.3f}",
        "6",
        f"{box['df2']:.2f}",
        ".11",
    ]
    # R: car::leveneTest(wai_w9 ~ armf, center = mean): F 3.385, df 1 and 93, p .07
    assert rows[4] == ["Levene, week 9", "", "3.385", "1", "93", ".07"]


def test_mixed_model_satterthwaite_and_lr_tables(root_and_rows: Any, r_rm) -> None:
    _, rows_of = root_and_rows
    mixed = r_rm["mixed"]
    rows = rows_of("table-alliance-mixed-satterthwaite")
    # R: summary(lmerTest::lmer(...), ddf = "Satterthwaite")$coefficients: df 195.70 and
    #    t 33.23 for the intercept
    assert rows[1][0] == "Constant"
    assert rows[1][3:5] == [f"{mixed['df'][0]:.2f}", f"{mixed['t'][0]:.2f}"]
    # R: lmerTest::contestMD(lmm, L, ddf = "Satterthwaite"): F(2, 228.98) = 19.26
    time_row = next(r for r in rows if r[0].startswith("Time (averaged"))
    assert time_row[1].startswith(f"F(2, {mixed['time']['df2']:.2f}) = 19.26, p < .001")
    rows = rows_of("table-alliance-mixed-lr")
    # R: anova(lmer(wai ~ week5 + week9 + arm + (1 | id)), lmer(full)): chi2 0.84 on 2 df
    lr = mixed["lr_time_x_arm"]
    assert rows[1] == [
        "Time × arm",
        "week + arm",
        f"{lr['loglik_m0']:.2f}".replace("-", MINUS),
        f"{lr['loglik_m1']:.2f}".replace("-", MINUS),
        f"{lr['aic_m0']:.2f}",
        f"{lr['aic_m1']:.2f}",
        "0.84",
        "2",
        ".66",
    ]

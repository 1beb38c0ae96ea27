"""``embct analyze --syntax r,spss``: the written scripts reproduce results.json.

The scripts run on three tables no test calibrated on, each analysed once (module-scoped
fixtures; R runs once per table): an item-level trial table (seed 23) without dose columns
("dose not given": everyone analysed) given as an SPSS .sav file; a simulated cohort (seed 5,
with therapists and MBCT groups, so the clustering runs); and the README's worked example of
another design (tests/reference/R/pipeline_designs.*: a Session Rating Scale after each of 8
sessions, a PHQ-9 with two follow-ups).

Every figure ``analysis.R`` writes is compared with results.json to 1e-6 relative, or 1e-9
absolute for figures near zero, except these known differences (also in the README and in
``embct.analysis.syntax.KNOWN_DIFFERENCES``):

- intention_to_treat: R's mice draws other random numbers than ours. Each pooled b must
  agree within 4 Monte Carlo SDs of the difference, sqrt((B_ours + B_mice) / m), and each
  pooled SE within 4 SDs of its relative Monte Carlo error plus 2% (as
  tests/analysis/test_impute.py argues); the missing-data pattern must agree exactly; the
  other pooled figures are written but not compared.
- Cohen's d and Hedges' g intervals: effectsize's root finder stops at about 1e-7 (ours
  at 1e-13), so their ends are compared to 1e-6 absolute.

And ``NOT_REPRODUCED`` lists the figures of results.json the script does not write at all.
Without Rscript or pspp the tests skip, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from embct.analysis.syntax import parse_syntaxes, spss_outputs
from embct.cli import main

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"


def make_trial_table(n: int, seed: int) -> pd.DataFrame:
    """The analysis tests' item-level trial table (conftest.py's ``trial_table``), for a
    module-scoped fixture (a function-scoped fixture cannot feed one)."""
    spec = importlib.util.spec_from_file_location(
        "analysis_conftest", Path(__file__).with_name("conftest.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_trial_table(n=n, seed=seed)


#: How a list item is named in a key: ``steps/step=2``, ``means/arm=0&week=5``.
SELECTORS = {
    "steps": "step",
    "terms": "term",
    "items": "item",
    "rows": "variable",
    "arms": "arm",
    "groups": "group",
    "levene": "wave",
    "within_contrasts": "degree",
    "simple_slopes": "arm",
    "arm_difference_at": "label",
    "models": "step",
    "patterns": "observed",
    "means": "arm&week",
}

#: Figures of results.json that analysis.R does not write, and why.
NOT_REPRODUCED = {
    # codes and settings echoed in results.json, not computed
    r"(.*/)?(step|group|degree|arm|week|cut|alpha|m|iterations|seed)": "a label or setting",
    # McDonald's omega: psych::omega fits its own factor model (Schmid-Leiman)
    r"reliability/.*/omega": "psych::omega is another estimator",
    # glm's iteration count is its own
    r"dropout/logistic/steps/step=\d+/iterations": "each program's own iterations",
    # Monte Carlo: written by the script (mice), compared only through b and se
    r"intention_to_treat/\w+/steps/step=\d+/(r2_ci_low|r2_ci_high)": "Monte Carlo",
    r"intention_to_treat/\w+/steps/step=\d+/terms/term=[^/]+/"
    r"(t|dof|p_val|ci_low|ci_high|ubar|riv|fmi)": "Monte Carlo",
}
#: Compared within Monte Carlo error (see the module docstring), not to 1e-6.
MONTE_CARLO = re.compile(r"intention_to_treat/\w+/steps/")
NONCENTRAL_T = re.compile(r"/(cohens_d|hedges_g)_ci_(low|high)$")


def need(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{program} is not installed, and CI must run the syntax comparison")
        pytest.skip(f"{program} is not installed (Debian: see .ci/run)")
    return found


def _matches(item: dict[str, Any], selector: str) -> bool:
    for condition in selector.split("&"):
        field, value = condition.split("=", 1)
        got = item.get(field)
        if isinstance(got, list):
            got = "".join(str(v) for v in got)
        if str(got) != value:
            return False
    return True


def lookup(document: Any, key: str) -> Any:
    """The results.json value at ``a/b/step=2/terms/term=arm/b`` (a list item by its
    index or by ``field=value``, several joined by ``&``)."""
    node = document
    for part in key.split("/"):
        if isinstance(node, list):
            if "=" in part:
                node = next(item for item in node if _matches(item, part))
            else:
                node = node[int(part)]
        else:
            node = node[part]
    return node


def leaves(node: Any, path: str = "") -> Iterator[tuple[str, float]]:
    """Every number of a results document, keyed as the scripts key them."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield from leaves(value, f"{path}/{key}" if path else key)
    elif isinstance(node, list) and node and isinstance(node[0], dict):
        fields = SELECTORS.get(path.rsplit("/", 1)[-1])
        for i, item in enumerate(node):
            part = str(i)
            if fields:
                part = "&".join(
                    f"{f}={''.join(map(str, item[f])) if isinstance(item[f], list) else item[f]}"
                    for f in fields.split("&")
                )
            yield from leaves(item, f"{path}/{part}")
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield path, float(node)


def test_parse_syntaxes_names_an_unknown_one() -> None:
    assert parse_syntaxes("r, SPSS") == ["r", "spss"]
    with pytest.raises(ValueError, match="'stata'"):
        parse_syntaxes("r,stata")


def test_the_lookup_finds_a_list_item_by_two_fields_and_a_pattern_by_its_digits() -> None:
    doc = {"means": [{"arm": 0, "week": 2, "mean": 1.0}, {"arm": 0, "week": 5, "mean": 2.0}]}
    assert lookup(doc, "means/arm=0&week=5/mean") == 2.0
    assert lookup({"p": [{"observed": [1, 0, 1], "n": 4}]}, "p/observed=101/n") == 4
    assert dict(leaves(doc)) == {
        "means/arm=0&week=2/mean": 1.0,
        "means/arm=0&week=5/mean": 2.0,
        "means/arm=0&week=2/arm": 0.0,
        "means/arm=0&week=2/week": 2.0,
        "means/arm=0&week=5/arm": 0.0,
        "means/arm=0&week=5/week": 5.0,
    }


def test_the_r_script_has_a_block_per_section_run_and_the_data_what_the_blocks_read() -> None:
    from embct.analysis import analyze, prepare
    from embct.analysis.syntax import analysis_data, r_script, spss_script

    frame = prepare(make_trial_table(n=80, seed=4).drop(columns=["started", "sessions_attended"]))
    results = analyze(frame)
    script = r_script(results)
    # Dose not given: no dropout blocks, everyone a completer.
    assert "crosstab('flow/dropout_by_arm'" not in script
    assert "logistic_steps(" not in script
    assert "completer <- rep(TRUE, nrow(d))" in script
    assert "reliability('reliability/hads_pre/subscales/anxiety', c('hads_pre_1'" in script
    assert "outcome_regression('outcomes/mhc', s)" in script
    assert "clustering(" not in script  # no therapist_id
    data = analysis_data(frame, results)
    assert {"hads_pre_14", "wai_w9", "female", "arm"} <= set(data.columns)
    assert set(data["arm"].unique()) == {0, 1}
    sps = spss_script(results, list(data.columns))
    assert "COMPUTE completer = 1." in sps
    assert "CROSSTABS /TABLES=arm BY dropped_out" not in sps
    assert "RELIABILITY /VARIABLES=hads_pre_1 " in sps


def _no_dose_sav(folder: Path) -> list[str]:
    import pyreadstat

    table = make_trial_table(n=160, seed=23).drop(columns=["started", "sessions_attended"])
    pyreadstat.write_sav(table, str(folder / "trial.sav"))
    return ["--data", str(folder / "trial.sav")]


def _cohort(folder: Path) -> list[str]:
    """The simulated cohort with the flow's columns as the platform's export gives them:
    of those who never started every third is still waiting (no withdrawal), the rest
    declined; dropouts have a reason category, every fourth none."""
    from embct.simulate import simulate

    table = simulate(seed=5, mode="population", items=True)
    started, sessions = table["started"] == 1, table["sessions_attended"]
    reasons = ["not_as_expected", "too_burdensome", "physical_condition", "practical", ""]
    withdrawal, reason = [], []
    for k, (s, n) in enumerate(zip(started, sessions, strict=True)):
        if not s:
            withdrawal.append("" if k % 3 == 0 else "declined")
            reason.append("" if k % 3 == 0 else "other")
        elif n < 4:
            withdrawal.append("dropout")
            reason.append(reasons[k % len(reasons)])
        else:
            withdrawal.append("")
            reason.append("")
    table["withdrawal"], table["withdrawal_reason"] = withdrawal, reason
    table.to_csv(folder / "cohort.csv", index=False)
    return ["--data", str(folder / "cohort.csv")]


def _designs(folder: Path) -> list[str]:
    return [
        "--data",
        str(REFERENCE / "pipeline_designs.csv"),
        "--config",
        str(REFERENCE / "pipeline_designs.toml"),
    ]


TABLES = {"no_dose_sav": _no_dose_sav, "cohort": _cohort, "designs": _designs}


@pytest.fixture(scope="module", params=sorted(TABLES))
def exported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """``embct analyze --syntax r,spss`` on one of the tables, once per module."""
    folder = tmp_path_factory.mktemp(request.param)
    out = folder / "out"
    args = TABLES[request.param](folder)
    assert main(["analyze", *args, "--out", str(out), "--syntax", "r,spss"]) == 0
    assert (out / "analysis.R").is_file()
    assert (out / "analysis.sps").is_file()
    return request.param, out, json.loads((out / "results.json").read_text())


@pytest.fixture(scope="module")
def r_figures(exported: tuple[str, Path, dict[str, Any]]) -> dict[str, float]:
    """analysis.R's figures (Rscript runs once per table)."""
    rscript = need("Rscript")
    name, out, _ = exported
    started = time.perf_counter()
    subprocess.run([rscript, str(out / "analysis.R")], check=True, capture_output=True, timeout=600)
    print(f"Rscript analysis.R ({name}): {time.perf_counter() - started:.1f} s")
    figures = pd.read_csv(out / "analysis_R.csv")
    assert not figures["key"].duplicated().any(), figures["key"][figures["key"].duplicated()]
    return dict(zip(figures["key"], figures["value"].astype(float), strict=True))


def close(expected: Any, got: float, key: str, *, abs_tol: float = 1e-9) -> None:
    assert expected is not None, key
    assert math.isclose(float(expected), got, rel_tol=1e-6, abs_tol=abs_tol), (key, expected, got)


@pytest.mark.slow
def test_analysis_r_reproduces_results_json(
    exported: tuple[str, Path, dict[str, Any]], r_figures: dict[str, float]
) -> None:
    name, _, results = exported
    checked = 0
    for key, value in r_figures.items():
        if MONTE_CARLO.match(key):
            continue
        expected = lookup(results, key)
        close(expected, value, key, abs_tol=1e-6 if NONCENTRAL_T.search(key) else 1e-9)
        checked += 1
    # Every number of the report's sections is written, except the listed ones.
    document = {k: v for k, v in results.items() if k != "meta"}
    absent = [
        key
        for key, _ in leaves(document)
        if key not in r_figures
        and not any(re.fullmatch(pattern, key) for pattern in NOT_REPRODUCED)
    ]
    assert absent == [], absent[:20]
    print(f"analysis.R ({name}): {checked} figures equal to results.json")
    assert checked > {"designs": 800, "no_dose_sav": 1200, "cohort": 1500}[name]


@pytest.mark.slow
def test_analysis_r_imputation_agrees_within_monte_carlo_error(
    exported: tuple[str, Path, dict[str, Any]], r_figures: dict[str, float]
) -> None:
    _, _, results = exported
    compared = 0
    for outcome, section in results["intention_to_treat"].items():
        if "skipped" in section:
            continue
        m = section["m"]
        for step in section["steps"]:
            for term in step["terms"]:
                key = (
                    f"intention_to_treat/{outcome}/steps/step={step['step']}"
                    f"/terms/term={term['term']}"
                )
                # R: pool(with(rbind(mice(arm 0, m, maxit, "pmm"), mice(arm 1, ...)), lm(...)))
                b_mice, se_mice = r_figures[f"{key}/b"], r_figures[f"{key}/se"]
                mc_sd = math.sqrt((term["b_between"] + r_figures[f"{key}/b_between"]) / m)
                assert abs(term["b"] - b_mice) <= 4 * mc_sd, key
                lam = max(term["lambda"], r_figures[f"{key}/lambda"])
                rel_sd = lam * math.sqrt(2 / (m - 1)) / 2 * math.sqrt(2)
                assert term["se"] / se_mice == pytest.approx(1, abs=4 * rel_sd + 0.02), key
                compared += 1
    assert compared >= 12 or results["intention_to_treat"]["mhc"].get("skipped")


_TERMS = {"Constant": "intercept", "wai_arm": "wai_w2:arm"}


def pspp_figures(text: str) -> list[tuple[str, str]]:
    """``(results.json key, the figure as PSPP printed it)`` from PSPP's CSV output of
    analysis.sps: each procedure follows ``embct: <key>`` (the script's ECHO)."""
    figures: list[tuple[str, str]] = []
    key = ""
    title = ""
    for row in csv.reader(text.splitlines()):
        if not row:
            title = ""
            continue
        if len(row) == 1 and row[0].startswith("embct: "):
            key = row[0].removeprefix("embct: ")
            continue
        if len(row) == 1 and row[0].startswith("Table: "):
            title = row[0].removeprefix("Table: ")
            continue

        def put(name: str, cell: str, at: str = key) -> None:
            if cell.strip():
                figures.append((f"{at}/{name}", cell))

        first = row[0]
        if title == "Chi-Square Tests":
            names = {
                "Pearson Chi-Square": ("chi2", "p_val"),
                "Likelihood Ratio": ("lr_chi2", "lr_p_val"),
                "Continuity Correction": ("yates_chi2", "yates_p_val"),
            }
            if first in names:
                put(names[first][0], row[1])
                put(names[first][1], row[3])
            elif first == "Fisher's Exact Test":
                put("fisher_p_val", row[4])
                put("fisher_p_val_one_sided", row[5])
        elif title == "Symmetric Measures" and row[1] in ("Phi", "Cramer's V"):
            put({"Phi": "phi", "Cramer's V": "cramers_v"}[row[1]], row[2])
        elif title == "Independent Samples Test" and row[1] == "Equal variances assumed":
            for name, cell in zip(
                ("levene_f", "levene_p_val", "t", "dof", "p_val", "mean_difference"),
                row[2:8],
                strict=True,
            ):
                put(name, cell)
            put("ci_low", row[9])
            put("ci_high", row[10])
        elif title == "Independent Samples Test" and row[1] == "Equal variances not assumed":
            put("welch_t", row[4])
            put("welch_dof", row[5])
            put("welch_p_val", row[6])
        elif title == "Reliability Statistics" and first != "Cronbach's Alpha":
            put("alpha", row[0])
            put("k", row[1])
        elif title == "Item-Total Statistics" and first:
            put("corrected_item_total_r", row[3], f"{key}/items/item={first}")
            put("alpha_if_deleted", row[4], f"{key}/items/item={first}")
        elif title == "Model Summary" and first != "Step":
            put("minus2ll", row[1])
            put("cox_snell_r2", row[2])
            put("nagelkerke_r2", row[3])
        elif title == "Classification Table" and row[2] in (".000000000000", "1.000000000000"):
            observed = int(float(row[2]))
            put(f"classification/observed_{observed}_predicted_0", row[3])
            put(f"classification/observed_{observed}_predicted_1", row[4])
        elif title == "Variables in the Equation" and row[1] and row[2] != "B":
            term = f"{key}/terms/term={_TERMS.get(row[1], row[1])}"
            for name, cell in zip(
                ("b", "se", "wald", "dof", "p_val", "odds_ratio"), row[2:8], strict=True
            ):
                put(name, cell, term)
            put("ci_low", row[8], term)
            put("ci_high", row[9], term)
    return figures


def as_printed(expected: float, printed: str, key: str) -> None:
    """``expected`` rounds to what PSPP printed (``.93``, ``-4.27``, ``1.22E-005``)."""
    mantissa, _, exponent = printed.upper().partition("E")
    decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
    half = 0.5 * 10.0 ** (-decimals) * 10.0 ** int(exponent or 0)
    assert abs(expected - float(printed)) <= half * (1 + 1e-9) + 1e-12, (key, expected, printed)


def symmetric_margins(table: dict[str, Any]) -> bool:
    """Two equal row or column totals: then the mirror table is exactly as probable as the
    observed one, and PSPP 1.6's two-sided Fisher p (unlike R's fisher.test, which allows
    a relative 1e-7, and SPSS) may leave it out by rounding error (seen: .528 for .740)."""
    if "n_reference" in table:  # flow/dropout_by_arm
        rows = (table["n_reference"], table["n_comparison"])
        ones = table["dropouts_reference"] + table["dropouts_comparison"]
    else:  # a binary baseline row
        rows = (table["reference_n"], table["comparison_n"])
        ones = table["reference_count"] + table["comparison_count"]
    return rows[0] == rows[1] or 2 * ones == table["n"]


@pytest.mark.slow
def test_analysis_sps_reproduces_results_json(exported: tuple[str, Path, dict[str, Any]]) -> None:
    """The MATRIX figures (the outcome regressions) to 1e-6; the procedures' (RELIABILITY,
    CROSSTABS, T-TEST, LOGISTIC REGRESSION) to the decimals PSPP prints (phi unsigned)."""
    pspp = need("pspp")
    name, out, results = exported
    started = time.perf_counter()
    subprocess.run(
        [pspp, "analysis.sps", "-O", "format=csv", "-o", "pspp_output.csv"],
        cwd=out,
        check=True,
        capture_output=True,
        timeout=300,
    )
    print(f"pspp analysis.sps ({name}): {time.perf_counter() - started:.2f} s")
    checked = 0
    for file, keys in spss_outputs(results).items():
        numbers = [float(line) for line in (out / file).read_text().split()]
        assert len(numbers) == len(keys), file
        for key, value in zip(keys, numbers, strict=True):
            close(lookup(results, key), value, key)
            checked += 1
    assert checked >= 10 + 13 + 16
    printed = pspp_figures((out / "pspp_output.csv").read_text(encoding="utf-8"))
    for key, cell in printed:
        if key.endswith("/fisher_p_val") and symmetric_margins(lookup(results, key[:-13])):
            continue
        expected = float(lookup(results, key))
        # PSPP 1.6 prints phi unsigned (sqrt(chi2 / n)); SPSS and embct sign it, (ad - bc).
        as_printed(abs(expected) if key.endswith("/phi") else expected, cell, key)
    sections = {key.split("/")[0] for key, _ in printed}
    dose = {"flow", "dropout"} if "dose" not in results["flow"] else set()
    assert sections == {"reliability", "baseline", *dose}
    assert len(printed) > 100

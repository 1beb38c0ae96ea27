"""The report's sections beyond the paper: intention to treat and clustering."""

from __future__ import annotations

from typing import Any

from embct.report import render_report
from embct.report.format import MINUS


def test_the_pooled_coefficients_and_the_pattern_are_shown(
    results: dict[str, Any], rh: Any
) -> None:
    root = rh.parse(render_report(results))
    itt = results["intention_to_treat"]["hads"]
    rows = rh.table(root, "table-itt-hads-terms")
    interaction = itt["steps"][2]["terms"][4]
    shown = [row for row in rows if row[0] == "Alliance, week 2 × condition"]
    assert shown[0][1] == f"{interaction['b']:.3f}".replace("-", MINUS)
    pattern = rh.table(root, "table-itt-hads-pattern")
    assert [row[0] for row in pattern[1:-1]] == [str(p["n"]) for p in itt["pattern"]["patterns"]]
    assert pattern[1][1:4] == ["observed"] * 3
    assert f"m = {itt['m']} imputations" in rh.text_of(root)


def test_the_icc_and_the_three_inferences_are_shown(results: dict[str, Any], rh: Any) -> None:
    root = rh.parse(render_report(results))
    section = results["clustering"]["mhc"]
    icc = rh.row_starting(rh.table(root, "table-clustering-mhc-icc"), "therapist")
    assert icc[1] == str(section["icc"]["therapist"]["n_clusters"])
    rows = rh.table(root, "table-clustering-mhc-terms")
    assert rows[0] == [
        "Step and predictor",
        "OLS",
        "CR2 by therapist",
        "Random therapist intercept",
    ]
    assert rows[1] == ["B", "SE", "df", "p", "SE", "df", "p", "B", "SE", "df", "p"]
    step3 = section["models"][2]["terms"][0]
    constants = [row for row in rows if row[0] == "Constant"]
    assert constants[-1][6] == f"{step3['dof_cr2']:.1f}"


def test_a_skipped_part_says_why_and_an_older_document_has_no_section(
    results: dict[str, Any], rh: Any
) -> None:
    results["clustering"]["hads"] = {"skipped": "no therapist_id in the data"}
    results["clustering"]["mhc"]["icc"]["group"] = {"skipped": "no group_id in the data"}
    html = render_report(results)
    assert "Skipped:</strong> no therapist_id in the data" in html
    root = rh.parse(html)
    assert rh.row_starting(rh.table(root, "table-clustering-mhc-icc"), "group")[1] == (
        "no group_id in the data"
    )
    del results["intention_to_treat"], results["clustering"]
    older = render_report(results)
    assert 'id="intention-to-treat"' not in older
    assert 'href="#clustering"' not in older

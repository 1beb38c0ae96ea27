"""The analysis report: well-formed, self-contained, every table with its numbers, escaped.

The reference for the numbers is the example results document (results_example.json, built
to the paper's Tables 1-3 and Results text, ../shared/reference/published-results.toml) and
APA 7 formatting (6.36: no leading zero for p and bounded statistics, p < .001).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")  # explicit: no display is ever needed

from embct.report import ReportError, render_report, write_report
from embct.report.format import MINUS
from embct.report.render import _environment

TABLE_IDS = [
    "table-flow",
    "table-baseline",
    "table-reliability",
    "table-dropout-wai",
    "table-dropout-logistic",
    "table-alliance-multivariate",
    "table-alliance-sphericity",
    "table-alliance-means",
    "table-alliance-mixed",
    "table-hads-steps",
    "table-hads-terms",
    "table-hads-moderation",
    "table-hads-assumptions",
    "table-mhc-steps",
    "table-mhc-terms",
    "table-mhc-moderation",
    "table-mhc-assumptions",
    "table-itt-hads-pattern",
    "table-itt-hads-terms",
    "table-itt-mhc-pattern",
    "table-itt-mhc-terms",
    "table-clustering-hads-icc",
    "table-clustering-hads-terms",
    "table-clustering-mhc-icc",
    "table-clustering-mhc-terms",
]


@pytest.fixture(scope="module")
def html() -> str:
    import json

    path = Path(__file__).resolve().parent / "results_example.json"
    return render_report(json.loads(path.read_text(encoding="utf-8")))


def test_it_is_well_formed_html_and_xml(html: str, rh: Any) -> None:
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    root = rh.parse(html)
    assert root.tag == "html"
    assert root.find("head/title") is not None
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids (e.g. between inline SVGs)"


def test_it_is_self_contained(html: str) -> None:
    lowered = html.lower()
    assert "<script" not in lowered
    assert "<link" not in lowered
    assert not re.search(r"""(src|href)\s*=\s*["'](https?:)?//""", lowered)
    assert "<style>" in html


def test_tables_come_in_the_papers_order(html: str, rh: Any) -> None:
    root = rh.parse(html)
    ids = [t.get("id") for t in root.iter("table")]
    assert ids == TABLE_IDS
    numbers = [rh.text_of(c.find("span")) for c in root.iter("caption")]
    assert numbers == [f"Table {i}" for i in range(1, len(TABLE_IDS) + 1)]


def test_every_table_has_its_n_and_missing_data_rule(html: str, rh: Any) -> None:
    root = rh.parse(html)
    checked = 0
    for section in root.iter("section"):
        children = list(section)
        for index, child in enumerate(children):
            table = child.find("table") if child.get("class") == "table-scroll" else None
            if table is None:
                assert child.tag != "table", "a table outside its scrolling region"
                continue
            checked += 1
            note = children[index + 1]
            assert (note.tag, note.get("class")) == ("p", "note"), table.get("id")
            text = rh.text_of(note)
            assert re.search(r"\bn (= \d+|per row)", text), (table.get("id"), text)
            assert "Missing data:" in text, table.get("id")
    assert checked == len(TABLE_IDS)


def test_a_wide_table_scrolls_in_a_focusable_region_named_by_its_caption(
    html: str, rh: Any
) -> None:
    # WCAG 1.4.10: on a phone a wide table scrolls by itself, not the page; WCAG 2.1.1: the
    # scrolling region takes keyboard focus (axe-core's scrollable-region-focusable).
    root = rh.parse(html)
    regions = [div for div in root.iter("div") if div.get("class") == "table-scroll"]
    assert [r.find("table").get("id") for r in regions] == TABLE_IDS
    for region in regions:
        assert (region.get("role"), region.get("tabindex")) == ("region", "0")
        caption = region.find("table/caption")
        assert region.get("aria-labelledby") == caption.get("id")


def test_numbers_are_right_aligned(html: str, rh: Any) -> None:
    root = rh.parse(html)
    number = re.compile(rf"^[<>]? ?[{MINUS}−+]?\.?\d[\d.,]*%?$|^\[.*\]$|^\d+ \(\d+\.\d\)$")
    checked = 0
    for cell in root.iter("td"):
        text = rh.text_of(cell)
        if number.match(text):
            assert cell.get("class") == "num", text
            checked += 1
    assert checked > 300


def test_flow_table(html: str, rh: Any) -> None:
    rows = rh.table(rh.parse(html), "table-flow")
    assert rows[0] == [
        "Arm",
        "Randomized",
        "Declined, n (%)",
        "Started",
        "Dropped out, n (%)",
        "Completed",
    ]
    assert rh.row_starting(rows, "MBCT") == ["MBCT", "120", "25 (20.8)", "95", "11 (11.6)", "84"]
    assert rh.row_starting(rows, "eMBCT") == ["eMBCT", "125", "22 (17.6)", "103", "24 (23.3)", "79"]
    assert rh.row_starting(rows, "Total") == ["Total", "245", "47", "198", "35", "163"]
    # chi2 of 11/95 vs 24/103 without continuity correction: scipy chi2_contingency = 4.666
    text = rh.text_of(rh.parse(html))
    assert "Pearson χ²(1) = 4.67, p = .03 (no continuity correction)" in text
    assert "Fisher's exact p = .04" in text


def test_baseline_table(html: str, rh: Any) -> None:
    rows = rh.table(rh.parse(html), "table-baseline")
    assert rows[0][1:3] == ["MBCT (n = 120)", "eMBCT (n = 125)"]
    # Table 1 of the paper: counts and uncorrected chi-square (statistics.md 5.3)
    assert rh.row_starting(rows, "Gender (female), n (%)")[1:] == [
        "101 (84.2)",
        "109 (87.2)",
        "χ² = 0.46",
        "1",
        ".50",
    ]
    assert rh.row_starting(rows, "Age (years), M (SD)")[1:] == [
        "51.5 (11.1)",
        "51.8 (10.2)",
        f"t = {MINUS}0.22",
        "243",
        ".83",
    ]
    assert rh.row_starting(rows, "Education level, n (%)") == ["Education level, n (%)"]
    assert rh.row_starting(rows, "High")[1:3] == ["85 (70.8)", "81 (64.8)"]
    assert f"Welch t(239.25) = {MINUS}0.22, p = .83" in rh.text_of(rh.parse(html))


def test_reliability_table(html: str, rh: Any) -> None:
    rows = rh.table(rh.parse(html), "table-reliability")
    assert rows[1] == ["WAI-SR", "week 2", "12", "163", ".93", "[.91, .94]", ".93"]
    assert ["HADS", "baseline", "14", "245", ".87", "[.84, .89]", ".87"] in rows
    assert ["MHC-SF", "posttreatment", "14", "147", ".97", "[.96, .98]", ".97"] in rows


def test_dropout_tables(html: str, rh: Any) -> None:
    root = rh.parse(html)
    rows = rh.table(root, "table-dropout-wai")
    assert rh.row_starting(rows, "Dropouts") == ["Dropouts", "13", "33.3", "7.9"]
    assert rh.row_starting(rows, "Completers") == ["Completers", "150", "36.6", "9.5"]
    assert f"Student's t(161) = {MINUS}1.22, p = .23" in rh.text_of(root)
    rows = rh.table(root, "table-dropout-logistic")
    interaction = rh.row_starting(rows, "Alliance, week 2 × condition")
    assert interaction == [
        "Alliance, week 2 × condition",
        f"{MINUS}0.130",
        "0.074",
        "3.09",
        "1",
        ".08",
        "0.878",
        "[0.760, 1.015]",
    ]
    steps = [r[0] for r in rows if re.match(r"Step \d:", r[0])]
    assert steps[1].startswith("Step 2: χ²(3) = 6.31, p = .10; −2LL = 82.32")
    assert "Nagelkerke R² = .086" in steps[1]


def test_alliance_tables(html: str, rh: Any) -> None:
    root = rh.parse(html)
    rows = rh.table(root, "table-alliance-multivariate")
    # The paper: time F(2, 90) = 16.46, Wilks .732, P < .001; time x condition
    # F(2, 90) = 1.636, Wilks .965, P = .20; condition F(1, 91) = 0.114, P = .74
    assert rh.row_starting(rows, "Time") == [
        "Time",
        ".732",
        ".268",
        "0.366",
        "0.366",
        "16.46",
        "2",
        "90",
        "< .001",
        ".268",
    ]
    assert rh.row_starting(rows, "Time × arm")[1:9] == [
        ".965",
        ".035",
        "0.036",
        "0.036",
        "1.64",
        "2",
        "90",
        ".20",
    ]
    assert rh.row_starting(rows, "Arm")[5:] == ["0.114", "1", "91", ".74", ".001"]
    rows = rh.table(root, "table-alliance-sphericity")
    assert rows[1][0].startswith("Mauchly's W = .931, χ²(2) = 6.41, p = .04")
    assert ["", "Greenhouse–Geisser", ".935", "17.92", "1.87", "170.17", "< .001"] in rows
    rows = rh.table(root, "table-alliance-means")
    assert ["MBCT", "2", "48", "36.00", "1.28", "[33.45, 38.55]"] in rows
    assert [r[0] for r in rows[1:]] == ["MBCT"] * 3 + ["eMBCT"] * 3
    assert [r[1] for r in rows[1:]] == ["2", "5", "9"] * 2
    rows = rh.table(root, "table-alliance-mixed")
    assert rh.row_starting(rows, "Constant")[1:] == [
        "36.12",
        "1.02",
        "35.41",
        "< .001",
        "[34.12, 38.12]",
    ]
    assert "163 participants, 406 observations" in html


def test_outcome_tables(html: str, rh: Any) -> None:
    root = rh.parse(html)
    rows = rh.table(root, "table-hads-steps")
    # Table 2 of the paper: F 42.72 (2,115), 32.08 (3,114), 26.17 (4,113);
    # adjusted R2 .416, .443, .463; the step-2 change dR2 = .031 (printed), F(1,114) = 6.622
    assert [r[4] for r in rows[1:]] == [".416", ".443", ".463"]
    assert [r[5] for r in rows[1:]] == ["42.72 (2, 115)", "32.08 (3, 114)", "26.17 (4, 113)"]
    assert rows[2][7:] == [".032", "6.623 (1, 114)", ".01"]
    assert rows[3][1] == "Alliance, week 2 × condition"
    rows = rh.table(root, "table-hads-terms")
    step3 = rows[rows.index(["Step 3"]) :]
    assert rh.row_starting(step3, "Alliance, week 2 × condition")[1:7] == [
        "0.220",
        "0.098",
        "0.602",
        "2.245",
        "113",
        ".03",
    ]
    assert rh.row_starting(rows, "HADS total, baseline")[1] == "0.580"
    rows = rh.table(root, "table-mhc-steps")
    assert [r[4] for r in rows[1:]] == [".523", ".547", ".545"]
    assert [r[5] for r in rows[1:]] == ["65.26 (2, 115)", "48.15 (3, 114)", "36.07 (4, 113)"]
    rows = rh.table(root, "table-mhc-terms")
    step3 = rows[rows.index(["Step 3"]) :]
    assert rh.row_starting(step3, "Alliance, week 2 × condition")[4:7] == [
        f"{MINUS}0.698",
        "113",
        ".49",
    ]


def test_moderation_and_assumptions(html: str, rh: Any) -> None:
    root = rh.parse(html)
    rows = rh.table(root, "table-hads-moderation")
    assert rh.row_starting(rows, "MBCT")[1:6] == [
        f"{MINUS}0.220",
        "0.060",
        f"{MINUS}3.673",
        "113",
        "< .001",
    ]
    assert rh.row_starting(rows, "27.20 (−1 SD)")[5] == ".002"
    assert "differ at α = .05 for week-2 WAI-SR scores below 38.62" in html
    # MHC-SF: no boundary at all
    assert "no value of the week-2 WAI-SR in the observed range" in html
    rows = rh.table(root, "table-hads-assumptions")
    assert rh.row_starting(rows, "Largest Cook's distance") == ["Largest Cook's distance", "0.091"]
    assert rh.row_starting(rows, "Shapiro–Wilk p") == ["Shapiro–Wilk p", ".31"]


def test_figures_are_inline_svg(html: str, rh: Any) -> None:
    root = rh.parse(html)
    svgs = list(root.iter(f"{rh.XHTML_SVG}svg"))
    assert len(svgs) == 4
    figures = [f.get("id") for f in root.iter("figure")]
    assert figures == [
        "figure-consort",
        "figure-alliance",
        "figure-interaction-hads",
        "figure-interaction-mhc",
    ]
    for figure in root.iter("figure"):
        assert figure.find(f"{rh.XHTML_SVG}svg") is not None
        assert rh.text_of(figure.find("figcaption")).startswith("Figure ")
    assert "<?xml" not in html
    assert "<!DOCTYPE svg" not in html


def test_a_malicious_label_is_escaped(results: dict[str, Any], rh: Any) -> None:
    evil = "<script>alert('x')</script>"
    for section in (
        results["flow"]["arms"],
        results["alliance_development"]["means"],
        results["outcomes"]["hads"]["simple_slopes"],
    ):
        for row in section:
            if row["arm"] == 1:
                row["arm_label"] = evil
    results["baseline"]["rows"][0]["label"] = '"><img src=x onerror=alert(1)>'
    results["meta"]["input"] = "<b>file</b>.csv"
    results["outcomes"]["mhc"] = {"skipped": "<i>no mhc</i>"}
    html = render_report(results)
    assert "<script" not in html.lower()
    assert "<img" not in html
    assert "<b>file" not in html
    assert "<i>no mhc" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    root = rh.parse(html)
    # the label arrives intact as text, in the tables and in the figures' SVG text
    assert evil in [rh.text_of(r[0]) for r in root.find(".//table[@id='table-flow']/tbody")]
    svg_text = [t.text for t in root.iter(f"{rh.XHTML_SVG}text") if t.text]
    assert any(evil in t for t in svg_text)


def test_autoescape_is_on() -> None:
    env = _environment()
    assert env.autoescape is True
    assert env.from_string("{{ x }}").render(x="<a>") == "&lt;a&gt;"


@pytest.mark.parametrize(
    "section",
    ["flow", "baseline", "reliability", "dropout", "alliance_development", "outcomes"],
)
def test_a_skipped_section_shows_its_reason(results: dict[str, Any], section: str, rh: Any) -> None:
    reason = f"{section} needs a column the data lack"
    results[section] = {"skipped": reason}
    html = render_report(results)
    root = rh.parse(html)
    skipped = [rh.text_of(p) for p in root.iter("p") if p.get("class") == "skipped"]
    assert f"Skipped: {reason}" in skipped
    expected_svgs = {"flow": 3, "alliance_development": 3, "outcomes": 2}.get(section, 4)
    assert len(list(root.iter(f"{rh.XHTML_SVG}svg"))) == expected_svgs


def test_skipped_subsections_and_an_empty_document(results: dict[str, Any], rh: Any) -> None:
    results["dropout"]["logistic"] = {"skipped": "no dropped_out role"}
    results["alliance_development"]["mixed_model"] = {"skipped": "did not converge"}
    results["outcomes"]["hads"] = {"skipped": "no hads_post"}
    html = render_report(results)
    for reason in ("no dropped_out role", "did not converge", "no hads_post"):
        assert f"Skipped:</strong> {reason}" in html
    root = rh.parse(html)
    assert root.find(".//table[@id='table-hads-steps']") is None
    assert root.find(".//table[@id='table-mhc-steps']") is not None
    empty = render_report({})
    rh.parse(empty)
    assert empty.count('class="skipped"') == 7


def test_write_report_writes_html_and_figures(results: dict[str, Any], tmp_path: Path) -> None:
    path = write_report(results, tmp_path / "out", title="Trial & error")
    assert path == tmp_path / "out" / "report.html"
    html = path.read_text(encoding="utf-8")
    assert "<title>Trial &amp; error</title>" in html
    names = sorted(p.name for p in (tmp_path / "out" / "figures").iterdir())
    assert names == sorted(
        f"{n}.{ext}"
        for n in ("alliance", "consort", "interaction_hads", "interaction_mhc")
        for ext in ("svg", "png")
    )
    for svg in (tmp_path / "out" / "figures").glob("*.svg"):
        assert ET.fromstring(svg.read_text(encoding="utf-8")).tag.endswith("svg")
    for png in (tmp_path / "out" / "figures").glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_figures_of_skipped_sections_are_not_written(
    results: dict[str, Any], tmp_path: Path
) -> None:
    results["alliance_development"] = {"skipped": "no wai columns"}
    write_report(results, tmp_path)
    assert not (tmp_path / "figures" / "alliance.svg").exists()
    assert (tmp_path / "figures" / "consort.svg").exists()


def test_bad_results_raise_and_write_nothing(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="expected a mapping"):
        write_report([1, 2], tmp_path / "a")  # type: ignore[arg-type]
    with pytest.raises(ReportError, match=r"results\['flow'\]: expected a mapping"):
        write_report({"flow": [1]}, tmp_path / "b")
    assert not (tmp_path / "a").exists()
    assert not (tmp_path / "b").exists()
    assert issubclass(ReportError, ValueError)


def test_a_section_of_another_shape_is_refused_naming_each_key(
    results: dict[str, Any], tmp_path: Path
) -> None:
    """The report reads the declared document (embct.analysis.results); it does not guess."""
    results["baseline"]["rows"] = [
        {"variable": "age", "mbct_mean": 51.5, "embct_mean": 51.8, "t": -0.18, "p_val": 0.86},
        {"variable": "female", "mbct_n": 101, "embct_n": 109, "chi2": 0.46, "p_val": 0.5},
    ]
    with pytest.raises(ReportError, match=r"key\(s\) out of place") as raised:
        write_report(results, tmp_path / "out")
    message = str(raised.value)
    assert "$.baseline.rows[0]: missing key 'label'" in message
    assert "results.schema.json" in message
    # 62 before Cramer's V and Cohen's d and their kin: 13 more keys a row.
    assert message.startswith("results: 88 key(s) out of place")  # the first 20 are listed
    assert message.endswith("... and 68 more")
    assert not (tmp_path / "out").exists()


def test_a_number_of_the_wrong_type_is_refused(results: dict[str, Any]) -> None:
    results["alliance_development"]["means"][0]["week"] = "w2"
    results["flow"]["arms"][0]["randomized"] = "120"
    with pytest.raises(ReportError) as raised:
        render_report(results)
    assert str(raised.value).splitlines()[1:] == [
        "$.flow.arms[0].randomized: expected integer, got string '120'",
        "$.alliance_development.means[0].week: expected integer, got string 'w2'",
    ]


def test_output_is_reproducible_with_source_date_epoch(
    results: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1570000000")
    first = render_report(results)
    assert "generated 2019-10-02 07:06 UTC" in first
    assert render_report(results) == first


def test_crosstabs_and_effect_sizes_are_printed_as_spss_names_them(html: str, rh: Any) -> None:
    """The example's flow counts (11 of 95, 24 of 103 dropouts): R chisq.test(m) gives
    X-squared = 3.8956, p = .0484 (reviewer_reference.R, flow_yates_*)."""
    text = rh.text_of(rh.parse(html))
    assert "Continuity correction χ²(1) = 3.90, p = .048" in text
    assert "likelihood ratio χ²(1) = 4.78, p = .03" in text
    assert "Fisher's exact p (1-sided) = .02; φ = .154, Cramér's V = .154." in text
    assert "Gender (female): Continuity correction χ²(1) = 0.25, p = .62" in text
    assert f"Cohen's d = {MINUS}0.03, 95% CI [{MINUS}0.28, 0.22]" in text
    assert "(noncentral t intervals)" in text


def test_logistic_fit_and_regression_correlations(html: str, rh: Any) -> None:
    root = rh.parse(html)
    fit = root.find(".//ul[@id='dropout-logistic-fit']")
    assert fit is not None
    lines = [rh.text_of(li) for li in fit.iter("li")]
    assert lines[0].startswith("Step 1: classification table (cut value .50): completers 128")
    assert "overall 78.5%." in lines[0]
    rows = rh.table(root, "table-hads-terms")
    assert rows[0][-3:] == ["Zero-order r", "Partial r", "Part r"]
    # partial = t / sqrt(t^2 + df) = 8.696 / sqrt(8.696^2 + 115) = .630
    assert rh.row_starting(rows, "HADS total, baseline")[-2:] == [".630", ".614"]


def test_item_totals_hosmer_lemeshow_and_anova_when_present(
    results: dict[str, Any], rh: Any
) -> None:
    results["reliability"]["hads_pre"]["items"] = [
        {
            "item": "hads_pre_1",
            "mean": 1.2,
            "sd": 0.8,
            "corrected_item_total_r": 0.512,
            "alpha_if_deleted": 0.861,
        }
    ]
    step = results["dropout"]["logistic"]["steps"][0]
    group = {"n": 16, "observed_1": 1, "expected_1": 1.3, "observed_0": 15, "expected_0": 14.7}
    groups = [{"group": g, **group} for g in range(1, 11)]
    step["hosmer_lemeshow"] = {"chi2": 6.1, "dof": 8, "p_val": 0.636, "groups": groups}
    hads = results["outcomes"]["hads"]["steps"][0]
    hads.update(ss_regression=1500.0, ss_residual=2000.0, ss_total=3500.0, ms_regression=750.0)
    hads["ms_residual"] = 2000.0 / hads["df2"]
    root = rh.parse(render_report(results))
    rows = rh.table(root, "table-reliability-items")
    assert rows[0] == ["Item", "M", "SD", "Corrected item–total r", "α if item deleted"]
    assert rows[2] == ["hads_pre_1", "1.20", "0.80", ".512", ".861"]
    text = rh.text_of(root)
    assert "Hosmer–Lemeshow χ²(8) = 6.10, p = .64 (10 groups of similar risk)." in text
    assert "ANOVA, step 1: regression SS = 1500.00, df = 2, MS = 750.00" in text
    assert "residual SS = 2000.00, df = 115, MS = 17.39; total SS = 3500.00" in text


def test_the_report_draws_the_consort_boxes_of_the_results() -> None:
    """The report's flow figure is the CONSORT diagram of ``flow.consort`` (the dashboard's
    drawing), with the boxes' numbers as text."""
    import json as _json

    from embct.report import render_report

    results = _json.loads(
        (Path(__file__).resolve().parent / "results_example.json").read_text(encoding="utf-8")
    )
    html = render_report(results)
    figure = html[html.index('<figure id="figure-consort">') :]
    figure = figure[: figure.index("</figure>")]
    assert "Randomized: 245" in figure
    assert "Declined after randomization: 25" in figure
    assert "Analysed: development of the alliance: 93" in figure

"""The figures: Figure 2 (alliance by week), the interaction plot (Multimedia Appendix 2) and
the CONSORT diagram, checked as matplotlib objects and as the SVG written into the report."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")  # explicit: never a display

from embct.report import figures

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> list[str]:
    root = ET.fromstring(svg)
    return ["".join(t.itertext()).strip() for t in root.iter(f"{SVG}text")]


def test_the_backend_is_agg_and_figures_use_it(results: dict[str, Any]) -> None:
    assert matplotlib.get_backend().lower() == "agg"
    fig = figures.alliance_figure(results)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"


def test_alliance_figure_has_three_weeks_and_two_arms(results: dict[str, Any]) -> None:
    fig = figures.alliance_figure(results)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2", "5", "9"]
    _handles, labels = ax.get_legend_handles_labels()
    assert labels == ["MBCT (n = 48)", "eMBCT (n = 45)"]
    # the two data lines carry the means of alliance_development.means, reference arm first
    data_lines = [container.lines[0] for container in ax.containers]
    assert [list(line.get_ydata()) for line in data_lines] == [
        [36.0, 38.9, 40.6],
        [36.9, 38.6, 41.5],
    ]
    svg = figures.figure_svg(fig)
    texts = svg_texts(svg)
    assert {"2", "5", "9", "Week", "MBCT (n = 48)", "eMBCT (n = 45)"} <= set(texts)
    assert texts.count("2") == 1
    assert texts.count("9") == 1
    # error bars: 95% CI from the means table (36.0 - 33.45 below the first mean)
    bars = [c for c in ax.collections]
    assert len(bars) == 2
    first = results["alliance_development"]["means"][0]
    segments = bars[0].get_segments()
    assert segments[0][0][1] == pytest.approx(first["ci_low"])
    assert segments[0][1][1] == pytest.approx(first["ci_high"])


def test_interaction_figure_follows_the_step3_model(results: dict[str, Any]) -> None:
    fig = figures.interaction_figure(results, "hads")
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert [line.get_label() for line in lines] == ["MBCT", "eMBCT"]
    xdata = list(lines[0].get_xdata())
    x0, x1 = xdata[0], xdata[-1]
    assert (x0, x1) == (12.0, 60.0)
    # MBCT: 10.85 + 0.58 * 17.6 - 0.22 * w ; eMBCT adds -10.41 + 0.22 * w
    assert lines[0].get_ydata()[0] == pytest.approx(10.85 + 0.58 * 17.6 - 0.22 * 12)
    assert lines[1].get_ydata()[-1] == pytest.approx(
        10.85 + 0.58 * 17.6 - 10.41 + (-0.22 + 0.22) * 60
    )
    # the Johnson-Neyman region: significant outside [38.62, 112.3] -> shaded 12 .. 38.62
    (band,) = ax.patches
    x0, x1 = band.get_x(), band.get_x() + band.get_width()
    assert (x0, x1) == (pytest.approx(12.0), pytest.approx(38.62))
    texts = svg_texts(figures.figure_svg(fig))
    assert "Early alliance (WAI-SR week 2)" in texts
    assert any(t.startswith("arms differ (Johnson-Neyman") for t in texts)


def test_interaction_figure_without_a_boundary_has_no_band(results: dict[str, Any]) -> None:
    fig = figures.interaction_figure(results, "mhc")
    assert len(fig.axes[0].patches) == 0
    assert fig.axes[0].get_ylabel() == "Predicted posttreatment MHC-SF total"


@pytest.mark.parametrize(
    ("jn", "expected"),
    [
        ({"lower": 20.0, "upper": 40.0, "inside_significant": True}, [(20.0, 40.0)]),
        ({"lower": 20.0, "upper": 40.0, "inside_significant": False}, [(10.0, 20.0), (40.0, 60.0)]),
        ({"lower": -5.0, "upper": 30.0, "inside_significant": False}, [(30.0, 60.0)]),
        ({"lower": 70.0, "upper": 90.0, "inside_significant": True}, []),
        ({"lower": None, "upper": None, "inside_significant": False}, []),
    ],
)
def test_johnson_neyman_regions_are_clipped_to_the_range(
    jn: dict[str, Any], expected: list[Any]
) -> None:
    assert figures._jn_regions(jn, 10.0, 60.0) == expected


def test_interaction_figure_rejects_an_unknown_outcome(results: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="'phq' is not one of"):
        figures.interaction_figure(results, "phq")


def test_consort_figure_carries_the_flow_counts(results: dict[str, Any]) -> None:
    fig = figures.consort_figure(results)
    texts = [t.get_text() for t in fig.axes[0].texts if type(t).__name__ == "Text"]
    assert len(texts) == 11  # randomized + 5 boxes per arm
    for expected in (
        "Randomized\nn = 245",
        "Allocated to MBCT\nn = 120",
        "Allocated to eMBCT\nn = 125",
        "Started eMBCT\nn = 103",
        "Declined after\nrandomization\nn = 22 (17.6%)",
        "Dropped out\n(< 4 sessions)\nn = 24 (23.3%)",
        "Completed MBCT\nn = 84",
    ):
        assert expected in texts
    svg = figures.figure_svg(fig)
    assert "n = 11 (11.6%)" in svg  # text stays text in the SVG
    arrows = [a for a in fig.axes[0].get_children() if type(a).__name__ == "Annotation"]
    assert len(arrows) == 2 + 2 * 4  # to each arm; per arm 2 down the column, 2 to the side


@pytest.mark.parametrize(
    ("draw", "key"),
    [
        (figures.alliance_figure, "alliance_development"),
        (figures.consort_figure, "flow"),
        (lambda r: figures.interaction_figure(r, "hads"), "outcomes"),
    ],
)
def test_a_skipped_section_gives_a_figure_with_the_reason(
    draw: Any, key: str, results: dict[str, Any]
) -> None:
    results[key] = {"skipped": "no such column"}
    fig = draw(results)
    assert fig.get_label() == "skipped"
    assert "no such column" in figures.figure_svg(fig)
    assert "not in the results" in figures.figure_svg(draw({}))


def test_labels_with_dollars_and_markup_are_plain_text(results: dict[str, Any]) -> None:
    for row in results["alliance_development"]["means"]:
        row["arm_label"] = "$5 plan <b>" if row["arm"] == 0 else "a $x$ arm & co"
    svg = figures.figure_svg(figures.alliance_figure(results))
    texts = svg_texts(svg)
    assert "$5 plan <b> (n = 48)" in texts
    assert "a $x$ arm & co (n = 45)" in texts
    assert "<b>" not in svg


def test_svg_ids_are_prefixed_and_unique_across_figures(results: dict[str, Any]) -> None:
    svgs = [
        figures.figure_svg(figures.alliance_figure(results), prefix="a-"),
        figures.figure_svg(figures.consort_figure(results), prefix="c-"),
    ]
    ids: list[str] = []
    for svg, prefix in zip(svgs, ("a-", "c-"), strict=True):
        root = ET.fromstring(svg)
        found = [e.get("id") for e in root.iter() if e.get("id")]
        assert found
        assert all(i.startswith(prefix) for i in found)
        refs = [v for e in root.iter() for v in e.attrib.values() if "url(#" in v]
        assert all(f"url(#{prefix}" in v for v in refs)
        ids += found
    assert len(ids) == len(set(ids))


def test_output_is_reproducible(results: dict[str, Any]) -> None:
    first = figures.figure_svg(figures.alliance_figure(results))
    assert first == figures.figure_svg(figures.alliance_figure(results))
    png = figures.figure_png(figures.alliance_figure(results), dpi=50)
    assert png == figures.figure_png(figures.alliance_figure(results), dpi=50)

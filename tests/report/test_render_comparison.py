"""The comparison page of ``embct reproduce``: every published figure beside ours, and the
paper's inconsistencies with what the recomputation says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from embct.report import COMPARISON_KEYS, ReportError, render_comparison, write_comparison
from embct.report.format import MINUS

ROWS = [
    {
        "section": "Alliance development",
        "figure": "time: Wilks' λ",
        "published": 0.732,
        "ours": 0.73218,
        "difference": 0.00018,
        "matched": True,
        "note": "printed to 3 decimals",
    },
    {
        "section": "Alliance development",
        "figure": "time: F(2, 90)",
        "published": 16.46,
        "ours": 16.4601,
        "difference": 0.0001,
        "matched": True,
        "note": "",
    },
    {
        "section": "Table 2 (HADS)",
        "figure": "condition: p",
        "published": 0.01,
        "ours": 0.0202,
        "difference": 0.0102,
        "matched": False,
        "note": "t(113) = -2.36 gives p = .02; see inconsistencies",
    },
    {
        "section": "Table 2 (HADS)",
        "figure": "time: p",
        "published": "< .001",
        "ours": "< .001",
        "difference": "",
        "matched": True,
    },
]
INCONSISTENCIES = [
    {
        "what": "Condition on HADS: t(113) = -2.36 printed with P = .01",
        "ours": "two-sided p = .020 for t(113) = -2.36; we match the t, not the p",
    },
    "WAI items 'on a 5-point scale ranging from rarely (0) to always (5)'",
]


def test_every_row_stands_beside_the_published_value(rh: Any) -> None:
    html = render_comparison(ROWS, INCONSISTENCIES, meta={"mode": "exact", "seed": 2019})
    root = rh.parse(html)
    rows = rh.table(root, "table-comparison")
    assert rows[0] == ["Figure", "Published", "Ours", "Difference", "Matched", "Note"]
    assert ["Alliance development"] in rows
    assert ["Table 2 (HADS)"] in rows
    assert rh.row_starting(rows, "time: Wilks' λ") == [
        "time: Wilks' λ",
        "0.732",
        "0.7322",
        "+0.0002",
        "✓ yes",
        "printed to 3 decimals",
    ]
    assert rh.row_starting(rows, "condition: p")[1:5] == ["0.01", "0.0202", "+0.0102", "✗ no"]
    assert rh.row_starting(rows, "time: p")[1:3] == ["< .001", "< .001"]
    assert "3 of 4 published figures matched; 1 did not" in rh.text_of(root)
    assert "mode: exact · seed: 2019" in rh.text_of(root)
    mismatched = [tr for tr in root.iter("tr") if tr.get("class") == "mismatch"]
    assert len(mismatched) == 1
    for cell in root.find(".//table[@id='table-comparison']").iter("td"):
        if rh.text_of(cell)[:1].isdigit() or rh.text_of(cell).startswith(("+", MINUS)):
            assert cell.get("class") == "num"


def test_inconsistencies_are_listed_with_our_reading(rh: Any) -> None:
    root = rh.parse(render_comparison(ROWS, INCONSISTENCIES))
    rows = rh.table(root, "table-inconsistencies")
    assert rows[1] == [
        "1",
        "Condition on HADS: t(113) = -2.36 printed with P = .01",
        "two-sided p = .020 for t(113) = -2.36; we match the t, not the p",
    ]
    assert rows[2][2] == "—"
    assert "None listed." in rh.text_of(rh.parse(render_comparison(ROWS)))


def test_coverage_column_appears_with_replications(rh: Any) -> None:
    rows = [dict(row, coverage=0.955) for row in ROWS]
    root = rh.parse(render_comparison(rows))
    table = rh.table(root, "table-comparison")
    assert table[0][5] == "Coverage"
    assert rh.row_starting(table, "time: F(2, 90)")[5] == "95.5%"


def test_text_is_escaped(rh: Any) -> None:
    rows = [dict(ROWS[0], note="<script>alert(1)</script>", section="<i>x</i>")]
    html = render_comparison(rows, [{"what": "<img src=x>", "ours": "&"}])
    assert "<script" not in html
    assert "<img" not in html
    assert "<i>x" not in html
    assert "&lt;script&gt;" in html
    assert "&amp;" in html
    rh.parse(html)


@pytest.mark.parametrize("key", COMPARISON_KEYS)
def test_a_row_without_a_key_is_refused(key: str) -> None:
    row = {k: v for k, v in ROWS[0].items() if k != key}
    with pytest.raises(ReportError, match=rf"rows\[1\] .*missing key\(s\) {key}"):
        render_comparison([ROWS[1], row])


def test_bad_matched_and_bad_shapes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ReportError, match="'matched' must be true or false, got 'yes'"):
        render_comparison([dict(ROWS[0], matched="yes")])
    with pytest.raises(ReportError, match="expected a list of mappings"):
        render_comparison({"section": "x"})  # type: ignore[arg-type]
    with pytest.raises(ReportError, match=r"inconsistencies\[0\]"):
        render_comparison(ROWS, [42])  # type: ignore[list-item]
    with pytest.raises(ReportError):
        write_comparison([{"section": "x"}], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_write_comparison(tmp_path: Path, rh: Any) -> None:
    path = write_comparison(ROWS, tmp_path / "reproduce", INCONSISTENCIES, title="Reproduced")
    assert path == tmp_path / "reproduce" / "comparison.html"
    root = rh.parse(path.read_text(encoding="utf-8"))
    assert rh.text_of(root.find("head/title")) == "Reproduced"

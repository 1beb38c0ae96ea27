"""``embct.figures.check``: the figures file, each rule on constructed entries, and the paper."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from embct.figures import FiguresError, check_figures, check_file, load_figures
from embct.simulate.compare import published_results

PAPER = (
    Path(__file__).resolve().parents[2] / "src" / "embct" / "simulate" / "published-results.toml"
)


def one(**entry):
    entry.setdefault("id", "x")
    entry.setdefault("where", "Table 9")
    return check_figures(load_figures({"figure": [entry]}))


def test_a_consistent_test_has_no_finding() -> None:
    assert one(kind="test", stat="t", value="2.57", df="113", p=".01") == []


def test_a_statcheck_finding_names_printed_values_recomputation_and_class() -> None:
    [f] = one(kind="test", stat="t", value="2.20", df="28", p=".06")
    assert f["rule"] == "statcheck"
    assert f["class"] == "typo"
    assert f["decision_error"] is True
    assert f["printed"] == "t(28) = 2.20, P = .06"
    assert "0.036" in f["recomputed"]


def test_a_p_cut_off_instead_of_rounded_is_a_rounding_error() -> None:
    # t(113) = 1.16: P = .2485 (from .2465 to .2505): printed .24 is truncated
    [f] = one(kind="test", stat="t", value="1.16", df="113", p=".24")
    assert f["class"] == "rounding"


def test_a_chi_square_of_two_means_names_the_wrong_test() -> None:
    [f] = one(
        kind="test",
        stat="chi2",
        value="1.49",
        df="1",
        p=".14",
        groups={"means": ["18.2", "16.9"], "sds": ["6.7", "6.9"], "n": [120, 125]},
    )
    assert f["class"] == "wrong test"
    assert "t(243)" in f["recomputed"]


def test_df_follow_from_n_and_the_model() -> None:
    assert (
        one(
            kind="test",
            stat="t",
            value="-0.18",
            df="243",
            p=".86",
            model="two-sample",
            n=[120, 125],
        )
        == []
    )
    [f] = one(
        kind="test", stat="t", value="-0.18", df="244", p=".86", model="two-sample", n=[120, 125]
    )
    assert f["rule"] == "df"
    [f] = one(
        kind="test",
        stat="t",
        value="8.69",
        df="113",
        p="<.001",
        model="regression",
        n="118",
        predictors="2",
    )
    assert "df 115" in f["recomputed"]


def test_wilks_lambda_and_f_must_agree() -> None:
    assert (
        one(
            kind="test", stat="F", value="16.46", df1="2", df2="90", p="<.001", wilks_lambda="0.732"
        )
        == []
    )
    [f] = one(
        kind="test", stat="F", value="20.46", df1="2", df2="90", p="<.001", wilks_lambda="0.732"
    )
    assert f["rule"] == "Wilks' lambda"


def test_percentages_of_counts() -> None:
    assert one(kind="percent", count="101", percent="84.2", n="120") == []
    [f] = one(kind="percent", count="22", percent="19.2", n="125")
    assert "19.2% of 125 is 24" in f["implies"]
    [f] = one(kind="percent", count="6", percent="25.7")
    assert f["class"] == "impossible"


def fig(ident: str, where: str, kind: str, **fields: object) -> dict:
    return {"id": ident, "where": where, "kind": kind, **fields}


def test_two_percentages_printed_swapped_are_one_finding() -> None:
    entries = [
        fig("a", "MBCT", "percent", count="44", percent="36.0", n="120"),
        fig("b", "eMBCT", "percent", count="45", percent="36.7", n="125"),
    ]
    [f] = check_figures(load_figures({"figure": entries}))
    assert f["ids"] == ["a", "b"]
    assert "swapped" in f["implies"]


def test_grim_and_grimmer_through_the_file() -> None:
    [f] = one(kind="mean", mean="5.93", n="49")
    assert (f["rule"], f["class"]) == ("GRIM", "impossible")
    [f] = one(kind="mean", mean="7.3", sd="2.51", n="12")
    assert f["rule"] == "GRIMMER"
    [f] = one(kind="mean", mean="2.0", sd="3.0", n="10", low="0", high="4")
    assert f["rule"] == "range"


def test_crosstab_counts_chi_square_p_and_n() -> None:
    assert (
        one(kind="crosstab", events=[102, 100], totals=[120, 125], chi2="1.06", df="1", p=".30")
        == []
    )
    found = one(
        kind="crosstab", events=[102, 100], totals=[120, 125], chi2="1.6", df="1", n="244", p=".40"
    )
    assert sorted(f["rule"] for f in found) == ["crosstab", "n"]


def test_regression_steps_and_the_r2_change_that_names_the_wrong_step() -> None:
    assert one(kind="model", f="42.72", df1="2", df2="115", adj_r2="0.416", p="<.001") == []
    [f] = one(kind="model", f="52.72", df1="2", df2="115", adj_r2="0.416", p="<.001")
    assert f["rule"] == "F from adjusted R2"
    change = dict(
        kind="r2_change",
        r2_change="0.031",
        f="6.622",
        df1="1",
        df2="114",
        p=".01",
        n="118",
        adj_r2=["0.416", "0.443", "0.463"],
        predictors=[2, 3, 4],
    )
    assert one(**change, step="2") == []
    [f] = one(**change, step="3")
    assert f["class"] == "wrong test"
    assert "step 2" in f["implies"]


def test_scale_and_sum_arithmetic() -> None:
    assert one(kind="scale", points="6", low="0", high="5") == []
    [f] = one(kind="scale", points="5", low="0", high="5")
    assert f["class"] == "impossible"
    assert one(kind="sum", total="198", terms=["125", "-22", "120", "-25"]) == []
    assert one(kind="sum", total="199", terms=["125", "-22", "120", "-25"])[0]["rule"] == "sum"


def test_the_same_figure_printed_twice_must_agree() -> None:
    t113 = {"kind": "test", "stat": "t", "df": "113"}
    entries = [
        fig("a", "Abstract", **t113, value="2.261", p=".03", same="g"),
        fig("b", "Table 2", **t113, value="2.245", p=".03", same="g"),
        fig("c", "Results", **t113, value="3.10", p=".002", same="h"),
        fig("d", "Table 2", **t113, value="3.1", p=".002", same="h"),
    ]
    [f] = check_figures(load_figures({"figure": entries}))
    assert f["ids"] == ["a", "b"]
    assert f["class"] == "typo"
    # when one version is another figure's, the claim names the wrong test
    entries[3]["value"], entries[3]["p"] = "2.261", ".03"
    entries[2]["value"], entries[2]["p"] = "2.261", ".03"
    [f] = check_figures(load_figures({"figure": entries}))
    assert f["class"] == "wrong test"
    assert "Results" in f["implies"]


def test_identical_findings_on_several_rows_are_one_finding() -> None:
    rows = [
        {
            "id": f"r{k}",
            "where": f"row {k}",
            "kind": "crosstab",
            "events": [10, 20],
            "totals": [50, 50],
            "n": "99",
        }
        for k in range(3)
    ]
    [f] = check_figures(load_figures({"figure": rows}))
    assert f["ids"] == ["r0", "r1", "r2"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"id": "a", "kind": "p", "p": ".03"}, "figure 'a' (?): where = '(missing)': required"),
        (
            {"id": "a", "where": "T1", "kind": "mean"},
            "figure 'a' (T1): mean = '(missing)': a mean figure needs it",
        ),
        ({"id": "a", "where": "T1", "kind": "nope"}, "kind = 'nope': expected one of"),
        (
            {"id": "a", "where": "T1", "kind": "p", "p": "1.3"},
            "p = '1.3': P '1.3': a P value lies between 0 and 1",
        ),
        (
            {"id": "a", "where": "T1", "kind": "test", "stat": "q", "value": "1"},
            "stat = 'q': expected t, F",
        ),
        (
            {"id": "a", "where": "T1", "kind": "percent", "count": "x", "percent": "1"},
            "count = 'x'",
        ),
    ],
)
def test_a_bad_entry_is_refused_naming_the_entry_field_value_and_rule(entry, message) -> None:
    with pytest.raises(FiguresError, match=re.escape(message)):
        load_figures({"figure": [entry]})


def test_duplicate_ids_and_an_empty_file_are_refused(tmp_path: Path) -> None:
    e = {"id": "a", "where": "T1", "kind": "p", "p": ".03"}
    with pytest.raises(FiguresError, match="unique"):
        load_figures({"figure": [e, e]})
    path = tmp_path / "empty.toml"
    path.write_text("title = 'x'\n")
    with pytest.raises(FiguresError, match=r"no \[\[figure\]\] entries"):
        load_figures(path)


def test_the_paper_holds_every_printed_figure() -> None:
    result = check_file(PAPER)
    assert result["figures"] >= 120
    assert result["numbers"] >= 400


def test_the_checker_finds_every_hand_listed_inconsistency_of_the_paper_itself() -> None:
    findings = check_file(PAPER)["findings"]
    by_id = {i: f for f in findings for i in f["ids"]}
    assert len(published_results()["inconsistencies"]) == 12
    # each hand-listed item of published-results.toml [[inconsistencies]], in its order
    assert "24" in by_id["flow.declined.embct"]["implies"]  # 19.2% of 125
    assert "198" in by_id["flow.dropouts.embct"]["implies"]  # 12.1% of 198
    assert "flow.dropouts.mbct" in by_id
    assert by_id["methods.wai_scale"]["class"] == "impossible"  # 0..5 is 6 points
    assert by_id["methods.hads_scale"]["class"] == "impossible"
    assert by_id["t1.hads_baseline.test"]["class"] == "wrong test"  # chi2 of means
    assert "t1.mhc_sf_baseline.test" in by_id
    assert by_id["t2.wai_w2.abstract"]["rule"] == "same figure"  # -2.656 vs -2.57
    assert by_id["t2.interaction.abstract"]["rule"] == "same figure"  # 2.261 vs 2.245
    assert by_id["t3.wai_w2.abstract"]["rule"] == "same figure"  # B .23 vs .24
    assert by_id["dropout.logit.wai_w2"]["class"] == "wrong test"  # B -.39, P .21
    assert by_id["t2.condition"]["rule"] == "df" or "t2.condition" in by_id  # P .01 for t -2.36
    statcheck = [f for f in findings if f["rule"] == "statcheck" and "t2.condition" in f["ids"]]
    assert statcheck
    assert "0.0200" in statcheck[0]["recomputed"]
    assert "step 2" in by_id["t2.interaction.change"]["implies"]  # dR2 .031
    df = [f for f in findings if f["rule"] == "df" and "t2.baseline" in f["ids"]]
    assert df
    assert "df 115" in df[0]["recomputed"]
    relation = [
        f for f in findings if f["rule"] == "crosstab" and "t1.relationship.test" in f["ids"]
    ]
    assert relation
    assert "1.058" in relation[0]["recomputed"]


def test_the_checker_finds_about_twenty_inconsistencies_in_the_paper() -> None:
    findings = check_file(PAPER)["findings"]
    assert 18 <= len(findings) <= 30
    assert {f["class"] for f in findings} == {"rounding", "typo", "impossible", "wrong test"}

"""results.json has the shape embct.analysis.results declares, and the shipped JSON Schema is
the one generated from those declarations.

The validator is embct.analysis.results_schema's own (no jsonschema dependency); the last
tests prove it fails on a missing key, an extra key and a wrong type.
"""

import copy
import json
import subprocess
import sys
import typing
import zipfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import pandas as pd
import pytest

from embct.analysis import analyze, results, results_schema, write_results
from embct.analysis.pipeline import MODEL_UNAVAILABLE
from embct.analysis.results_schema import (
    SCHEMA_FILE,
    ResultsSchemaError,
    check_results,
    json_schema,
    load_schema,
    schema_errors,
    schema_text,
    write_schema,
)
from embct.simulate import simulate

REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "R"
REPORT_EXAMPLE = Path(__file__).resolve().parent.parent / "report" / "results_example.json"


@pytest.fixture
def item_results(trial_table: Callable[..., pd.DataFrame]) -> dict[str, Any]:
    """The pipeline on the item-level test table, through JSON as results.json holds it."""
    return json.loads(json.dumps(analyze(trial_table(n=245, seed=1))))


def test_the_shipped_schema_is_the_generated_one() -> None:
    shipped = resources.files("embct.analysis").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")
    assert shipped == schema_text(), "run: python -m embct.analysis.results_schema"
    assert load_schema() == json_schema()


def test_write_schema_writes_the_generated_text(tmp_path: Path) -> None:
    path = write_schema(tmp_path / "schema.json")
    assert path.read_text(encoding="utf-8") == schema_text()


def test_every_typed_section_is_a_definition_with_exactly_its_keys() -> None:
    schema = json_schema()
    typed = {name for name in results.__all__ if typing.is_typeddict(getattr(results, name))}
    bases = {"CrosstabExtras", "LinearCombination", "TwoGroupTest"}
    assert typed - set(schema["$defs"]) == bases  # bases only
    for name, definition in schema["$defs"].items():
        declared = getattr(results, name)
        assert definition["additionalProperties"] is False, name
        assert list(definition["properties"]) == list(typing.get_type_hints(declared)), name
        assert set(definition["required"]) == declared.__required_keys__, name
    assert schema["$defs"]["Assumptions"]["required"][-1] == "shapiro_p_val"
    assert schema["$defs"]["Meta"]["properties"]["input"] == {"type": ["string", "null"]}


def test_the_generator_refuses_a_type_json_cannot_hold() -> None:
    class Odd(TypedDict):
        when: set[int]

    with pytest.raises(TypeError, match="no JSON Schema"):
        results_schema._schema_of(Odd, {})


def test_optional_keys_are_not_required() -> None:
    # No postponed annotations in this module: Python 3.11 would not see NotRequired.
    class Part(TypedDict):
        a: int
        b: NotRequired[str]

    defs: dict[str, Any] = {}
    results_schema._schema_of(Part, defs)
    assert defs["Part"]["required"] == ["a"]
    schema = {"$ref": "#/$defs/Part", "$defs": defs}
    assert schema_errors({"a": 1}, schema) == []
    assert schema_errors({"a": 1, "b": 2}, schema) == ["$.b: expected string, got integer 2"]


# ---------------------------------------------------------------------------------------
# The pipeline's outputs are valid


def test_the_pipeline_on_item_level_data_is_valid(item_results: dict[str, Any]) -> None:
    assert schema_errors(item_results) == []
    assert "skipped" not in item_results["reliability"]
    assert "skipped" not in item_results["outcomes"]["hads"]


def test_the_pipeline_on_totals_is_valid(
    trial_table: Callable[..., pd.DataFrame], totals_of: Callable[[pd.DataFrame], pd.DataFrame]
) -> None:
    document = analyze(totals_of(trial_table(n=120, seed=2)))
    assert "skipped" in document["reliability"]
    assert schema_errors(document) == []


def test_the_pipeline_on_the_r_reference_table_with_skipped_sections_is_valid() -> None:
    data = pd.read_csv(REFERENCE / "pipeline_small.csv")
    raw = pd.DataFrame(
        {
            "arm": data["group"].map({"a": "mbct", "b": "embct"}),
            "age": data["score"],
            "children": data["event"],
        }
    )
    document = analyze(raw)
    assert "skipped" in document["alliance_development"]
    assert "skipped" in document["flow"]["dropout_by_arm"]
    assert schema_errors(document) == []


def test_the_pipeline_on_the_simulated_cohort_is_valid() -> None:
    document = analyze(simulate(seed=3, mode="population"))
    assert "skipped" not in document["alliance_development"]
    assert schema_errors(document) == []


def test_a_model_missing_from_the_build_still_gives_a_valid_document(
    monkeypatch: pytest.MonkeyPatch, trial_table: Callable[..., pd.DataFrame]
) -> None:
    import embct.analysis

    monkeypatch.delattr(embct.analysis, "alliance_development")
    document = analyze(trial_table(n=60, seed=1))
    assert document["alliance_development"] == {"skipped": MODEL_UNAVAILABLE}
    assert schema_errors(document) == []


def test_results_json_as_written_is_valid(item_results: dict[str, Any], tmp_path: Path) -> None:
    write_results(item_results, tmp_path)
    check_results(json.loads((tmp_path / "results.json").read_text(encoding="utf-8")))


def test_the_reports_example_document_is_valid() -> None:
    """The report's tests read a document the pipeline could have written."""
    assert schema_errors(json.loads(REPORT_EXAMPLE.read_text(encoding="utf-8"))) == []


# ---------------------------------------------------------------------------------------
# The validator fails where it must


def test_a_missing_key_is_an_error(item_results: dict[str, Any]) -> None:
    document = copy.deepcopy(item_results)
    del document["flow"]["arms"][1]["completers"]
    del document["meta"]
    assert schema_errors(document) == [
        "$: missing key 'meta'",
        "$.flow.arms[1]: missing key 'completers'",
    ]
    with pytest.raises(ResultsSchemaError, match=r"2 place\(s\)"):
        check_results(document)


def test_an_extra_key_is_an_error(item_results: dict[str, Any]) -> None:
    document = copy.deepcopy(item_results)
    document["outcomes"]["hads"]["steps"][0]["terms"][0]["odds_ratio"] = 1.0
    document["extra"] = {}
    assert schema_errors(document) == [
        "$.outcomes.hads.steps[0].terms[0]: unexpected key 'odds_ratio'",
        "$: unexpected key 'extra'",
    ]


def test_a_wrong_type_is_an_error(item_results: dict[str, Any]) -> None:
    document = copy.deepcopy(item_results)
    document["n"] = "245"
    document["flow"]["arms"][0]["randomized"] = 120.5
    document["alliance_development"]["means"][0]["week"] = "w2"
    document["baseline"]["rows"][0]["p_val"] = True
    document["meta"]["missing_data"]["dropout.wai_w2"] = None
    assert schema_errors(document) == [
        "$.n: expected integer, got string '245'",
        "$.flow.arms[0].randomized: expected integer, got number 120.5",
        "$.baseline.rows[0].p_val: expected number or null, got boolean True",
        "$.alliance_development.means[0].week: expected integer, got string 'w2'",
        "$.meta.missing_data['dropout.wai_w2']: expected string, got null None",
    ]


def test_a_section_that_is_neither_its_shape_nor_skipped_is_an_error(
    item_results: dict[str, Any],
) -> None:
    document = copy.deepcopy(item_results)
    document["dropout"]["logistic"] = {"skipped": 3}
    document["outcomes"]["mhc"] = {"reason": "no mhc_post"}
    errors = schema_errors(document)
    assert "$.dropout.logistic.skipped: expected string, got integer 3" in errors
    assert "$.outcomes.mhc: missing key 'skipped'" in errors
    assert "$.outcomes.mhc: unexpected key 'reason'" in errors
    document["reliability"] = []
    assert "$.reliability: expected object, got array []" in schema_errors(document)


def test_a_whole_number_written_as_a_float_is_an_integer(item_results: dict[str, Any]) -> None:
    """JSON Schema's integer is a number without a fractional part (2020-12, 6.1.1)."""
    document = copy.deepcopy(item_results)
    document["n"] = 245.0
    assert schema_errors(document) == []


def test_the_schema_ships_in_the_wheel(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp_path)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("embct-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.read(f"embct/analysis/{SCHEMA_FILE}").decode("utf-8")
    assert shipped == schema_text()

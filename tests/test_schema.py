"""The canonical trial table is defined in one module, embct.schema, and everything uses it.

An AST scan of the package: no other module writes out the table's column lists, its waves,
their labels or the columns' ranges (it imports them instead). Like tests/test_layers.py, the
scan is shown to catch each kind of copy. The other tests check that the users of the schema
say what it says.
"""

from __future__ import annotations

import ast
from itertools import pairwise
from pathlib import Path

import pandas as pd
import pytest

from embct import schema

SRC = Path(__file__).resolve().parent.parent / "src" / "embct"
SCHEMA = SRC / "schema.py"

#: Name groups of the table: a literal holding this many names of one group is a copy of it.
GROUPS = {
    "descriptive columns": {c.name for c in schema.DESCRIPTIVE},
    "baseline columns": {c.name for c in schema.BASELINE},
    "totals": set(schema.TOTALS),
    "wave labels": set(schema.WAVE_LABELS.values()),
}
COPY = 4
WAVE_PAIRS = set(schema.WAVES)
WAVE_NAMES = {wave for _, wave in schema.WAVES}
#: Every range of the schema, as (low, high).
RANGES = {
    (r.low, r.high)
    for c in schema.COLUMNS.values()
    for r in (c.plausible, c.eligible)
    if r is not None and (r.low, r.high) != (0, 1)
}


def _strings(nodes: list[ast.expr | None]) -> list[str]:
    return [n.value for n in nodes if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _numbers(nodes: list[ast.expr]) -> list[float | None]:
    out: list[float | None] = []
    for n in nodes:
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            out.append(n.value)
        else:
            out.append(None)
    return out


def schema_copies(path: Path) -> list[str]:
    """Every literal in ``path`` that re-declares a part of the schema."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    shown = path.relative_to(SRC.parent) if path.is_relative_to(SRC.parent) else path.name
    found = []
    for node in ast.walk(tree):
        where = f"{shown}:{getattr(node, 'lineno', 0)}"
        elements: list[ast.expr] = []
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            elements = list(node.elts)
        elif isinstance(node, ast.Dict):
            elements = [k for k in node.keys if k is not None] + list(node.values)
        elif isinstance(node, ast.Call):
            elements = list(node.args)
        strings = set(_strings(list(elements)))
        if not isinstance(node, ast.Call):
            for group, names in GROUPS.items():
                if len(strings & names) >= COPY:
                    found.append(f"{where} writes out the {group}")
            pairs = {
                tuple(_strings(list(e.elts)))
                for e in elements
                if isinstance(e, ast.Tuple) and len(e.elts) == 2
            }
            if len(pairs & WAVE_PAIRS) >= 3:
                found.append(f"{where} writes out the waves")
            if len(strings & WAVE_NAMES) >= 3:
                found.append(f"{where} writes out an instrument's waves")
        for low, high in pairwise(_numbers(elements)):
            if low is not None and high is not None and (low, high) in RANGES:
                found.append(f"{where} writes out the range {low:g} to {high:g}")
    return found


def test_the_table_is_defined_in_exactly_one_module() -> None:
    files = sorted(p for p in SRC.rglob("*.py") if p != SCHEMA and "migrations" not in p.parts)
    assert len(files) > 100
    assert [hit for path in files for hit in schema_copies(path)] == []
    # the scan does see the schema itself: it is where the definitions are
    assert len(schema_copies(SCHEMA)) >= 3


def test_the_scan_would_catch_each_kind_of_copy(tmp_path: Path) -> None:
    bad = tmp_path / "copy.py"
    bad.write_text(
        'BINARY = ("female", "relationship", "children", "education_high")\n'
        'TOTALS = ["wai_w2", "wai_w5", "hads_pre", "hads_post"]\n'
        'WAVES = (("hads", "pre"), ("hads", "post"), ("wai", "w2"))\n'
        'WAI = ("w2", "w5", "w9")\n'
        'LABELS = {"pre": "baseline", "post": "posttreatment", "w2": "week 2", "w5": "week 5"}\n'
        "AGE = (0.0, 120.0)\n"
        "clipped = clip(values, 12, 60)\n"
        "low, high = 18, 110\n"
    )
    hits = schema_copies(bad)
    lines = {int(hit.split(":")[1].split()[0]) for hit in hits}
    assert lines == set(range(1, 9)), hits


def test_the_trial_takes_the_eligibility_rule_and_the_analysis_the_plausible_range() -> None:
    from embct.analysis import DataError, prepare
    from embct.trial import BASELINE_FIELDS, BaselineValueError

    age = schema.COLUMNS["age"]
    assert age.rule == age.eligible != age.plausible
    field = next(f for f in BASELINE_FIELDS if f.name == "age")
    assert (field.minimum, field.maximum) == (age.eligible.low, age.eligible.high)
    with pytest.raises(BaselineValueError):
        field.validate(int(age.eligible.low) - 1)
    # a 16-year-old in another trial's file is plausible data, 121 is not
    rows = {"participant_id": ["a", "b"], "arm": ["mbct", "embct"]}
    assert prepare(pd.DataFrame({**rows, "age": [16, 40]}))["age"].tolist() == [16.0, 40.0]
    with pytest.raises(DataError, match="a number from 0 to 120"):
        prepare(pd.DataFrame({**rows, "age": [121, 40]}))


def test_every_writer_uses_the_one_wave_order() -> None:
    from embct.analysis.config import INSTRUMENT_WAVES, TOTAL_ROLES
    from embct.simulate.cohort import WAVES

    assert INSTRUMENT_WAVES == schema.WAVES
    assert TOTAL_ROLES == schema.TOTALS
    assert [(k, w) for k, waves in WAVES.items() for w in waves] == list(schema.WAVES)


def test_the_arm_codes_are_the_trials() -> None:
    from embct.simulate.params import ARMS
    from embct.trial import Arm

    assert schema.ARMS == ARMS == (Arm.MBCT.value, Arm.EMBCT.value)

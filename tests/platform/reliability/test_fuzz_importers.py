"""Fuzzing the file importers (``embct score`` and ``embct reliability`` reading CSV and SPSS
.sav files): random bytes and malformed tables give a clear error (exit status 2, one
``embct <command>: error: ...`` line) and write nothing; never a traceback."""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embct.cli import main

#: Load-style: many generated inputs through the forms and importers.
pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HADS_ITEMS = [f"hads_pre_{i}" for i in range(1, 15)]

cells = st.one_of(
    st.integers(-5, 8).map(str),
    st.sampled_from(["", " ", "NA", "nan", "1.5", "3.0", "1e300", "-0", "x", "\x00", "٣", "½"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=8),
)


def run(argv: list[str]) -> tuple[int, str]:
    """``embct`` in-process; any exception other than an exit status fails the test."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        status = main(argv)
    return status, err.getvalue()


def check(command: str, path: Path, out: Path | None) -> int:
    argv = [command, "hads", "--in", str(path)]
    if out is not None:
        argv += ["--out", str(out)]
    status, err = run(argv)
    assert status in {0, 2}
    if status == 2:
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"embct {command}: error: ")
        assert "Traceback" not in err
        if out is not None:
            assert not out.exists()
            assert [p.name for p in out.parent.iterdir()] == [path.name]  # no temp file left
    elif out is not None:
        assert out.exists()
    return status


@FUZZ
@given(content=st.binary(max_size=400), suffix=st.sampled_from([".csv", ".sav"]))
def test_random_bytes_are_refused_cleanly(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(content)
        status = check("score", path, Path(folder) / "out.csv")
        if suffix == ".sav":
            assert status == 2  # random bytes are never an SPSS file


@FUZZ
@given(
    rows=st.lists(
        st.one_of(
            st.lists(cells, min_size=14, max_size=14),
            st.lists(st.integers(0, 3).map(str), min_size=14, max_size=14),  # a valid row
        ),
        min_size=0,
        max_size=4,
    ),
    drop=st.sets(st.sampled_from(HADS_ITEMS), max_size=2),
    command=st.sampled_from(["score", "reliability"]),
)
def test_malformed_item_tables(rows: list[list[str]], drop: set[str], command: str) -> None:
    frame = pd.DataFrame(rows, columns=HADS_ITEMS, dtype=object)
    frame.insert(0, "participant_id", [f"p{i}" for i in range(len(rows))])
    frame = frame.drop(columns=sorted(drop))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.csv"
        frame.to_csv(path, index=False)
        out = Path(folder) / "scores.csv" if command == "score" else None
        status = check(command, path, out)
        if status == 0 and out is not None:
            assert len(pd.read_csv(out)) == len(rows)


@FUZZ
@given(
    rows=st.lists(
        st.lists(
            st.one_of(st.none(), st.integers(-3, 6), st.floats(allow_nan=False)),
            min_size=14,
            max_size=14,
        ),
        min_size=1,
        max_size=4,
    )
)
def test_sav_files_with_odd_values(rows: list[list[float | None]]) -> None:
    import pyreadstat

    frame = pd.DataFrame(rows, columns=HADS_ITEMS, dtype=float)
    frame.insert(0, "participant_id", [f"p{i}" for i in range(len(rows))])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.sav"
        pyreadstat.write_sav(frame, str(path))
        check("score", path, Path(folder) / "scores.sav")


def test_alpha_if_dropped_is_undefined_not_a_warning_when_the_rest_has_no_variance() -> None:
    # Found by test_malformed_item_tables: two respondents whose remaining items, once one is
    # dropped, sum to a constant. Alpha of those is undefined (NaN), not a divide-by-zero.
    rows = [
        ["0", "0", "0", "1", "0", "1", "0", "1", "0", "0", "0", "1", "0", "0"],
        ["0", "1", "0", "0", "0", "0", "0", "0", "0", "1", "0", "0", "0", "1"],
    ]
    frame = pd.DataFrame(rows, columns=HADS_ITEMS)
    frame.insert(0, "participant_id", ["p0", "p1"])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "items.csv"
        frame.to_csv(path, index=False)
        assert check("reliability", path, None) in {0, 2}


# ---- embct.analysis.load_table and `embct analyze` -----------------------------------------
TRIAL_COLUMNS = ["participant_id", "arm", "started", "sessions_attended", "wai_w2", "hads_pre"]
trial_cells = st.one_of(
    st.sampled_from(["mbct", "embct", "MBCT", "tau", "", "yes", "no", "1", "0", "9", "-1"]),
    st.sampled_from(["3.5", "1e9", "NaN", "inf", "p1", "p1", " ", "\x00", "２", "TRUE"]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=6),
)
valid_trial_row = st.tuples(
    st.sampled_from(["mbct", "embct"]),
    st.integers(0, 9).map(str),
    st.floats(20, 84).map(lambda x: f"{x:.1f}"),
    st.integers(0, 42).map(str),
)


@FUZZ
@given(
    rows=st.lists(
        st.one_of(
            st.lists(trial_cells, min_size=6, max_size=6),
            valid_trial_row.map(lambda r: ["", r[0], "yes", r[1], r[2], r[3]]),
        ),
        min_size=0,
        max_size=5,
    ),
    drop=st.sets(st.sampled_from(TRIAL_COLUMNS), max_size=2),
)
def test_load_table_refuses_malformed_trial_tables_with_a_data_error(
    rows: list[list[str]], drop: set[str]
) -> None:
    from embct.analysis import DataError, load_table

    frame = pd.DataFrame(rows, columns=TRIAL_COLUMNS, dtype=object)
    frame["participant_id"] = [f"p{i}" if v == "" else v for i, v in enumerate(frame.iloc[:, 0])]
    frame = frame.drop(columns=sorted(drop))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "trial.csv"
        frame.to_csv(path, index=False)
        problem: DataError | None = None
        try:
            loaded = load_table(path)
        except DataError as error:
            problem = error
        if problem is None:
            assert len(loaded) == len(rows)
            assert set(loaded["arm"]) <= {0, 1}
        else:
            message = str(problem)
            assert message  # says what is wrong
            if problem.row is not None:  # a cell: the message names its column and row
                assert problem.column is not None
                assert repr(problem.column) in message
                assert re.search(rf"\brows? [^;]*\b{problem.row}\b", message)


@FUZZ
@given(content=st.binary(max_size=300), suffix=st.sampled_from([".csv", ".sav"]))
def test_embct_analyze_refuses_random_bytes_and_writes_nothing(content: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"trial{suffix}"
        path.write_bytes(content)
        out = Path(folder) / "results"
        status, err = run(["analyze", "--data", str(path), "--out", str(out)])
        assert status == 2
        assert err.startswith("embct analyze: error: ")
        assert "Traceback" not in err
        assert not out.exists()
        assert [p.name for p in Path(folder).iterdir()] == [path.name]

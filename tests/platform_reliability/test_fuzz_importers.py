"""Fuzzing the file importers (``embct score`` and ``embct reliability`` reading CSV and SPSS
.sav files): random bytes and malformed tables give a clear error (exit status 2, one
``embct <command>: error: ...`` line) and write nothing; never a traceback."""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from embct.cli import main

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

"""CSV files that a spreadsheet opens as data, never as formulas. Plain Python: no Django.

:func:`write_csv` writes every CSV file embct makes; :func:`read_csv` reads a user's table
with the checks every command wants (ids as text, each column once, a sane width).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run
as a formula by Excel, LibreOffice and Google Sheets ("CSV injection"). Every CSV file embct
writes goes through :func:`write_csv`, which follows OWASP's rule: such a cell gets a single
quote in front (``=HYPERLINK(...)`` is written ``'=HYPERLINK(...)``), so a spreadsheet shows
the text as it was. Numbers are left alone: a numeric column is never touched, and a text
cell that is itself a plain number (``-1.5``, ``+3``) is not a formula and stays as it is.
A cell that already starts with a quote followed by one of those characters or another quote
gets one more, so the rule is reversible: :func:`restore` (used when embct reads a CSV file)
removes exactly one leading quote from such a cell and gives back the original text.

>>> import pandas as pd
>>> frame = pd.DataFrame({"site": ["=1+1", "-1.5", "@home", "plain"], "score": [-1.5, 2, 3, 4]})
>>> neutralize(frame)["site"].tolist()
["'=1+1", '-1.5', "'@home", 'plain']
>>> restore(neutralize(frame)).equals(frame)
True
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from pathlib import Path
from typing import IO, Any

import pandas as pd

__all__ = [
    "FORMULA_STARTS",
    "MAX_COLUMNS",
    "MISSING_MARKERS",
    "TableFileError",
    "check_columns",
    "neutralize",
    "neutralize_cell",
    "read_csv",
    "restore",
    "write_csv",
]

#: The first characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTE = "'"
_ESCAPED = FORMULA_STARTS | {_QUOTE}
#: More columns than any trial table has (the canonical one has about a hundred).
MAX_COLUMNS = 10_000
#: What pandas reads as missing by default; an id column keeps them as ids.
MISSING_MARKERS = (
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
)  # fmt: skip
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralize_cell(value: str) -> str:
    """``value`` as it is safe to write: a quote in front when a spreadsheet would run it.

    >>> [neutralize_cell(v) for v in ["=cmd", "-2", "-2+cmd", "'=x", "it's"]]
    ["'=cmd", '-2', "'-2+cmd", "''=x", "it's"]
    """
    if not value:
        return value
    first = value[0]
    if first in FORMULA_STARTS and not _NUMBER.fullmatch(value):
        return _QUOTE + value
    if first == _QUOTE and len(value) > 1 and value[1] in _ESCAPED:
        return _QUOTE + value
    return value


def _restore_cell(value: str) -> str:
    if len(value) > 1 and value[0] == _QUOTE and value[1] in _ESCAPED:
        return value[1:]
    return value


def _map_text(frame: pd.DataFrame, function: Any, starts: frozenset[str]) -> pd.DataFrame:
    """``frame`` with ``function`` applied to the text cells (and column names) that start
    with one of ``starts``; other cells, and every numeric column, are left as they are."""
    out = frame
    for position, column in enumerate(frame.columns):
        series = frame.iloc[:, position]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        try:
            first = series.str[:1]
        except AttributeError:  # not text at all (dates, intervals ...)
            continue
        hits = first.isin(starts).fillna(False).to_numpy(dtype=bool)
        if not hits.any():
            continue
        if out is frame:
            out = frame.copy()
        values = series.astype(object).to_numpy(copy=True)
        values[hits] = [function(v) if isinstance(v, str) else v for v in values[hits]]
        dtype = series.dtype if isinstance(series.dtype, pd.StringDtype) else object
        # pandas-stubs types isetitem's value narrower than pandas, which takes a Series
        out.isetitem(position, pd.Series(values, index=frame.index, dtype=dtype, name=column))  # type: ignore[arg-type]
    names = [function(c) if isinstance(c, str) and c[:1] in starts else c for c in frame.columns]
    if names != list(frame.columns):
        out = out.set_axis(names, axis=1) if out is not frame else frame.set_axis(names, axis=1)
    return out


def neutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell and column name passed through :func:`neutralize_cell`
    (a copy when anything changed; numeric columns are never touched)."""
    return _map_text(frame, neutralize_cell, _ESCAPED)


def restore(frame: pd.DataFrame) -> pd.DataFrame:
    """The inverse of :func:`neutralize`: one leading quote removed where it added one."""
    return _map_text(frame, _restore_cell, frozenset({_QUOTE}))


def write_csv(frame: pd.DataFrame, target: str | Path | IO[str], **options: Any) -> None:
    """Write ``frame`` as CSV (no index, UTF-8) with formula-like cells neutralized.

    Lines end with CR LF, as RFC 4180 says: then a cell holding a carriage return is
    quoted (with LF endings Python's csv module leaves it bare, and a spreadsheet would start
    a new row there, where a formula after it would run). ``target`` is a path or an open
    text file (opened with ``newline=""``); ``options`` go to :meth:`pandas.DataFrame.to_csv`.
    """
    options.setdefault("index", False)
    options.setdefault("lineterminator", "\r\n")
    neutralize(frame).to_csv(target, **options)


class TableFileError(ValueError):
    """A CSV file that is not a table embct reads: too wide, or a column name twice."""


def check_columns(names: list[str]) -> None:
    """Refuse more than :data:`MAX_COLUMNS` columns and a column name given twice."""
    if len(names) > MAX_COLUMNS:
        raise TableFileError(f"{len(names):,} columns; a trial table has at most {MAX_COLUMNS:,}")
    repeated = [name for name, count in Counter(names).items() if count > 1]
    if repeated:
        raise TableFileError(
            f"column {', '.join(map(repr, repeated))} appears more than once; "
            "expected each column once"
        )


def read_csv(
    path: str | Path, *, id_column: str | None, dtype: Any = None, **options: Any
) -> pd.DataFrame:
    """Read a CSV file as a table: the inverse of :func:`write_csv`.

    The header is checked first (:func:`check_columns`), before the rows are parsed. The
    ``id_column`` is text in which only an empty cell is missing (``NA``, ``null`` and
    ``None`` are ids); in the other columns pandas' usual markers (:data:`MISSING_MARKERS`)
    are missing too. Neutralized cells are restored (:func:`restore`). ``dtype`` applies to the
    other columns (one type for all, or a dict column -> type; a column it leaves out is
    inferred); ``options`` go to :func:`pandas.read_csv`.

    Raises
    ------
    TableFileError
        Too many columns, or a column name twice.
    UnicodeDecodeError, pandas.errors.ParserError, pandas.errors.EmptyDataError
        The file is not UTF-8 text, or not CSV.
    """
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    check_columns(header)
    if isinstance(dtype, dict):
        types = dict(dtype)
    else:
        types = {name: dtype for name in header} if dtype is not None else {}
    if id_column is not None:
        types[id_column] = str
    frame = pd.read_csv(
        path,
        dtype=types or None,
        keep_default_na=False,
        na_values={name: [""] if name == id_column else list(MISSING_MARKERS) for name in header},
        **options,
    )
    return restore(frame)

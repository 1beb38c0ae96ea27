"""From a user's file to the normalized analysis frame.

:func:`read_table` reads a CSV or SPSS ``.sav`` file as it is; :func:`prepare` validates it
and turns it into the normalized frame every analysis function takes; :func:`load_table`
does both. Nothing is coerced silently: a value that is not what its role expects raises a
:class:`DataError` naming the row, the column, the value and what was expected.

The normalized frame has one row per randomized participant and these columns:

==================== =====================================================================
``participant_id``   str (the file's, or the row number when the file has none)
``arm``              int, 0 = reference (the paper's MBCT), 1 = comparison (eMBCT)
``arm_label``        str, the arm's label as the file spells it
``started``          bool (True when the file has no ``started`` column)
``sessions_attended`` float, NaN when unknown
``dropped_out``      float 0/1, NaN for those who never started or whose dose is unknown;
                     the ``dropped_out`` column when given, else ``sessions_attended <
                     completer_min_sessions`` among starters
``completer``        bool, started and not dropped out
``withdrawal``       str (``declined``, ``dropout``) or None, when the file has the column;
                     likewise ``withdrawal_reason`` (a dropout reason category)
totals               ``wai_w2`` ``wai_w5`` ``wai_w9`` ``hads_pre`` ``hads_post``
                     ``mhc_pre`` ``mhc_post`` (or the configured waves') as float, NaN
                     when missing; scored with :func:`embct.instruments.score_table` when
                     the items are given, or for a declared measure (``[scales]``)
                     checked against its range and summed from its items
baseline             ``female`` ... ``psychiatric_diagnosis`` as float 0/1, ``age`` and
                     ``years_since_diagnosis`` as float (those present)
items                the item scores (coding applied), under their canonical names
==================== =====================================================================

Rows are counted from 1 in messages, the header not counted (row 1 is a CSV file's line 2).
"""

from __future__ import annotations

import csv
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from embct import schema
from embct.instruments import InstrumentError
from embct.schema import Kind
from embct.spreadsheet import TableFileError, check_columns, read_csv
from embct.trial.dropout import DropoutReason, WithdrawalKind

from .config import (
    BASELINE_BINARY,
    BASELINE_CONTINUOUS,
    AnalysisConfig,
    Scale,
)

__all__ = [
    "DOSE_ROLES",
    "DataError",
    "MissingDataError",
    "load_table",
    "numeric_columns",
    "prepare",
    "read_table",
]

#: The dose roles: a table with none of them gives no dose (``attrs["embct"]["dose_given"]``
#: is then False and every participant is analysed).
DOSE_ROLES = ("started", "sessions_attended", "dropped_out")

#: The flow's coded columns (embct.schema.FLOW) and the codes each may hold.
_FLOW_CODES = {
    "withdrawal": tuple(k.value for k in WithdrawalKind),
    "withdrawal_reason": tuple(r.value for r in DropoutReason),
}
_TRUE = {"1", "1.0", "true", "yes", "y"}
_FALSE = {"0", "0.0", "false", "no", "n"}


class DataError(ValueError):
    """A data file the analysis cannot use.

    Attributes ``column``, ``row`` (1-based, header not counted), ``value`` and ``expected``
    are set when the problem sits in one cell; the message always names them.
    """

    def __init__(
        self,
        message: str,
        *,
        column: str | None = None,
        row: int | None = None,
        value: object = None,
        expected: str | None = None,
    ) -> None:
        super().__init__(message)
        self.column = column
        self.row = row
        self.value = value
        self.expected = expected


class MissingDataError(ValueError):
    """The frame lacks what an analysis needs; the pipeline reports that section as skipped."""


def read_table(path: str | Path, config: AnalysisConfig | None = None) -> pd.DataFrame:
    """Read a trial table from CSV or SPSS ``.sav``, without interpreting it.

    In a CSV file the numeric columns (:func:`numeric_columns`: items, totals, counts and
    measurements) are parsed as numbers in one vectorized read; a numeric column that does not
    parse as numbers, and every other column, is read as text (an error message quotes a bad
    value as written, :func:`prepare`). Empty cells and pandas' usual missing markers
    (``NA``, ``NaN`` ...) are missing, except in the participant id column, where only an
    empty cell is (``NA`` is an id). A column name given
    twice, or more than 10,000 columns, is refused; a cell that embct neutralized for
    spreadsheets (:mod:`embct.spreadsheet`) is read back as it was. In a ``.sav`` file
    SPSS's missing values are missing, and a coded arm column with value labels is read as
    its labels.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` or ``.sav`` file.
    config : AnalysisConfig, optional
        Only used to find the arm column of a ``.sav`` file.

    Returns
    -------
    pandas.DataFrame
        The file's columns as they are; ``attrs["source"]`` is the file name.

    Raises
    ------
    DataError
        The file is missing, has another extension, cannot be parsed, has a column name twice
        or more than 10,000 columns, or has no rows.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "trial.csv"
    >>> _ = path.write_text("participant_id,arm,wai_w2\\np1,mbct,40\\np2,embct,\\n")
    >>> read_table(path)
      participant_id    arm  wai_w2
    0             p1   mbct    40.0
    1             p2  embct     NaN
    """
    path = Path(path)
    config = config or AnalysisConfig()
    if not path.is_file():
        raise DataError(f"data file {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".csv":
        try:
            frame = _read_csv(path, config)
        except TableFileError as error:
            raise DataError(f"{path}: {error}") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
            raise DataError(f"{path} is not a readable CSV file: {error}") from None
    elif suffix == ".sav":
        import pyreadstat

        try:
            frame, meta = pyreadstat.read_sav(str(path))
        except pyreadstat.ReadstatError as error:
            raise DataError(f"{path} is not a readable SPSS .sav file: {error}") from None
        arm = config.column("arm")
        labels = meta.variable_value_labels.get(arm)
        if labels and arm in frame.columns:
            coded = frame[arm]
            labelled = coded.map(labels)
            # A code without a label stays as it is (and is then reported as unknown).
            frame[arm] = labelled.where(labelled.notna() | coded.isna(), coded.astype(object))
    else:
        raise DataError(f"{path}: expected a .csv or .sav file, got {suffix or 'no extension'!r}")
    if frame.empty:
        raise DataError(f"{path} has no data rows")
    frame.attrs["source"] = path.name
    return frame


def numeric_columns(config: AnalysisConfig) -> set[str]:
    """The columns that ``config`` reads as numbers: item scores, totals, whole numbers and
    measurements (:class:`embct.schema.Kind` INT and FLOAT). Identifiers, labels, codes and
    0/1 flags (which may be spelled yes/no or true/false) are text."""
    numeric = {config.column(role) for role in config.total_roles}
    numeric |= {
        config.column(role)
        for role in config.roles
        if role in schema.COLUMNS and schema.COLUMNS[role].kind in (Kind.INT, Kind.FLOAT)
    }
    for key, wave in config.instrument_waves:
        scale = config.scales.get(key)
        if scale is not None:
            numbers: tuple[int, ...] = tuple(range(1, (scale.items or 0) + 1))
        else:
            try:
                numbers = _item_numbers(key)
            except InstrumentError:  # not a built-in one: prepare() names the problem
                continue
        numeric |= {config.item_column(key, wave, item) for item in numbers}
    return numeric


def _read_csv(path: Path, config: AnalysisConfig) -> pd.DataFrame:
    """A CSV trial table: the numeric columns (:func:`numeric_columns`) parsed as numbers by
    pandas' C parser, every other column as text.

    A numeric column the parser cannot read as numbers alone (a typo, ``yes`` ...) is read
    again as text, so that :func:`prepare` names its first bad cell; the numbers pandas
    parses are those :func:`pandas.to_numeric` gives for the same text (the same C
    routine), so results do not depend on which path a column took. ``attrs["text_of"]``
    lets an error message quote a numeric cell as written (:func:`_cell_text`).
    """
    id_column = config.column("participant_id")
    numeric = numeric_columns(config) - {id_column}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        header = next(csv.reader(handle), [])
    check_columns(header)
    # A column not given a type is left to pandas' C parser (numbers, when they all are)
    types = {name: str for name in header if name not in numeric}
    frame = read_csv(path, id_column=id_column, dtype=types, skipinitialspace=True)
    loose = [
        name
        for name in header
        if name in numeric
        and not (
            pd.api.types.is_numeric_dtype(frame[name].dtype)
            and not pd.api.types.is_bool_dtype(frame[name].dtype)
        )
    ]
    if loose:
        text = read_csv(path, id_column=id_column, dtype=str, skipinitialspace=True, usecols=loose)
        for name in loose:
            frame[name] = text[name]
    frame.attrs["text_of"] = {"path": str(path), "id_column": id_column, "rows": len(frame)}
    return frame


def _cell_text(frame: pd.DataFrame, column: str, i: int) -> object:
    """Row ``i`` (0-based) of ``column`` as the CSV file spells it, for error messages.

    A numeric column read as numbers is read again as text (only when there is an error);
    when the frame no longer matches its file (rows removed, cells changed), or it did not
    come from a CSV file, the value in the frame is given.
    """
    value = frame[column].iloc[i]
    source = frame.attrs.get("text_of")
    if not source or not pd.api.types.is_numeric_dtype(frame[column].dtype):
        return value
    if source["rows"] != len(frame):
        return value
    try:
        text = read_csv(
            source["path"],
            id_column=source["id_column"],
            dtype=str,
            skipinitialspace=True,
            usecols=[column],
        )[column]
    except (OSError, ValueError, TableFileError):
        return value
    if len(text) != len(frame):
        return value
    written = text.iloc[i]
    parsed = pd.to_numeric(pd.Series([written], dtype=object), errors="coerce").iloc[0]
    same = (pd.isna(parsed) and pd.isna(value)) or parsed == value
    return written if same else value


def load_table(path: str | Path, config: AnalysisConfig | None = None) -> pd.DataFrame:
    """Read a CSV or ``.sav`` trial table and return the normalized analysis frame.

    Equivalent to ``prepare(read_table(path, config), config)``.

    Parameters
    ----------
    path : str or pathlib.Path
        A ``.csv`` or ``.sav`` file, item-level or with totals.
    config : AnalysisConfig, optional
        Role -> column mapping and arm labels (default: the canonical names, ``mbct`` = 0,
        ``embct`` = 1).

    Returns
    -------
    pandas.DataFrame
        The normalized frame (see :mod:`embct.analysis.io`).

    Raises
    ------
    DataError
        The message names the row, column and value that are wrong, and what was expected.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "trial.csv"
    >>> _ = path.write_text("id,group,sessions_attended\\n1,MBCT,6\\n2,eMBCT,2\\n")
    >>> config = AnalysisConfig(columns={"participant_id": "id", "arm": "group"})
    >>> load_table(path, config)[["participant_id", "arm", "dropped_out", "completer"]]
      participant_id  arm  dropped_out  completer
    0              1    0          0.0       True
    1              2    1          1.0      False
    """
    config = config or AnalysisConfig()
    return prepare(read_table(path, config), config)


def prepare(frame: pd.DataFrame, config: AnalysisConfig | None = None) -> pd.DataFrame:
    """Validate a trial table and return the normalized analysis frame.

    Parameters
    ----------
    frame : pandas.DataFrame
        A trial table with the canonical column names, or the names ``config`` maps.
    config : AnalysisConfig, optional
        Role -> column mapping, arm labels and dose rule (defaults as in DESIGN.md).

    Returns
    -------
    pandas.DataFrame
        The normalized frame (columns in :mod:`embct.analysis.io`). ``attrs["embct"]`` holds
        the input file name, the configuration and where each total came from.

    Raises
    ------
    DataError
        A mapped column is missing; an arm label is unknown or empty; there are not exactly
        two arms; a participant id is empty or repeated; a value is not a number, not 0/1,
        or out of range; ``started`` is false for someone who attended sessions. The message
        names the row, column and value, and what was expected.

    Examples
    --------
    >>> raw = pd.DataFrame({
    ...     "participant_id": ["a", "b", "c"], "arm": ["mbct", "embct", "embct"],
    ...     "started": ["yes", "yes", "no"], "sessions_attended": [9, 3, 0],
    ...     "wai_w2": [41, 35.5, None]})
    >>> prepare(raw)[["arm", "started", "dropped_out", "completer", "wai_w2"]]
       arm  started  dropped_out  completer  wai_w2
    0    0     True          0.0       True    41.0
    1    1     True          1.0      False    35.5
    2    1    False          NaN      False     NaN
    >>> try:
    ...     prepare(raw.assign(arm=["mbct", "embct", "tau"]))
    ... except DataError as error:
    ...     print(error)  # doctest: +NORMALIZE_WHITESPACE
    column 'arm', row 3 (participant_id 'c'): arm label 'tau' is neither the reference 'mbct' nor
    the comparison 'embct'
    """
    config = config or AnalysisConfig()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a pandas DataFrame, got {type(frame).__name__}")
    source = frame.attrs.get("source")
    origin = f" in {source}" if source else ""
    if frame.empty:
        raise DataError(f"the table{origin} has no rows")
    frame = frame.reset_index(drop=True)
    for role in config.roles:
        if config.explicit(role) and config.column(role) not in frame.columns:
            raise DataError(
                f"column {config.column(role)!r} (mapped to role {role} in "
                f"{config.source or 'the configuration'}) is not{origin}; its columns are "
                + ", ".join(map(str, frame.columns)),
                column=config.column(role),
                expected="a column of the data file",
            )
    out = pd.DataFrame(index=frame.index)
    cells = _Cells(frame, config)
    out["participant_id"] = cells.participant_ids()
    cells.ids = out["participant_id"]
    out["arm"], out["arm_label"] = cells.arms()
    started = cells.started()
    sessions = cells.sessions()
    bad = ~started & (sessions > 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise cells.error(
            config.column("started"),
            i,
            frame.loc[i, config.column("started")],
            f"started to be true: {config.column('sessions_attended')} is "
            f"{_show(sessions.iloc[i])}",
        )
    out["started"] = started
    out["sessions_attended"] = sessions
    dropped = cells.dropped_out(started, sessions)
    out["dropped_out"] = dropped
    out["completer"] = started & (dropped == 0)
    sources: dict[str, str] = {}
    items: dict[str, pd.Series] = {}
    for key, wave in config.instrument_waves:
        total, source_note, item_frame = cells.total(key, wave)
        out[f"{key}_{wave}"] = total
        sources[f"{key}_{wave}"] = source_note
        if item_frame is not None:
            items.update({str(c): item_frame[c] for c in item_frame.columns})
    for role in BASELINE_BINARY:
        if config.column(role) in frame.columns:
            out[role] = cells.flag(role, config.column(role))
    for role in BASELINE_CONTINUOUS:
        if config.column(role) in frame.columns:
            # the plausible range, not this trial's eligibility rule: any trial's file is read
            plausible = schema.COLUMNS[role].plausible
            assert plausible is not None
            out[role] = cells.number(config.column(role), plausible.low, plausible.high)
    if config.column("tau_first") in frame.columns:
        out["tau_first"] = cells.flag("tau_first", config.column("tau_first")) == 1
    for role in ("site", "therapist_id", "group_id"):
        if config.column(role) in frame.columns:
            out[role] = cells.text(config.column(role))
    for role, codes in _FLOW_CODES.items():
        if config.column(role) in frame.columns:
            out[role] = cells.code(role, config.column(role), codes)
    if items:
        out = pd.concat([out, pd.DataFrame(items, index=out.index)], axis=1)
    out.attrs["embct"] = {
        "source": source,
        "config": config.to_dict(),
        "totals_from": sources,
        "participant_id_from": (
            config.column("participant_id")
            if config.column("participant_id") in frame.columns
            else "row numbers (the file has no participant_id column)"
        ),
        "started_from": (
            config.column("started")
            if config.column("started") in frame.columns
            else "assumed true for everyone (the file has no started column)"
        ),
        "dropped_out_from": cells.dropout_rule,
    }
    if not any(config.column(role) in frame.columns for role in DOSE_ROLES):
        out.attrs["embct"]["dose_given"] = False
    out.attrs["embct"]["analysis_config"] = config
    return out


def _show(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


class _Cells:
    """Validating readers for the columns of one raw table."""

    def __init__(self, frame: pd.DataFrame, config: AnalysisConfig) -> None:
        self.frame = frame
        self.config = config
        self.ids: pd.Series | None = None
        self.dropout_rule = ""

    # -- messages --------------------------------------------------------------------------
    def error(self, column: Hashable, i: int, value: object, expected: str) -> DataError:
        who = ""
        if self.ids is not None:
            who = f" (participant_id {self.ids.iloc[i]!r})"
        shown = _show(value)
        return DataError(
            f"column {str(column)!r}, row {i + 1}{who}: expected {expected}, got {shown}",
            column=str(column),
            row=i + 1,
            value=value,
            expected=expected,
        )

    def first_bad(self, mask: pd.Series | np.ndarray) -> int | None:
        hits = np.flatnonzero(np.asarray(mask, dtype=bool))
        return int(hits[0]) if hits.size else None

    # -- columns ---------------------------------------------------------------------------
    def participant_ids(self) -> pd.Series:
        column = self.config.column("participant_id")
        if column not in self.frame.columns:
            return pd.Series([str(i + 1) for i in range(len(self.frame))], dtype=str)
        raw = self.frame[column]
        text = _texts(raw)
        i = self.first_bad(text.isna())
        if i is not None:
            raise self.error(column, i, raw.iloc[i], "a participant id (it is empty)")
        repeated = text.duplicated(keep=False)
        if repeated.any():
            first = self.first_bad(repeated)
            assert first is not None
            others = np.flatnonzero((text == text.iloc[first]).to_numpy())
            raise DataError(
                f"column {column!r}: participant_id {text.iloc[first]!r} appears in rows "
                + ", ".join(str(j + 1) for j in others)
                + "; expected one row per participant",
                column=column,
                row=int(others[1]) + 1,
                value=text.iloc[first],
                expected="unique participant ids",
            )
        return text.astype(str)

    def arms(self) -> tuple[pd.Series, pd.Series]:
        config = self.config
        column = config.column("arm")
        expected = (
            f"the reference {config.reference_label!r} or the comparison "
            f"{config.comparison_label!r}"
        )
        if column not in self.frame.columns:
            raise DataError(
                f"no arm column: the table has no column {column!r} (map yours with "
                '[columns] arm = "..." in the configuration); its columns are '
                + ", ".join(map(str, self.frame.columns)),
                column=column,
                expected="an arm column",
            )
        raw = self.frame[column]
        labels = _texts(raw)
        i = self.first_bad(labels.isna())
        if i is not None:
            raise self.error(column, i, raw.iloc[i], f"an arm label ({expected}); it is empty")
        distinct = pd.unique(labels)
        codes_of = {label: config.arm_code(label) for label in distinct}
        codes = labels.map(codes_of)
        i = self.first_bad(codes.isna())
        if i is not None:
            who = f" (participant_id {self.ids.iloc[i]!r})" if self.ids is not None else ""
            raise DataError(
                f"column {column!r}, row {i + 1}{who}: arm label {labels.iloc[i]!r} is "
                f"neither the reference {config.reference_label!r} nor the comparison "
                f"{config.comparison_label!r}",
                column=column,
                row=i + 1,
                value=labels.iloc[i],
                expected=expected,
            )
        codes = codes.astype(int)
        present = set(codes.unique())
        if present != {0, 1}:
            (only,) = present
            missing = config.comparison_label if only == 0 else config.reference_label
            raise DataError(
                f"column {column!r}: every row is in arm {labels.iloc[0]!r}; the analysis "
                f"compares two arms and found no {missing!r}",
                column=column,
                value=labels.iloc[0],
                expected="two arms",
            )
        # One spelling per arm: the first one the file uses.
        spelled = {c: labels[codes == c].iloc[0] for c in (0, 1)}
        return codes.astype("int64"), codes.map(spelled).astype(str)

    def started(self) -> pd.Series:
        column = self.config.column("started")
        if column not in self.frame.columns:
            return pd.Series(True, index=self.frame.index)
        flags = self.flag("started", column)
        i = self.first_bad(flags.isna())
        if i is not None:
            raise self.error(column, i, self.frame[column].iloc[i], "true or false (it is empty)")
        return flags == 1

    def sessions(self) -> pd.Series:
        column = self.config.column("sessions_attended")
        if column not in self.frame.columns:
            return pd.Series(np.nan, index=self.frame.index)
        return self.number(column, 0, self.config.max_sessions, whole=True)

    def dropped_out(self, started: pd.Series, sessions: pd.Series) -> pd.Series:
        column = self.config.column("dropped_out")
        minimum = self.config.completer_min_sessions
        if column in self.frame.columns:
            flags = self.flag("dropped_out", column)
            self.dropout_rule = (
                f"column {column!r} (0/1) among starters; never-starters are not dropouts"
            )
        elif sessions.notna().any():
            flags = (sessions < minimum).astype(float).where(sessions.notna())
            self.dropout_rule = (
                f"{self.config.column('sessions_attended')} < {minimum} among starters "
                f"(completer: {minimum} or more sessions)"
            )
        else:
            self.dropout_rule = "unknown (the table has neither dropped_out nor sessions_attended)"
            return pd.Series(np.nan, index=self.frame.index)
        return flags.where(started).astype(float)

    def total(self, key: str, wave: str) -> tuple[pd.Series, str, pd.DataFrame | None]:
        """The total of ``key`` at ``wave``: scored from its items, or the total column."""
        config = self.config
        role = f"{key}_{wave}"
        scale = config.scales.get(key)
        if scale is not None:
            return self.declared_total(key, wave, scale)
        items = _item_numbers(key)
        wanted = [config.item_column(key, wave, item) for item in items]
        found = [c for c in wanted if c in self.frame.columns]
        if (found and len(found) < len(wanted)) or (not found and role in config.items):
            missing = [c for c in wanted if c not in self.frame.columns]
            raise DataError(
                f"{role}: item columns {', '.join(missing)} are missing (the table has "
                f"{len(found)} of the {len(wanted)} items of {key} at {wave}); give all "
                f"items or only the total {config.column(role)!r}",
                column=missing[0],
                expected=f"all {len(wanted)} item columns",
            )
        if found:
            return self.scored(key, wave, wanted)
        column = config.column(role)
        if column not in self.frame.columns:
            return pd.Series(np.nan, index=self.frame.index), "absent", None
        low, high = _total_range(key, config)
        return self.number(column, low, high), f"total column {column!r}", None

    def declared_total(
        self, key: str, wave: str, scale: Scale
    ) -> tuple[pd.Series, str, pd.DataFrame | None]:
        """A declared measure's total: its total column, or the plain sum of its items."""
        config = self.config
        role = f"{key}_{wave}"
        column = config.column(role)
        if scale.scores_items:
            assert scale.items is not None
            wanted = [config.item_column(key, wave, item) for item in range(1, scale.items + 1)]
        else:
            # Item columns of the built-in instrument, or the [items] pattern's first item.
            wanted = [config.item_column(key, wave, item) for item in _item_numbers(key)[:1]]
        found = [c for c in wanted if c in self.frame.columns]
        if not scale.scores_items:
            if found or role in config.items:
                raise DataError(
                    f"{role}: the table gives items of {scale.name!r} ({wanted[0]} ...), but "
                    f"[scales.{key}] in {config.source or 'the configuration'} declares no "
                    "item-level scoring; add items, item_min and item_max (the total is then "
                    f"their plain sum) or give the total {column!r}",
                    column=wanted[0],
                    expected="a declared item range",
                )
        elif found or role in config.items:
            if len(found) < len(wanted):
                missing = [c for c in wanted if c not in self.frame.columns]
                raise DataError(
                    f"{role}: item columns {', '.join(missing)} are missing (the table has "
                    f"{len(found)} of the {len(wanted)} items of {scale.name!r} at {wave})",
                    column=missing[0],
                    expected=f"all {len(wanted)} item columns",
                )
            assert scale.item_min is not None
            assert scale.item_max is not None
            values = pd.concat(
                [self.number(c, scale.item_min, scale.item_max) for c in wanted], axis=1
            )
            total = values.sum(axis=1, min_count=len(wanted)).where(values.notna().all(axis=1))
            note = (
                f"plain sum of {len(wanted)} items ({wanted[0]} ... {wanted[-1]}) of "
                f"{scale.name}; missing if any item is"
            )
            canonical = [f"{role}_{item}" for item in range(1, len(wanted) + 1)]
            return total.astype(float), note, values.set_axis(canonical, axis=1)
        if column not in self.frame.columns:
            return pd.Series(np.nan, index=self.frame.index), "absent", None
        return self.number(column, scale.min, scale.max), f"total column {column!r}", None

    def scored(
        self, key: str, wave: str, columns: list[str]
    ) -> tuple[pd.Series, str, pd.DataFrame]:
        """Score the items with :func:`embct.instruments.score_table` (which validates them)."""
        from embct.instruments import InstrumentError, item_columns, score_table_and_items

        canonical = item_columns(key, wave)
        scoring = self.frame[columns].set_axis(canonical, axis=1).assign(participant_id=self.ids)
        coding = self.config.wai_coding if key == "wai" else None
        try:
            scores, items = score_table_and_items(
                scoring, key, wave, id_column="participant_id", coding=coding
            )
        except InstrumentError as error:
            raise self.item_error(error, dict(zip(canonical, columns, strict=True))) from None
        role = f"{key}_{wave}"
        note = f"scored from {len(columns)} items ({columns[0]} ... {columns[-1]})"
        if self.config.column(role) in self.frame.columns:
            note += f"; the total column {self.config.column(role)!r} was not used"
        return scores[role].astype(float), note, items

    def item_error(self, error: Any, user_columns: dict[str, str]) -> DataError:
        """An :class:`~embct.instruments.InstrumentError` in the user's column and row terms."""
        column = user_columns.get(str(error.item), str(error.item))
        row = None
        if self.ids is not None and error.row is not None:
            hits = np.flatnonzero((self.ids == str(error.row)).to_numpy())
            row = int(hits[0]) if hits.size else None
        where = f"column {column!r}"
        if row is not None:
            where += f", row {row + 1} (participant_id {self.ids.iloc[row]!r})"  # type: ignore[union-attr]
        problem = getattr(error, "problem", str(error))
        value = error.value
        if row is not None and column in self.frame.columns:
            value = _cell_text(self.frame, column, row)
        return DataError(
            f"{where}: {error.instrument} item {error.item}, got {_show(value)}: {problem}",
            column=column,
            row=None if row is None else row + 1,
            value=value,
            expected=problem,
        )

    def number(self, column: str, low: float, high: float, *, whole: bool = False) -> pd.Series:
        raw = self.frame[column]
        expected = f"a {'whole ' if whole else ''}number from {_show(low)} to {_show(high)}"
        if pd.api.types.is_bool_dtype(raw):
            raise self.error(column, 0, raw.iloc[0], expected)
        if pd.api.types.is_numeric_dtype(raw):
            values = raw.astype(float)
        else:
            # Parsed once per distinct value: a column of a million cells has few of them.
            codes, uniques = pd.factorize(raw, use_na_sentinel=True)
            stripped = pd.Series([_as_text(u).strip() for u in uniques], dtype=object)
            stripped = stripped.where(stripped != "", None)
            parsed = pd.to_numeric(stripped, errors="coerce").to_numpy(dtype=float)
            unparsed = np.isnan(parsed) & stripped.notna().to_numpy()
            bad = self.first_bad((codes >= 0) & unparsed[codes])
            if bad is not None:
                raise self.error(column, bad, raw.iloc[bad], expected)
            values = pd.Series(
                np.where(codes >= 0, parsed[codes], np.nan), index=raw.index, dtype=float
            )
        finite = values.notna()
        checks = [finite & ~np.isfinite(values.fillna(0.0))]
        checks.append(finite & ((values < low) | (values > high)))
        if whole:
            checks.append(finite & (values != np.round(values)))
        for check in checks:
            bad = self.first_bad(check)
            if bad is not None:
                raise self.error(column, bad, _cell_text(self.frame, column, bad), expected)
        return values

    def flag(self, role: str, column: str) -> pd.Series:
        raw = self.frame[column]
        if pd.api.types.is_bool_dtype(raw):
            return raw.astype(float)
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)
        folded = [_as_text(u).strip().casefold() for u in uniques]
        known = np.array(
            [
                1.0 if v in _TRUE else 0.0 if v in _FALSE else np.nan if v == "" else -1.0
                for v in folded
            ]
            + [np.nan]
        )
        values = pd.Series(known[codes], index=raw.index, dtype=float)  # code -1: missing
        i = self.first_bad(values == -1.0)
        if i is not None:
            raise self.error(column, i, raw.iloc[i], f"{role} as 0/1 (or yes/no, true/false)")
        return values

    def text(self, column: str) -> pd.Series:
        return _texts(self.frame[column])

    def code(self, role: str, column: str, codes: tuple[str, ...]) -> pd.Series:
        """Text cells that must be one of ``codes`` or empty (None)."""
        raw = self.frame[column]
        values = _texts(raw)
        i = self.first_bad(values.notna() & ~values.isin(codes))
        if i is not None:
            raise self.error(column, i, raw.iloc[i], f"{role}: one of {', '.join(codes)} or empty")
        return values


def _texts(series: pd.Series) -> pd.Series:
    """Cells as stripped text (object dtype), None where missing or blank.

    Whole floats lose their ``.0`` (a .sav file stores codes and ids as floats). Computed
    once per distinct value.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    texts = np.empty(len(uniques) + 1, dtype=object)
    texts[:-1] = [_as_text(u).strip() or None for u in uniques]
    texts[-1] = None  # code -1: missing
    return pd.Series(texts[codes], index=series.index, dtype=object)


def _as_text(value: Any) -> str:
    """A cell as text; whole floats (as a .sav file stores codes) without ``.0``."""
    if isinstance(value, (bool, np.bool_)):
        return str(int(value))
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _item_numbers(key: str) -> tuple[int, ...]:
    from embct.instruments import get_instrument

    return tuple(get_instrument(key).items)


def _total_range(key: str, config: AnalysisConfig) -> tuple[int, int]:
    """The valid total scores of instrument ``key`` (WAI under the configured coding)."""
    total = schema.total_range(key, config.wai_coding if key == "wai" else None)
    return int(total.low), int(total.high)

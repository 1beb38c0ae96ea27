"""``embct score``: score questionnaire items in a CSV or SPSS file.

Reads item columns ``{prefix}_{wave}_{item}`` (e.g. ``hads_pre_1`` ... ``hads_pre_14``),
scores every wave found (or the one given with ``--wave``) with
:func:`embct.instruments.score_table`, and writes the id column with the totals,
subscales, mean item scores, missing-item flags, bands and categories. Bad input (an
out-of-range answer, text where a number belongs, a missing item column ...) exits with
status 2 and a message naming the instrument, item, row and value; nothing is written.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CommandError

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

TABLE_SUFFIXES = (".csv", ".sav")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "score",
        help="score WAI-SR, HADS or MHC-SF items in a CSV or SPSS .sav file",
        description=(
            "Score questionnaire items (columns PREFIX_WAVE_ITEM, e.g. hads_pre_1) and write "
            "totals, subscales, mean item scores, missing-item flags, bands and categories. "
            "Bad input exits non-zero and writes nothing."
        ),
    )
    add_table_arguments(parser)
    parser.add_argument(
        "--out", required=True, type=Path, metavar="FILE", help="output file (.csv or .sav)"
    )
    parser.add_argument(
        "--keep-columns",
        action="store_true",
        help="write every input column too (default: the id column and the scores)",
    )
    parser.set_defaults(func=run)


def add_table_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments ``score`` and ``reliability`` share."""
    parser.add_argument("instrument", choices=["wai", "hads", "mhc"], help="the questionnaire")
    parser.add_argument(
        "--in",
        dest="input",
        required=True,
        type=Path,
        metavar="FILE",
        help="input file (.csv or .sav) with item columns",
    )
    parser.add_argument(
        "--wave",
        help="wave to score (e.g. pre, post, w2); default: every wave in the file",
    )
    parser.add_argument(
        "--coding",
        help="how answers are stored: HADS printed (default) or position; WAI-SR 1-5 "
        "(default) or 0-4; MHC-SF 0-5",
    )
    parser.add_argument(
        "--id-column",
        default="participant_id",
        help="column naming participants in messages and output (default: participant_id)",
    )


def read_table(path: Path, id_column: str) -> pd.DataFrame:
    """Read a CSV or .sav file, refusing duplicate column names and duplicate ids.

    The id column is read as text: ``NA``, ``null`` or ``None`` there is an id, and only an
    empty cell is missing. A CSV cell neutralized by embct (a quote in front of ``=`` ...,
    :mod:`embct.spreadsheet`) is read back as it was.
    """
    from embct.spreadsheet import TableFileError, check_columns, read_csv

    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise CommandError(f"{path}: expected a .csv or .sav file")
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    try:
        if suffix == ".csv":
            frame = read_csv(path, id_column=id_column)
        else:
            import pyreadstat

            check_columns(pyreadstat.read_sav(str(path), metadataonly=True)[1].column_names)
            frame, _meta = pyreadstat.read_sav(str(path))
    except TableFileError as error:
        raise CommandError(f"{path}: {error}") from None
    except (ValueError, OSError, UnicodeDecodeError) as error:
        raise CommandError(f"{path}: cannot be read: {error}") from None
    except Exception as error:  # pyreadstat raises its own exception types
        if type(error).__module__.startswith("pyreadstat"):
            raise CommandError(f"{path}: cannot be read: {error}") from None
        raise
    if id_column in frame.columns:
        ids = frame[id_column].dropna().astype(str)
        repeated = sorted(set(ids[ids.duplicated()]))
        if repeated:
            raise CommandError(
                f"{path}: column {id_column!r}: "
                + ", ".join(repr(i) for i in repeated[:10])
                + (f" and {len(repeated) - 10} more" if len(repeated) > 10 else "")
                + " appear more than once; expected one row per participant"
            )
    return frame


def waves_in(frame: pd.DataFrame, prefix: str) -> list[str | None]:
    """The waves whose item columns the table holds, in column order (None = unwaved)."""
    waves: list[str | None] = []
    for column in frame.columns:
        match = re.fullmatch(rf"{prefix}_(?:([a-z0-9]+)_)?\d+", str(column))
        if match and match[1] not in waves:
            waves.append(match[1])
    return waves


def chosen_waves(frame: pd.DataFrame, instrument: str, wave: str | None) -> list[str | None]:
    if wave is not None:
        return [wave]
    waves = waves_in(frame, instrument)
    if not waves:
        raise CommandError(
            f"no {instrument} item columns ({instrument}_<wave>_<item>, e.g. "
            f"{instrument}_pre_1) in the file"
        )
    return waves


def check_coding(instrument: str, coding: str | None) -> None:
    from embct.instruments import get_instrument

    codings = get_instrument(instrument).codings
    if coding is not None and coding not in codings:
        raise CommandError(
            f"--coding {coding!r} is not a coding of {instrument}; expected one of "
            + ", ".join(codings)
        )


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write CSV (formula-like cells neutralized, :mod:`embct.spreadsheet`) or .sav
    atomically: the file appears complete or not at all."""
    from embct.spreadsheet import write_csv

    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise CommandError(f"{path}: expected a .csv or .sav output file")
    if not path.parent.is_dir():
        raise CommandError(f"{path.parent}: no such directory")
    handle, temporary = tempfile.mkstemp(prefix=".embct-", suffix=suffix, dir=path.parent)
    os.close(handle)
    try:
        if suffix == ".csv":
            write_csv(frame, temporary)
        else:
            _write_sav(frame, temporary)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _write_sav(frame: pd.DataFrame, path: str) -> None:
    import pandas as pd
    import pyreadstat

    out = frame.copy()
    labels: dict[str, Any] = {}
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column].dtype):
            out[column] = out[column].astype("Float64").astype(float)
            labels[column] = {0.0: "no", 1.0: "yes"}
        elif not pd.api.types.is_numeric_dtype(out[column].dtype):
            out[column] = out[column].astype(object).where(out[column].notna(), "")
    pyreadstat.write_sav(out, path, variable_value_labels=labels)


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from embct.instruments import InstrumentError, score_table

    if args.out.resolve() == args.input.resolve():
        raise CommandError("--out must differ from --in")
    if args.out.suffix.lower() not in TABLE_SUFFIXES:
        raise CommandError(f"{args.out}: expected a .csv or .sav output file")
    check_coding(args.instrument, args.coding)
    frame = read_table(args.input, args.id_column)
    parts = []
    try:
        for wave in chosen_waves(frame, args.instrument, args.wave):
            parts.append(
                score_table(
                    frame, args.instrument, wave, id_column=args.id_column, coding=args.coding
                )
            )
    except InstrumentError as error:
        raise CommandError(str(error)) from None
    scores = pd.concat(parts, axis=1)
    if args.keep_columns:
        out = pd.concat([frame.drop(columns=[c for c in scores if c in frame]), scores], axis=1)
    elif args.id_column in frame.columns:
        out = pd.concat([frame[[args.id_column]], scores], axis=1)
    else:
        out = scores
    write_table(out, args.out)
    print(f"scored {len(frame)} rows of {args.instrument} -> {args.out}")
    return 0

"""``embct export``: the canonical trial table from the platform's database, pseudonymized.

Item-level, one row per participant with a treatment arm, study ids only; CSV or SPSS .sav
(with variable and value labels). Every export is logged (who: the command line; when; what).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export",
        help="export the pseudonymized trial table (CSV or SPSS .sav) from the platform",
        description=(
            "Write the canonical trial table (DESIGN.md) from the platform's database: "
            "item-level, pseudonymized (study ids only), as CSV or SPSS .sav with labels. "
            "The export is logged. Analyse it with: embct analyze --data FILE --out DIR."
        ),
    )
    parser.add_argument("--format", choices=("csv", "sav"), required=True, help="file format")
    parser.add_argument("--out", type=Path, required=True, help="the file to write")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from . import CommandError

    out: Path = args.out
    if out.is_dir():
        raise CommandError(f"--out {out} is a folder; give a file name")
    if not out.parent.is_dir():
        raise CommandError(f"--out {out}: the folder {out.parent} does not exist")
    from embct.platform import setup

    setup()
    from embct.platform.research.export import export

    try:
        log = export(out, args.format, via="cli")
    except OSError as error:
        raise CommandError(f"cannot write {out}: {error}") from None
    print(f"wrote {out}: {log.rows} participants, {log.columns} columns (sha256 {log.sha256})")
    return 0

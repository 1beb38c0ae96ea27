"""``embct check-figures FILE.toml``: list the printed figures that cannot all be true at once."""

from __future__ import annotations

import argparse
import pathlib

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check-figures",
        help="check a paper's printed figures for inconsistencies (statcheck, GRIM, arithmetic)",
        description=(
            "Read a figures file ([[figure]] entries, the format of embct's "
            "published-results.toml) and list every inconsistency: P recomputed from each "
            "test statistic and df (statcheck's rules), means and SDs impossible for integer "
            "data (GRIM, GRIMMER), percentages, 2 x 2 chi-squares, t from means and SDs, F "
            "from adjusted R2, df from n and the model, and figures printed twice with two "
            "values. Exit status 0 when none is found, 1 when some are."
        ),
    )
    parser.add_argument("file", type=pathlib.Path, help="the figures file (TOML)")
    parser.add_argument("--json", type=pathlib.Path, help="also write the findings as JSON here")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from embct.figures import FiguresError, check_file, finding_text

    try:
        result = check_file(args.file)
    except FiguresError as error:
        raise CommandError(str(error)) from error
    findings = result["findings"]
    for k, finding in enumerate(findings, 1):
        print(f"{k}. {finding_text(finding)}")
    print(
        f"{len(findings)} inconsistencies among {result['figures']} printed statements "
        f"({result['numbers']} numbers) in {args.file}"
    )
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2), "utf-8")
    return 1 if findings else 0

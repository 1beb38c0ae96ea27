"""``embct analyze``: the paper's analyses on a trial table (CSV or SPSS .sav)."""

from __future__ import annotations

import argparse
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "analyze",
        help="run the paper's analyses on a trial table; write results.json, tables and a report",
        description=(
            "Run every analysis of Bisseling et al. (2019) on a trial table (CSV or SPSS "
            ".sav; items or totals) and write DIR/results.json, DIR/tables/*.csv and "
            "DIR/report.html. A section whose columns are absent is skipped and says so; a "
            "wrong value stops the run with a message naming the row and column, and nothing "
            "is written."
        ),
    )
    parser.add_argument(
        "--data", required=True, type=Path, metavar="FILE", help="the trial table (.csv or .sav)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="TOML file mapping roles to your columns and arm labels (default: canonical names)",
    )
    parser.add_argument(
        "--out", required=True, type=Path, metavar="DIR", help="output folder (created if missing)"
    )
    parser.add_argument("--title", help="title of the report (default: the report's own)")
    parser.add_argument(
        "--syntax",
        metavar="LIST",
        default="",
        help=(
            "also write the analysis as scripts: r (DIR/analysis.R), spss (DIR/analysis.sps), "
            "e.g. --syntax r,spss; they read DIR/analysis_data.csv"
        ),
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from embct.analysis import (
        AnalysisConfig,
        ConfigError,
        DataError,
        analyze,
        load_config,
        load_table,
        write_results,
    )
    from embct.analysis.syntax import parse_syntaxes, write_syntax
    from embct.report import write_report

    out: Path = args.out
    try:
        syntaxes = parse_syntaxes(args.syntax or "")
    except ValueError as error:
        raise CommandError(str(error)) from None
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder")
    try:
        config = load_config(args.config) if args.config else AnalysisConfig()
        frame = load_table(args.data, config)
    except (ConfigError, DataError) as error:
        raise CommandError(str(error)) from None
    try:
        results = analyze(frame, config)
    except ValueError as error:
        raise CommandError(f"the analysis failed, nothing was written: {error}") from None
    # Everything is written to a staging folder beside DIR first, then moved into DIR: an
    # error leaves DIR as it was.
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    except OSError as error:
        raise CommandError(f"cannot write to {out}: {error}") from None
    try:
        written = write_results(results, staging)
        report = write_report(results, staging, title=args.title)
        scripts = write_syntax(frame, results, staging, syntaxes) if syntaxes else []
        files = [*written, report, *scripts, *sorted((staging / "figures").glob("*"))]
        published = [_move(path, staging, out) for path in files]
    except ValueError as error:
        raise CommandError(f"the report failed, nothing was written: {error}") from None
    except OSError as error:
        raise CommandError(f"cannot write to {out}: {error}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"embct analyze: {results['n']} participants from {args.data.name}")
    print(f"  wrote {out / 'report.html'}, {out / 'results.json'} and {len(published) - 2} more")
    for section, reason in _skipped(results):
        print(f"  skipped {section}: {reason}")
    return 0


def _move(path: Path, staging: Path, out: Path) -> Path:
    target = out / path.relative_to(staging)
    target.parent.mkdir(parents=True, exist_ok=True)
    path.replace(target)
    return target


def _skipped(results: Mapping[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    found = []
    for key, value in results.items():
        if key == "meta" or not isinstance(value, dict):
            continue
        name = f"{prefix}{key}"
        if "skipped" in value:
            found.append((name, str(value["skipped"])))
        else:
            found += _skipped(value, prefix=f"{name}.")
    return found

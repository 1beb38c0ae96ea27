"""``embct simulate``: write a synthetic BeMind cohort (canonical trial table, CSV or .sav)."""

from __future__ import annotations

import argparse
import pathlib

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "simulate",
        help="write a synthetic trial table calibrated to Bisseling et al. (2019)",
        description=(
            "Simulate the BeMind cohort as the canonical trial table, item level. "
            "exact: sample moments forced to the published statistics; population: a "
            "random draw from the calibrated population."
        ),
    )
    parser.add_argument("--n", type=int, default=None, help="number randomized (default 245)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mode", choices=("population", "exact"), default="population")
    parser.add_argument("--parameters", type=pathlib.Path, help="parameter TOML (default: shipped)")
    parser.add_argument("--totals-only", action="store_true", help="omit the item columns")
    parser.add_argument("--out", type=pathlib.Path, required=True, help="output .csv or .sav")
    parser.set_defaults(func=run)


def write_table(table, out: pathlib.Path) -> None:
    """Write the table as CSV or SPSS .sav by extension (booleans as 0/1 in .sav)."""
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".sav"):
        raise CommandError(f"--out {out}: expected a .csv or .sav file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if suffix == ".csv":
        from embct.spreadsheet import write_csv

        write_csv(table, tmp)
    else:
        import pyreadstat

        frame = table.copy()
        for col in frame.columns:
            if frame[col].dtype == bool:
                frame[col] = frame[col].astype(int)
            elif str(frame[col].dtype) == "Int64":
                frame[col] = frame[col].astype("float64")
        pyreadstat.write_sav(frame, str(tmp))
    tmp.replace(out)


def run(args: argparse.Namespace) -> int:
    from embct.simulate import ParameterError, RepairError, load_parameters, simulate

    try:
        params = load_parameters(args.parameters)
        table = simulate(args.n, args.seed, args.mode, params, items=not args.totals_only)
    except (ParameterError, RepairError) as error:
        raise CommandError(str(error)) from error
    write_table(table, args.out)
    print(f"wrote {len(table)} participants ({args.mode}, seed {args.seed}) to {args.out}")
    return 0

"""``embct reproduce``: simulate the cohort, analyse it, set each published figure beside ours."""

from __future__ import annotations

import argparse
import pathlib

from .errors import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="simulate the trial, analyse it and compare with the paper's figures",
        description=(
            "Simulate the BeMind cohort, run the analysis and write the published figures "
            "beside ours (comparison.html/.json/.csv/.txt). With --replications R, each "
            "headline figure also gets the share of R population-mode replications whose 95%% "
            "interval covers the published value."
        ),
    )
    parser.add_argument("--mode", choices=("exact", "population"), default="exact")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replications", type=int, default=0)
    parser.add_argument("--workers", type=int, default=None, help="processes for replications")
    parser.add_argument("--parameters", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, required=True, help="output directory")
    parser.set_defaults(func=run)


def _text_table(rows) -> str:
    def fmt(v):
        if v is None:
            return "-"
        if isinstance(v, float):
            return f"{v:.4f}"
        return str(v)

    head = f"{'section':<22} {'figure':<44} {'published':>10} {'ours':>10} {'diff':>9} ok  coverage"
    lines = [head, "-" * len(head)]
    for r in rows:
        cov = r.get("coverage")
        lines.append(
            f"{r['section'][:22]:<22} {r['figure'][:44]:<44} {fmt(r['published']):>10} "
            f"{fmt(r['ours']):>10} {fmt(r['difference']):>9} {'yes' if r['matched'] else 'NO ':<3} "
            f"{'' if cov is None else f'{cov:.2f}'}"
        )
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from embct.simulate import ParameterError, RepairError, load_parameters
    from embct.simulate.compare import inconsistency_notes
    from embct.simulate.reproduce import replicate, reproduce_once
    from embct.spreadsheet import write_csv

    if args.replications < 0:
        raise CommandError(f"--replications {args.replications}: expected 0 or more")
    try:
        params = load_parameters(args.parameters)
        table, results, rows, analysis = reproduce_once(args.mode, args.seed, params)
        cov = (
            replicate(args.replications, args.seed, params, workers=args.workers)
            if args.replications
            else {}
        )
    except (ParameterError, RepairError) as error:
        raise CommandError(str(error)) from error
    for row in rows:
        key = f"{row['section']} | {row['figure']}"
        if key in cov:
            row["coverage"] = cov[key]
    notes = inconsistency_notes(results)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "mode": args.mode,
        "seed": args.seed,
        "replications": args.replications,
        "analysis": analysis,
    }
    (out / "comparison.json").write_text(
        json.dumps({"meta": meta, "rows": rows, "inconsistencies": notes}, indent=2, default=float),
        "utf-8",
    )
    write_csv(pd.DataFrame(rows), out / "comparison.csv")
    text = _text_table(rows)
    (out / "comparison.txt").write_text(text, "utf-8")
    write_csv(table, out / "cohort.csv")
    try:
        from embct.report import write_comparison

        write_comparison(
            rows, out, notes, title="embct reproduce: Bisseling et al. (2019)", meta=meta
        )
    except ImportError:
        pass
    print(text, end="")
    matched = sum(r["matched"] for r in rows)
    print(
        f"{matched} of {len(rows)} published figures matched "
        f"({args.mode}, seed {args.seed}; analysis: {analysis})"
    )
    print(f"wrote {out}/comparison.json, .csv, .txt")
    return 0

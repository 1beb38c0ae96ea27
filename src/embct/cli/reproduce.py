"""``embct reproduce``: simulate the cohort, analyse it, set each published figure beside ours."""

from __future__ import annotations

import argparse
import pathlib

from .errors import CommandError
from .parallel import add_parallel_options, check_workers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reproduce",
        help="simulate the trial, analyse it and compare with the paper's figures",
        description=(
            "Simulate the BeMind cohort, run the analysis and write the published figures "
            "beside ours (comparison.html/.json/.csv/.txt): the headline figures, then every "
            "number the paper prints at its printed precision; runs embct check-figures on "
            "the paper's figures and reports where the arm difference has the printed "
            "P = .004 (the probe). With --replications R, each "
            "headline figure also gets the share of R population-mode replications whose 95%% "
            "interval covers the published value."
        ),
    )
    parser.add_argument("--mode", choices=("exact", "population"), default="exact")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--replications", type=int, default=0)
    add_parallel_options(parser, "replications")
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
        if r.get("matched_instead"):
            lines.append(f"{'':<23}{r['matched_instead']}")
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    import json

    import pandas as pd

    from embct.figures import check_file, finding_text
    from embct.simulate import ParameterError, RepairError, load_parameters
    from embct.simulate.compare import inconsistency_notes, published_results
    from embct.simulate.parallel import ClusterError
    from embct.simulate.printed import p_probe
    from embct.simulate.reproduce import replicate, reproduce_once
    from embct.spreadsheet import write_csv

    if args.replications < 0:
        raise CommandError(f"--replications {args.replications}: expected 0 or more")
    check_workers(args.workers)
    try:
        params = load_parameters(args.parameters)
        table, results, rows, analysis = reproduce_once(args.mode, args.seed, params)
        cov = (
            replicate(
                args.replications,
                args.seed,
                params,
                workers=args.workers,
                scheduler=args.scheduler,
            )
            if args.replications
            else {}
        )
    except (ParameterError, RepairError, ClusterError) as error:
        raise CommandError(str(error)) from error
    for row in rows:
        key = f"{row['section']} | {row['figure']}"
        if key in cov:
            row["coverage"] = cov[key]
    notes = inconsistency_notes(results)
    checked = check_file(published_results())
    probe = p_probe(results)
    notes += [{"what": _finding_line(f), "ours": f["recomputed"]} for f in checked["findings"]]
    if probe is not None:
        notes.append(
            {
                "what": "P = .004 for MBCT vs eMBCT at weaker early alliance (Results): "
                "the paper does not say where it probed",
                "ours": _probe_line(probe),
            }
        )
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    meta = {
        "mode": args.mode,
        "seed": args.seed,
        "replications": args.replications,
        "analysis": analysis,
    }
    (out / "comparison.json").write_text(
        json.dumps(
            {
                "meta": meta,
                "rows": rows,
                "inconsistencies": notes,
                "checker": checked["findings"],
                "probe": probe,
            },
            indent=2,
            default=float,
        ),
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
    print(f"\nembct check-figures on the paper: {len(checked['findings'])} inconsistencies")
    for k, finding in enumerate(checked["findings"], 1):
        print(f"{k}. {finding_text(finding)}")
    if probe is not None:
        print(f"\nThe P = .004 probe: {_probe_line(probe)}")
    matched = sum(r["matched"] for r in rows)
    computed = sum(r["ours"] is not None for r in rows)
    printed = [r for r in rows if r["section"] == "Printed figures"]
    print(
        f"{matched} of {len(rows)} published figures matched ({computed} computed; of the "
        f"{len(printed)} printed numbers, {sum(r['matched'] for r in printed)} matched) "
        f"({args.mode}, seed {args.seed}; analysis: {analysis})"
    )
    print(f"wrote {out}/comparison.json, .csv, .txt")
    return 0


def _finding_line(f) -> str:
    return f"[{f['class']}] {f['rule']} at {'; '.join(f['where'])}: {f['printed']}: {f['implies']}"


def _probe_line(probe) -> str:
    def at(key: str) -> str:
        v = probe.get(key)
        return "n/a" if v is None else f"WAI {v['wai_w2']:.1f} gives P = {v['p_val']:.4f}"

    where = (
        "nowhere in the observed range"
        if probe["at"] is None
        else (
            f"at week-2 WAI = {probe['at']:.1f} ({probe['at_z']:+.2f} SD from the mean; "
            f"P rounds to .004 from {probe['range'][0]:.1f} to {probe['range'][-1]:.1f})"
        )
    )
    consistent = ", ".join(probe["consistent"]) or "none of them"
    return (
        f"the arm difference on posttreatment HADS has P = .004 {where}; -1 SD: "
        f"{at('at_minus_1_sd')}; mean: {at('at_mean')}; Johnson-Neyman bound: "
        f"{at('at_jn_bound')}; consistent with the printed .004: {consistent}"
    )

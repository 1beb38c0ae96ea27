"""``embct power``: simulation-based power of a term of the paper's regression, by N."""

from __future__ import annotations

import argparse
import pathlib

from .errors import CommandError
from .parallel import add_parallel_options, check_workers


def _range(text: str) -> list[int]:
    try:
        parts = [int(p) for p in text.split(":")]
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"{text!r}: expected START:STOP:STEP or N") from error
    if len(parts) == 1:
        return parts
    if len(parts) != 3 or parts[2] <= 0 or parts[0] > parts[1]:
        raise argparse.ArgumentTypeError(f"{text!r}: expected START:STOP:STEP with STEP > 0")
    return list(range(parts[0], parts[1] + 1, parts[2]))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "power",
        help="simulation-based power of the alliance x arm moderation (or another term) by N",
        description=(
            "Simulate population-mode cohorts of each size N (randomized; all counts scaled "
            "from the paper's) and report the share in which the term is significant."
        ),
    )
    parser.add_argument(
        "--effect", choices=("interaction", "wai_w2", "arm", "baseline"), default="interaction"
    )
    parser.add_argument("--outcome", choices=("hads", "mhc"), default="hads")
    parser.add_argument(
        "--n", type=_range, default=_range("100:600:50"), help="START:STOP:STEP (randomized)"
    )
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    add_parallel_options(parser, "replications")
    parser.add_argument("--parameters", type=pathlib.Path)
    parser.add_argument("--out", type=pathlib.Path, help="figure (.png or .svg); CSV beside it")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from embct.simulate import ParameterError, load_parameters
    from embct.simulate.parallel import ClusterError
    from embct.simulate.reproduce import power_curve
    from embct.spreadsheet import write_csv

    if args.replications < 1:
        raise CommandError(f"--replications {args.replications}: expected 1 or more")
    if not 0 < args.alpha < 1:
        raise CommandError(f"--alpha {args.alpha}: expected a value between 0 and 1")
    if min(args.n) < 40:
        raise CommandError(f"--n: {min(args.n)} randomized is too few (at least 40)")
    if args.out is not None and args.out.suffix.lower() not in (".png", ".svg"):
        raise CommandError(f"--out {args.out}: expected a .png or .svg file name")
    check_workers(args.workers)
    try:
        params = load_parameters(args.parameters)
        curve = power_curve(
            args.n,
            args.replications,
            effect=args.effect,
            outcome=args.outcome,
            alpha=args.alpha,
            seed=args.seed,
            params=params,
            workers=args.workers,
            scheduler=args.scheduler,
        )
    except (ParameterError, ClusterError) as error:
        raise CommandError(str(error)) from error
    print(
        f"power of {args.effect} on {args.outcome} "
        f"(alpha {args.alpha}, {args.replications} replications)"
    )
    print(f"{'N':>6} {'analysed':>9} {'power':>7} {'95% CI':>15}")
    for r in curve.itertuples():
        print(f"{r.n:>6} {r.n_analysed:>9.1f} {r.power:>7.3f} [{r.ci_low:.3f}, {r.ci_high:.3f}]")
    if args.out is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(6, 4))
        ax.fill_between(curve["n"], curve["ci_low"], curve["ci_high"], alpha=0.2)
        ax.plot(curve["n"], curve["power"], marker="o")
        ax.axhline(0.8, linestyle="--", linewidth=1, color="grey")
        ax.set(
            xlabel="N randomized",
            ylabel="power",
            ylim=(0, 1),
            title=f"{args.effect} on {args.outcome.upper()} (simulated)",
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(args.out, bbox_inches="tight")
        plt.close(fig)
        write_csv(curve, args.out.with_suffix(".csv"))
        print(f"wrote {args.out} and {args.out.with_suffix('.csv')}")
    return 0

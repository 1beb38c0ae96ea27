"""``embct reliability``: internal consistency of a questionnaire in a CSV or SPSS file.

For each wave, prints Cronbach's alpha (raw and standardized, Feldt 95 % CI) and McDonald's
omega of the total and of every subscale, then the item-total table of the total scale
(corrected item-total correlation, alpha if item deleted). ``--json`` prints the same as
JSON. Answers are validated and mapped to scores first (so ``--coding position`` reverses
the HADS items that need it).
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any, Literal

from .errors import CommandError
from .score import add_table_arguments, check_coding, chosen_waves, read_table


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reliability",
        help="Cronbach's alpha, omega and item-total statistics of a questionnaire",
        description=(
            "Print the reliability table (alpha, standardized alpha, Feldt 95%% CI, omega) "
            "of the total and each subscale, and the item-total statistics."
        ),
    )
    add_table_arguments(parser)
    parser.add_argument(
        "--nan-policy",
        choices=["listwise", "pairwise"],
        default="listwise",
        help="missing answers: listwise (complete responses only, as SPSS; default) or "
        "pairwise (as R psych::alpha)",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.set_defaults(func=run)


def analyse(
    frame: Any,
    instrument: str,
    wave: str | None,
    coding: str | None,
    id_column: str,
    policy: Literal["listwise", "pairwise"],
) -> dict[str, Any]:
    """Reliability of every scale of one wave (JSON-ready)."""
    from embct.instruments import cronbach_alpha, get_instrument, item_scores

    definition = get_instrument(instrument)
    scores = item_scores(frame, instrument, wave, id_column=id_column, coding=coding)
    base = f"{definition.prefix}_{wave}" if wave else definition.prefix
    scales: dict[str, Any] = {}
    for scale, items in [("total", definition.items), *definition.subscales.items()]:
        columns = [f"{base}_{item}" for item in items]
        try:
            scales[scale] = cronbach_alpha(scores[columns], nan_policy=policy).to_dict()
        except ValueError as error:
            scales[scale] = {"skipped": str(error)}
    return {
        "instrument": definition.key,
        "wave": wave,
        "coding": definition.coding(coding).name,
        "nan_policy": policy,
        "rows": len(frame),
        "scales": scales,
    }


def _number(value: Any, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, int):
        return str(value)
    return f"{value:.{digits}f}"


def render(result: dict[str, Any]) -> str:
    """The plain-text tables of one wave."""
    wave = f" {result['wave']}" if result["wave"] else ""
    lines = [
        f"{result['instrument']}{wave}: {result['rows']} rows, coding {result['coding']!r}, "
        f"{result['nan_policy']}",
        "",
        f"{'scale':<14}{'k':>4}{'n':>7}{'alpha':>8}{'std':>8}{'ci_low':>8}{'ci_high':>8}"
        f"{'omega':>8}",
    ]
    for scale, row in result["scales"].items():
        if "skipped" in row:
            lines.append(f"{scale:<14}  skipped: {row['skipped']}")
            continue
        lines.append(
            f"{scale:<14}{row['k']:>4}{row['n']:>7}"
            + "".join(
                f"{_number(row[name]):>8}"
                for name in ("alpha", "std_alpha", "ci_low", "ci_high", "omega")
            )
        )
    total = result["scales"]["total"]
    if "items" in total:
        lines += [
            "",
            f"{'item':<16}{'n':>6}{'mean':>8}{'sd':>8}{'r_drop':>8}{'alpha_if_deleted':>18}",
        ]
        for item in total["items"]:
            lines.append(
                f"{item['item']:<16}{item['n']:>6}{_number(item['mean']):>8}"
                f"{_number(item['sd']):>8}{_number(item['r_drop']):>8}"
                f"{_number(item['alpha_if_deleted']):>18}"
            )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from embct.instruments import InstrumentError

    check_coding(args.instrument, args.coding)
    frame = read_table(args.input, args.id_column)
    try:
        results = [
            analyse(frame, args.instrument, wave, args.coding, args.id_column, args.nan_policy)
            for wave in chosen_waves(frame, args.instrument, args.wave)
        ]
    except InstrumentError as error:
        raise CommandError(str(error)) from None
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=2))
    else:
        print("\n\n".join(render(result) for result in results))
    return 0

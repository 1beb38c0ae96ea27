"""The ``embct`` command.

``main(argv)`` runs in-process (tests call it directly); each subcommand lives in a module of
this package with a ``register(subparsers)`` function that adds its parser and sets
``func(args) -> int``. Django is imported only by the subcommands that need the platform.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from embct import __version__

from . import (
    analyze,
    backup,
    check_figures,
    demo,
    export,
    manage,
    power,
    reliability,
    remind,
    reproduce,
    restore,
    score,
    serve,
    simulate,
)
from .errors import CommandError

__all__ = ["COMMANDS", "CommandError", "build_parser", "main", "parse_args"]

#: Subcommand modules, in the order ``embct --help`` lists them.
COMMANDS = [
    serve,
    demo,
    manage,
    score,
    reliability,
    analyze,
    simulate,
    reproduce,
    check_figures,
    power,
    backup,
    restore,
    export,
    remind,
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="embct",
        description="Internet-based MBCT with the therapeutic alliance measured and analysed.",
    )
    parser.add_argument("--version", action="version", version=f"embct {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in COMMANDS:
        module.register(subparsers)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 on success)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as error:
        print(f"embct {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

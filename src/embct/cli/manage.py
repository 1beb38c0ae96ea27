"""``embct manage ...``: Django's management commands (migrate, createsuperuser, check ...)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "manage",
        help="run a Django management command (for example: embct manage migrate)",
        description="Run one of Django's management commands on the embct platform.",
        add_help=False,
    )
    parser.add_argument("arguments", nargs=argparse.REMAINDER)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    from embct.platform import setup

    setup()
    try:
        execute_from_command_line(["embct manage", *args.arguments])
    except SystemExit as exit_:
        return int(exit_.code or 0) if not isinstance(exit_.code, str) else 1
    return 0

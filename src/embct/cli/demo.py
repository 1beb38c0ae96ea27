"""``embct demo``: prepare the SQLite demo, print the demo logins, and serve."""

from __future__ import annotations

import argparse

from .serve import add_server_arguments, prepare_database, serve_forever


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="set up the demo clinic (kept between runs), print its logins and serve it",
        description=(
            "Migrate the database, create the demo accounts if they are missing (existing "
            "data is kept), print the logins and serve the platform."
        ),
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--no-serve", action="store_true", help="set up and print the logins, then stop"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prepare_database(verbosity=0)
    from django.core.management import call_command

    call_command("seed_demo")
    if not args.no_serve:
        serve_forever(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0

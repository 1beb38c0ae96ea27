"""``embct demo``: prepare the SQLite demo, print the demo logins, and serve."""

from __future__ import annotations

import argparse

from .serve import add_server_arguments, prepare_database, serve_forever


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="set up the demo clinic (kept between runs), print its logins and serve it",
        description=(
            "Migrate the database, load the demo course, create the demo clinic (therapists, "
            "eMBCT patients at different weeks with diaries and feedback, an MBCT group) where "
            "it is missing (existing data is kept), print the logins and serve the platform."
        ),
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--no-serve", action="store_true", help="set up and print the logins, then stop"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    prepare_database(verbosity=0)
    from django.core.management import CommandError as DjangoCommandError
    from django.core.management import call_command

    from . import CommandError

    try:
        call_command("load_course")
        call_command("seed_demo")
    except DjangoCommandError as error:
        raise CommandError(str(error)) from None
    if not args.no_serve:
        serve_forever(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0

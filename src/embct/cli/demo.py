"""``embct demo``: prepare the SQLite demo, print the demo logins, and serve."""

from __future__ import annotations

import argparse
import os

from .serve import add_server_arguments, prepare_database, serve_forever, server_address

#: The seed the demo randomizes with when ``EMBCT_RANDOMIZATION_SEED`` is not set. Public, so
#: never a real trial's: only ``embct demo`` puts it in place, and production settings refuse
#: the demo.
DEMO_RANDOMIZATION_SEED = 20190614


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="set up the demo clinic (kept between runs), print its logins and serve it",
        description=(
            "Migrate the database, load the demo course, create the demo clinic (therapists, "
            "eMBCT patients at different weeks with diaries and feedback, an MBCT group) and a "
            "whole simulated trial beside it where they are missing (existing data is kept), "
            "print the logins and serve the platform. Without EMBCT_RANDOMIZATION_SEED, the "
            "demo randomizes with its own public seed (production settings never do)."
        ),
    )
    add_server_arguments(parser)
    parser.add_argument(
        "--no-serve", action="store_true", help="set up and print the logins, then stop"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Read by the settings when they load (below): the demo's server and its seeding
    # randomize with the demo's public seed. Production settings refuse the demo (seed_demo).
    os.environ.setdefault("EMBCT_RANDOMIZATION_SEED", str(DEMO_RANDOMIZATION_SEED))
    prepare_database(verbosity=0)
    from django.core.management import CommandError as DjangoCommandError
    from django.core.management import call_command

    from . import CommandError

    try:
        call_command("load_course")
        # The login address printed is the one served (--host, --port), not a fixed :8000.
        call_command("seed_demo", url=f"http://{server_address(args.host, args.port)}/")
    except DjangoCommandError as error:
        raise CommandError(str(error)) from None
    if not args.no_serve:
        serve_forever(args.host, args.port, workers=args.workers, threads=args.threads)
    return 0

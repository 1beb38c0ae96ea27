"""``embct remind``: e-mail patients whose questionnaires are due or overdue.

Meant to run once a day from cron or a systemd timer. The e-mail is neutral ("something is
waiting for you"), sent at most once per questionnaire and day and never after completion.
"""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "remind",
        help="send the day's neutral questionnaire reminders (run daily from cron)",
        description=(
            "E-mail every patient with a questionnaire due or overdue today, once per "
            "questionnaire and day, never after it is done; each reminder is logged. Also keeps "
            "the day's early warnings and blanks screening telephone numbers older than "
            "EMBCT_SCREENING_CONTACT_DAYS whose person was not randomized."
        ),
    )
    parser.add_argument("--date", help="the day to remind for (YYYY-MM-DD); default today")
    parser.add_argument("--dry-run", action="store_true", help="count; send and change nothing")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from django.core.management.base import CommandError as DjangoCommandError

    from embct.platform import setup

    from . import CommandError

    setup()
    options: dict[str, object] = {"dry_run": args.dry_run}
    if args.date:
        options["date"] = args.date
    try:
        call_command("remind", **options)
    except DjangoCommandError as error:
        raise CommandError(str(error)) from None
    return 0

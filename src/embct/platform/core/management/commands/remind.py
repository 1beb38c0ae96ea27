"""``manage.py remind``: the daily job (cron or a systemd timer). It sends the day's neutral
questionnaire reminders, keeps the early warnings that fire with time (no practice, feedback
waiting, too few sessions left: pages only read them) and blanks the telephone numbers of
screenings older than ``EMBCT_SCREENING_CONTACT_DAYS`` whose person was not randomized."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from embct.platform.questionnaires.early import refresh_all
from embct.platform.questionnaires.reminders import remind
from embct.platform.research.services import expire_contacts


class Command(BaseCommand):
    help = (
        "E-mail patients with a questionnaire due or overdue (once per item and day); keep the "
        "day's early warnings; blank screening telephone numbers kept past their days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to remind for (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="count; send and change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["date"]:
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date: {options['date']!r} is not YYYY-MM-DD") from None
        result = remind(today, dry_run=options["dry_run"])
        verb = "would send" if options["dry_run"] else "sent"
        self.stdout.write(
            f"{verb} {result.emails} reminder e-mail(s) for {result.items} questionnaire(s)"
        )
        if not options["dry_run"]:
            self.stdout.write(f"early warnings kept for {refresh_all(today)} patient(s)")
        expired = expire_contacts(today, dry_run=options["dry_run"])
        verb = "would blank" if options["dry_run"] else "blanked"
        days = settings.EMBCT_SCREENING_CONTACT_DAYS
        self.stdout.write(f"{verb} {expired} screening telephone number(s) older than {days} days")

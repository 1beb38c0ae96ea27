"""``manage.py remind``: send the day's neutral questionnaire reminders (run daily by cron or
a systemd timer)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from embct.platform.questionnaires.reminders import remind


class Command(BaseCommand):
    help = "E-mail patients with a questionnaire due or overdue (once per item and day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to remind for (YYYY-MM-DD); default today")
        parser.add_argument("--dry-run", action="store_true", help="count, send nothing")

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

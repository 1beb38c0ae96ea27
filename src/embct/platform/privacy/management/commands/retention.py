"""``embct manage retention --study-end DATE [--dry-run] [--export FILE]``."""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.privacy.shredders import RetentionConfigError, configured, retention_end


def iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--study-end: {text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "After the retention period following the study's end, pseudonymize or erase patients' "
        "personal data per category as EMBCT_RETENTION configures (accounts, diaries, messages, "
        "audit details, screening telephone numbers, flag notes, login logs, admin history). "
        "--export writes what is about to change to a JSON file first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--study-end", required=True, type=str, help="YYYY-MM-DD")
        parser.add_argument(
            "--dry-run", action="store_true", help="count what would change; change nothing"
        )
        parser.add_argument(
            "--export", type=Path, help="first write the rows about to change to this JSON file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        study_end = iso_date(options["study_end"])
        try:
            years, shredders = configured()
        except RetentionConfigError as error:
            raise CommandError(str(error)) from None
        ends = retention_end(study_end, years)
        today = timezone.localdate()
        if today < ends:
            raise CommandError(
                f"the retention period ({years} years after the study's end on {study_end}) "
                f"runs until {ends}; nothing changed"
            )
        export: Path | None = options["export"]
        if export is not None and export.exists():
            raise CommandError(f"{export} exists; choose a new file for the export")
        with transaction.atomic():
            counts = {s.name: s.count() for s in shredders}
            if export is not None:
                _write_json(export, {s.name: s.export() for s in shredders})
                self.stdout.write(f"exported the rows about to change to {export}")
            for s in shredders:
                verb = "would" if options["dry_run"] else "will"
                self.stdout.write(f"{s.name}: {counts[s.name]} row(s) {verb} be {s.method}d")
            if options["dry_run"]:
                self.stdout.write("dry run: nothing changed")
                return
            for s in shredders:
                s.shred()
            record(
                None,
                Action.RETENTION,
                study_end=study_end.isoformat(),
                methods={s.name: s.method for s in shredders},
                counts=counts,
            )
        self.stdout.write(self.style.SUCCESS("retention applied"))


def _write_json(path: Path, data: object) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename (never half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise

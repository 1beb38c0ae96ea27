"""``load_course [PATH]``: check a course folder and load it (same version: update in place);
without PATH, every course shipped in ``course_content`` (the English and the Dutch demo
course)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from embct.platform.course.loader import CourseFormatError, load_course, read_course

#: The demo courses shipped with embct (original text, clearly labelled demo content).
DEMO_COURSE = Path(__file__).resolve().parents[2].parent / "course_content"


def shipped_course_dirs() -> list[Path]:
    """The course folders (each with a course.md) inside the shipped ``course_content``."""
    folders = (
        sorted(p for p in DEMO_COURSE.iterdir() if (p / "course.md").is_file())
        if DEMO_COURSE.is_dir()
        else []
    )
    if not folders:
        raise CommandError(f"no course folder (with a course.md) in {DEMO_COURSE}; give a PATH")
    return folders


def default_course_dir() -> Path:
    """The first course folder inside the shipped ``course_content`` folder."""
    return shipped_course_dirs()[0]


class Command(BaseCommand):
    help = (
        "Check a course folder (Markdown with front matter) and load it into the database; "
        "without PATH, every shipped demo course (English and Dutch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, help="course folder (default: the shipped demo courses)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        roots = [options["path"]] if options["path"] else shipped_course_dirs()
        try:
            for root in roots:  # each checked before anything is written: all or nothing
                read_course(root)
            with transaction.atomic():
                loaded = [load_course(root) for root in roots]
        except CourseFormatError as error:
            raise CommandError(str(error)) from None
        for course, created in loaded:
            verb = "Loaded" if created else "Updated"
            self.stdout.write(
                f"{verb} course {course.slug!r} version {course.version}: "
                f"{course.sessions.count()} sessions in {course.language!r} from "
                f"{course.source_dir}"
            )

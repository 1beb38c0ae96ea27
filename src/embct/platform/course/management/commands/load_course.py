"""``load_course [PATH]``: check a course folder and load it (same version: update in place)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from embct.platform.course.loader import CourseFormatError, load_course

#: The demo course shipped with embct (original text, clearly labelled demo content).
DEMO_COURSE = Path(__file__).resolve().parents[2].parent / "course_content"


def default_course_dir() -> Path:
    """The first course folder inside the shipped ``course_content`` folder."""
    folders = (
        sorted(p for p in DEMO_COURSE.iterdir() if (p / "course.md").is_file())
        if DEMO_COURSE.is_dir()
        else []
    )
    if not folders:
        raise CommandError(f"no course folder (with a course.md) in {DEMO_COURSE}; give a PATH")
    return folders[0]


class Command(BaseCommand):
    help = "Check a course folder (Markdown with front matter) and load it into the database."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "path", nargs="?", type=Path, help="course folder (default: the shipped demo course)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        root = options["path"] or default_course_dir()
        try:
            course, created = load_course(root)
        except CourseFormatError as error:
            raise CommandError(str(error)) from None
        verb = "Loaded" if created else "Updated"
        self.stdout.write(
            f"{verb} course {course.slug!r} version {course.version}: "
            f"{course.sessions.count()} sessions from {course.source_dir}"
        )

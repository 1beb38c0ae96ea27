"""Read a course folder (Markdown with YAML front matter), check it, and upsert it.

The folder layout::

    <course>/course.md                      slug, title, version, language ("en"), demo,
                                            silent_day_week (6), feedback_note; body = intro
    <course>/sessions/NN/session.md         number (1-8), slug, title; body = introduction
    <course>/sessions/NN/exercises/*.md     slug, title, kind, audio, transcript,
                                            suggested_minutes, diary; body = instructions
    <course>/sessions/NN/examples.md        examples: [{author, exercise, minutes, body,
                                            thoughts, feelings, note}]   (optional)
    <course>/sessions/NN/handout.md         title; body = handout        (optional)
    <course>/silent-day/preparation.md      title; body
    <course>/silent-day/session.md          title, slug; body; exercises/ as above

:func:`read_course` parses and checks everything first and raises :class:`CourseFormatError`
naming the file and the field; :func:`upsert_course` then writes it in one transaction, so a
bad folder changes nothing.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from embct.instruments.content import LANGUAGE_TAG
from embct.platform.lib import schedule
from embct.platform.lib.safe_markdown import render

from .models import Course, CourseSession, ExampleEntry, Exercise, ExerciseKind

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class CourseFormatError(ValueError):
    """A course file is missing, malformed, or has a field with a wrong value."""

    def __init__(self, path: Path, field_name: str | None, problem: str) -> None:
        where = f"{path}" + (f": field {field_name!r}" if field_name else "")
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.field_name = field_name


@dataclass
class ExerciseData:
    slug: str
    title: str
    kind: str
    audio: str
    transcript: str
    suggested_minutes: int
    diary: bool
    instructions_html: str


@dataclass
class ExampleData:
    author: str
    exercise_title: str
    minutes: int
    body: str
    thoughts: str
    feelings: str
    note: str


@dataclass
class SessionData:
    week: int
    number: int | None
    slug: str
    title: str
    intro_html: str
    handout_title: str = ""
    handout_html: str = ""
    examples_html: str = ""
    exercises: list[ExerciseData] = field(default_factory=list)
    examples: list[ExampleData] = field(default_factory=list)


@dataclass
class CourseData:
    root: Path
    slug: str
    title: str
    version: int
    language: str
    demo: bool
    silent_day_week: int
    feedback_note: str
    intro_html: str
    preparation_title: str
    preparation_html: str
    sessions: list[SessionData]


_BYTE_ORDER_MARKS = {
    codecs.BOM_UTF8: "UTF-8",
    codecs.BOM_UTF32_LE: "UTF-32",
    codecs.BOM_UTF32_BE: "UTF-32",
    codecs.BOM_UTF16_LE: "UTF-16",
    codecs.BOM_UTF16_BE: "UTF-16",
}


def read_text(path: Path) -> str:
    """The text of a course file, which must be UTF-8 without a byte-order mark."""
    data = path.read_bytes()
    for mark, encoding in _BYTE_ORDER_MARKS.items():  # UTF-32 LE before UTF-16 LE
        if data.startswith(mark):
            raise CourseFormatError(
                path,
                None,
                f"starts with a {encoding} byte-order mark; save it as UTF-8 without one",
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise CourseFormatError(
            path,
            None,
            f"is not UTF-8 text (byte 0x{data[error.start]:02x} on line {line}); save it as UTF-8",
        ) from None


def read_front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split a Markdown file into its YAML front matter (a mapping) and its body."""
    if not path.is_file():
        raise CourseFormatError(path, None, "file is missing")
    text = read_text(path)
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise CourseFormatError(path, None, "expected front matter between '---' lines at the top")
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        raise CourseFormatError(path, None, "front matter is not closed by a '---' line")
    try:
        meta = yaml.safe_load("".join(lines[1:index])) or {}
    except yaml.YAMLError as error:
        raise CourseFormatError(path, None, f"front matter is not valid YAML: {error}") from None
    if not isinstance(meta, dict):
        raise CourseFormatError(path, None, "front matter must be a mapping of fields")
    return meta, "".join(lines[index + 1 :]).strip()


class _Fields:
    """Typed access to one file's front matter; every problem names the file and field."""

    def __init__(self, path: Path, meta: dict[str, Any], allowed: set[str]) -> None:
        self.path, self.meta = path, meta
        unknown = sorted(set(map(str, meta)) - allowed)
        if unknown:
            raise CourseFormatError(
                path, unknown[0], f"unknown field; expected one of {', '.join(sorted(allowed))}"
            )

    def _get(self, name: str, default: Any, required: bool) -> Any:
        if name not in self.meta or self.meta[name] is None:
            if required:
                raise CourseFormatError(self.path, name, "is required")
            return default
        return self.meta[name]

    def text(self, name: str, *, default: str = "", required: bool = True) -> str:
        value = self._get(name, default, required)
        if not isinstance(value, str):
            raise CourseFormatError(self.path, name, f"expected text, got {value!r}")
        return value.strip()

    def slug(self, name: str = "slug") -> str:
        value = self.text(name)
        if not _SLUG.match(value):
            raise CourseFormatError(
                self.path, name, f"{value!r} is not a slug (lower-case letters, digits, '-')"
            )
        return value

    def language(self, name: str = "language") -> str:
        """A language tag (BCP 47: ``en``, ``nl``, ``nl-BE``); ``en`` when not given."""
        value = self._get(name, "en", False)
        if not isinstance(value, str) or not LANGUAGE_TAG.match(value.strip()):
            raise CourseFormatError(
                self.path,
                name,
                f"{value!r} is not a language code; expected a BCP 47 tag such as "
                "'en', 'nl' or 'nl-BE'",
            )
        return value.strip()

    def integer(
        self, name: str, *, low: int, high: int, default: int = 0, required: bool = True
    ) -> int:
        value = self._get(name, default, required)
        if isinstance(value, bool) or not isinstance(value, int):
            raise CourseFormatError(self.path, name, f"expected a whole number, got {value!r}")
        if not low <= value <= high:
            raise CourseFormatError(self.path, name, f"{value} is outside {low}-{high}")
        return value

    def boolean(self, name: str, *, default: bool = False, required: bool = True) -> bool:
        value = self._get(name, default, required)
        if not isinstance(value, bool):
            raise CourseFormatError(self.path, name, f"expected true or false, got {value!r}")
        return value


def _read_exercises(root: Path, folder: Path) -> list[ExerciseData]:
    exercises = []
    seen: set[str] = set()
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        meta, body = read_front_matter(path)
        f = _Fields(
            path,
            meta,
            {"slug", "title", "kind", "audio", "transcript", "suggested_minutes", "diary"},
        )
        slug = f.slug()
        if slug in seen:
            raise CourseFormatError(path, "slug", f"{slug!r} is used twice in {folder}")
        seen.add(slug)
        kind = f.text("kind")
        if kind not in ExerciseKind.values:
            raise CourseFormatError(
                path, "kind", f"{kind!r}; expected one of {', '.join(ExerciseKind.values)}"
            )
        audio = f.text("audio", required=False)
        if audio and not _inside(root, audio):
            raise CourseFormatError(path, "audio", f"{audio!r}: no such file in {root}")
        transcript_path = f.text("transcript", required=False)
        transcript = ""
        if transcript_path:
            if not _inside(root, transcript_path):
                raise CourseFormatError(
                    path, "transcript", f"{transcript_path!r}: no such file in {root}"
                )
            transcript = read_text(root / transcript_path).strip()
        exercises.append(
            ExerciseData(
                slug=slug,
                title=f.text("title"),
                kind=kind,
                audio=audio,
                transcript=transcript,
                suggested_minutes=f.integer("suggested_minutes", low=0, high=600),
                diary=f.boolean("diary"),
                instructions_html=render(body),
            )
        )
    return exercises


def _inside(root: Path, relative: str) -> bool:
    path = (root / relative).resolve()
    return path.is_relative_to(root.resolve()) and path.is_file()


def _read_examples(path: Path, exercises: list[ExerciseData]) -> tuple[list[ExampleData], str]:
    """The example diary entries of a session, and the text above them."""
    if not path.exists():
        return [], ""
    meta, body = read_front_matter(path)
    _Fields(path, meta, {"examples"})
    items = meta.get("examples") or []
    if not isinstance(items, list):
        raise CourseFormatError(path, "examples", "expected a list of entries")
    titles = {exercise.slug: exercise.title for exercise in exercises}
    examples = []
    for index, item in enumerate(items, start=1):
        name = f"examples[{index}]"
        if not isinstance(item, dict):
            raise CourseFormatError(path, name, "expected a mapping of fields")
        f = _Fields(
            path, item, {"author", "exercise", "minutes", "body", "thoughts", "feelings", "note"}
        )
        try:
            exercise = f.text("exercise", required=False)
            if exercise and exercise not in titles:
                raise CourseFormatError(
                    path, "exercise", f"{exercise!r} is not an exercise of this session"
                )
            examples.append(
                ExampleData(
                    author=f.text("author"),
                    exercise_title=titles.get(exercise, ""),
                    minutes=f.integer("minutes", low=0, high=600, default=0, required=False),
                    body=f.text("body", required=False),
                    thoughts=f.text("thoughts", required=False),
                    feelings=f.text("feelings", required=False),
                    note=f.text("note", required=False),
                )
            )
        except CourseFormatError as error:
            raise CourseFormatError(
                path, f"{name}.{error.field_name}", str(error).rsplit(": ", 1)[-1]
            ) from None
    return examples, render(body)


def read_course(root: Path) -> CourseData:
    """Parse and check the course folder ``root``; raises :class:`CourseFormatError`."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise CourseFormatError(root, None, "is not a folder")
    meta, body = read_front_matter(root / "course.md")
    f = _Fields(
        root / "course.md",
        meta,
        {"slug", "title", "version", "language", "demo", "silent_day_week", "feedback_note"},
    )
    silent_day_week = f.integer(
        "silent_day_week", low=2, high=schedule.COURSE_WEEKS, default=6, required=False
    )
    weeks = dict((number, week) for week, number in schedule.session_weeks(silent_day_week))
    course = CourseData(
        root=root,
        slug=f.slug(),
        title=f.text("title"),
        version=f.integer("version", low=1, high=1_000_000),
        language=f.language(),
        demo=f.boolean("demo"),
        silent_day_week=silent_day_week,
        feedback_note=f.text("feedback_note", required=False),
        intro_html=render(body),
        preparation_title="",
        preparation_html="",
        sessions=[],
    )
    by_number: dict[int, SessionData] = {}
    sessions_dir = root / "sessions"
    folders = (
        sorted(p for p in sessions_dir.iterdir() if p.is_dir()) if sessions_dir.is_dir() else []
    )
    for folder in folders:
        path = folder / "session.md"
        meta, body = read_front_matter(path)
        f = _Fields(path, meta, {"number", "slug", "title"})
        number = f.integer("number", low=1, high=schedule.WEEKLY_SESSIONS)
        if number in by_number:
            raise CourseFormatError(path, "number", f"session {number} appears twice")
        exercises = _read_exercises(root, folder / "exercises")
        examples, examples_html = _read_examples(folder / "examples.md", exercises)
        session = SessionData(
            week=weeks[number],
            number=number,
            slug=f.slug(),
            title=f.text("title"),
            intro_html=render(body),
            exercises=exercises,
            examples=examples,
            examples_html=examples_html,
        )
        handout = folder / "handout.md"
        if handout.exists():
            meta, body = read_front_matter(handout)
            session.handout_title = _Fields(handout, meta, {"title"}).text("title")
            session.handout_html = render(body)
        by_number[number] = session
    missing = sorted(set(range(1, schedule.WEEKLY_SESSIONS + 1)) - set(by_number))
    if missing:
        raise CourseFormatError(
            sessions_dir,
            None,
            f"session(s) {', '.join(map(str, missing))} missing; expected 1-8 (one folder each)",
        )
    silent = root / "silent-day"
    meta, body = read_front_matter(silent / "preparation.md")
    course.preparation_title = _Fields(silent / "preparation.md", meta, {"title"}).text("title")
    course.preparation_html = render(body)
    meta, body = read_front_matter(silent / "session.md")
    f = _Fields(silent / "session.md", meta, {"title", "slug"})
    exercises = _read_exercises(root, silent / "exercises")
    examples, examples_html = _read_examples(silent / "examples.md", exercises)
    silent_session = SessionData(
        week=silent_day_week,
        number=None,
        slug=f.slug(),
        title=f.text("title"),
        intro_html=render(body),
        exercises=exercises,
        examples=examples,
        examples_html=examples_html,
    )
    slugs = [s.slug for s in by_number.values()] + [silent_session.slug]
    duplicates = sorted({s for s in slugs if slugs.count(s) > 1})
    if duplicates:
        raise CourseFormatError(root, "slug", f"session slug {duplicates[0]!r} is used twice")
    course.sessions = sorted([*by_number.values(), silent_session], key=lambda s: s.week)
    return course


@transaction.atomic
def upsert_course(data: CourseData) -> tuple[Course, bool]:
    """Write ``data``: the same slug and version is updated in place (rows keep their ids,
    so diaries stay linked), a new version becomes a new course. Returns (course, created)."""
    course, created = Course.objects.update_or_create(
        slug=data.slug,
        version=data.version,
        defaults={
            "title": data.title,
            "language": data.language,
            "demo": data.demo,
            "silent_day_week": data.silent_day_week,
            "feedback_note": data.feedback_note,
            "intro_html": data.intro_html,
            "preparation_title": data.preparation_title,
            "preparation_html": data.preparation_html,
            "source_dir": str(data.root),
        },
    )
    # Slugs may move between weeks: clear them first so the unique constraint holds.
    course.sessions.update(slug=_placeholder_slug())
    for session_data in data.sessions:
        session, _ = CourseSession.objects.update_or_create(
            course=course,
            week=session_data.week,
            defaults={
                "number": session_data.number,
                "slug": session_data.slug,
                "title": session_data.title,
                "intro_html": session_data.intro_html,
                "handout_title": session_data.handout_title,
                "handout_html": session_data.handout_html,
                "examples_html": session_data.examples_html,
            },
        )
        keep = [e.slug for e in session_data.exercises]
        session.exercises.exclude(slug__in=keep).delete()
        for order, exercise in enumerate(session_data.exercises, start=1):
            Exercise.objects.update_or_create(
                session=session,
                slug=exercise.slug,
                defaults={
                    "order": order,
                    "title": exercise.title,
                    "kind": exercise.kind,
                    "audio": exercise.audio,
                    "transcript": exercise.transcript,
                    "suggested_minutes": exercise.suggested_minutes,
                    "diary": exercise.diary,
                    "instructions_html": exercise.instructions_html,
                },
            )
        session.examples.all().delete()
        ExampleEntry.objects.bulk_create(
            ExampleEntry(session=session, order=order, **vars(example))
            for order, example in enumerate(session_data.examples, start=1)
        )
    return course, created


def _placeholder_slug() -> Any:
    """A per-row temporary slug (``tmp-<week>``) while slugs are rewritten."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Concat

    return Concat(Value("tmp-"), Cast("week", CharField()))


def load_course(root: Path) -> tuple[Course, bool]:
    """Read, check and upsert the course folder ``root``."""
    return upsert_course(read_course(root))

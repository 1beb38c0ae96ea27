"""``load_course``: checks a course folder, names the file and field of a problem, upserts."""

from __future__ import annotations

import codecs
import shutil
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from embct.platform.course.loader import CourseFormatError, load_course, read_course
from embct.platform.course.models import Course, Exercise
from support.testing import FIXTURE_COURSE


@pytest.fixture
def course_dir(tmp_path: Path) -> Path:
    return Path(shutil.copytree(FIXTURE_COURSE, tmp_path / "tiny"))


def test_it_reads_nine_sessions_with_the_silent_day_in_week_six() -> None:
    data = read_course(FIXTURE_COURSE)
    assert [s.week for s in data.sessions] == list(range(1, 10))
    assert [s.number for s in data.sessions] == [1, 2, 3, 4, 5, None, 6, 7, 8]
    assert data.sessions[5].slug == "silent-day"
    assert data.sessions[0].exercises[0].transcript == "Test audio. Breathe in. Breathe out."


def test_course_markdown_is_rendered_with_raw_html_escaped() -> None:
    data = read_course(FIXTURE_COURSE)
    html = data.sessions[0].intro_html
    assert "<strong>session 1</strong>" in html
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.django_db
def test_loading_twice_updates_in_place_and_keeps_ids() -> None:
    course, created = load_course(FIXTURE_COURSE)
    ids = set(Exercise.objects.values_list("pk", flat=True))
    again, created_again = load_course(FIXTURE_COURSE)
    assert (created, created_again) == (True, False)
    assert again.pk == course.pk
    assert set(Exercise.objects.values_list("pk", flat=True)) == ids
    assert course.sessions.count() == 9


@pytest.mark.django_db
def test_a_new_version_is_a_new_course(course_dir: Path) -> None:
    load_course(course_dir)
    meta = course_dir / "course.md"
    meta.write_text(meta.read_text().replace("version: 1", "version: 2"))
    load_course(course_dir)
    assert sorted(Course.objects.values_list("version", flat=True)) == [1, 2]
    assert Course.current().version == 2  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "course.md",
            "version: 1",
            "version: one",
            r"course.md: field 'version': expected a whole number",
        ),
        (
            "course.md",
            "demo: true",
            "demo: yes please",
            r"course.md: field 'demo': expected true or false",
        ),
        (
            "course.md",
            "language: en",
            "language: English",
            r"course.md: field 'language': 'English' is not a language code; expected a BCP 47",
        ),
        (
            "course.md",
            "language: en",
            "language: 31",
            r"course.md: field 'language': 31 is not a language code",
        ),
        (
            "course.md",
            "silent_day_week: 6",
            "silent_day_week: 12",
            r"field 'silent_day_week': 12 is outside 2-9",
        ),
        (
            "sessions/03/session.md",
            "number: 3",
            "number: 2",
            r"03/session.md: field 'number': session 2 appears twice",
        ),
        (
            "sessions/02/exercises/01-breath.md",
            "kind: formal",
            "kind: loud",
            r"01-breath.md: field 'kind': 'loud'",
        ),
        (
            "sessions/02/exercises/01-breath.md",
            "audio/breath.ogg",
            "audio/missing.ogg",
            r"field 'audio': 'audio/missing.ogg': no such file",
        ),
        (
            "sessions/02/exercises/01-breath.md",
            "audio/breath.ogg",
            "../../etc/passwd",
            r"field 'audio'",
        ),
        (
            "sessions/02/exercises/01-breath.md",
            "diary: true",
            "diary: true\nsugested: 3",
            r"field 'sugested': unknown field",
        ),
        (
            "sessions/04/examples.md",
            "exercise: breath-4",
            "exercise: nope",
            r"examples.md: field 'examples\[1\].exercise'",
        ),
        (
            "silent-day/session.md",
            "slug: silent-day",
            "slug: Silent Day",
            r"session.md: field 'slug': 'Silent Day' is not a slug",
        ),
    ],
)
def test_a_bad_field_is_named_with_its_file(
    course_dir: Path, file: str, old: str, new: str, message: str
) -> None:
    path = course_dir / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    with pytest.raises(CourseFormatError, match=message):
        read_course(course_dir)


@pytest.mark.parametrize(("given", "stored"), [("language: nl", "nl"), ("", "en")])
@pytest.mark.django_db
def test_the_course_language_is_stored_and_is_english_when_not_given(
    course_dir: Path, given: str, stored: str
) -> None:
    meta = course_dir / "course.md"
    meta.write_text(meta.read_text().replace("language: en\n", given and given + "\n"))
    course, _ = load_course(course_dir)
    assert Course.objects.get(pk=course.pk).language == stored


@pytest.mark.django_db
def test_the_command_refuses_a_bad_language_and_writes_nothing(course_dir: Path) -> None:
    meta = course_dir / "course.md"
    meta.write_text(meta.read_text().replace("language: en", "language: Nederlands"))
    with pytest.raises(CommandError, match=r"course.md: field 'language': 'Nederlands' is not"):
        call_command("load_course", str(course_dir))
    assert not Course.objects.exists()


def test_a_missing_session_is_named(course_dir: Path) -> None:
    shutil.rmtree(course_dir / "sessions" / "07")
    with pytest.raises(CourseFormatError, match=r"session\(s\) 7 missing"):
        read_course(course_dir)


def test_front_matter_must_be_closed(course_dir: Path) -> None:
    (course_dir / "course.md").write_text("---\nslug: x\n")
    with pytest.raises(CourseFormatError, match=r"course\.md: front matter is not closed"):
        read_course(course_dir)


@pytest.mark.parametrize(
    ("file", "encode", "message"),
    [
        (
            "course.md",
            lambda text: codecs.BOM_UTF8 + text.encode(),
            r"course\.md: starts with a UTF-8 byte-order mark; save it as UTF-8 without one",
        ),
        (
            "sessions/03/session.md",
            lambda text: text.encode("utf-16"),
            r"03/session\.md: starts with a UTF-16 byte-order mark",
        ),
        (
            "sessions/02/exercises/01-breath.md",
            lambda text: (text + "\nCaf\u00e9 na de oefening.\n").encode("cp1252"),
            r"01-breath\.md: is not UTF-8 text \(byte 0xe9 on line \d+\); save it as UTF-8",
        ),
    ],
)
def test_a_file_that_is_not_plain_utf8_is_named_with_what_is_wrong(
    course_dir: Path, file: str, encode: Callable[[str], bytes], message: str
) -> None:
    path = course_dir / file
    path.write_bytes(encode(path.read_text()))
    with pytest.raises(CourseFormatError, match=message):
        read_course(course_dir)


@pytest.mark.django_db
def test_a_transcript_that_is_not_utf8_is_named_by_the_command(course_dir: Path) -> None:
    transcript = next((course_dir / "audio").glob("*.txt"))
    transcript.write_bytes("Adem \u00e9\u00e9n keer in.".encode("latin-1"))
    with pytest.raises(CommandError, match=rf"{transcript.name}: is not UTF-8 text"):
        call_command("load_course", str(course_dir))
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_the_command_loads_a_folder_and_reports_it() -> None:
    out = StringIO()
    call_command("load_course", str(FIXTURE_COURSE), stdout=out)
    assert "Loaded course 'tiny-test' version 1: 9 sessions" in out.getvalue()
    assert Course.objects.get().sessions.count() == 9


@pytest.mark.django_db
def test_the_command_fails_clearly_and_writes_nothing(course_dir: Path) -> None:
    (course_dir / "sessions" / "08" / "session.md").unlink()
    with pytest.raises(CommandError, match=r"08/session.md: file is missing"):
        call_command("load_course", str(course_dir))
    assert not Course.objects.exists()


@pytest.mark.django_db
def test_the_shipped_demo_courses_english_and_dutch_load_by_default() -> None:
    out = StringIO()
    call_command("load_course", stdout=out)
    courses = {course.language: course for course in Course.objects.all()}
    assert sorted(courses) == ["en", "nl"]
    assert (courses["en"].slug, courses["nl"].slug) == ("demo", "demo-nl")
    for course in courses.values():
        assert course.demo
        assert course.sessions.count() == 9
        exercises = Exercise.objects.filter(session__course=course).exclude(audio="")
        assert exercises.count() >= 9
        for exercise in exercises:
            assert course.file(exercise.audio) is not None, exercise.audio
    assert "Loaded course 'demo' version 1: 9 sessions in 'en'" in out.getvalue()
    assert "Loaded course 'demo-nl' version 1: 9 sessions in 'nl'" in out.getvalue()
    call_command("load_course", stdout=StringIO())  # again: updated in place, nothing new
    assert Course.objects.count() == 2


@pytest.mark.django_db
def test_without_a_path_a_bad_shipped_course_loads_none(tmp_path: Path, monkeypatch: Any) -> None:
    from embct.platform.course.management.commands import load_course as command

    shutil.copytree(FIXTURE_COURSE, tmp_path / "a-good")
    bad = Path(shutil.copytree(FIXTURE_COURSE, tmp_path / "b-bad"))
    (bad / "course.md").write_text((bad / "course.md").read_text().replace("tiny-test", "x y"))
    monkeypatch.setattr(command, "DEMO_COURSE", tmp_path)
    with pytest.raises(CommandError, match=r"b-bad/course\.md: field 'slug'"):
        call_command("load_course")
    assert not Course.objects.exists()

"""The demo courses' files follow the course format (docs/course-content.md): the English
demo course (``demo``) and the Dutch one (``demo-nl``), each test run on both.

Plain Python and PyYAML only: these tests read the files as a clinic's own course would be
read, without Django, sox or espeak-ng.
"""

from __future__ import annotations

import importlib.util
import re
import struct
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
CONTENT = REPO / "src" / "embct" / "platform" / "course_content"
COURSES = [CONTENT / "demo", CONTENT / "demo-nl"]
SCRIPT = REPO / "scripts" / "make_demo_audio.py"

OPENING = "This is demo audio for the embct demo course."
#: What each course says in its own language: the transcripts' opening sentence, the demo
#: label of course.md, the feedback note's "weekday", the examples' authors and text.
LABELS = {
    "en": {
        "opening": OPENING,
        "slug": "demo",
        "title": "embct demo course",
        "demo": ("demo content", "written for the embct project", "not a clinical protocol"),
        "weekday": "weekday",
        "author": r"Fictional participant [A-Z]",
        "made_up": "made up",
    },
    "nl": {
        "opening": "Dit is demo-audio voor de embct-democursus.",
        "slug": "demo-nl",
        "title": "embct-democursus",
        "demo": ("demo-inhoud", "geschreven voor het embct-project", "geen klinisch protocol"),
        "weekday": "weekdag",
        "author": r"Fictieve deelnemer [A-Z]",
        "made_up": "verzonnen",
    },
}
EXERCISE_KEYS = {"slug", "title", "kind", "audio", "transcript", "suggested_minutes", "diary"}
EXAMPLE_KEYS = {"author", "exercise", "minutes", "body", "thoughts", "feelings", "note"}
KINDS = {"formal", "informal", "other"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
EXERCISE_FILE = re.compile(r"^(\d\d)-([a-z0-9-]+)\.md$")

MIN_SECONDS, MAX_SECONDS = 30.0, 90.0
MAX_AUDIO_FILE_BYTES = 200 * 1024
MAX_AUDIO_TOTAL_BYTES = 5 * 1024 * 1024
# "Short texts for tired readers": word limits per kind of text.
MAX_WORDS = {"course": 300, "session": 200, "exercise": 130, "handout": 160, "examples": 60}


def front_matter(path: Path) -> tuple[dict[str, Any], str]:
    """Split ``path`` into its YAML front matter (a mapping) and its Markdown body."""
    text = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", text, re.DOTALL)
    assert match, f"{path}: no front matter between --- lines at the top"
    meta = yaml.safe_load(match.group(1))
    assert isinstance(meta, dict), f"{path}: front matter is not a mapping"
    return meta, match.group(2).strip()


def ogg_vorbis_info(data: bytes) -> tuple[int, int, float]:
    """Channels, sample rate and duration (s) of an Ogg Vorbis file, from its pages.

    The identification header on the first page gives channels and rate; the granule
    position of the last page (flagged end-of-stream) is the number of samples.
    """
    pos, first, last_granule, ended = 0, b"", -1, False
    while pos < len(data):
        if data[pos : pos + 4] != b"OggS":
            raise ValueError(f"no Ogg page at byte {pos}")
        header_type, granule = struct.unpack_from("<Bq", data, pos + 5)
        segments = data[pos + 26]
        table = data[pos + 27 : pos + 27 + segments]
        payload_start = pos + 27 + segments
        if pos == 0:
            first = data[payload_start : payload_start + sum(table)]
        last_granule, ended = granule, bool(header_type & 0x04)
        pos = payload_start + sum(table)
    if not first.startswith(b"\x01vorbis") or not ended:
        raise ValueError("not a complete Ogg Vorbis stream")
    channels, rate = struct.unpack_from("<BI", first, 11)
    return channels, rate, last_granule / rate


def weekly_sessions(course: Path) -> list[Path]:
    return sorted(p for p in (course / "sessions").iterdir() if p.is_dir())


def exercise_files(course: Path) -> list[Path]:
    return sorted(course.glob("sessions/*/exercises/*.md")) + sorted(
        course.glob("silent-day/exercises/*.md")
    )


def course_of(path: Path) -> Path:
    """The demo course folder that holds ``path``."""
    return next(course for course in COURSES if path.is_relative_to(course))


def labels(course: Path) -> dict[str, Any]:
    return LABELS[front_matter(course / "course.md")[0]["language"]]


def ident(path: Path) -> str:
    """A test id: the course folder, then where in it (``demo-nl/sessions-03``)."""
    return f"{course_of(path).name}/{'-'.join(path.relative_to(course_of(path)).parts)}"


def every(pattern: str) -> list[Path]:
    return [p for course in COURSES for p in sorted(course.glob(pattern))]


def all_weekly_sessions() -> list[Path]:
    return [folder for course in COURSES for folder in weekly_sessions(course)]


def all_exercise_files() -> list[Path]:
    return [path for course in COURSES for path in exercise_files(course)]


each_course = pytest.mark.parametrize("course", COURSES, ids=lambda p: p.name)


def words(text: str) -> int:
    return len(text.split())


@pytest.mark.parametrize("path", every("**/*.md"), ids=ident)
def test_every_markdown_file_has_loadable_front_matter_and_a_body(path: Path) -> None:
    meta, body = front_matter(path)
    assert meta
    if path.name != "examples.md":
        assert body, f"{path}: empty body"


@pytest.mark.parametrize(("course", "language"), [(COURSES[0], "en"), (COURSES[1], "nl")])
def test_course_is_labelled_as_demo_content_in_its_language(course: Path, language: str) -> None:
    meta, body = front_matter(course / "course.md")
    said = LABELS[language]
    assert meta["slug"] == said["slug"]
    assert meta["title"] == said["title"]
    assert meta["version"] == 1
    assert meta["language"] == language
    assert meta["demo"] is True
    assert meta["silent_day_week"] == 6
    assert isinstance(meta["feedback_note"], str)
    assert said["weekday"] in meta["feedback_note"]
    for words_said in said["demo"]:
        assert words_said in body
    assert words(body) <= MAX_WORDS["course"]


def test_the_two_demo_courses_have_the_same_structure() -> None:
    """Session for session the same kinds of exercise, minutes and diaries; the same silent
    day; each audio file of one has its counterpart in the other (in the same order)."""

    def shape(course: Path) -> list[tuple[str, ...]]:
        out = []
        for path in exercise_files(course):
            meta, _ = front_matter(path)
            where = path.parent.parent.relative_to(course).as_posix()
            audio = meta.get("audio", "")
            out.append(
                (where, path.name[:2], meta["kind"], str(meta["suggested_minutes"]),
                 str(meta["diary"]), str(bool(audio)))
            )  # fmt: skip
        return out

    english, dutch = COURSES
    assert shape(english) == shape(dutch)
    assert len(list(english.glob("audio/*"))) == len(list(dutch.glob("audio/*")))
    for name in ("silent_day_week", "version", "demo"):
        assert (
            front_matter(english / "course.md")[0][name]
            == (front_matter(dutch / "course.md")[0][name])
        )


@each_course
def test_it_has_eight_weekly_sessions_numbered_one_to_eight(course: Path) -> None:
    folders = weekly_sessions(course)
    numbers, slugs = [], []
    for folder in folders:
        meta, body = front_matter(folder / "session.md")
        assert type(meta["number"]) is int
        assert folder.name == f"{meta['number']:02d}", "folder name must match the number"
        assert SLUG.match(meta["slug"]), meta["slug"]
        assert isinstance(meta["title"], str)
        assert meta["title"]
        assert words(body) <= MAX_WORDS["session"], f"{folder}: introduction too long"
        numbers.append(meta["number"])
        slugs.append(meta["slug"])
    assert numbers == list(range(1, 9))
    assert len(set(slugs)) == len(slugs)


@pytest.mark.parametrize("folder", all_weekly_sessions(), ids=ident)
def test_each_week_has_one_or_two_formal_and_one_informal_exercise_with_a_diary(
    folder: Path,
) -> None:
    kinds = [front_matter(p)[0]["kind"] for p in sorted(folder.glob("exercises/*.md"))]
    assert 1 <= kinds.count("formal") <= 2
    assert kinds.count("informal") == 1
    assert all(front_matter(p)[0]["diary"] is True for p in folder.glob("exercises/*.md"))


@pytest.mark.parametrize("path", all_exercise_files(), ids=ident)
def test_exercise_front_matter_is_complete_and_typed(path: Path) -> None:
    course = course_of(path)
    meta, body = front_matter(path)
    assert set(meta) <= EXERCISE_KEYS, f"unknown keys {set(meta) - EXERCISE_KEYS}"
    name = EXERCISE_FILE.match(path.name)
    assert name, f"{path.name}: expected NN-<slug>.md"
    assert meta["slug"] == name.group(2)
    assert SLUG.match(meta["slug"])
    assert isinstance(meta["title"], str)
    assert meta["title"]
    assert meta["kind"] in KINDS
    assert type(meta["suggested_minutes"]) is int
    assert 1 <= meta["suggested_minutes"] <= 60
    assert type(meta["diary"]) is bool
    if "audio" in meta:
        assert "transcript" in meta, "an exercise with audio needs its transcript"
        assert re.fullmatch(r"audio/[a-z0-9-]+\.ogg", meta["audio"])
        assert meta["transcript"] == meta["audio"].removesuffix(".ogg") + ".txt"
        assert (course / meta["audio"]).is_file()
        assert (course / meta["transcript"]).is_file()
    else:
        assert "transcript" not in meta
    assert words(body) <= MAX_WORDS["exercise"], f"{path}: instructions too long"


@each_course
def test_exercise_slugs_and_numbers_are_unique_within_a_session(course: Path) -> None:
    for folder in [*weekly_sessions(course), course / "silent-day"]:
        files = sorted(folder.glob("exercises/*.md"))
        assert files, f"{folder}: no exercises"
        prefixes = [p.name[:2] for p in files]
        assert prefixes == [f"{i:02d}" for i in range(1, len(files) + 1)]
        slugs = [front_matter(p)[0]["slug"] for p in files]
        assert len(set(slugs)) == len(slugs)


@each_course
def test_every_audio_file_and_transcript_is_referenced_and_paired(course: Path) -> None:
    referenced = set()
    for path in exercise_files(course):
        meta, _ = front_matter(path)
        referenced.update(meta[key] for key in ("audio", "transcript") if key in meta)
    # ... and beside each recording the same as MP3, for browsers without Ogg (course.media)
    referenced |= {name[: -len(".ogg")] + ".mp3" for name in referenced if name.endswith(".ogg")}
    on_disk = {f"audio/{p.name}" for p in (course / "audio").iterdir()}
    assert on_disk == referenced
    assert all(name.endswith((".ogg", ".mp3", ".txt")) for name in on_disk)


@pytest.mark.parametrize("path", every("audio/*.txt"), ids=ident)
def test_transcript_opens_with_the_demo_sentence_in_its_language(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(labels(course_of(path))["opening"] + "\n")
    assert len(text.split("\n\n")) >= 4, "paragraphs give the listener pauses"


@pytest.mark.parametrize("path", every("audio/*.ogg"), ids=ident)
def test_audio_is_short_mono_vorbis(path: Path) -> None:
    data = path.read_bytes()
    channels, rate, seconds = ogg_vorbis_info(data)
    assert channels == 1
    assert 8000 <= rate <= 24000
    assert MIN_SECONDS <= seconds <= MAX_SECONDS
    assert len(data) <= MAX_AUDIO_FILE_BYTES
    assert len(data) * 8 / seconds <= 32_000, "bit rate above 32 kbit/s"


@each_course
def test_all_audio_together_stays_small(course: Path) -> None:
    total = sum(p.stat().st_size for p in course.glob("audio/*"))
    assert 0 < total <= MAX_AUDIO_TOTAL_BYTES


def test_ogg_reader_rejects_a_file_that_is_not_ogg() -> None:
    with pytest.raises(ValueError, match="no Ogg page at byte 0"):
        ogg_vorbis_info(b"RIFF....WAVEfmt ")


@pytest.mark.parametrize("folder", all_weekly_sessions(), ids=ident)
def test_examples_are_fictional_and_point_at_exercises_of_their_session(folder: Path) -> None:
    said = labels(course_of(folder))
    meta, body = front_matter(folder / "examples.md")
    assert set(meta) == {"examples"}
    examples = meta["examples"]
    assert 2 <= len(examples) <= 3
    slugs = {front_matter(p)[0]["slug"] for p in folder.glob("exercises/*.md")}
    for example in examples:
        assert set(example) == EXAMPLE_KEYS
        assert re.fullmatch(said["author"], example["author"])
        assert example["exercise"] in slugs
        assert type(example["minutes"]) is int
        assert 1 <= example["minutes"] <= 120
        for key in ("body", "thoughts", "feelings", "note"):
            assert isinstance(example[key], str)
            assert example[key].strip()
            assert words(example[key]) <= MAX_WORDS["examples"]
    assert said["made_up"] in body


@pytest.mark.parametrize("folder", all_weekly_sessions(), ids=ident)
def test_each_week_has_a_short_handout(folder: Path) -> None:
    meta, body = front_matter(folder / "handout.md")
    assert set(meta) == {"title"}
    assert isinstance(meta["title"], str)
    assert meta["title"]
    assert words(body) <= MAX_WORDS["handout"]


@each_course
def test_silent_day_has_preparation_programme_and_exercises(course: Path) -> None:
    prep, prep_body = front_matter(course / "silent-day" / "preparation.md")
    assert isinstance(prep["title"], str)
    assert prep_body
    assert words(prep_body) <= MAX_WORDS["course"]
    day, day_body = front_matter(course / "silent-day" / "session.md")
    assert day["slug"] == "silent-day"
    assert isinstance(day["title"], str)
    assert day_body
    kinds = [front_matter(p)[0]["kind"] for p in course.glob("silent-day/exercises/*.md")]
    assert "formal" in kinds


@each_course
def test_every_file_in_the_course_is_part_of_the_format(course: Path) -> None:
    expected = {"course.md", "silent-day/preparation.md", "silent-day/session.md"}
    for folder in weekly_sessions(course):
        for name in ("session.md", "examples.md", "handout.md"):
            expected.add(f"sessions/{folder.name}/{name}")
    expected.update(str(p.relative_to(course)) for p in exercise_files(course))
    expected.update(str(p.relative_to(course)) for p in course.glob("audio/*"))
    on_disk = {str(p.relative_to(course)) for p in course.rglob("*") if p.is_file()}
    assert on_disk == expected


#: The informal pronouns of Dutch, as whole words. The Dutch demo course addresses the patient
#: with "u", as the platform's Dutch interface, the demo therapist and Dutch hospital care do.
INFORMAL = re.compile(r"\b(?:je|jij|jou|jouw|jouwe|jezelf|jijzelf|jullie)\b", re.IGNORECASE)
#: Quoted speech, where a person may say "je" (double quotes, straight or typographic; single
#: quotes are left alone, since Dutch writes 's ochtends with an apostrophe).
QUOTED = re.compile(r'"[^"]*"|“[^”]*”|„[^”“]*[”“]')
#: Front-matter keys that hold identifiers or paths, not text a patient reads.
NOT_TEXT = {"slug", "exercise", "audio", "transcript"}


def informal_words(text: str) -> list[str]:
    """The informal pronouns ``text`` uses outside quoted speech."""
    return INFORMAL.findall(QUOTED.sub(" ", text))


def readable_texts(path: Path) -> list[str]:
    """What a patient reads or hears of ``path``: a transcript whole; of a Markdown file its
    body and its front matter's texts (titles, the feedback note, the examples' fields)."""
    if path.suffix == ".txt":
        return [path.read_text(encoding="utf-8")]
    meta, body = front_matter(path)
    texts = [body]
    for key, value in meta.items():
        if isinstance(value, str) and key not in NOT_TEXT:
            texts.append(value)
        if key == "examples":
            texts += [v for entry in value for k, v in entry.items() if k not in NOT_TEXT]
    return [str(text) for text in texts]


def test_the_informal_check_finds_je_outside_quotes_only() -> None:
    assert informal_words("Kun je dat voelen? Jouw adem, JIJ en jullie.") == [
        "je", "Jouw", "JIJ", "jullie"
    ]  # fmt: skip
    assert informal_words('Zeg tegen uzelf: "Dank je." Merkt u het?') == []
    assert informal_words("Wat merkt u op in de jeugd van uw tijd, bij uw jas?") == []
    assert informal_words("Rust, zoals jezelf \u201cje\u201d noemt") == ["jezelf"]


@pytest.mark.parametrize(
    "path", sorted(COURSES[1].glob("**/*.md")) + sorted(COURSES[1].glob("audio/*.txt")), ids=ident
)
def test_the_dutch_course_addresses_the_patient_with_u(path: Path) -> None:
    """Not "je": a Dutch page of the platform says "u" throughout, and so does the course."""
    found = [(text[:40], informal_words(text)) for text in readable_texts(path)]
    assert [f for f in found if f[1]] == [], f"{path}: informal pronouns outside quoted speech"


def load_audio_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_demo_audio", SCRIPT)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_audio_script_speaks_paragraphs_with_the_project_name_spelled_out(
    tmp_path: Path,
) -> None:
    script = load_audio_script()
    transcript = tmp_path / "x.txt"
    transcript.write_text(OPENING + "\n\nBreathe in.\nBreathe out.\n\n\nRest.\n")
    assert script.paragraphs(transcript) == [
        "This is demo audio for the E M B C T demo course.",
        "Breathe in. Breathe out.",
        "Rest.",
    ]


def test_audio_script_refuses_a_transcript_without_the_demo_sentence(tmp_path: Path) -> None:
    script = load_audio_script()
    transcript = tmp_path / "x.txt"
    transcript.write_text("Breathe in.\n")
    with pytest.raises(script.AudioError, match="must begin with"):
        script.paragraphs(transcript)


def test_audio_script_speaks_a_dutch_transcript_with_the_dutch_voice(tmp_path: Path) -> None:
    script = load_audio_script()
    transcript = tmp_path / "x.txt"
    transcript.write_text("Dit is demo-audio voor de embct-democursus.\n\nAdem in.\n")
    assert script.paragraphs(transcript, "nl") == [
        "Dit is demo-audio voor de E M B C T-democursus.",
        "Adem in.",
    ]
    assert script.VOICES[script.voice_language("nl-BE")].startswith("nl")
    # each language's transcripts open with that language's sentence
    with pytest.raises(script.AudioError, match="must begin with 'This is demo audio"):
        script.paragraphs(transcript, "en")
    english = _write(tmp_path / "y.txt", OPENING + "\n\nBreathe.\n")
    with pytest.raises(script.AudioError, match="must begin with 'Dit is demo-audio"):
        script.paragraphs(english, "nl")
    with pytest.raises(script.AudioError, match="no voice for language 'de'"):
        script.voice_language("de")


def test_audio_script_reads_the_voice_language_from_the_course() -> None:
    script = load_audio_script()
    assert [script.course_language(course) for course in COURSES] == ["en", "nl"]


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

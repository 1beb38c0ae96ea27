"""The course's texts agree with the calendar the platform runs (`embct.trial.course_calendar`).

Every text of a course folder (course, sessions, handouts, examples, exercises, their audio
transcripts, the silent day and its preparation) is read for what it says about weeks and
sessions, in words and digits, in English and in Dutch, and each claim is checked against the
calendar of the course's own ``silent_day_week``:

- "Welcome to the seventh week" / "Welkom in de zevende week", "Week 7 at home" / "Week 7
  thuis" (a handout's title) and "the ninth and last week" / "de negende en laatste week" in a
  session's texts name the week that session opens in (and "last" only the last week);
- "between sessions 5 and 6" / "tussen sessie 5 en 6" (or "tussen de sessies 5 en 6") in the
  silent day's texts names the weekly sessions just before and after its week;
- "(week 4)" in a session's texts points back to an earlier week with a weekly session;
- "the silent day ... week 6" / "de stiltedag ... week 6" names the silent day's week, "the
  silent day this week" / "deze week" is said only in its week, "next week" / "volgende week"
  only in the week before it (or in its preparation, released at the end of that week);
- "nine parts" / "negen delen" and "eight weekly sessions" / "acht wekelijkse sessies" count
  the calendar's sessions; "session 9" / "sessie 9" is no weekly session.

Plain Python and PyYAML, like tests/platform/course/test_demo_content.py: a clinic's own
course folder is checked the same way (:func:`calendar_mistakes`).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
import yaml

from embct import trial
from embct.trial.course import CourseCalendar, SessionKind

REPO = Path(__file__).resolve().parents[3]
COURSES = REPO / "src" / "embct" / "platform" / "course_content"

_WORDS = {
    "ordinal": (
        "first second third fourth fifth sixth seventh eighth ninth tenth",
        "eerste tweede derde vierde vijfde zesde zevende achtste negende tiende",
    ),
    "cardinal": (
        "one two three four five six seven eight nine ten",
        "een twee drie vier vijf zes zeven acht negen tien",
    ),
}
ORDINALS = {w: n for words in _WORDS["ordinal"] for n, w in enumerate(words.split(), 1)}
CARDINALS = {w: n for words in _WORDS["cardinal"] for n, w in enumerate(words.split(), 1)}
_ORD = "|".join(ORDINALS)
_NUM = r"\d+|" + "|".join(CARDINALS)

_SILENT = r"(?:silent day|stiltedag)"
WELCOME = re.compile(
    rf"\b(?:welcome to|welkom in) (?:the |de )?({_ORD})(?: (?:and|en) (?:last|laatste))? week\b",
    re.I,
)
ORDINAL_LAST = re.compile(rf"\b(?:the|de) ({_ORD}) (?:and|en) (?:last|laatste) week\b", re.I)
WEEK_AT_HOME = re.compile(r"^week (\d+)\b", re.I)
BETWEEN = re.compile(
    r"\b(?:between|tussen) (?:the |de )?(?:weekly |wekelijkse )?(?:sessions?|sessies?) "
    r"(\d+) (?:and|en) (?:session |sessie )?(\d+)\b",
    re.I,
)
WEEK_REFERENCE = re.compile(r"\(week (\d+)\)", re.I)
SILENT_WEEK = re.compile(rf"\b{_SILENT}\b[^.]{{0,60}}?\bweek (\d+)\b", re.I)
SILENT_THIS_WEEK = re.compile(
    rf"\b{_SILENT}\b[^.]{{0,60}}?\b(this|next|deze|volgende) week\b"
    rf"|\b(next|volgende) week\b[^.]{{0,60}}?\b{_SILENT}\b"
    rf"|\b(?:the week of the silent day|de week van de stiltedag)\b()",
    re.I,
)
PARTS = re.compile(rf"\b({_NUM}) (?:parts|delen)\b", re.I)
WEEKLY_COUNT = re.compile(rf"\b({_NUM}) (?:weekly sessions|wekelijkse sessies)\b", re.I)
SESSION_NUMBER = re.compile(r"\b(?:session|sessie) (\d+)\b", re.I)


@dataclasses.dataclass(frozen=True)
class Text:
    """One file's text and the session it belongs to (None: the whole course). ``first``: the
    file's line number of the text's first line."""

    path: Path
    text: str
    title: str
    session: trial.CourseSession | None
    preparation: bool = False
    first: int = 1

    def paragraphs(self) -> list[tuple[str, str]]:
        """(where, text) of the title and of each paragraph, its lines joined (a claim may
        be wrapped over two lines); where is ``title`` or the paragraph's first line."""
        out = [("title", self.title)] if self.title else []
        start, lines = None, []
        for number, line in enumerate([*self.text.splitlines(), ""], self.first):
            if line.strip():
                start = number if start is None else start
                lines.append(line.strip())
            elif lines:
                out.append((str(start), " ".join(lines)))
                start, lines = None, []
        return out


def _read(path: Path) -> tuple[dict[str, object], str, int]:
    raw = path.read_text(encoding="utf-8")
    match = re.match(r"\A---\n(.*?)\n---\n(.*)\Z", raw, re.DOTALL)
    if not match:
        return {}, raw, 1
    meta = yaml.safe_load(match.group(1)) or {}
    return meta, match.group(2), match.group(1).count("\n") + 4


def _texts_of(folder: Path, root: Path, session: trial.CourseSession) -> list[Text]:
    out = []
    for path in sorted(folder.rglob("*.md")):
        meta, body, first = _read(path)
        preparation = path.name == "preparation.md"
        out.append(Text(path, body, str(meta.get("title", "")), session, preparation, first))
        transcript = meta.get("transcript")
        if isinstance(transcript, str) and (root / transcript).is_file():
            out.append(Text(root / transcript, (root / transcript).read_text("utf-8"), "", session))
        if path.name == "examples.md":
            out.append(Text(path, yaml.safe_dump(meta, allow_unicode=True), "", session))
    return out


def course_texts(root: Path) -> tuple[CourseCalendar, list[Text]]:
    """The calendar of the course at ``root`` (its ``silent_day_week``) and all its texts."""
    meta, intro, first = _read(root / "course.md")
    silent_day_week = int(str(meta.get("silent_day_week", 6)))
    protocol = dataclasses.replace(trial.DEFAULT_PROTOCOL, silent_day_week=silent_day_week)
    calendar = trial.course_calendar(date(2026, 1, 5), protocol)
    note = str(meta.get("feedback_note", ""))
    texts = [Text(root / "course.md", intro, "", None, first=first)]
    texts.append(Text(root / "course.md", note, "", None, first=1))
    for session in calendar.sessions:
        if session.kind is SessionKind.SILENT_DAY:
            texts += _texts_of(root / "silent-day", root, session)
        else:
            texts += _texts_of(root / "sessions" / f"{session.weekly_number:02d}", root, session)
    return calendar, texts


def _number(word: str) -> int:
    word = word.lower()
    return int(word) if word.isdigit() else ORDINALS.get(word) or CARDINALS[word]


def _week_of_weekly(calendar: CourseCalendar, number: int) -> int | None:
    return next((s.week for s in calendar.sessions if s.weekly_number == number), None)


def calendar_mistakes(root: Path) -> list[str]:
    """``file:line: what the text says; what the calendar says`` for every claim about weeks
    and sessions in the course at ``root`` that the calendar contradicts."""
    calendar, texts = course_texts(root)
    last_week = calendar.sessions[-1].week
    silent = calendar.silent_day.week
    weekly = [s for s in calendar.sessions if s.kind is SessionKind.WEEKLY]
    mistakes = []
    for item in texts:
        where = item.path.relative_to(root)
        session = item.session
        # The week a text is read in: its session's; a preparation's, the week before the day.
        week = None if session is None else session.week - (1 if item.preparation else 0)
        name = (
            "the silent day"
            if session and session.weekly_number is None
            else (f"session {session.weekly_number}" if session else "the course")
        )
        for line_no, line in item.paragraphs():
            at = f"{where}:{line_no}"
            m = WEEK_AT_HOME.match(line) if line_no == "title" else None
            if m and week is not None and int(m.group(1)) != week:
                mistakes.append(f"{at}: {line!r}; {name} opens in week {week}")
            for m in WELCOME.finditer(line):
                said = _number(m.group(1))
                if week is not None and said != week:
                    mistakes.append(f"{at}: {m.group(0)!r}; {name} opens in week {week}")
            for m in ORDINAL_LAST.finditer(line):
                if _number(m.group(1)) != last_week:
                    mistakes.append(f"{at}: {m.group(0)!r}; the last week is week {last_week}")
            for m in BETWEEN.finditer(line):
                before, after = (_week_of_weekly(calendar, int(g)) for g in m.groups())
                if (before, after) != (silent - 1, silent + 1):
                    around = [s.weekly_number for s in weekly if s.week in (silent - 1, silent + 1)]
                    mistakes.append(
                        f"{at}: {m.group(0)!r}; the silent day (week {silent}) lies between "
                        f"sessions {around[0]} and {around[1]}"
                    )
            for m in WEEK_REFERENCE.finditer(line):
                referred = int(m.group(1))
                if week is not None and not (
                    referred < week and any(s.week == referred for s in weekly)
                ):
                    mistakes.append(
                        f"{at}: {m.group(0)!r}; not an earlier week with a weekly session "
                        f"({name} is in week {week})"
                    )
            for m in SILENT_WEEK.finditer(line):
                if int(m.group(1)) != silent:
                    mistakes.append(f"{at}: {m.group(0)!r}; the silent day is in week {silent}")
            for m in SILENT_THIS_WEEK.finditer(line):
                when = (m.group(1) or m.group(2) or "this").lower()
                expected = silent if when in ("this", "deze") else silent - 1
                if week is not None and week != expected:
                    mistakes.append(
                        f"{at}: {m.group(0)!r}; the silent day is in week {silent}, "
                        f"{name} in week {week}"
                    )
            for m in PARTS.finditer(line):
                if _number(m.group(1)) != len(calendar.sessions):
                    mistakes.append(
                        f"{at}: {m.group(0)!r}; the course has {len(calendar.sessions)} sessions"
                    )
            for m in WEEKLY_COUNT.finditer(line):
                if _number(m.group(1)) != len(weekly):
                    mistakes.append(f"{at}: {m.group(0)!r}; {len(weekly)} weekly sessions")
            for m in SESSION_NUMBER.finditer(line):
                if not 1 <= int(m.group(1)) <= len(weekly):
                    mistakes.append(f"{at}: {m.group(0)!r}; weekly sessions are 1-{len(weekly)}")
    return mistakes


def course_folders() -> list[Path]:
    return sorted(path.parent for path in COURSES.glob("*/course.md"))


@pytest.mark.parametrize("root", course_folders(), ids=lambda p: p.name)
def test_every_course_text_agrees_with_the_calendar(root: Path) -> None:
    assert calendar_mistakes(root) == []


def test_the_demo_course_says_the_right_weeks_where_it_matters() -> None:
    calendar, texts = course_texts(COURSES / "demo")
    by_path = {t.path.relative_to(COURSES / "demo").as_posix(): t for t in texts}
    assert "between weekly sessions 5 and 6" in by_path["silent-day/session.md"].text
    assert "ninth and last week" in by_path["sessions/08/session.md"].text
    assert (calendar.sessions[-1].weekly_number, calendar.sessions[-1].week) == (8, 9)


def test_the_dutch_demo_course_says_the_right_weeks_where_it_matters() -> None:
    calendar, texts = course_texts(COURSES / "demo-nl")
    by_path = {t.path.relative_to(COURSES / "demo-nl").as_posix(): t for t in texts}
    assert "in week 6, tussen sessie 5 en 6" in by_path["silent-day/session.md"].text
    assert "negende en laatste week" in by_path["sessions/08/session.md"].text
    assert "Welkom in de zevende week" in by_path["sessions/06/session.md"].text
    assert by_path["sessions/07/handout.md"].title.startswith("Week 8 thuis")
    assert "De stiltedag is volgende week" in by_path["sessions/05/handout.md"].text
    assert "negen delen: acht wekelijkse sessies" in texts[0].text  # course.md's introduction
    assert calendar.silent_day.week == 6


def test_both_demo_courses_are_read_by_the_calendar_check() -> None:
    assert {"demo", "demo-nl"} <= {p.name for p in course_folders()}


@pytest.fixture
def course(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    shutil.copytree(COURSES / "demo", root, ignore=shutil.ignore_patterns("*.ogg", "*.mp3"))
    return root


@pytest.fixture
def dutch_course(tmp_path: Path) -> Path:
    root = tmp_path / "cursus"
    shutil.copytree(COURSES / "demo-nl", root, ignore=shutil.ignore_patterns("*.ogg", "*.mp3"))
    return root


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.mark.parametrize(
    ("file", "old", "new", "reported"),
    [
        (
            "silent-day/session.md",
            "between weekly sessions 5 and 6",
            "between weekly sessions 6 and 7",
            "silent-day/session.md:5: 'between weekly sessions 6 and 7'; the silent day (week 6) "
            "lies between sessions 5 and 6",
        ),
        (
            "sessions/08/session.md",
            "ninth and last week",
            "eighth and last week",
            "sessions/08/session.md:6: 'Welcome to the eighth and last week'; session 8 opens in "
            "week 9",
        ),
        (
            "sessions/07/handout.md",
            "Week 8 at home",
            "Week 7 at home",
            "sessions/07/handout.md:title: 'Week 7 at home: taking care on hard days'; session 7 "
            "opens in week 8",
        ),
        (
            "sessions/06/session.md",
            "Welcome to the seventh week",
            "Welkom in de zesde week",
            "sessions/06/session.md:6: 'Welkom in de zesde week'; session 6 opens in week 7",
        ),
        (
            "silent-day/session.md",
            "(week 4)",
            "(week 7)",
            "silent-day/session.md:9: '(week 7)'; not an earlier week with a weekly session",
        ),
        (
            "sessions/05/session.md",
            "falls in\nweek 6",
            "falls in week 7",
            "the silent day is in week 6",
        ),
        (
            "sessions/06/handout.md",
            "## A tip",
            "The silent day is this week.\n\n## A tip",
            "'silent day is this week'; the silent day is in week 6, session 6 in week 7",
        ),
        (
            "course.md",
            "nine parts",
            "negen delen en acht wekelijkse sessies, or ten parts",
            "course.md:16: 'ten parts'; the course has 9 sessions",
        ),
        (
            "course.md",
            "eight weekly sessions",
            "seven weekly sessions",
            "'seven weekly sessions'; 8 weekly sessions",
        ),
        (
            "sessions/03/handout.md",
            "## Practice for this week",
            "Sessie 9 is next.\n\n## Practice for this week",
            "'Sessie 9'; weekly sessions are 1-8",
        ),
    ],
)
def test_the_checker_reports_each_kind_of_mistake(
    course: Path, file: str, old: str, new: str, reported: str
) -> None:
    assert calendar_mistakes(course) == []
    rewrite(course / file, old, new)
    mistakes = calendar_mistakes(course)
    assert any(reported in line for line in mistakes), mistakes


@pytest.mark.parametrize(
    ("file", "old", "new", "reported"),
    [
        (
            "silent-day/session.md",
            "tussen sessie 5 en 6",
            "tussen sessie 6 en 7",
            "silent-day/session.md:5: 'tussen sessie 6 en 7'; the silent day (week 6) lies "
            "between sessions 5 and 6",
        ),
        (
            "sessions/08/session.md",
            "negende en laatste week",
            "achtste en laatste week",
            "sessions/08/session.md:6: 'Welkom in de achtste en laatste week'; session 8 opens "
            "in week 9",
        ),
        (
            "sessions/07/handout.md",
            "Week 8 thuis",
            "Week 7 thuis",
            "sessions/07/handout.md:title: 'Week 7 thuis: goed voor uzelf zorgen op zware "
            "dagen'; session 7 opens in week 8",
        ),
        (
            "sessions/06/session.md",
            "Welkom in de zevende week",
            "Welkom in de zesde week",
            "sessions/06/session.md:6: 'Welkom in de zesde week'; session 6 opens in week 7",
        ),
        (
            "sessions/05/session.md",
            "die in week 6 valt",
            "die in week 7 valt",
            "the silent day is in week 6",
        ),
        (
            "sessions/04/handout.md",
            "## Een tip",
            "De stiltedag is volgende week.\n\n## Een tip",
            "'stiltedag is volgende week'; the silent day is in week 6, session 4 in week 4",
        ),
        (
            "course.md",
            "negen delen",
            "tien delen",
            "course.md:16: 'tien delen'; the course has 9 sessions",
        ),
    ],
)
def test_the_checker_reads_dutch_claims_in_the_dutch_course(
    dutch_course: Path, file: str, old: str, new: str, reported: str
) -> None:
    assert calendar_mistakes(dutch_course) == []
    rewrite(dutch_course / file, old, new)
    mistakes = calendar_mistakes(dutch_course)
    assert any(reported in line for line in mistakes), mistakes


def test_a_course_with_another_silent_day_week_is_read_by_its_own_calendar(course: Path) -> None:
    rewrite(course / "course.md", "silent_day_week: 6", "silent_day_week: 5")
    mistakes = calendar_mistakes(course)
    assert any("the silent day (week 5) lies between sessions 4 and 5" in m for m in mistakes)

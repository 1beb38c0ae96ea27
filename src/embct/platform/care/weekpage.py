"""The patient's week page, made once for each state of what it shows (issue 18).

The whole page is kept in Django's cache under a key that is a hash of everything it is made
of, the rows read in one query (:func:`read_state`):

- the patient's account (the header: name, role), profile, course and therapist's name (read
  for the page's access check already), and the request's method and path;
- the rows the page shows, exactly as stored: the course's sessions, the log files sent, the
  diary entries not sent yet (per session), the unread messages from the therapist (the
  page's notice and the header's badge), the scheduled questionnaires with their due dates,
  completion and drafts, the date of consent and (without a start date) the first group
  meeting;
- the day, the page's language, the time zone, the assessment schedule's mode, the crisis
  lines as the page shows them, the URL prefix, the languages offered, the static files' URLs,
  and the code itself (every source, template and translation catalogue of the package,
  hashed once per process).

Nothing is invalidated, because nothing can go stale: any change to any of them, by any
path (a form, a therapist's answer, the admin, a daily job, a queryset ``update()``, plain
SQL, a restored backup), gives another key, in every process and on every host (local memory,
files or Redis). Whatever the page comes to show must join the key.

The CSRF token, new on every request, is rendered as a random stand-in that the request's own
token replaces; a page with a message waiting (the messages framework) is neither served from
the cache nor kept. A page is kept only when nothing changed while it was made: the rows are
read again after rendering, and the page stored only if they are the same (so a first view
that sets up the patient's questionnaire schedule, which writes, is not kept; the next view
is). After the course the page lists the recordings with their sizes read from the course's
files, so it is made afresh every time.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import date
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.db.models import ForeignKey, ForeignObjectRel, Model
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils.translation import get_language

import embct
from embct import trial
from embct.platform.access import AuthenticatedHttpRequest
from embct.platform.course.models import CourseSession
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.models import Draft, ScheduledAssessment

from . import context_processors, progress
from .models import DiaryEntry, LogSubmission, Message, PatientProfile

#: How long a page stays in the cache (its key holds the day, so it is of no use longer).
TIMEOUT = 3600
KEY_PREFIX = "care:week:"
#: What this process renders in place of the CSRF token, which is new on every request; kept
#: with the page, and the request's own token replaces it. Random: no page text can hold it.
_TOKEN = secrets.token_hex(16)


def respond(
    request: AuthenticatedHttpRequest, profile: PatientProfile, today: date
) -> HttpResponse:
    """``profile``'s week page on ``today``: from the cache when the same state was rendered
    before, else rendered (and kept, see the module's docstring)."""
    state, unread = read_state(profile)
    key = KEY_PREFIX + _digest(request, profile, today, state)
    # A message waiting to be shown (messages framework) is shown once: not from the cache.
    plain = len(messages.get_messages(request)) == 0
    kept = cache.get(key) if plain else None
    if kept is None:
        ctx = context(profile, today)
        context_processors.note_unread(request, unread)  # the header's badge: counted already
        if not plain:
            return render(request, "care/week.html", ctx)
        kept = _TOKEN, render_to_string("care/week.html", ctx | {"csrf_token": _TOKEN}, request)
        if not ctx["w"].ended and read_state(profile)[0] == state:
            cache.set(key, kept, TIMEOUT)
    stand_in, html = kept
    return HttpResponse(html.replace(f'value="{stand_in}"', f'value="{get_token(request)}"'))


def context(profile: PatientProfile, today: date) -> dict[str, Any]:
    """What ``care/week.html`` shows (the questionnaires' schedule set up first)."""
    windows = questionnaires.windows(profile, today)
    w = progress.patient_week(profile, today)
    ctx: dict[str, Any] = {
        "w": w,
        "windows": windows,
        # due and overdue questionnaires are "still to do" too
        "to_fill": [window for window in windows if window.is_open],
    }
    if w.ended:
        # What comes next: the questionnaires due after the last course week, by the schedule.
        ctx["after_course"] = [
            window
            for window in windows
            if window.due is not None and w.end_date is not None and window.due > w.end_date
        ]
        ctx["recordings"] = progress.recordings(profile)
    return ctx


def read_state(profile: PatientProfile) -> tuple[tuple[tuple[Any, ...], ...], int]:
    """The rows the week page is made of, in one query, sorted; and the unread count."""
    sql, params = _state_query(profile)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = tuple(sorted((tuple(row) for row in cursor.fetchall()), key=repr))
    unread = next((int(row[1]) for row in rows if row[0] == "unread"), 0)
    return rows, unread


def _state_query(profile: PatientProfile) -> tuple[str, list[Any]]:
    q = connection.ops.quote_name
    session, sent, diary, message = (
        CourseSession._meta,
        LogSubmission._meta,
        DiaryEntry._meta,
        Message._meta,
    )
    assessment, draft = ScheduledAssessment._meta, Draft._meta
    participant, participant_fk = _reverse(PatientProfile, "study_participant")
    width = 10

    def select(tag: str, *columns: str) -> str:
        cells = [f"CAST({c} AS TEXT)" for c in columns] + ["NULL"] * (width - 1 - len(columns))
        return f"SELECT '{tag}', " + ", ".join(cells)

    parts = [
        select("session", "s.id", "s.week", "s.number", "s.title")
        + f" FROM {q(session.db_table)} s WHERE s.course_id = %s",
        select("sent", "l.id", "l.session_id") + f" FROM {q(sent.db_table)} l "
        "WHERE l.patient_id = %s",
        select("unsent", "d.session_id", "COUNT(*)") + f" FROM {q(diary.db_table)} d "
        "WHERE d.patient_id = %s AND d.submission_id IS NULL GROUP BY d.session_id",
        select("unread", "COUNT(*)") + f" FROM {q(message.db_table)} m "
        "WHERE m.patient_id = %s AND m.from_patient = %s AND m.read_at IS NULL",
        select(
            "assessment",
            "a.id",
            f"a.{q('key')}",
            "a.instrument",
            "a.wave",
            f"a.{q('position')}",
            "a.due",
            "a.grace_days",
            "a.completed_at",
            "r.id",
        )
        + f" FROM {q(assessment.db_table)} a LEFT JOIN {q(draft.db_table)} r"
        " ON r.assessment_id = a.id WHERE a.patient_id = %s",
        select("consent", "p.consent_on")
        + f" FROM {q(participant)} p WHERE p.{q(participant_fk)} = %s",
    ]
    params: list[Any] = [profile.course_id, profile.pk, profile.pk, profile.pk, False]
    params += [profile.pk, profile.pk]
    if profile.start_date is None and profile.group_id is not None:
        # the course starts at the group's first meeting (questionnaires.course_start)
        group = cast("ForeignKey[Any, Any]", PatientProfile._meta.get_field("group"))
        meeting, meeting_fk = _reverse(group.related_model, "meetings")
        parts.append(
            select("first meeting", "MIN(g.date)")
            + f" FROM {q(meeting)} g WHERE g.{q(meeting_fk)} = %s"
        )
        params.append(profile.group_id)
    return " UNION ALL ".join(parts), params


def _reverse(model: Any, name: str) -> tuple[str, str]:
    """The table of the model on the other side of ``model``'s reverse relation ``name``, and
    its column that points back (read from the models: ``care`` names no later app)."""
    relation = cast("ForeignObjectRel", model._meta.get_field(name))
    return relation.field.model._meta.db_table, str(relation.field.column)


def _digest(
    request: AuthenticatedHttpRequest,
    profile: PatientProfile,
    today: date,
    state: tuple[tuple[Any, ...], ...],
) -> str:
    """The cache key's hash: everything the page is made of (the module's docstring)."""
    therapist = profile.therapist
    lines = [
        (line.name, line.note, [(n.shown, n.tel) for n in line.numbers])
        for line in settings.EMBCT_CRISIS_LINES
    ]
    parts = (
        _code_version(),
        request.method,
        request.get_full_path(),
        _fields(request.user),  # the header: name, role
        _fields(profile),
        _fields(profile.course),
        None if therapist is None else (therapist.first_name, therapist.last_name),
        state,
        today,
        get_language(),
        settings.TIME_ZONE,
        getattr(settings, "EMBCT_ASSESSMENT_MODE", trial.TRIAL),
        lines,
        get_script_prefix(),
        settings.LANGUAGES,
        [static(name) for name in _STATIC],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _fields(row: Model | None) -> list[Any] | None:
    """A row's stored values, every column (so that a field added later is part of the key)."""
    return None if row is None else [getattr(row, f.attname) for f in row._meta.concrete_fields]


#: The static files the layout links (their names change with their content in production).
_STATIC = ("embct/favicon.svg", "embct/embct.css")


@functools.cache
def _code_version() -> str:
    """A hash of the package's sources, templates and catalogues: a deploy of other code (on
    another host sharing the cache) does not take this code's pages."""
    import django

    root = Path(embct.__file__).parent
    digest = hashlib.sha256(f"{embct.__version__} {django.get_version()}".encode())
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".mo"} and "course_content" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()

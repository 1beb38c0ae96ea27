"""The patient's week page, made once for each state of what it shows (issue 18).

The whole page is kept in Django's cache under a key that is a hash of everything it is made
of, the rows read in one query (:func:`read_state`):

- what the header shows of the patient's account (names, role; read by the login already),
  and the request's method and path;
- the rows the page shows, exactly as stored: the patient's profile (arm, start date,
  feedback day, ...), their course, their therapist's name, the course's sessions, the log
  files sent, the diary entries not sent yet (per session), the unread messages from the
  therapist (the page's notice and the header's badge), the scheduled questionnaires with
  their due dates, completion and drafts, the date of consent and (without a start date) the
  first group meeting;
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
is; and a view from the cache skips that set-up only where it would have written nothing).
What this cannot see is a change and its exact undoing both between the two reads, a few
milliseconds apart. After the course the page lists the recordings with their sizes read
from the course's files, so it is made afresh every time.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.db.models import ForeignKey, ForeignObjectRel
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import get_script_prefix
from django.utils.translation import get_language

from embct import trial
from embct.platform.access import AuthenticatedHttpRequest, get_own_online_profile
from embct.platform.course.models import Course, CourseSession
from embct.platform.lib.code_version import code_version
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


def respond(request: AuthenticatedHttpRequest, today: date) -> HttpResponse:
    """The signed-in patient's week page on ``today``: from the cache when the same state was
    rendered before, else rendered (and kept, see the module's docstring).

    The access check (:func:`~embct.platform.access.get_own_online_profile`: 404 without a
    profile, 403 outside the online course) is made whenever the page is made; a page from
    the cache was made for this account after that check, from the same profile row."""
    state, unread = read_state(request.user.pk)
    key = KEY_PREFIX + _digest(request, today, state)
    # A message waiting to be shown (messages framework) is shown once: not from the cache.
    plain = len(messages.get_messages(request)) == 0
    kept = cache.get(key) if plain else None
    if kept is None:
        profile = get_own_online_profile(request)
        ctx = context(profile, today)
        context_processors.note_unread(request, unread)  # the header's badge: counted already
        if not plain:
            return render(request, "care/week.html", ctx)
        kept = _TOKEN, render_to_string("care/week.html", ctx | {"csrf_token": _TOKEN}, request)
        if not ctx["w"].ended and read_state(request.user.pk)[0] == state:
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


def read_state(user_id: int) -> tuple[tuple[tuple[Any, ...], ...], int]:
    """The rows the week page of the patient with account ``user_id`` is made of, in one
    query, sorted; and the unread count."""
    sql = _state_query()
    with connection.cursor() as cursor:
        # every parameter is the account's but the last, the message's from_patient = False
        cursor.execute(sql, [user_id] * (sql.count("%s") - 1) + [False])
        rows = tuple(sorted((tuple(row) for row in cursor.fetchall()), key=repr))
    unread = next((int(row[1]) for row in rows if row[0] == "unread"), 0)
    return rows, unread


@functools.cache
def _state_query() -> str:
    """Every column of the profile and its course; the sessions' numbers and titles; the
    therapist's name; the rows of the patient's that the page shows. One ``UNION ALL``, every
    column as text (so that the branches agree on SQLite and PostgreSQL)."""
    q = connection.ops.quote_name

    def table(model: Any) -> str:
        return q(model._meta.db_table)

    def columns(model: Any, alias: str) -> list[str]:
        return [f"{alias}.{q(f.column)}" for f in model._meta.concrete_fields]

    # Names from the models, quoted; the only values are parameters. (S608: no user input.)
    profiles = table(PatientProfile)
    me = f"(SELECT id FROM {profiles} WHERE user_id = %s)"  # noqa: S608
    course = f"(SELECT course_id FROM {profiles} WHERE user_id = %s)"  # noqa: S608
    therapist = f"(SELECT therapist_id FROM {profiles} WHERE user_id = %s)"  # noqa: S608
    group = f"(SELECT group_id FROM {profiles} WHERE user_id = %s AND start_date IS NULL)"  # noqa: S608
    participant, participant_fk = _reverse(PatientProfile, "study_participant")
    group_field = cast("ForeignKey[Any, Any]", PatientProfile._meta.get_field("group"))
    meeting, meeting_fk = _reverse(group_field.related_model, "meetings")
    user = PatientProfile._meta.get_field("user").related_model
    branches = [
        ("profile", columns(PatientProfile, "p"), f"{profiles} p WHERE p.user_id = %s"),
        ("course", columns(Course, "c"), f"{table(Course)} c WHERE c.id = {course}"),
        (
            "therapist",
            ["t.first_name", "t.last_name"],
            f"{table(user)} t WHERE t.id = {therapist}",
        ),
        (
            "session",  # what the page reads of them (progress.patient_week)
            ["s.id", "s.course_id", "s.week", "s.number", "s.title"],
            f"{table(CourseSession)} s WHERE s.course_id = {course}",
        ),
        (
            "sent",
            ["l.id", "l.session_id"],
            f"{table(LogSubmission)} l WHERE l.patient_id = {me}",
        ),
        (
            "unsent",
            ["d.session_id", "COUNT(*)"],
            f"{table(DiaryEntry)} d WHERE d.patient_id = {me} AND d.submission_id IS NULL "
            "GROUP BY d.session_id",
        ),
        (
            "assessment",
            [*columns(ScheduledAssessment, "a"), "r.id"],
            f"{table(ScheduledAssessment)} a LEFT JOIN {table(Draft)} r "
            f"ON r.assessment_id = a.id WHERE a.patient_id = {me}",
        ),
        (
            "consent",
            ["x.consent_on"],
            f"{q(participant)} x WHERE x.{q(participant_fk)} = {me}",
        ),
        # the course starts at the group's first meeting without a start date
        # (questionnaires.course_start)
        ("first meeting", ["MIN(g.date)"], f"{q(meeting)} g WHERE g.{q(meeting_fk)} = {group}"),
        (
            "unread",
            ["COUNT(*)"],
            f"{table(Message)} m WHERE m.patient_id = {me} AND m.from_patient = %s "
            "AND m.read_at IS NULL",
        ),
    ]
    width = max(len(cells) for _tag, cells, _rest in branches)
    return " UNION ALL ".join(
        f"SELECT '{tag}', "  # noqa: S608
        + ", ".join([f"CAST({c} AS TEXT)" for c in cells] + ["NULL"] * (width - len(cells)))
        + f" FROM {rest}"
        for tag, cells, rest in branches
    )


def _reverse(model: Any, name: str) -> tuple[str, str]:
    """The table of the model on the other side of ``model``'s reverse relation ``name``, and
    its column that points back (read from the models: ``care`` names no later app)."""
    relation = cast("ForeignObjectRel", model._meta.get_field(name))
    return relation.field.model._meta.db_table, str(relation.field.column)


def _digest(
    request: AuthenticatedHttpRequest, today: date, state: tuple[tuple[Any, ...], ...]
) -> str:
    """The cache key's hash: everything the page is made of (the module's docstring)."""
    lines = [
        (line.name, line.note, [(n.shown, n.tel) for n in line.numbers])
        for line in settings.EMBCT_CRISIS_LINES
    ]
    parts = (
        code_version(),
        request.method,
        request.get_full_path(),
        _account(request.user),
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


def _account(user: Any) -> tuple[Any, ...]:
    """What the layout shows of the signed-in account (base.html's header)."""
    return (user.pk, user.username, user.first_name, user.last_name, user.role, user.is_staff)


#: The static files the layout links (their names change with their content in production).
_STATIC = ("embct/favicon.svg", "embct/embct.css")

"""Read-side summaries for the pages: a patient's week, a therapist's caseload and queue.

Each runs a fixed number of queries, whatever the number of patients, diaries or messages
(the tests pin the counts)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Aggregate,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from embct import trial
from embct.platform.course.models import CourseSession, Exercise
from embct.platform.lib import schedule

from .models import Arm, DiaryEntry, LogSubmission, Message, MessageKind, PatientProfile


@dataclass
class SessionState:
    session: CourseSession
    released: bool
    release_date: date | None
    completed: bool
    unsent: int


@dataclass
class Week:
    profile: PatientProfile
    today: date
    week: int
    sessions: list[SessionState]
    current: SessionState | None
    next_feedback: date | None
    unread: int
    preparation_open: bool
    due: list[str]
    #: The silent day's week is behind: the week page no longer offers its preparation.
    silent_day_over: bool = False
    #: The last course week is behind (embct.trial): the page says the course has ended.
    ended: bool = False
    #: The last day of the course (None before a start date).
    end_date: date | None = None

    @property
    def completed_count(self) -> int:
        return sum(state.completed for state in self.sessions)

    @property
    def preparation_link(self) -> bool:
        """Whether the week page links to the silent day's preparation: from its release until
        the silent day is over (the page itself stays reachable from the sessions)."""
        return self.preparation_open and not self.silent_day_over


def patient_week(profile: PatientProfile, today: date) -> Week:
    """Everything the patient's week page shows (3 queries). What is released, current and
    still due is the trial's calendar (:func:`embct.trial.this_week`)."""
    sessions = list(
        CourseSession.objects.filter(course=profile.course_id)
        .only("pk", "course_id", "week", "number", "title")
        .order_by("week")
    )
    completed = set(profile.submissions.values_list("session_id", flat=True))
    unsent = dict(
        profile.diaries.filter(submission=None)
        .values("session_id")
        .annotate(n=Count("pk"))
        .values_list("session_id", "n")
    )
    unread = profile.messages.filter(from_patient=False, read_at=None).count()
    summary, release, end = None, {}, None
    if profile.start_date is not None and profile.course is not None:
        calendar = schedule.calendar(profile.start_date, profile.course.silent_day_week)
        release = {s.week: s.release_date for s in calendar.sessions}
        end = calendar.end_date
        summary = trial.this_week(
            calendar,
            today,
            completed={s.week for s in sessions if s.pk in completed},
            feedback_weekday=profile.feedback_weekday,
        )
    released = set() if summary is None else {s.week for s in summary.open_sessions}
    states = [
        SessionState(
            session=s,
            released=s.week in released,
            release_date=release.get(s.week),
            completed=s.pk in completed,
            unsent=unsent.get(s.pk, 0),
        )
        for s in sessions
    ]
    ended = summary is not None and summary.course_over
    current_week = None if summary is None or summary.session is None else summary.session.week
    # After the last week there is no "this week" any more: nothing new to practise for.
    current = None if ended else next((s for s in states if s.session.week == current_week), None)
    due: list[str] = []
    if current is not None and not current.completed:
        label = {"session": current.session.label.lower()}
        if current.unsent:
            due.append(gettext("Send the log files of %(session)s.") % label)
        else:
            due.append(gettext("Practise and keep your diary for %(session)s.") % label)
    still_due = set() if summary is None else {s.week for s in summary.still_due}
    for state in states:
        if state.session.week in still_due and state is not current and state.unsent:
            label = {"session": state.session.label.lower()}
            due.append(gettext("Send the log files of %(session)s (still open).") % label)
    return Week(
        profile=profile,
        today=today,
        week=profile.week(today),
        sessions=states,
        current=current,
        next_feedback=schedule.next_weekday(today, profile.feedback_weekday),
        unread=unread,
        preparation_open=summary is not None and summary.preparation_open,
        due=due,
        silent_day_over=summary is not None and summary.silent_day_over,
        ended=ended,
        end_date=end,
    )


@dataclass
class CaseloadRow:
    profile: PatientProfile
    week: int
    completed: int
    last_activity: datetime | None
    minutes_last_7_days: int
    minutes_total: int
    waiting: int

    @property
    def adequate_dose(self) -> bool:
        return self.completed >= schedule.ADEQUATE_DOSE_SESSIONS


def _scalar(queryset: QuerySet[Any], column: Aggregate) -> Subquery:
    return Subquery(queryset.values("patient").annotate(v=column).values("v")[:1])


#: The caseload's orders by GET ``sort`` (care.forms.CASELOAD_SORTS names them); each ends
#: in the primary key, so that its pages neither overlap nor leave a patient out.
CASELOAD_ORDERS: dict[str, tuple[Any, ...]] = {
    "week": (F("start_date").asc(nulls_last=True), "pk"),  # the earliest start is furthest on
    "name": ("user__first_name", "user__last_name", "user__username", "pk"),
    "feedback_day": ("feedback_weekday", F("start_date").asc(nulls_last=True), "pk"),
    "waiting": ("-n_waiting", F("start_date").asc(nulls_last=True), "pk"),
}


def start_dates_in_week(week: int, today: date) -> tuple[date | None, date]:
    """The first and last start date of a patient in course ``week`` (1-9) today, as
    :meth:`PatientProfile.week` counts it from embct.trial's calendar (week 9 holds everyone
    past it too: no first date, ``None``)."""
    # the trial's weeks are whole weeks from the start: look through the days they can span
    window = [today - timedelta(days=d) for d in range(7 * schedule.COURSE_WEEKS + 7)]
    starts = [s for s in window if min(schedule.week_of(s, today), schedule.COURSE_WEEKS) == week]
    if not starts:
        raise ValueError(f"course week {week} is not one of 0..{schedule.COURSE_WEEKS}")
    earliest = None if week == schedule.COURSE_WEEKS else min(starts)
    return earliest, max(starts)


def caseload_profiles(
    therapist_id: int,
    today: date,
    *,
    sort: str = "week",
    feedback_day: int | None = None,
    week: int | None = None,
    only: QuerySet[Any, Any] | None = None,
) -> QuerySet[PatientProfile]:
    """The therapist's eMBCT patients in ``sort``'s order, filtered (group members are on the
    group pages): a queryset that the page counts and slices in the database, carrying only
    what its order needs; :func:`caseload_rows` reads the progress of one page's patients.

    ``feedback_day``: only that weekday (Monday 0); ``week``: only that course week (0: not
    started); ``only``: only the patients whose primary keys this subquery gives."""
    if sort not in CASELOAD_ORDERS:
        raise ValueError(f"unknown caseload order {sort!r}; one of {sorted(CASELOAD_ORDERS)}")
    profiles: QuerySet[Any] = PatientProfile.objects.filter(
        therapist_id=therapist_id, arm=Arm.EMBCT
    )
    if feedback_day is not None:
        profiles = profiles.filter(feedback_weekday=feedback_day)
    if week == 0:
        profiles = profiles.filter(Q(start_date__gt=today) | Q(start_date=None))
    elif week is not None:
        earliest, latest = start_dates_in_week(week, today)
        if earliest is not None:
            profiles = profiles.filter(start_date__gte=earliest)
        profiles = profiles.filter(start_date__lte=latest)
    if only is not None:
        profiles = profiles.filter(pk__in=only)
    if sort == "waiting":
        profiles = profiles.annotate(n_waiting=_waiting())
    return profiles.order_by(*CASELOAD_ORDERS[sort])


def _waiting() -> Any:
    """Unanswered log files and messages of the patient (``OuterRef("pk")``)."""
    submissions = LogSubmission.objects.filter(patient=OuterRef("pk"), answered_at=None)
    messages = Message.objects.filter(patient=OuterRef("pk"), from_patient=True, answered_at=None)
    return Coalesce(_scalar(submissions.order_by(), Count("pk")), 0) + Coalesce(
        _scalar(messages.order_by(), Count("pk")), 0
    )


def caseload_rows(profiles: Iterable[PatientProfile], today: date) -> list[CaseloadRow]:
    """The progress of ``profiles`` (one page of :func:`caseload_profiles`), in their order
    (1 query)."""
    order = [p.pk for p in profiles]
    since = today - timedelta(days=6)
    diaries = DiaryEntry.objects.filter(patient=OuterRef("pk")).order_by()
    submissions = LogSubmission.objects.filter(patient=OuterRef("pk")).order_by()
    messages = Message.objects.filter(patient=OuterRef("pk"), from_patient=True).order_by()
    annotated = (
        PatientProfile.objects.filter(pk__in=order)
        .select_related("user")
        .annotate(
            n_completed=_scalar(submissions, Count("session", distinct=True)),
            last_diary=_scalar(diaries, Max("created")),
            last_sent=_scalar(submissions, Max("sent_at")),
            last_message=_scalar(messages, Max("sent_at")),
            minutes_7=_scalar(diaries.filter(date__gte=since), Sum("minutes")),
            minutes_all=_scalar(diaries, Sum("minutes")),
            n_waiting=_waiting(),
        )
    )
    by_pk: dict[int, Any] = {p.pk: p for p in annotated} if order else {}
    rows = []
    for pk in order:
        p = by_pk.get(pk)
        if p is None:  # removed between the two reads
            continue
        moments = [m for m in (p.last_diary, p.last_sent, p.last_message) if m is not None]
        rows.append(
            CaseloadRow(
                profile=p,
                week=p.week(today),
                completed=p.n_completed or 0,
                last_activity=max(moments) if moments else None,
                minutes_last_7_days=p.minutes_7 or 0,
                minutes_total=p.minutes_all or 0,
                waiting=p.n_waiting or 0,
            )
        )
    return rows


#: At most this many patients are named in the caseload's "welcome still to write" prompt.
WELCOME_PROMPT_LIMIT = 20


def awaiting_welcome(therapist_id: int) -> list[PatientProfile]:
    """The therapist's eMBCT patients who have no welcome message yet, those starting first
    first (1 query; at most :data:`WELCOME_PROMPT_LIMIT` + 1, so a page can say "and more")."""
    welcomed = Message.objects.filter(patient=OuterRef("pk"), kind=MessageKind.WELCOME)
    profiles = (
        PatientProfile.objects.filter(therapist_id=therapist_id, arm=Arm.EMBCT)
        .exclude(Exists(welcomed))
        .select_related("user")
        .order_by(F("start_date").asc(nulls_last=True), "pk")
    )
    return list(profiles[: WELCOME_PROMPT_LIMIT + 1])


def caseload(therapist_id: int, today: date) -> list[CaseloadRow]:
    """The therapist's whole caseload, in course-week order (2 queries)."""
    return caseload_rows(caseload_profiles(therapist_id, today), today)


def minutes_per_week(profile: PatientProfile) -> list[tuple[int, int]]:
    """(course week, minutes practised) for weeks 1-9, from the diary dates (1 query)."""
    totals: dict[int, int] = defaultdict(int)
    if profile.start_date is not None:
        for day, minutes in profile.diaries.values_list("date", "minutes"):
            week = schedule.week_of(profile.start_date, day)
            if 1 <= week <= schedule.COURSE_WEEKS:
                totals[week] += minutes
    return [(week, totals[week]) for week in range(1, schedule.COURSE_WEEKS + 1)]


@dataclass
class ProgressRow:
    """One course week on the patient's progress page."""

    state: SessionState
    minutes: int

    @property
    def week(self) -> int:
        return self.state.session.week


@dataclass
class Progress:
    """The patient's own progress: sessions completed (log files sent) and minutes practised
    per course week (from the diaries)."""

    rows: list[ProgressRow]
    week: Week

    @property
    def completed(self) -> int:
        return self.week.completed_count

    @property
    def total_minutes(self) -> int:
        return sum(row.minutes for row in self.rows)

    @property
    def most_minutes(self) -> int:
        """The largest week's minutes (the scale of the bars; at least 1)."""
        return max([row.minutes for row in self.rows] + [1])


def patient_progress(profile: PatientProfile, today: date) -> Progress:
    """The progress page's figures (the week page's queries and one more): its sessions and
    the diaries' minutes by course week (:func:`minutes_per_week`)."""
    week = patient_week(profile, today)
    minutes = dict(minutes_per_week(profile))
    rows = [ProgressRow(state, minutes.get(state.session.week, 0)) for state in week.sessions]
    return Progress(rows=rows, week=week)


def recordings(profile: PatientProfile) -> list[Exercise]:
    """Every exercise of the patient's course that has a recording, in course order (1 query):
    after the course they all stay available to practise with."""
    return list(
        Exercise.objects.filter(session__course=profile.course_id)
        .exclude(audio="")
        .select_related("session__course")
        .order_by("session__week", "order")
    )


@dataclass
class QueueItem:
    kind: str  # "log files" or "message"
    label: str
    waiting_since: datetime
    entries: int = 0


@dataclass
class QueueRow:
    profile: PatientProfile
    due: date
    items: list[QueueItem] = field(default_factory=list)

    @property
    def oldest(self) -> datetime:
        return min(item.waiting_since for item in self.items)

    def overdue(self, today: date) -> bool:
        return self.due < today


@dataclass(frozen=True)
class QueueEntry:
    """A patient's place in the feedback queue: when their feedback is due, and since when
    the oldest item waits."""

    patient_id: int
    due: date
    oldest: datetime


def feedback_queue(therapist_id: int) -> list[QueueEntry]:
    """The patients with unanswered log files or messages, by feedback day, oldest first
    (2 grouped queries: a patient, a weekday and a moment each, never the items). A patient's
    feedback is due on their weekday on or after the oldest item (embct.trial's rule); the
    page reads the items of its own patients with :func:`queue_rows`."""
    oldest: dict[int, tuple[int, datetime]] = {}
    for model, extra in ((LogSubmission, Q()), (Message, Q(from_patient=True))):
        waiting = (
            model.objects.filter(extra, patient__therapist_id=therapist_id, answered_at=None)
            .order_by()
            .values_list("patient_id", "patient__feedback_weekday")
            .annotate(first=Min("sent_at"))
        )
        for pk, weekday, first in waiting:
            if pk not in oldest or first < oldest[pk][1]:
                oldest[pk] = (weekday, first)
    entries = [
        QueueEntry(pk, schedule.next_weekday(timezone.localdate(first), weekday), first)
        for pk, (weekday, first) in oldest.items()
    ]
    return sorted(entries, key=lambda e: (e.due, e.oldest, e.patient_id))


def queue_rows(entries: list[QueueEntry]) -> list[QueueRow]:
    """The rows of ``entries`` (one page of :func:`feedback_queue`), each with its waiting
    items, oldest first (2 queries)."""
    ids = [e.patient_id for e in entries]
    profiles: dict[int, PatientProfile] = {}
    items: dict[int, list[QueueItem]] = defaultdict(list)
    submissions = (
        LogSubmission.objects.filter(patient_id__in=ids, answered_at=None)
        .select_related("patient__user", "session")
        .annotate(n_entries=Count("entries"))
    )
    for s in submissions:
        profiles[s.patient_id] = s.patient
        items[s.patient_id].append(QueueItem("log files", s.session.label, s.sent_at, s.n_entries))
    messages = Message.objects.filter(
        patient_id__in=ids, from_patient=True, answered_at=None
    ).select_related("patient__user")
    for m in messages:
        profiles[m.patient_id] = m.patient
        items[m.patient_id].append(QueueItem("message", "Message", m.sent_at))
    return [
        # a patient answered between the two reads has nothing left to show
        QueueRow(profiles[e.patient_id], e.due, sorted(items[e.patient_id], key=_waiting_since))
        for e in entries
        if e.patient_id in profiles
    ]


def _waiting_since(item: QueueItem) -> datetime:
    return item.waiting_since

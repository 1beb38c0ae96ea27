"""The therapist's early warnings and charts, from embct.trial's rules.

Flags are computed for a whole caseload with a fixed number of queries (whatever its size),
then kept in :class:`FlagRecord`: each occurrence once, with its acknowledgement.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext, gettext_lazy

from embct import trial
from embct.instruments import get_instrument
from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.care.models import Arm, DiaryEntry, LogSubmission, Message, PatientProfile
from embct.platform.groups.models import Attendance, GroupMeeting

from .charts import line_chart
from .models import FlagRecord, Response
from .services import totals_by_patient


def _wai_order(key: str) -> int:
    return int(key.split("_w", 1)[1])


@dataclass
class Inputs:
    """What the rules need to know about one patient."""

    responses: dict[str, Response] = field(default_factory=dict)
    completed_weeks: set[int] = field(default_factory=set)
    attended: int = 0
    meetings_to_come: int = 0
    group_started: bool = False
    last_practice: date | None = None
    oldest_unanswered: date | None = None


def _inputs(profiles: list[PatientProfile]) -> dict[int, Inputs]:
    """Everything the rules read, for all ``profiles`` at once (6 queries)."""
    ids = [p.pk for p in profiles]
    out = {pk: Inputs() for pk in ids}
    for pk, by_key in totals_by_patient(ids).items():
        out[pk].responses = by_key
    for pk, week in (
        LogSubmission.objects.filter(patient_id__in=ids)
        .order_by()
        .values_list("patient_id", "session__week")
        .distinct()
    ):
        out[pk].completed_weeks.add(week)
    for row in (
        Attendance.objects.filter(patient_id__in=ids, present=True)
        .values("patient_id")
        .annotate(n=Count("meeting", distinct=True))
    ):
        out[row["patient_id"]].attended = row["n"]
    for practice in (
        DiaryEntry.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(last=Max("date"))
    ):
        out[practice["patient_id"]].last_practice = practice["last"]
    oldest: dict[int, Any] = {}
    for model, extra in ((LogSubmission, Q()), (Message, Q(from_patient=True))):
        for waiting in (
            model.objects.filter(extra, patient_id__in=ids, answered_at=None)
            .values("patient_id")
            .annotate(first=Min("sent_at"))
        ):
            pk, first = waiting["patient_id"], waiting["first"]
            oldest[pk] = first if pk not in oldest else min(oldest[pk], first)
    for pk, moment in oldest.items():
        out[pk].oldest_unanswered = timezone.localdate(moment)
    return out


def _group_meetings(profiles: list[PatientProfile], today: date) -> dict[int, tuple[int, int]]:
    """Per group member: (meetings still to come, meetings held) (1 query)."""
    groups = {p.group_id for p in profiles if p.group_id is not None}
    if not groups:
        return {}
    counts = {
        row["group_id"]: (row["to_come"], row["held"])
        for row in GroupMeeting.objects.filter(group_id__in=groups)
        .values("group_id")
        .annotate(
            to_come=Count("pk", filter=Q(date__gte=today)),
            held=Count("pk", filter=Q(date__lt=today)),
        )
    }
    return {p.pk: counts.get(p.group_id, (0, 0)) for p in profiles if p.group_id is not None}


def evaluate(profile: PatientProfile, data: Inputs, today: date) -> list[tuple[str, trial.Flag]]:
    """The flags that fire for one patient today, each with its occurrence key."""
    fired: list[tuple[str, trial.Flag | None]] = []
    totals = {k: r.total for k, r in data.responses.items() if r.total is not None}
    threshold = getattr(settings, "EMBCT_WEAK_ALLIANCE_THRESHOLD", None)
    kwargs = {} if threshold is None else {"threshold": float(threshold)}
    fired.append(("wai_w2", trial.weak_early_alliance(totals.get("wai_w2"), **kwargs)))
    wai = sorted((k for k in totals if k.startswith("wai_w")), key=_wai_order)
    if len(wai) >= 2:
        fired.append((wai[-1], trial.alliance_fall([(k, totals[k]) for k in wai])))
    fired.append(
        ("post", trial.hads_deterioration(totals.get("hads_pre"), totals.get("hads_post")))
    )
    group = profile.group_id is not None or profile.arm == Arm.MBCT
    if group:
        if data.group_started:
            fired.append(("course", trial.dose_at_risk(data.attended, data.meetings_to_come)))
    elif profile.start_date is not None and today >= profile.start_date:
        calendar = trial.course_calendar(profile.start_date)
        remaining = len(calendar.still_open(today, data.completed_weeks))
        fired.append(("course", trial.dose_at_risk(len(data.completed_weeks), remaining)))
        practice = trial.no_recent_practice(
            data.last_practice, today, profile.start_date, course_end=calendar.end_date
        )
        since = data.last_practice.isoformat() if data.last_practice else "start"
        fired.append((f"since {since}", practice))
    if data.oldest_unanswered is not None:
        waiting = trial.feedback_waiting(data.oldest_unanswered, profile.feedback_weekday, today)
        fired.append((f"sent {data.oldest_unanswered.isoformat()}", waiting))
    return [(key, flag) for key, flag in fired if flag is not None]


Key = tuple[int, str, str]  # (patient id, flag code, occurrence)


def _fired(profiles: list[PatientProfile], today: date) -> dict[Key, trial.Flag]:
    """The flags that fire today for ``profiles``, by occurrence (7 queries, reads only)."""
    data = _inputs(profiles)
    for pk, (to_come, held) in _group_meetings(profiles, today).items():
        data[pk].meetings_to_come, data[pk].group_started = to_come, held > 0
    return {
        (profile.pk, flag.code, occurrence[:64]): flag
        for profile in profiles
        for occurrence, flag in evaluate(profile, data[profile.pk], today)
    }


def _kept(profiles: list[PatientProfile]) -> dict[Key, FlagRecord]:
    ids = [p.pk for p in profiles]
    return {
        (r.patient_id, r.code, r.occurrence): r
        for r in FlagRecord.objects.filter(patient_id__in=ids)
    }


def _open(
    fired: dict[Key, trial.Flag], records: dict[Key, FlagRecord]
) -> dict[int, list[FlagRecord]]:
    open_flags: dict[int, list[FlagRecord]] = defaultdict(list)
    for key in fired:
        record = records.get(key)
        if record is not None and record.acknowledged_at is None:
            open_flags[key[0]].append(record)
    for flags in open_flags.values():
        flags.sort(key=lambda r: (r.first_seen, r.pk))
    return open_flags


def refresh_flags(profiles: list[PatientProfile], today: date) -> dict[int, list[FlagRecord]]:
    """Evaluate the rules for ``profiles``, keep new occurrences, return the open flags per
    patient (firing now and not acknowledged, oldest first). Earlier occurrences and their
    acknowledgements stay in :class:`FlagRecord`. A fixed number of queries for any caseload.

    Called when the rules' inputs change (a questionnaire response, attendance) and for
    every patient by the daily job (:func:`refresh_all`, run by ``embct remind``) for the rules
    that fire with time; pages read with :func:`open_flags` and write nothing."""
    fired = _fired(profiles, today)
    records = _kept(profiles)
    now = timezone.now()
    new = [
        FlagRecord(
            patient_id=pk,
            code=code,
            occurrence=occurrence,
            title=flag.title,
            explanation=flag.explanation,
            evidence=flag.as_dict()["evidence"],
            first_seen=now,
        )
        for (pk, code, occurrence), flag in fired.items()
        if (pk, code, occurrence) not in records
    ]
    if new:  # kept once: a concurrent request may have written the same occurrence
        FlagRecord.objects.bulk_create(new, ignore_conflicts=True)
        records = _kept(profiles)
    return _open(fired, records)


def open_flags(profiles: list[PatientProfile], today: date) -> dict[int, list[FlagRecord]]:
    """The open flags per patient as kept: stored by the last refresh, firing today and not
    acknowledged, oldest first. Reads only (for pages: a GET changes nothing)."""
    return _open(_fired(profiles, today), _kept(profiles))


def refresh_all(today: date) -> int:
    """:func:`refresh_flags` for every patient (the daily job); returns how many."""
    profiles = list(PatientProfile.objects.order_by("pk"))
    if profiles:
        refresh_flags(profiles, today)
    return len(profiles)


@dataclass
class FlagRow:
    profile: PatientProfile
    flags: list[FlagRecord]


def with_warnings(therapist_id: int) -> QuerySet[FlagRecord, Any]:
    """The primary keys of the therapist's patients with an early warning kept and not
    acknowledged (a subquery: the pages filter and count with it in the database, whatever
    the caseload). The daily job keeps the warnings (:func:`refresh_all`); whether each still
    fires today is :func:`open_flags`' to say, for the patients of one page."""
    return (
        FlagRecord.objects.filter(patient__therapist_id=therapist_id, acknowledged_at=None)
        .order_by()
        .values("patient_id")
    )


def caseload_patients(therapist_id: int) -> QuerySet[PatientProfile]:
    """The warnings page's patients: the therapist's with a warning kept and not acknowledged,
    longest in the course first (a queryset: the page counts and slices it)."""
    return (
        PatientProfile.objects.filter(pk__in=with_warnings(therapist_id))
        .select_related("user")
        .order_by(F("start_date").asc(nulls_last=True), "pk")
    )


def caseload_flags(profiles: list[PatientProfile], today: date) -> list[FlagRow]:
    """The rows of the warnings page for ``profiles`` (one page of :func:`caseload_patients`),
    each with its open warnings (a fixed number of queries)."""
    flags = open_flags(profiles, today)
    return [FlagRow(p, flags.get(p.pk, [])) for p in profiles]


@transaction.atomic
def acknowledge(flag: FlagRecord, user: Any, note: str, *, by: Any = None) -> bool:
    """Mark a flag as seen, with the therapist's note; the record is kept. Audited with the
    change; a flag already acknowledged stays as it was and is no new event (False)."""
    changed = FlagRecord.objects.filter(pk=flag.pk, acknowledged_at=None).update(
        acknowledged_by=user, acknowledged_at=timezone.now(), note=note
    )
    if changed:
        record(user if by is None else by, Action.FLAG_ACK, flag, code=flag.code)
    return bool(changed)


@dataclass(frozen=True)
class Chart:
    """A chart and the numbers it draws: the page shows them as a table beside it, the
    chart's text alternative for whoever cannot see the lines."""

    title: str
    svg: SafeString
    x_labels: list[str]
    series: list[tuple[str, list[float | None]]]


def _chart(
    title: str,
    x_labels: list[str],
    series: list[tuple[str, list[float | None]]],
    y_range: tuple[float, float],
) -> Chart:
    return Chart(title, line_chart(title, x_labels, series, y_range), x_labels, series)


#: Names of the WAI-SR subscales on the charts.
SUBSCALE_NAMES = {
    "task": gettext_lazy("Task"),
    "bond": gettext_lazy("Bond"),
    "goal": gettext_lazy("Goal"),
}


def charts(profile: PatientProfile) -> dict[str, Chart]:
    """Charts: WAI-SR total and Task/Bond/Goal over time, HADS and MHC-SF before/after,
    labelled in the current language."""
    responses = {r.key: r for r in profile.questionnaire_responses.all()}
    wai_keys = sorted((k for k in responses if k.startswith("wai_w")), key=_wai_order)
    labels = [gettext("week %(week)s") % {"week": _wai_order(k)} for k in wai_keys]
    wai = get_instrument("wai")
    total = gettext("Total")
    out: dict[str, Chart] = {}
    if wai_keys:
        out["alliance"] = _chart(
            gettext("Alliance (WAI-SR total) over time"),
            labels,
            [(total, [responses[k].total for k in wai_keys])],
            tuple(map(float, wai.score_range())),  # type: ignore[arg-type]
        )
        out["alliance_parts"] = _chart(
            gettext("Alliance: Task, Bond and Goal over time"),
            labels,
            [
                (
                    str(SUBSCALE_NAMES.get(name, name.title())),
                    [responses[k].subscales.get(name) for k in wai_keys],
                )
                for name in wai.subscales
            ],
            tuple(map(float, wai.score_range("task"))),  # type: ignore[arg-type]
        )
    titles = {
        "hads": gettext("Distress (HADS) before and after the course"),
        "mhc": gettext("Well-being (MHC-SF) before and after the course"),
    }
    for key, chart_title in titles.items():
        pre, post = responses.get(f"{key}_pre"), responses.get(f"{key}_post")
        if pre is None and post is None:
            continue
        out[key] = _chart(
            chart_title,
            [gettext("before"), gettext("after")],
            [(total, [None if r is None else r.total for r in (pre, post)])],
            tuple(map(float, get_instrument(key).score_range())),  # type: ignore[arg-type]
        )
    return out

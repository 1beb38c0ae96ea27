"""Read-side summaries for the researcher: participants by study id, the CONSORT flow from
live data (counted in the database), and the report of embct.analysis on the current export."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, FilteredRelation, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from embct import trial
from embct.platform.care.models import LogSubmission
from embct.platform.groups.models import Attendance
from embct.platform.lib.code_version import code_version
from embct.platform.versions import services as versions

from . import export, services, trial_text
from .models import Allocation, Participant, Screening


@dataclass
class ParticipantRow:
    study_id: str
    pk: int
    site: str
    eligible: bool
    consented: bool
    first_arm: str | None
    arm: str | None
    withdrawal: str | None


def participants() -> QuerySet[Participant]:
    """Every participant, the newest first, with what their rows need (a queryset: the
    dashboard counts it and reads one page)."""
    return (
        Participant.objects.prefetch_related("allocations")
        .select_related("withdrawal")
        .order_by("-pk")
    )


def participant_rows(people: Iterable[Participant] | None = None) -> list[ParticipantRow]:
    """The dashboard's rows of ``people`` (one page of :func:`participants`; all by default):
    the arm so far as embct.trial decides it."""
    rows = []
    for person in participants() if people is None else people:
        by_list = {a.list_name: a.arm for a in person.allocations.all()}
        first = by_list.get("main")
        decided, _ = trial.arm_so_far(first, by_list.get("tau"))
        arm = None if decided is None else decided.value
        withdrawal = getattr(person, "withdrawal", None)
        rows.append(
            ParticipantRow(
                person.study_id,
                person.pk,
                person.site,
                person.eligible,
                person.consent_on is not None,
                first,
                arm,
                None if withdrawal is None else withdrawal.kind,
            )
        )
    return rows


@dataclass
class ReallocationRow:
    """A TAU patient on the "re-allocation due" list: the study id and where to open it."""

    study_id: str
    pk: int
    allocated_on: Any
    due_on: Any
    due: bool


def reallocations(today: Any) -> list[ReallocationRow]:
    """TAU patients not re-randomized yet (and not withdrawn) whose re-randomization is due
    today or within embct.trial.REALLOCATION_SOON_DAYS days (embct.trial.reallocations_due).

    Only the allocations that can be due by then are read: those made on or before the last
    day whose re-randomization date is within the horizon (the date only grows with the
    allocation's), not every TAU patient still waiting for the 3 months to pass."""
    horizon = today + timedelta(days=trial.REALLOCATION_SOON_DAYS)
    latest = horizon
    while trial.tau_rerandomization_date(latest) > horizon:
        latest -= timedelta(days=1)
    waiting = (
        Allocation.objects.filter(
            list_name="main",
            arm=trial.Arm.TAU.value,
            participant__withdrawal__isnull=True,
            allocated_on__lte=latest,
        )
        .exclude(participant__allocations__list_name="tau")
        .values_list("participant__study_id", "allocated_on", "participant_id")
    )
    pks = {study_id: pk for study_id, _on, pk in waiting}
    due = trial.reallocations_due([(study_id, on) for study_id, on, _pk in waiting], today)
    return [
        ReallocationRow(r.participant_id, pks[r.participant_id], r.allocated_on, r.due_on, r.due)
        for r in due
    ]


def flow() -> trial.ConsortFlow:
    """The CONSORT flow of the live data (embct.trial.consort), counted in the database:
    grouped counts, never the rows of the export; a total is counted on its own wherever the
    database can, so that ``consort`` checks the parts against it. The boxes of the analyses
    (``analysed.*``) are the report's, not the database's: unknown here."""
    counts: dict[str, int] = {}
    invited_left = Screening.objects.filter(invited=True, participant=None).count()
    calls = export.call_outcome_counts()
    counts.update(calls)
    counts["awaiting_call"] = invited_left - sum(calls.values())
    counts["screened"] = (
        Screening.objects.count() + Participant.objects.filter(screening=None).count()
    )
    counts[f"not_eligible.{trial.NOT_ELIGIBLE_REASONS[0]}"] = Screening.objects.filter(
        invited=False
    ).count()
    for reason in trial.NOT_ELIGIBLE_REASONS[1:]:
        counts[f"not_eligible.{reason}"] = 0
    for answers, n in (
        # a randomized participant corrected to ineligible stays randomized (intention to treat)
        Participant.objects.filter(eligible=False)
        .exclude(allocations__list_name="main")
        .values_list("eligibility")
        .annotate(n=Count("pk"))
        .values_list("eligibility", "n")
    ):
        key = f"not_eligible.{_not_eligible_reason(answers)}"
        counts[key] += n
    main = Allocation.objects.filter(list_name="main")
    counts["randomized"] = main.count()
    counts["awaiting_randomization"] = (
        Participant.objects.filter(eligible=True).exclude(allocations__list_name="main").count()
    )
    for key in [f"allocated.{a}" for a in trial.Arm] + [f"tau.{a}" for a in trial.TREATMENT_ARMS]:
        counts[key] = 0
    for list_name, arm, n in (
        Allocation.objects.values("list_name", "arm")
        .annotate(n=Count("pk"))
        .values_list("list_name", "arm", "n")
    ):
        counts[f"{'allocated' if list_name == 'main' else 'tau'}.{arm}"] += n
    counts["tau.waiting"] = (
        main.filter(arm=trial.Arm.TAU).exclude(participant__allocations__list_name="tau").count()
    )
    _count_treatment_arms(counts)
    return trial.consort(counts)


@dataclass(frozen=True)
class ReferralRow:
    """A participant on the "referrals to record" list: where to open it, and since when."""

    pk: int
    study_id: str
    assessed_on: Any


@dataclass(frozen=True)
class StudySummary:
    """What the dashboard shows of the whole trial, not of one page: the CONSORT flow
    (:func:`flow`) and the referrals still to record (services.referrals_to_record), each a
    query over every participant."""

    flow: trial.ConsortFlow
    referrals: list[ReferralRow]


#: How long a study summary stays in the cache. The key is the study data's version, which
#: every write to the tables it reads replaces, so the timeout only frees the space of old ones.
SUMMARY_CACHE_SECONDS = 24 * 60 * 60


def summary_cache_key(version: str) -> str:
    """The cache key of the summary made at ``version`` (embct.platform.versions.services).
    The value is counts, ids and dates, no text: the same in every language (the labels are
    added per view)."""
    return f"research:summary:v1:{version}"


def study_summary() -> StudySummary:
    """The flow and the referrals to record, kept in the cache between views under the study
    data's version: a view of unchanged data costs one primary-key read and a cache get, not
    the flow's 11 grouped counts and the scan of every participant's eligibility.

    Never stale: any write to what they read replaces the version in its transaction, so a
    reader that read the old version read it before the write was committed. A summary made
    while a write was committed (the version read again afterwards differs) is returned, but
    not cached: its counts may mix the data before and after."""
    version = versions.current(versions.STUDY)
    key = summary_cache_key(version)
    found = cache.get(key)
    if found is not None:
        return StudySummary(
            trial.ConsortFlow(MappingProxyType(found["counts"])),
            [ReferralRow(*row) for row in found["referrals"]],
        )
    rows = services.referrals_to_record()
    referrals = [ReferralRow(p.pk, p.study_id, p.assessed_on) for p in rows]
    made = StudySummary(flow(), referrals)
    if versions.current(versions.STUDY) == version:
        value = {
            "counts": dict(made.flow.counts),
            "referrals": [(r.pk, r.study_id, r.assessed_on) for r in referrals],
        }
        cache.set(key, value, SUMMARY_CACHE_SECONDS)
    return made


@dataclass
class FlowRow:
    """A box of the flow as the dashboard's table shows it: indented under its box."""

    key: str
    label: str
    n: int | None
    depth: int


def flow_rows(flow: trial.ConsortFlow) -> list[FlowRow]:
    """The boxes shown (``ConsortFlow.shown``) in the diagram's order, each indented under
    the box it is part of (its last split), with its label in the reader's language."""
    labels = trial_text.box_labels()
    depth: dict[str, int] = {}
    for key in trial.KEYS:
        depth.setdefault(key, 0)
        for part in trial.BOXES.get(key, ((),))[-1]:
            depth[part] = depth[key] + 1
    return [FlowRow(k, labels[k], n, depth[k]) for k, n in flow.shown().items()]


def flow_figure(flow: trial.ConsortFlow) -> SafeString:
    """The CONSORT figure of ``flow`` (embct.report.consort), in the reader's language."""
    from embct.report.consort import consort_svg

    svg = consort_svg(
        flow,
        trial_text.box_labels(),
        title=gettext("CONSORT flow diagram of the live data"),
        id_prefix="live-consort",
    )
    return mark_safe(svg)  # noqa: S308  # every text in it is escaped by consort_svg


def _not_eligible_reason(answers: dict[str, bool]) -> str:
    try:
        reason = trial.not_eligible_reason(trial.assess_eligibility(answers))
    except trial.ProtocolError as error:
        raise trial.FlowError(f"eligibility {answers!r}: {error}") from None
    if reason is None:
        raise trial.FlowError(f"eligibility {answers!r} meets every criterion, but is not eligible")
    return reason


def _count_treatment_arms(counts: dict[str, int]) -> None:
    """The treatment arms' status boxes (waiting, declined, dropouts by reason, completers),
    from one grouped query over the participants with a treatment arm: their allocations,
    withdrawal and sessions (log files sent, group meetings attended) as subqueries."""
    found: dict[str, int] = {}
    logs = (
        LogSubmission.objects.filter(patient=OuterRef("profile_id"))
        .values("patient")
        .annotate(n=Count("session", distinct=True))
        .values("n")
    )
    met = (
        Attendance.objects.filter(patient=OuterRef("profile_id"), present=True)
        .values("patient")
        .annotate(n=Count("meeting", distinct=True))
        .values("n")
    )
    # the two allocations as joins on their unique (participant, list) index, not as
    # subqueries evaluated once per participant in the select, the filter and the grouping
    rows = (
        Participant.objects.annotate(
            main=FilteredRelation("allocations", condition=Q(allocations__list_name="main")),
            tau=FilteredRelation("allocations", condition=Q(allocations__list_name="tau")),
        )
        .filter(main__isnull=False)
        .annotate(sessions=Greatest(Coalesce(Subquery(logs), 0), Coalesce(Subquery(met), 0)))
        .values_list("main__arm", "tau__arm", "withdrawal__kind", "withdrawal__reason", "sessions")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for main, tau, kind, reason, sessions, n in rows:
        arm, tau_first = trial.arm_so_far(main, tau)
        if arm is None:  # in TAU, awaiting re-randomization: counted as tau.waiting
            continue
        started = kind != trial.WithdrawalKind.DECLINED and sessions > 0
        status = trial.arm_status(started, sessions if started else 0, kind or "")
        reason_key = trial.dropout_reason(kind or "", reason or "")
        trial.count_treatment(found, arm.value, tau_first, status, reason_key, n)
    for arm in trial.TREATMENT_ARMS:
        # the arm's total from these rows; how they came to it is the allocation table's
        counts[arm.value] = found.pop(f"allocated.{arm}", 0) + found.pop(f"tau.{arm}", 0)
        for key in trial.KEYS:  # every leaf of the arm, 0 where nobody is in it
            if key.startswith(f"{arm}.") and key not in trial.BOXES:
                counts[key] = found.get(key, 0)


#: How long a live report stays in the cache. The key holds the data's versions, which every
#: write to what the export reads replaces, so the timeout only frees the space of old ones.
REPORT_CACHE_SECONDS = 24 * 60 * 60

#: The data versions the live report is made of: all the export reads (the study data, the
#: questionnaire responses and the patient profiles; embct.platform.versions).
REPORT_DATA = (versions.STUDY, versions.RESPONSES)


def report_cache_key(version: str) -> str:
    """The cache key of the live report of the data at ``version`` (the tokens of
    :data:`REPORT_DATA`), made by this code (a host running other code makes other keys), in
    the active language (the report's words follow the reader's language)."""
    language = get_language() or settings.LANGUAGE_CODE
    return f"research:live-report:v3:{version}:{code_version()[:24]}:{language}"


def report(user: Any, *, by: Any = None) -> tuple[dict[str, Any], str]:
    """Export the current trial table to CSV, run ``embct.analysis`` on that file exactly as
    ``embct analyze`` does, and render the report with ``embct.report``. Every view is logged
    and audited as an export of that file (its SHA-256, rows and columns).

    The file's digest, the results and the HTML are cached under the data's versions
    (:data:`REPORT_DATA`), the code and the language: a repeat view of unchanged data reads
    two tokens and the cache, and logs the cached file's digest, without making the export
    again. Never stale: any write to what the export reads replaces a version in its own
    transaction. A report made while such a write was committed (the versions read again
    afterwards differ) is shown but not cached: its file may mix the data before and after."""
    from embct.analysis import analyze, load_table, to_jsonable
    from embct.report import render_report

    version = versions.current(*REPORT_DATA)
    key = report_cache_key(version)
    cached = cache.get(key)
    if cached is not None:
        digest = export.Digest(*cached["digest"])
        export.log_export(digest, "csv", user, "web", what="report", by=by)
        return cached["results"], cached["html"]
    with tempfile.TemporaryDirectory(prefix="embct-report-") as folder:
        path = Path(folder) / "embct-trial.csv"
        log = export.export(path, "csv", user=user, via="web", what="report", by=by)
        results = to_jsonable(analyze(load_table(path)))
    html = render_report(results, title="Live report", fragment=True)
    if versions.current(*REPORT_DATA) == version:
        made = {
            "digest": (log.sha256, log.rows, log.columns),
            "results": results,
            "html": html,
        }
        cache.set(key, made, REPORT_CACHE_SECONDS)
    return results, html

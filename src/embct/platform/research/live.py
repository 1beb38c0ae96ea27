"""Read-side summaries for the researcher: participants by study id, the CONSORT flow from
live data, and the report of embct.analysis on the current export."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from embct import trial

from . import export
from .models import Allocation, Participant


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


def participant_rows() -> list[ParticipantRow]:
    people = Participant.objects.prefetch_related("allocations").select_related("withdrawal")
    rows = []
    for person in people:
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
    today or within embct.trial.REALLOCATION_SOON_DAYS days (embct.trial.reallocations_due)."""
    waiting = (
        Allocation.objects.filter(
            list_name="main", arm=trial.Arm.TAU.value, participant__withdrawal__isnull=True
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


def flow() -> trial.Flow:
    """CONSORT counts per treatment arm (embct.trial.consort_flow) from the export table."""
    table = export.trial_table()
    records = [
        trial.FlowRecord(
            str(row.participant_id),
            trial.Arm(str(row.arm)),
            bool(row.started),
            int(row.sessions_attended),  # type: ignore[arg-type]  # an Int64 column, never missing
            bool(row.tau_first),
        )
        for row in table[
            ["participant_id", "arm", "started", "sessions_attended", "tau_first"]
        ].itertuples(index=False)
    ]
    return trial.consort_flow(records)


def report(user: Any, *, by: Any = None) -> tuple[dict[str, Any], str]:
    """Export the current trial table to CSV, run ``embct.analysis`` on that file exactly as
    ``embct analyze`` does, and render the report with ``embct.report``. Logged."""
    from embct.analysis import analyze, load_table, to_jsonable
    from embct.report import render_report

    with tempfile.TemporaryDirectory(prefix="embct-report-") as folder:
        path = Path(folder) / "embct-trial.csv"
        export.export(path, "csv", user=user, via="web", what="report", by=by)
        results = to_jsonable(analyze(load_table(path)))
    return results, render_report(results, title="Live report")

"""The demo's whole trial: every stage of the flow is there, on dates that make sense, its
export goes through ``embct analyze`` without a skipped section, and it is quick to build."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import TestCase, override_settings
from django.utils import timezone

from embct import trial
from embct.cli import main
from embct.platform.accounts.models import Role, User
from embct.platform.care.models import LogSubmission, PatientProfile
from embct.platform.core import demo_trial
from embct.platform.course.loader import load_course
from embct.platform.groups.models import GroupMeeting
from embct.platform.questionnaires.models import Response
from embct.platform.research.models import (
    Allocation,
    CallAttempt,
    Participant,
    Screening,
    Withdrawal,
)
from embct.platform.research.services import WorkflowError, arms
from embct.schema import WAVES
from support.testing import FIXTURE_COURSE

SEED = 20190614

pytestmark = pytest.mark.slow  # simulates a cohort and enters ~350 people


def skipped_sections(document: Any, where: str = "") -> Iterator[str]:
    """Where ``document`` (results.json) has a ``{"skipped": ...}`` section."""
    if isinstance(document, dict):
        if "skipped" in document:
            yield f"{where}: {document['skipped']}"
        for key, value in document.items():
            yield from skipped_sections(value, f"{where}.{key}")
    elif isinstance(document, list):
        for k, value in enumerate(document):
            yield from skipped_sections(value, f"{where}[{k}]")


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class DemoTrialTests(TestCase):
    seconds: float
    cpu_seconds: float
    queries: int
    screened: int

    @classmethod
    def setUpTestData(cls) -> None:
        load_course(FIXTURE_COURSE)
        cls.researcher = User.objects.create_user("researcher", role=Role.RESEARCHER)
        counted = []

        def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            counted.append(1)
            return execute(sql, params, many, context)

        with override_settings(EMBCT_RANDOMIZATION_SEED=SEED), connection.execute_wrapper(count):
            start, cpu = time.perf_counter(), time.process_time()
            cls.screened = demo_trial.seed_trial(cls.researcher)
            cls.seconds = time.perf_counter() - start
            cls.cpu_seconds = time.process_time() - cpu
        cls.queries = len(counted)

    def test_it_is_about_the_papers_trial_entered_in_seconds(self) -> None:
        randomized = Allocation.objects.filter(list_name="main").count()
        assert 245 <= randomized <= 280
        # No per-row recomputation: a bounded number of queries per person screened (about
        # 80: each service's own, for each step the person took, and the data version each
        # write replaces in its transaction, embct.platform.versions).
        assert self.queries < 90 * self.screened, (self.queries, self.screened)
        print(
            f"demo trial: {self.screened} screened, {self.seconds:.1f} s "
            f"({self.cpu_seconds:.1f} s of CPU), {self.queries} queries"
        )

    def test_every_stage_of_the_flow_has_people(self) -> None:
        today = timezone.localdate()
        screenings = Screening.objects.all()
        people = list(Participant.objects.prefetch_related("allocations"))
        decided = {p.pk: arms(p) for p in people}
        declined = Withdrawal.objects.filter(kind="declined")
        dropouts = Withdrawal.objects.filter(kind="dropout")
        randomized = [p for p in people if p.allocations.all()]
        failed = {
            c.id: sum(
                p.eligibility[c.id] is not (c.kind is trial.CriterionKind.INCLUSION) for p in people
            )
            for c in trial.CRITERIA
        }
        complete = [
            profile
            for profile in PatientProfile.objects.filter(study_participant__isnull=False)
            if Response.objects.filter(patient=profile).count() == len(WAVES)
        ]
        waiting_embct = PatientProfile.objects.filter(start_date__gt=today)
        first_meetings = GroupMeeting.objects.filter(session__week=1, date__gt=today)
        stages = {
            "screened below the HADS threshold": screenings.filter(invited=False).count(),
            "on the call list": screenings.filter(
                invited=True, participant=None, call_outcome=""
            ).count(),
            "declined at the call": screenings.filter(call_outcome="declined").count(),
            "not reached at the call": screenings.filter(call_outcome="not_reached").count(),
            "to call back": CallAttempt.objects.filter(outcome="call_back").count(),
            "randomized": len(randomized),
            "in TAU, waiting": sum(decided[p.pk][0] is None for p in randomized),
            "TAU, re-randomized": sum(
                decided[p.pk][1] and decided[p.pk][0] is not None for p in randomized
            ),
            "allocated and waiting": waiting_embct.count()
            + PatientProfile.objects.filter(group__meetings__in=first_meetings).count(),
            "declined": declined.count(),
            "dropped out": dropouts.count(),
            "completed with all questionnaires": len(complete),
        } | {f"not eligible: {criterion}": n for criterion, n in failed.items()}
        assert [stage for stage, n in stages.items() if n == 0] == [], stages
        # the dropouts attended fewer sessions than a completer, the complete more
        for withdrawal in dropouts.select_related("participant__profile"):
            profile = withdrawal.participant.profile
            assert profile is not None
            sent = LogSubmission.objects.filter(patient=profile).count()
            present = profile.attendance.filter(present=True).count()
            assert max(sent, present) < trial.ADEQUATE_DOSE_SESSIONS

    def test_each_step_follows_the_one_before_on_real_dates(self) -> None:
        today = timezone.localdate()
        for person in Participant.objects.select_related("screening").prefetch_related(
            "allocations"
        ):
            assert person.screening is not None
            screened = timezone.localdate(person.screening.created_at)
            assert screened <= person.assessed_on <= today
            if person.consent_on is not None:
                assert person.assessed_on <= person.consent_on <= today
            for allocation in person.allocations.all():
                assert person.consent_on is not None
                assert person.baseline  # complete before randomization
                assert person.consent_on <= allocation.allocated_on <= today
            tau = [a for a in person.allocations.all() if a.list_name == "tau"]
            if tau:
                first = person.allocations.get(list_name="main")
                assert tau[0].allocated_on == trial.tau_rerandomization_date(first.allocated_on)
        days = Allocation.objects.values_list("allocated_on", flat=True)
        assert today - min(days) > timedelta(days=365)  # over the trial's months
        assert today - max(days) < timedelta(days=14)  # ... ending today
        assert not Response.objects.filter(submitted_at__gt=timezone.now()).exists()
        assert not LogSubmission.objects.filter(sent_at__gt=timezone.now()).exists()
        for response in Response.objects.select_related("assessment")[:200]:
            assert response.assessment.due is not None
            assert timezone.localdate(response.submitted_at) >= response.assessment.due

    def test_every_arm_is_the_randomizers(self) -> None:
        # the sequence of the seed, regenerated as a trial statistician would
        main = Allocation.objects.filter(list_name="main").order_by("position")
        sequence = trial.allocation_sequence(SEED, main.count())
        assert [a.arm for a in main] == [slot.arm.value for slot in sequence]

    def test_the_export_analysed_with_embct_analyze_skips_no_section(self) -> None:
        folder = Path(tempfile.mkdtemp(prefix="embct-test-"))
        self.addCleanup(shutil.rmtree, folder, True)
        assert main(["export", "--format", "csv", "--out", str(folder / "demo.csv")]) == 0
        exported = str(folder / "demo.csv")
        assert main(["analyze", "--data", exported, "--out", str(folder / "r")]) == 0
        results = json.loads((folder / "r" / "results.json").read_text())
        assert list(skipped_sections(results)) == []
        clustering = results["clustering"]["hads"]["icc"]
        assert clustering["therapist"]["n_clusters"] == demo_trial.THERAPISTS
        assert clustering["group"]["n_clusters"] >= 5  # by MBCT group
        assert results["outcomes"]["hads"]["n"] >= 80

    def test_it_is_entered_once(self) -> None:
        before = Screening.objects.count()
        assert demo_trial.seed_trial(self.researcher) == 0
        assert Screening.objects.count() == before


class DemoTrialNeedsASeedTests(TestCase):
    @override_settings(EMBCT_RANDOMIZATION_SEED=None)
    def test_without_a_seed_it_refuses_and_enters_nobody(self) -> None:
        load_course(FIXTURE_COURSE)
        researcher = User.objects.create_user("researcher", role=Role.RESEARCHER)
        with pytest.raises(WorkflowError, match="EMBCT_RANDOMIZATION_SEED"):
            demo_trial.seed_trial(researcher)
        assert not Screening.objects.exists()

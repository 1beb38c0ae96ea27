"""The live CONSORT flow (research.live.flow): counted in the database, every box the sum of
its parts, and equal to the flow ``embct analyze`` reports on the export.

The property test builds random trials through the platform's own services (screening,
eligibility call, consent, randomization, TAU re-randomization, the course's sessions,
withdrawals); the unit tests pin hand-counted cases and the dashboard's table and figure.
"""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape
from typing import Any, ClassVar

import pytest
from django.conf import settings as django_settings
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from embct import trial
from embct.analysis import analyze, consort_counts, prepare
from embct.platform.accounts.models import Role, User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Arm, LogSubmission, PatientProfile
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from embct.platform.lib.paging import PAGE_SIZE
from embct.platform.research import corrections, live
from embct.platform.research import services as research
from embct.platform.research.export import trial_table
from embct.platform.research.models import Participant, Screening, Withdrawal
from support.testing import TODAY, BaseTestCase

SEED = 8080
REASONS = [r.value for r in trial.DropoutReason]

#: Most people go on to the next step, so that most trials reach both treatment arms.
MOSTLY = st.sampled_from([True, True, True, True, False])
#: One person of a random trial: how far they get, and what happens to them.
person = st.fixed_dictionaries(
    {
        "item": st.sampled_from([0, 1, 2, 2]),  # every HADS item: total 0 (below 11), 14, 28
        "called": MOSTLY,
        "failed": st.sampled_from([None] * 16 + [c.id for c in trial.CRITERIA]),
        "consent": MOSTLY,
        "randomize": MOSTLY,
        "rerandomize": st.booleans(),
        "sessions": st.integers(0, 9),
        "withdrawal": st.sampled_from([None, None, "declined", "dropout"]),
        "reason": st.sampled_from(REASONS),
    }
)


BASELINE = {
    **{
        f.name: f.name != "psychiatric_diagnosis" for f in trial.BASELINE_FIELDS if f.kind == "bool"
    },
    "years_since_diagnosis": 2.5,
}


def answers(failed: str | None) -> dict[str, bool]:
    out = {c.id: c.kind == trial.CriterionKind.INCLUSION for c in trial.CRITERIA}
    if failed is not None:
        out[failed] = not out[failed]
    return out


def figure_lines(html: str) -> list[str]:
    """The lines of text of the page's SVG figure, a wrapped line joined again."""
    svg = html[html.index("<svg") : html.index("</svg>")]
    lines: list[str] = []
    for text in re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg):
        text = unescape(text)
        if text.startswith("  ") and lines:
            lines[-1] += " " + text.strip()
        else:
            lines.append(text)
    return lines


class TrialBuilder:
    """Enter people through the research services, and their course through the care and
    groups models, as the platform records them."""

    def __init__(self, case: BaseTestCase) -> None:
        self.case = case
        group = MbctGroup.objects.create(
            name="flow group", therapist=case.tessa, location="room", course=case.course
        )
        self.group = group
        self.sessions = list(case.course.sessions.order_by("week"))
        self.meetings = [
            GroupMeeting.objects.create(group=group, session=s, date=TODAY + timedelta(weeks=i))
            for i, s in enumerate(self.sessions)
        ]

    def add(self, spec: dict[str, Any]) -> None:
        screening = research.screen(dict.fromkeys(range(1, 15), spec["item"]), "06", uuid.uuid4())
        if not screening.invited or not spec["called"]:
            return
        person = research.record_eligibility(screening, answers(spec["failed"]), "", TODAY)
        if not person.eligible or not spec["consent"]:
            return
        research.record_consent(person, TODAY, TODAY)
        research.record_baseline(
            person, BASELINE | {"age": 30 + len(self.sessions) + person.pk % 40}
        )
        if not spec["randomize"]:
            return
        allocation = research.randomize(person, self.case.rosa, TODAY)
        if allocation.arm == trial.Arm.TAU:
            if not spec["rerandomize"]:
                return
            research.rerandomize_tau(person, self.case.rosa, TODAY + timedelta(days=100))
        arm, _ = research.arms(person)
        self.course(person, arm, spec)

    def course(self, person: Participant, arm: str | None, spec: dict[str, Any]) -> None:
        group_member = arm == trial.Arm.MBCT
        user = User.objects.create_user(f"p{person.pk}", role=Role.PATIENT)
        profile = PatientProfile.objects.create(
            user=user,
            therapist=self.case.tessa,
            course=self.case.course,
            arm=Arm.MBCT if group_member else Arm.EMBCT,
            group=self.group if group_member else None,
            start_date=None if group_member else TODAY,
        )
        research.link_profile(person, profile)
        sessions = 0 if spec["withdrawal"] == "declined" else spec["sessions"]
        if group_member:
            Attendance.objects.bulk_create(
                Attendance(meeting=m, patient=profile, present=True)
                for m in self.meetings[:sessions]
            )
        else:
            LogSubmission.objects.bulk_create(
                LogSubmission(patient=profile, session=s) for s in self.sessions[:sessions]
            )
        if spec["withdrawal"]:
            research.record_withdrawal(person, spec["withdrawal"], TODAY, spec["reason"])


def expected(specs: list[dict[str, Any]], flow: trial.ConsortFlow) -> dict[str, int]:
    """The pre-randomization boxes counted from the specs, without the platform."""
    below = sum(s["item"] == 0 for s in specs)
    invited = [s for s in specs if s["item"] > 0]
    called = [s for s in invited if s["called"]]
    eligible = [s for s in called if s["failed"] is None]
    consented = [s for s in eligible if s["consent"]]
    return {
        "screened": len(specs),
        "not_eligible.hads_below_threshold": below,
        "not_eligible": below + len(called) - len(eligible),
        "awaiting_call": len(invited) - len(called),
        "awaiting_randomization": len(eligible) - sum(s["randomize"] for s in consented),
        "randomized": sum(s["randomize"] for s in consented),
    }


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
@pytest.mark.slow  # random trials through the services, each exported and analysed
class LiveFlowPropertyTests(HypothesisTestCase, BaseTestCase):
    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(specs=st.lists(person, min_size=1, max_size=18))
    def test_the_live_flow_adds_up_and_equals_embct_analyze_on_the_export(
        self, specs: list[dict[str, Any]]
    ) -> None:
        builder = TrialBuilder(self)
        for spec in specs:
            builder.add(spec)
        flow = live.flow()  # trial.consort: raises unless every box is the sum of its parts
        flow.check()
        known = flow.known()
        assert set(known) == {k for k in trial.KEYS if not k.startswith("analysed.")}
        assert {k: known[k] for k in expected(specs, flow)} == expected(specs, flow)
        table = trial_table()
        arms = set(table["arm"].dropna())
        if arms != {"mbct", "embct"}:  # the analysis compares two arms: the boxes, then
            event("fewer than two treatment arms")
            assert len(table) == (known["mbct"] or 0) + (known["embct"] or 0)
            return
        event("analysed")
        reported = analyze(prepare(table))["flow"]["consort"]
        assert "skipped" not in reported
        for key, n in reported.items():
            if not key.startswith("analysed."):
                assert known[key] == n, key
        assert reported["analysed.baseline"] == len(table)
        assert consort_counts(prepare(table)).items() <= known.items()


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class LiveFlowTests(BaseTestCase):
    def build(self, *specs: dict[str, Any]) -> None:
        builder = TrialBuilder(self)
        for spec in specs:
            builder.add(spec)

    def spec(self, **changes: Any) -> dict[str, Any]:
        base = {
            "item": 2,
            "called": True,
            "failed": None,
            "consent": True,
            "randomize": True,
            "rerandomize": True,
            "sessions": 5,
            "withdrawal": None,
            "reason": "other",
        }
        return base | changes

    def test_a_hand_counted_trial(self) -> None:
        self.build(
            self.spec(item=0),
            self.spec(called=False),
            self.spec(failed="course_language"),
            self.spec(failed="previous_mindfulness_course"),
            self.spec(consent=False),
            self.spec(randomize=False),
            *[self.spec(sessions=n) for n in (0, 2, 6, 9)],
            self.spec(sessions=0, withdrawal="declined"),
            self.spec(sessions=2, withdrawal="dropout", reason="practical"),
        )
        flow = live.flow()
        assert flow["screened"] == 12
        assert flow["not_eligible"] == 3
        assert flow["not_eligible.hads_below_threshold"] == 1
        assert flow["not_eligible.course_language"] == 1
        assert flow["not_eligible.previous_mindfulness_course"] == 1
        assert flow["awaiting_call"] == 1
        assert flow["awaiting_randomization"] == 2
        assert flow["randomized"] == 6
        waiting = flow["mbct.waiting"] + flow["embct.waiting"]
        declined = flow["mbct.declined"] + flow["embct.declined"]
        assert (waiting, declined) == (1, 1)  # before: both counted as declined
        dropouts = [flow[f"{a}.dropouts"] for a in ("mbct", "embct")]
        assert sum(dropouts) == 2
        practical = flow["mbct.dropouts.practical"] + flow["embct.dropouts.practical"]
        assert practical == 1
        assert flow["mbct.completers"] + flow["embct.completers"] == 2
        assert flow["allocated.tau"] == flow["tau.mbct"] + flow["tau.embct"] + flow["tau.waiting"]

    def test_the_calls_outcomes_are_their_own_boxes(self) -> None:
        self.build(*[self.spec(called=False) for _ in range(3)])
        declined, unreached, _open = Screening.objects.filter(invited=True).order_by("pk")
        research.record_call_attempt(declined, "declined", TODAY, TODAY)
        for _ in range(django_settings.EMBCT_CALL_ATTEMPTS):
            research.record_call_attempt(unreached, "not_reached", TODAY, TODAY)
        research.close_unreached(unreached, TODAY)
        flow = live.flow()  # before: all three counted as still on the call list
        assert (flow["declined_call"], flow["not_reached"], flow["awaiting_call"]) == (1, 1, 1)
        assert flow["screened"] == 3

    def test_who_attended_a_session_cannot_be_recorded_as_declined(self) -> None:
        """Before: accepted, and the export then said started=0 with 2 sessions, which
        embct analyze refuses (and the live flow counted them as declined)."""
        self.build(self.spec(sessions=2))
        person = Participant.objects.get(allocations__list_name="main")
        rows = (Withdrawal.objects.count(), AuditEvent.objects.count())
        with pytest.raises(research.WorkflowError) as refused:
            research.record_withdrawal(person, "declined", TODAY, "other")
        message = str(refused.value)
        assert person.study_id in message
        assert "kind: declined is refused" in message
        assert "(2 sessions attended): record a dropout" in message
        assert (Withdrawal.objects.count(), AuditEvent.objects.count()) == rows
        research.record_withdrawal(person, "dropout", TODAY, "other")
        with pytest.raises(research.WorkflowError, match=r"withdrawal\.kind: declined is refused"):
            corrections.correct_withdrawal(
                person, "entry_error", "typed the wrong kind", TODAY, kind="declined"
            )
        assert Withdrawal.objects.get().kind == "dropout"

    def test_a_randomized_participant_corrected_to_ineligible_stays_randomized(self) -> None:
        self.build(self.spec(), self.spec(consent=False))
        for person in Participant.objects.all():
            corrections.correct_eligibility(
                person, "course_language", False, "entry_error", "typed the wrong answer"
            )
        flow = live.flow()  # before: counted twice, and the flow did not add up
        assert flow["randomized"] == 1
        assert flow["not_eligible.course_language"] == 1
        assert flow["screened"] == 2

    def test_a_tau_patient_awaiting_re_randomization_is_in_tau_and_in_no_arm(self) -> None:
        self.build(*[self.spec(rerandomize=False) for _ in range(6)])
        flow = live.flow()
        assert flow["allocated.tau"] == flow["tau.waiting"] >= 1
        assert flow["mbct"] + flow["embct"] == 6 - flow["tau.waiting"]

    def test_the_dashboard_shows_the_flow_as_a_table_and_a_figure_with_the_same_numbers(
        self,
    ) -> None:
        self.build(self.spec(item=0), self.spec(), self.spec(sessions=0, withdrawal="declined"))
        self.login(self.rosa)
        with self.assertNumQueries(FLOW_QUERIES, using="default"):
            flow = live.flow()
        response = self.client.get("/research/")
        assert response.status_code == 200
        html = response.content.decode()
        assert '<svg xmlns="http://www.w3.org/2000/svg" role="img"' in html
        lines = figure_lines(html)
        rows = response.context["flow_rows"]
        for row in rows:
            assert f'<tr data-box="{row.key}">' in html
            assert f"{row.label}: {row.n}" in lines  # the figure's text, the table's number
        # and nothing else (the arm's box repeats how its people came to it)
        assert set(lines) == {f"{row.label}: {row.n}" for row in rows}
        assert response.context["flow"].known() == flow.known()

    def test_the_dashboard_flow_is_in_dutch(self) -> None:
        self.build(self.spec())
        User.objects.filter(pk=self.rosa.pk).update(language="nl")
        self.login(self.rosa)
        html = self.client.get("/research/").content.decode()
        lines = figure_lines(html)
        assert "Gerandomiseerd: 1" in lines
        assert "Gescreend: 1" in lines
        assert '<th scope="row" class="depth-1">Gerandomiseerd</th>' in html
        assert not any("Randomized" in line or "Screened" in line for line in lines)


#: live.flow's queries, whatever the size of the trial: the counts are the database's.
FLOW_QUERIES = 11  # with the calls' outcomes, one grouped count


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class DashboardPagingTests(BaseTestCase):
    """The dashboard lists its participants a page at a time, while its flow still counts
    the whole trial, and counts it as the export does."""

    SPECS: ClassVar[list[dict[str, Any]]] = [
        {
            "item": (0, 1, 2, 2, 2)[k % 5],
            "called": k % 7 != 3,
            "failed": "course_language" if k % 11 == 4 else None,
            "consent": k % 9 != 5,
            "randomize": k % 8 != 6,
            "rerandomize": k % 2 == 0,
            "sessions": k % 10,
            "withdrawal": (None, None, "declined", "dropout", None)[k % 5],
            "reason": REASONS[k % len(REASONS)],
        }
        for k in range(60)
    ]

    def setUp(self) -> None:
        super().setUp()
        builder = TrialBuilder(self)
        for spec in self.SPECS:
            builder.add(spec)
        self.login(self.rosa)

    def test_page_two_shows_the_rest_and_only_the_shown_are_audited(self) -> None:
        n = Participant.objects.count()
        assert n > PAGE_SIZE
        first = self.client.get("/research/")
        second = self.client.get("/research/", {"page": "2"})
        ids = [r.pk for r in [*first.context["participants"], *second.context["participants"]]]
        assert len(first.context["participants"]) == PAGE_SIZE
        assert sorted(ids) == list(Participant.objects.order_by("pk").values_list("pk", flat=True))
        self.assertContains(first, f"{n} participants, the newest first.")
        assert ids[0] == Participant.objects.order_by("pk").last().pk  # type: ignore[union-attr]
        self.assertContains(first, 'href="?page=2" rel="next"')
        listed = AuditEvent.objects.filter(action="patient.list", details__page="dashboard")
        assert listed.count() == n  # once per participant shown, over the two pages
        bad = self.client.get("/research/", {"page": "-3"})
        assert bad.status_code == 200
        self.assertContains(bad, "is not a page number")

    def test_the_flow_counted_in_the_database_equals_the_count_on_the_export(self) -> None:
        flow = self.client.get("/research/", {"page": "2"}).context["flow"]
        flow.check()
        known = flow.known()
        table = prepare(trial_table())
        from_export = consort_counts(table)
        assert from_export  # the export-based count: the old way the dashboard counted
        for key, n in from_export.items():
            assert known[key] == n, key
        assert (
            known["randomized"] == Participant.objects.filter(allocations__list_name="main").count()
        )

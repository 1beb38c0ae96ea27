"""The study steps in order, with real dates (issue 14): eligibility, then consent dated from
the screening to today, then the complete baseline, then randomization; TAU re-randomization
only from its due date, and the research dashboard's "re-allocation due" list. Every refusal
names the study id, the field, the value and the rule, in English and Dutch, and changes
neither the record nor the audit log."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

import time_machine
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from embct import trial
from embct.platform.audit.models import Action, AuditEvent
from embct.platform.lib.paging import PAGE_SIZE
from embct.platform.research import live, services
from embct.platform.research.models import Allocation, Participant
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase

SEED = 20191010


def audit_log() -> list[tuple[str, str]]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "target_id"))


def study_log() -> list[tuple[str, str]]:
    """The audit log without the page reads (what the actions wrote)."""
    reads = {Action.PATIENT_VIEW, Action.PATIENT_LIST, Action.CALL_LIST_VIEW}
    return [(a, t) for a, t in audit_log() if a not in reads]


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


class ConsentTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.person = helpers.participant(TODAY, consent=False)
        self.url = f"/research/participants/{self.person.pk}/consent/"

    def post(self, on: date | str) -> Any:
        value = on.isoformat() if isinstance(on, date) else on
        return self.client.post(self.url, {"consent_on": value}, follow=True)

    def test_consent_dated_today_is_recorded_and_audited(self) -> None:
        self.login(self.rosa)
        response = self.post(TODAY)
        self.assertRedirects(response, f"/research/participants/{self.person.pk}/")
        assert messages_of(response) == ["Consent recorded."]
        self.person.refresh_from_db()
        assert self.person.consent_on == TODAY
        event = AuditEvent.objects.get(action=Action.CONSENT)
        assert event.details == {"study_id": self.person.study_id, "on": TODAY.isoformat()}

    def test_consent_on_the_screening_day_is_allowed(self) -> None:
        Participant.objects.filter(pk=self.person.pk).update(assessed_on=TODAY)
        screening = self.person.screening
        screening.created_at = NOW - timedelta(days=10)
        screening.save()
        services.record_consent(self.person, TODAY - timedelta(days=10), TODAY, by=self.rosa)
        self.person.refresh_from_db()
        assert self.person.consent_on == TODAY - timedelta(days=10)

    def test_a_date_in_the_future_is_refused_naming_the_study_id_field_value_and_rule(
        self,
    ) -> None:
        before = audit_log()
        self.login(self.rosa)
        response = self.post(TODAY + timedelta(days=1))
        assert messages_of(response) == [
            f"{self.person.study_id}: consent refused. date of consent: 2026-03-19: consent "
            "cannot be in the future (today is 2026-03-18)."
        ]
        self.person.refresh_from_db()
        assert self.person.consent_on is None
        assert study_log() == [(a, t) for a, t in before if a == Action.ELIGIBILITY]

    def test_a_date_before_the_screening_is_refused(self) -> None:
        self.login(self.rosa)
        response = self.post(TODAY - timedelta(days=1))
        (message,) = messages_of(response)
        assert "2026-03-17" in message
        assert "consent cannot be before the screening (2026-03-18)" in message
        self.person.refresh_from_db()
        assert self.person.consent_on is None
        assert not AuditEvent.objects.filter(action=Action.CONSENT).exists()

    def test_the_refusal_is_in_dutch_for_a_dutch_researcher(self) -> None:
        self.rosa.language = "nl"
        self.rosa.save()
        self.login(self.rosa)
        (message,) = messages_of(self.post(TODAY + timedelta(days=3)))
        assert message == (
            f"{self.person.study_id}: toestemming geweigerd. datum van toestemming: 2026-03-21: "
            "toestemming kan niet in de toekomst liggen (vandaag is 2026-03-18)."
        )

    def test_consent_of_a_person_who_is_not_eligible_is_refused(self) -> None:
        screening = services.screen(dict.fromkeys(range(1, 15), 2), "06", uuid.uuid4())
        answers = {**helpers.CRITERIA_OK, "previous_mindfulness_course": True}
        person = services.record_eligibility(screening, answers, "", TODAY)
        before = audit_log()
        with self.assertRaisesMessage(
            services.WorkflowError,
            f"{person.study_id}: consent refused. eligible: no: the participant is not eligible.",
        ):
            services.record_consent(person, TODAY, TODAY, by=self.rosa)
        person.refresh_from_db()
        assert person.consent_on is None
        assert audit_log() == before

    def test_get_is_405(self) -> None:
        self.login(self.rosa)
        assert self.client.get(self.url).status_code == 405

    def test_a_therapist_gets_403_and_nothing_changes(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url, {"consent_on": "2026-03-18"}).status_code == 403
        self.person.refresh_from_db()
        assert self.person.consent_on is None

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url, {"consent_on": "2026-03-18"}).status_code == 403

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.rosa)
        response = self.client.post("/research/participants/99999/consent/", {"consent_on": "x"})
        assert response.status_code == 404


class BaselineTests(BaseTestCase):
    def form(self) -> dict[str, str]:
        return {
            k: ("1" if v else "0") if isinstance(v, bool) else str(v)
            for k, v in helpers.BASELINE.items()
        }

    def test_the_baseline_before_consent_is_refused_and_nothing_changes(self) -> None:
        person = helpers.participant(TODAY, consent=False)
        before = audit_log()
        self.login(self.rosa)
        page = self.client.get(f"/research/participants/{person.pk}/")
        self.assertContains(page, "The baseline is recorded after consent.")
        self.assertNotContains(page, f"/research/participants/{person.pk}/baseline/")
        response = self.client.post(f"/research/participants/{person.pk}/baseline/", self.form())
        self.assertContains(
            response,
            f"{person.study_id}: baseline refused. date of consent: not recorded: consent must "
            "be recorded first.",
            status_code=400,
        )
        person.refresh_from_db()
        assert person.baseline == {}
        assert study_log() == [(a, t) for a, t in before if a == Action.ELIGIBILITY]

    def test_after_consent_the_baseline_is_recorded(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        self.login(self.rosa)
        response = self.client.post(f"/research/participants/{person.pk}/baseline/", self.form())
        self.assertRedirects(response, f"/research/participants/{person.pk}/")
        person.refresh_from_db()
        assert person.baseline == helpers.BASELINE

    def test_a_therapist_gets_403(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        self.login(self.tessa)
        url = f"/research/participants/{person.pk}/baseline/"
        assert self.client.post(url, self.form()).status_code == 403
        person.refresh_from_db()
        assert person.baseline == {}


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class RandomizationStepTests(BaseTestCase):
    def test_randomization_without_the_baseline_is_refused_listing_every_field(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        before = audit_log()
        self.login(self.rosa)
        page = self.client.get(f"/research/participants/{person.pk}/")
        self.assertContains(page, "Randomization needs the complete baseline. Not recorded yet:")
        self.assertNotContains(page, ">Randomize</button>")
        response = self.client.post(f"/research/participants/{person.pk}/randomize/", follow=True)
        labels = ", ".join(f.label for f in trial.BASELINE_FIELDS)
        assert messages_of(response) == [
            f"{person.study_id}: randomization refused. {labels}: not recorded: randomization "
            "needs the complete baseline (Table 1)."
        ]
        assert not Allocation.objects.exists()
        steps = (Action.ELIGIBILITY, Action.CONSENT, Action.BASELINE)
        assert study_log() == [(a, t) for a, t in before if a in steps]

    def test_a_partly_recorded_baseline_names_only_what_is_missing(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        partial = {k: v for k, v in helpers.BASELINE.items() if k not in ("age", "children")}
        Participant.objects.filter(pk=person.pk).update(baseline=partial)
        person.refresh_from_db()
        with self.assertRaisesMessage(
            services.WorkflowError, "Has children, Age in years: not recorded"
        ):
            services.randomize(person, self.rosa, TODAY)
        assert not Allocation.objects.exists()

    def test_the_missing_fields_are_named_in_dutch(self) -> None:
        person = helpers.participant(TODAY, baseline=False)
        self.rosa.language = "nl"
        self.rosa.save()
        self.login(self.rosa)
        response = self.client.post(f"/research/participants/{person.pk}/randomize/", follow=True)
        (message,) = messages_of(response)
        assert message.startswith(f"{person.study_id}: randomisatie geweigerd. Geslacht vrouw")
        assert "Leeftijd in jaren" in message
        assert message.endswith("randomisatie vraagt de volledige voormeting (tabel 1).")

    def test_with_consent_and_the_complete_baseline_the_button_is_there_and_allocates(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        self.login(self.rosa)
        page = self.client.get(f"/research/participants/{person.pk}/")
        self.assertContains(page, ">Randomize</button>")
        self.assertNotContains(page, "Not recorded yet")
        self.client.post(f"/research/participants/{person.pk}/randomize/")
        assert Allocation.objects.get().participant == person

    def test_a_randomized_participant_is_not_refused_again_but_keeps_the_allocation(
        self,
    ) -> None:
        person = helpers.participant(TODAY)
        first = services.randomize(person, self.rosa, TODAY)
        Participant.objects.filter(pk=person.pk).update(eligible=False)  # corrected later
        person.refresh_from_db()
        assert services.randomize(person, self.rosa, TODAY) == first


def tau_participant(rosa: Any, allocated_on: date) -> Participant:
    """A participant allocated to TAU on ``allocated_on`` (randomizing until the sequence
    gives TAU; the others stay allocated to their arms)."""
    while True:
        person = helpers.participant(TODAY)
        allocation = services.randomize(person, rosa, TODAY)
        if allocation.arm == trial.Arm.TAU:
            Allocation.objects.filter(pk=allocation.pk).update(allocated_on=allocated_on)
            return person


@override_settings(EMBCT_RANDOMIZATION_SEED=SEED)
class ReallocationTests(BaseTestCase):
    def test_the_re_randomize_button_appears_only_from_the_due_date(self) -> None:
        person = tau_participant(self.rosa, date(2026, 1, 10))  # due 2026-04-10
        url = f"/research/participants/{person.pk}/"
        self.login(self.rosa)
        page = self.client.get(url)
        self.assertContains(page, "Re-randomization to MBCT or eMBCT is due on 2026-04-10.")
        self.assertNotContains(page, ">Re-randomize</button>")
        with time_machine.travel(NOW + timedelta(days=23), tick=False):  # 2026-04-10
            self.login(self.rosa)
            self.assertContains(self.client.get(url), ">Re-randomize</button>")

    def test_the_service_refuses_before_the_due_date_and_nothing_changes(self) -> None:
        person = tau_participant(self.rosa, date(2026, 1, 10))
        before = audit_log()
        self.login(self.rosa)
        response = self.client.post(
            f"/research/participants/{person.pk}/randomize/", {"list": "tau"}, follow=True
        )
        assert messages_of(response) == [
            f"{person.study_id}: randomization refused. allocation: 2026-03-18: "
            "re-randomization is due on 2026-04-10, 3 months after the TAU allocation."
        ]
        assert not Allocation.objects.filter(list_name="tau").exists()
        assert study_log() == [(a, t) for a, t in before if a not in (Action.PATIENT_VIEW,)]

    def test_on_the_due_date_the_participant_is_re_randomized(self) -> None:
        person = tau_participant(self.rosa, TODAY - timedelta(days=90))
        due = trial.tau_rerandomization_date(TODAY - timedelta(days=90))
        services.rerandomize_tau(person, self.rosa, due)
        assert Allocation.objects.get(participant=person, list_name="tau").allocated_on == due

    def test_a_participant_not_in_tau_is_refused_in_dutch(self) -> None:
        person = helpers.participant(TODAY)
        with (
            self.settings(LANGUAGE_CODE="nl"),
            self.assertRaisesMessage(
                services.WorkflowError, "alleen een deelnemer die aan TAU is toegewezen"
            ),
        ):
            services.rerandomize_tau(person, self.rosa, TODAY)

    def test_the_dashboard_lists_those_due_now_and_those_due_soon(self) -> None:
        overdue = tau_participant(self.rosa, date(2025, 12, 1))  # due 2026-03-01
        today = tau_participant(self.rosa, date(2025, 12, 18))  # due 2026-03-18
        soon = tau_participant(self.rosa, date(2025, 12, 30))  # due 2026-03-30: in 12 days
        later = tau_participant(self.rosa, date(2026, 1, 20))  # due 2026-04-20: not listed
        done = tau_participant(self.rosa, date(2025, 12, 1))
        services.rerandomize_tau(done, self.rosa, TODAY)  # re-randomized: off the list
        self.login(self.rosa)
        page = self.client.get("/research/").content.decode()
        section = page[page.index('id="reallocation-heading"') : page.index(">Participants<")]
        rows = [
            (overdue, "2026-03-01", "<strong>due now</strong>"),
            (today, "2026-03-18", "<strong>due now</strong>"),
            (soon, "2026-03-30", "coming soon"),
        ]
        for person, due, status in rows:
            row = section[section.index(f">{person.study_id}</a>") :].split("</tr>")[0]
            assert f"<td>{due}</td>" in row
            assert status in row
        assert section.count("due now") == 2
        assert section.count("coming soon") == 1
        assert section.index(overdue.study_id) < section.index(soon.study_id)
        assert later.study_id not in section
        assert done.study_id not in section

    def test_the_list_says_so_when_nobody_is_due(self) -> None:
        tau_participant(self.rosa, TODAY)
        self.login(self.rosa)
        self.assertContains(self.client.get("/research/"), "Nobody is due for re-allocation.")

    def test_the_dashboard_costs_the_same_queries_whatever_the_number_due(self) -> None:
        tau_participant(self.rosa, date(2025, 12, 1))
        self.login(self.rosa)
        with CaptureQueriesContext(connection) as one:
            self.client.get("/research/")
        for _ in range(3):
            tau_participant(self.rosa, date(2025, 12, 1))
        with CaptureQueriesContext(connection) as four:
            self.client.get("/research/")
        assert len(four.captured_queries) == len(one.captured_queries)

    def test_only_allocations_that_can_be_due_are_read_and_the_boundary_is_exact(self) -> None:
        """The query stops at the last allocation day due within the horizon (today + 14
        days); the calendar's months make that day move (a horizon of 28 February takes 30
        November, whose 3 months end on the 28th)."""
        last = tau_participant(self.rosa, date(2026, 1, 1))  # due 2026-04-01 = TODAY + 14
        after = tau_participant(self.rosa, date(2026, 1, 2))  # due 2026-04-02
        assert [r.study_id for r in live.reallocations(TODAY)] == [last.study_id]
        Allocation.objects.filter(participant=last).update(allocated_on=date(2025, 11, 30))
        Allocation.objects.filter(participant=after).update(allocated_on=date(2025, 12, 1))
        listed = live.reallocations(date(2026, 2, 14))  # horizon 2026-02-28
        assert [(r.study_id, r.due_on) for r in listed] == [(last.study_id, date(2026, 2, 28))]
        with CaptureQueriesContext(connection) as read:
            live.reallocations(date(2026, 2, 14))
        assert "allocated_on" in read.captured_queries[0]["sql"].split("WHERE")[1]

    def test_the_re_allocation_list_shows_a_page_at_a_time(self) -> None:
        due = [tau_participant(self.rosa, date(2025, 12, 1)) for _ in range(PAGE_SIZE + 2)]
        self.login(self.rosa)

        def section(page: str) -> str:
            return page[page.index('id="reallocation-heading"') : page.index(">Participants<")]

        first = section(self.client.get("/research/").content.decode())
        second = section(self.client.get("/research/", {"reallocations": "2"}).content.decode())
        assert first.count("due now") == PAGE_SIZE
        assert second.count("due now") == 2
        assert 'href="?reallocations=2" rel="next"' in first
        shown = [p.study_id for p in due if f">{p.study_id}</a>" in first + second]
        assert len(shown) == len(due)


class HomeTests(BaseTestCase):
    def test_a_researcher_lands_on_the_research_dashboard(self) -> None:
        self.login(self.rosa)
        self.assertRedirects(self.client.get("/"), "/research/")

"""The eligibility call's outcome: each dated attempt kept (not reached, call back on a date,
declined), the interview's eligible or not eligible, and closing an entry as not reached after
``EMBCT_CALL_ATTEMPTS``. Each closing erases the telephone number; each action is audited; a
refused attempt names the screening, the field, the value and the rule and changes nothing."""

from __future__ import annotations

import importlib
import uuid
from datetime import timedelta
from typing import Any

import time_machine
from django.apps import apps as django_apps
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from embct.platform.audit.models import AuditEvent
from embct.platform.research import corrections, services
from embct.platform.research.models import CallAttempt, Participant, Screening
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase


def screening(days_ago: int = 10, phone: str = "+31612345678") -> Screening:
    """An invited screening sent ``days_ago`` days before today."""
    made = services.screen(dict.fromkeys(range(1, 15), 2), phone, uuid.uuid4())
    Screening.objects.filter(pk=made.pk).update(created_at=NOW - timedelta(days=days_ago))
    made.refresh_from_db()
    return made


class CallAttemptViewTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.screening = screening()
        self.url = f"/research/screenings/{self.screening.pk}/attempt/"

    def post(self, outcome: str, on: Any = TODAY, call_back_on: Any = "") -> Any:
        return self.client.post(
            self.url, {"outcome": outcome, "on": str(on), "call_back_on": str(call_back_on)}
        )

    def test_each_dated_attempt_is_kept_and_audited(self) -> None:
        self.login(self.rosa)
        yesterday = TODAY - timedelta(days=1)
        self.assertRedirects(self.post("not_reached", yesterday), "/research/")
        self.assertRedirects(self.post("not_reached"), "/research/")
        attempts = list(self.screening.call_attempts.values_list("on", "outcome", "by"))
        assert attempts == [
            (yesterday, "not_reached", self.rosa.pk),
            (TODAY, "not_reached", self.rosa.pk),
        ]
        events = AuditEvent.objects.filter(action="trial.call_attempt").order_by("pk")
        assert [(e.target_id, e.details["outcome"], e.details["on"]) for e in events] == [
            (str(self.screening.pk), "not_reached", str(yesterday)),
            (str(self.screening.pk), "not_reached", str(TODAY)),
        ]
        self.screening.refresh_from_db()
        assert (self.screening.call_outcome, self.screening.contact) == ("", "+31612345678")

    def test_a_call_back_date_is_kept_and_the_entry_stays_on_the_list(self) -> None:
        self.login(self.rosa)
        later = TODAY + timedelta(days=3)
        self.assertRedirects(self.post("call_back", call_back_on=later), "/research/")
        attempt = CallAttempt.objects.get()
        assert (attempt.outcome, attempt.call_back_on) == ("call_back", later)
        entry = services.call_list(TODAY)[0]
        assert (entry.screening, entry.call_back_on, entry.due) == (self.screening, later, False)
        page = self.client.get("/research/").content.decode()
        assert str(later) in page

    def test_declined_closes_the_call_and_erases_the_number(self) -> None:
        self.login(self.rosa)
        self.assertRedirects(self.post("declined"), "/research/")
        self.screening.refresh_from_db()
        assert (self.screening.call_outcome, self.screening.call_closed_on) == ("declined", TODAY)
        assert self.screening.contact == ""
        assert services.call_list(TODAY) == []
        page = self.client.get(f"/research/screenings/{self.screening.pk}/eligibility/")
        self.assertContains(page, "The call is closed: Declined")
        self.assertNotContains(page, "Eligibility interview")

    def test_a_closed_call_takes_no_attempt_and_no_interview(self) -> None:
        services.record_call_attempt(self.screening, "declined", TODAY, TODAY)
        self.login(self.rosa)
        before = AuditEvent.objects.filter(action__startswith="trial.").count()
        response = self.post("not_reached")
        self.assertContains(response, "the call is already closed (declined)", status_code=400)
        assert CallAttempt.objects.count() == 1
        interview = {k: "yes" if v else "no" for k, v in helpers.CRITERIA_OK.items()}
        url = f"/research/screenings/{self.screening.pk}/eligibility/"
        assert self.client.post(url, interview).status_code == 400
        assert not Participant.objects.exists()
        assert AuditEvent.objects.filter(action__startswith="trial.").count() == before

    def test_a_call_back_date_in_the_past_is_refused_naming_what_and_why(self) -> None:
        self.login(self.rosa)
        before = AuditEvent.objects.count()
        response = self.post("call_back", call_back_on=TODAY - timedelta(days=2))
        self.assertContains(
            response,
            f"Screening #{self.screening.pk}, call-back date: 2026-03-16 is refused: "
            "a call-back date is not in the past (today is 2026-03-18)",
            status_code=400,
        )
        assert not CallAttempt.objects.exists()
        # The page view of the refused form is logged (it shows the number); nothing else.
        assert list(
            AuditEvent.objects.order_by("pk")[before:].values_list("action", flat=True)
        ) == ["screening.view"]

    def test_refusals_are_in_the_readers_language(self) -> None:
        self.rosa.language = "nl"
        self.rosa.save()
        self.login(self.rosa)
        response = self.post("not_reached", TODAY + timedelta(days=1))
        self.assertContains(
            response,
            f"Screening #{self.screening.pk}, datum: 2026-03-19 is geweigerd: "
            "niet na vandaag (2026-03-18)",
            status_code=400,
        )
        response = self.post("call_back")
        self.assertContains(response, "terugbellen heeft een datum nodig", status_code=400)
        assert not CallAttempt.objects.exists()

    def test_a_call_back_after_the_number_is_erased_is_refused(self) -> None:
        self.login(self.rosa)
        with override_settings(EMBCT_SCREENING_CONTACT_DAYS=12):
            # sent 10 days ago, kept 12 days: erased on the 13th day after (2026-03-21)
            response = self.post("call_back", call_back_on=TODAY + timedelta(days=3))
            self.assertContains(
                response, "the telephone number is erased on 2026-03-21", status_code=400
            )
            self.assertRedirects(
                self.post("call_back", call_back_on=TODAY + timedelta(days=2)), "/research/"
            )

    def test_an_incomplete_form_records_nothing(self) -> None:
        self.login(self.rosa)
        assert self.client.post(self.url, {"outcome": "not_reached"}).status_code == 400
        assert self.client.post(self.url, {"outcome": "eligible", "on": TODAY}).status_code == 400
        assert not CallAttempt.objects.exists()

    def test_it_refuses_get(self) -> None:
        self.login(self.rosa)
        assert self.client.get(self.url).status_code == 405

    def test_a_bad_id_or_a_screening_below_the_threshold_is_404(self) -> None:
        low = services.screen(dict.fromkeys(range(1, 15), 0), "", uuid.uuid4())
        self.login(self.rosa)
        for pk in (99999, low.pk):
            url = f"/research/screenings/{pk}/attempt/"
            assert self.client.post(url, {"outcome": "declined", "on": TODAY}).status_code == 404
        assert not CallAttempt.objects.exists()

    def test_other_roles_cannot_record(self) -> None:
        for user in (self.tessa, self.pim, self.ada):
            self.login(user)
            assert self.post("declined").status_code == 403
        self.client.logout()
        assert self.post("declined").status_code == 302
        assert not CallAttempt.objects.exists()
        self.screening.refresh_from_db()
        assert self.screening.call_outcome == ""


class CallListTests(BaseTestCase):
    def test_due_call_backs_come_first_then_new_entries_then_later_call_backs(self) -> None:
        new_old, new_recent = screening(9), screening(2)
        later, due_today, overdue = screening(8), screening(7), screening(6)
        services.record_call_attempt(
            later, "call_back", TODAY, TODAY, call_back_on=TODAY + timedelta(days=5)
        )
        services.record_call_attempt(due_today, "call_back", TODAY, TODAY, call_back_on=TODAY)
        with time_machine.travel(NOW - timedelta(days=3), tick=False):
            services.record_call_attempt(
                overdue,
                "call_back",
                TODAY - timedelta(days=3),
                TODAY - timedelta(days=3),
                call_back_on=TODAY - timedelta(days=1),
            )
        entries = services.call_list(TODAY)
        assert [e.screening for e in entries] == [overdue, due_today, new_old, new_recent, later]
        assert [e.due for e in entries] == [True, True, False, False, False]

    def test_the_dashboard_shows_attempts_due_dates_and_the_close_button(self) -> None:
        entry = screening()
        for days in (2, 1, 0):
            on = TODAY - timedelta(days=days)
            services.record_call_attempt(entry, "not_reached", on, TODAY)
        self.login(self.rosa)
        page = self.client.get("/research/").content.decode()
        assert (
            "2026-03-16: Not reached<br>2026-03-17: Not reached<br>2026-03-18: Not reached" in page
        )
        assert f"/research/screenings/{entry.pk}/close/" in page
        with override_settings(EMBCT_CALL_ATTEMPTS=4):
            page = self.client.get("/research/").content.decode()
            assert f"/research/screenings/{entry.pk}/close/" not in page

    def test_the_dashboards_queries_do_not_grow_with_the_call_list(self) -> None:
        self.login(self.rosa)
        services.record_call_attempt(screening(), "not_reached", TODAY, TODAY)
        self.client.get("/research/")  # the session and the caches warm up
        one = self.dashboard_queries()  # the flow from the cache
        for _ in range(4):
            services.record_call_attempt(screening(), "call_back", TODAY, TODAY, call_back_on=TODAY)
        counted = self.dashboard_queries()  # new screenings: the flow is counted again
        assert self.dashboard_queries() == one
        assert counted == one + 11 + 1 + 1  # the flow's 11 counts, the referrals, the version

    def dashboard_queries(self) -> int:
        with CaptureQueriesContext(connection) as context:
            assert self.client.get("/research/").status_code == 200
        return len(context.captured_queries)


class InterviewOutcomeTests(BaseTestCase):
    def test_the_interview_closes_the_call_eligible_or_not_with_a_dated_attempt(self) -> None:
        eligible = helpers.participant(TODAY)
        excluded = services.record_eligibility(
            screening(), {**helpers.CRITERIA_OK, "course_language": False}, "", TODAY
        )
        outcomes = {
            person.study_id: (
                Screening.objects.get(pk=person.screening_id).call_outcome,
                list(
                    CallAttempt.objects.filter(screening=person.screening_id).values_list(
                        "on", "outcome"
                    )
                ),
            )
            for person in (eligible, excluded)
        }
        assert outcomes == {
            eligible.study_id: ("eligible", [(TODAY, "eligible")]),
            excluded.study_id: ("not_eligible", [(TODAY, "not_eligible")]),
        }
        assert services.call_list(TODAY) == []

    def test_a_corrected_criterion_changes_the_calls_outcome(self) -> None:
        person = helpers.participant(TODAY)
        corrections.correct_eligibility(
            person, "previous_mindfulness_course", True, "entry_error", "misheard"
        )
        assert Screening.objects.get(pk=person.screening_id).call_outcome == "not_eligible"


@override_settings(EMBCT_CALL_ATTEMPTS=2)
class CloseUnreachedTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.screening = screening()
        self.url = f"/research/screenings/{self.screening.pk}/close/"

    def test_after_the_sites_attempts_the_entry_closes_and_the_number_goes(self) -> None:
        for days in (1, 0):
            on = TODAY - timedelta(days=days)
            services.record_call_attempt(self.screening, "not_reached", on, TODAY)
        self.login(self.rosa)
        self.assertRedirects(self.client.post(self.url), "/research/")
        self.screening.refresh_from_db()
        assert (self.screening.call_outcome, self.screening.call_closed_on) == (
            "not_reached",
            TODAY,
        )
        assert self.screening.contact == ""
        event = AuditEvent.objects.get(action="trial.call_close")
        assert (event.target_id, event.details) == (
            str(self.screening.pk),
            {"outcome": "not_reached", "attempts": 2},
        )
        assert "+3161" not in str(event.details)
        assert services.call_list(TODAY) == []

    def test_too_few_attempts_close_nothing_and_say_why(self) -> None:
        services.record_call_attempt(self.screening, "not_reached", TODAY, TODAY)
        services.record_call_attempt(self.screening, "call_back", TODAY, TODAY, call_back_on=TODAY)
        self.login(self.rosa)
        before = AuditEvent.objects.count()
        response = self.client.post(self.url)
        self.assertRedirects(response, "/research/", fetch_redirect_response=False)
        assert AuditEvent.objects.count() == before
        self.screening.refresh_from_db()
        assert (self.screening.call_outcome, self.screening.contact) == ("", "+31612345678")
        self.assertContains(
            self.client.get("/research/"),
            f"Screening #{self.screening.pk}, attempts not reached: 1 is refused: "
            "2 attempts are needed",
        )

    def test_it_refuses_get_other_roles_and_bad_ids(self) -> None:
        for _ in range(2):
            services.record_call_attempt(self.screening, "not_reached", TODAY, TODAY)
        self.login(self.rosa)
        assert self.client.get(self.url).status_code == 405
        assert self.client.post("/research/screenings/99999/close/").status_code == 404
        for user in (self.tessa, self.pim, self.ada):
            self.login(user)
            assert self.client.post(self.url).status_code == 403
        self.screening.refresh_from_db()
        assert self.screening.call_outcome == ""

    def test_a_closed_entry_cannot_be_removed_as_junk(self) -> None:
        for _ in range(2):
            services.record_call_attempt(self.screening, "not_reached", TODAY, TODAY)
        services.close_unreached(self.screening, TODAY)
        self.login(self.rosa)
        url = f"/research/screenings/{self.screening.pk}/remove/"
        self.client.post(url, {"confirm": "on"})
        assert Screening.objects.filter(pk=self.screening.pk).exists()


class MigrationTests(BaseTestCase):
    def test_calls_recorded_before_outcomes_get_the_interviews_outcome(self) -> None:
        migration = importlib.import_module(
            "embct.platform.research.migrations.0003_call_outcomes_and_referrals"
        )
        eligible = helpers.participant(TODAY)
        excluded = services.record_eligibility(
            screening(), {**helpers.CRITERIA_OK, "course_language": False}, "", TODAY
        )
        waiting = screening()
        Participant.objects.filter(pk=excluded.pk).update(assessed_on=TODAY - timedelta(days=2))
        Screening.objects.update(call_outcome="", call_closed_on=None)  # as before 0003
        migration.close_assessed_calls(django_apps, None)
        rows = dict(Screening.objects.values_list("pk", "call_outcome"))
        assert rows == {
            eligible.screening_id: "eligible",
            excluded.screening_id: "not_eligible",
            waiting.pk: "",
        }
        closed = Screening.objects.get(pk=excluded.screening_id).call_closed_on
        assert closed == TODAY - timedelta(days=2)

"""The therapist's early warnings and charts: each flag from embct.trial's rules, explained
with its evidence, kept once, acknowledged with a note; constant queries on the caseload."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.utils import timezone

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import LogSubmission, PatientProfile
from embct.platform.lib.paging import PAGE_SIZE
from embct.platform.questionnaires import early
from embct.platform.questionnaires.models import FlagRecord
from support import measure_helpers as helpers
from support.testing import NOW, TODAY, BaseTestCase


class FlagRuleTests(BaseTestCase):
    def codes(self, profile: PatientProfile | None = None) -> dict[str, FlagRecord]:
        profile = profile or self.pim_profile
        flags = early.refresh_flags([profile], timezone.localdate())
        return {f.code: f for f in flags.get(profile.pk, [])}

    def test_weak_early_alliance(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 2)  # total 24 < 27.1
        flag = self.codes()["weak_early_alliance"]
        assert flag.evidence == {"wai_w2": 24.0, "threshold": 27.1}
        assert "below 27.1" in flag.explanation

    def test_the_threshold_is_configurable(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 3)  # 36
        assert "weak_early_alliance" not in self.codes()
        with self.settings(EMBCT_WEAK_ALLIANCE_THRESHOLD=40):
            assert "weak_early_alliance" in self.codes()

    def test_a_reliable_fall_in_alliance(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 4)  # 48
        helpers.fill(self.pim_profile, "wai_w5", 3)  # 36
        flag = self.codes()["alliance_fall"]
        assert (flag.evidence["before"], flag.evidence["after"]) == (48.0, 36.0)
        assert flag.occurrence == "wai_w5"

    def test_reliable_deterioration_in_distress(self) -> None:
        helpers.fill(self.pim_profile, "hads_pre", 1)  # 14
        helpers.fill(self.pim_profile, "hads_post", 2)  # 28
        flag = self.codes()["hads_deterioration"]
        assert (flag.evidence["before"], flag.evidence["after"]) == (14.0, 28.0)

    def test_no_practice_logged_for_a_week(self) -> None:
        flag = self.codes()["no_recent_practice"]
        assert flag.evidence["days_since"] == 15
        self.diary(self.pim_profile, 3, date=TODAY - timedelta(days=2))
        assert "no_recent_practice" not in self.codes()

    def test_sessions_missed_so_that_four_cannot_be_reached(self) -> None:
        assert "dose_at_risk" not in self.codes()  # week 3: 7 sessions still to come
        with time_machine.travel(NOW + timedelta(weeks=4), tick=False):  # week 7
            flag = self.codes()["dose_at_risk"]
        assert flag.evidence == {"sessions_done": 0, "sessions_remaining": 3, "adequate_dose": 4}

    def test_feedback_waiting_past_its_weekday(self) -> None:
        submission = self.send(self.pim_profile, 2)
        LogSubmission.objects.filter(pk=submission.pk).update(
            sent_at=submission.sent_at - timedelta(days=8)  # Tuesday 10 March
        )
        flag = self.codes()["feedback_waiting"]
        assert flag.evidence["feedback_due"] == "2026-03-12"
        assert flag.evidence["days_late"] == 6

    def test_a_flag_is_kept_once_and_stays_after_acknowledgement(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 2)
        self.codes()
        self.codes()
        record = FlagRecord.objects.get(patient=self.pim_profile, code="weak_early_alliance")
        early.acknowledge(record, self.tessa, "talked about goals")
        assert "weak_early_alliance" not in self.codes()
        record.refresh_from_db()
        assert (record.acknowledged_by, record.note) == (self.tessa, "talked about goals")
        assert FlagRecord.objects.filter(code="weak_early_alliance").count() == 1


class MeasuresViewTests(BaseTestCase):
    def url(self, profile: PatientProfile | None = None) -> str:
        return f"/patients/{(profile or self.pim_profile).pk}/measures/"

    def test_it_shows_charts_and_explained_flags(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 2)
        helpers.fill(self.pim_profile, "hads_pre", 1)
        self.login(self.tessa)
        response = self.client.get(self.url())
        assert response.status_code == 200
        self.assertContains(response, "<svg", count=3)  # WAI total, Task/Bond/Goal, HADS
        self.assertContains(response, "Task: 8")
        self.assertContains(response, "Weak early alliance")
        self.assertContains(response, "<script", count=0)
        # each chart's numbers in a table beside it (its text alternative)
        self.assertContains(response, '<table class="chart-data">', count=3)
        self.assertContains(response, '<th scope="row">Total</th><td>14</td>')
        # the questionnaires are listed, without links to forms only the patient may open
        self.assertContains(response, "HADS, before the course")
        self.assertNotContains(response, "/questionnaires/")

    def test_it_refuses_post(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url()).status_code == 405

    def test_another_therapists_patient_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url(self.olga_profile)).status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/patients/99999/measures/").status_code == 404

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url()).status_code == 403

    def test_a_researcher_gets_403(self) -> None:
        self.login(self.rosa)
        assert self.client.get(self.url()).status_code == 403


class AcknowledgeViewTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        early.refresh_flags([self.pim_profile, self.olga_profile], TODAY)
        self.flag = FlagRecord.objects.get(patient=self.pim_profile, code="no_recent_practice")
        self.url = f"/flags/{self.flag.pk}/acknowledge/"

    def test_it_keeps_the_note_and_who_acknowledged(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url, {"note": "phoned, busy week"})
        self.assertRedirects(response, f"/patients/{self.pim_profile.pk}/measures/")
        self.flag.refresh_from_db()
        assert (self.flag.acknowledged_by, self.flag.note) == (self.tessa, "phoned, busy week")
        assert self.flag.acknowledged_at == timezone.now()

    def test_it_refuses_get(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url).status_code == 405

    def test_another_therapist_gets_404(self) -> None:
        self.login(self.otto)
        assert self.client.post(self.url, {"note": "x"}).status_code == 404
        self.flag.refresh_from_db()
        assert self.flag.acknowledged_at is None

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.post("/flags/99999/acknowledge/").status_code == 404

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url, {"note": "x"}).status_code == 403


class WarningsPageTests(BaseTestCase):
    URL = "/warnings/"

    def add_patient(self, n: int) -> None:
        user = User.objects.create_user(f"extra{n}", role=Role.PATIENT)
        profile = PatientProfile.objects.create(
            user=user, therapist=self.tessa, start_date=date(2026, 2, 2), course=self.course
        )
        helpers.fill(profile, "wai_w2", 2)
        helpers.fill(profile, "wai_w5", 1)
        self.send(profile, 1)

    def test_the_query_count_does_not_grow_with_the_caseload(self) -> None:
        self.add_patient(0)
        self.login(self.tessa)
        # session, user, 2FA device, the count and the page of patients, 6 rule inputs, flags,
        # the audit events of the patients shown (one INSERT); the session is not saved (at
        # most every 5 minutes)
        queries = 13
        with self.assertNumQueries(queries):
            self.client.get(self.URL)
        for n in range(1, 6):
            self.add_patient(n)
        self.client.get(self.URL)
        with self.assertNumQueries(queries):
            response = self.client.get(self.URL)
        assert len(response.context["rows"]) == 6
        self.assertContains(response, "Alliance fell", count=6)

    def test_it_lists_only_patients_with_a_warning_waiting_a_page_at_a_time(self) -> None:
        for n in range(PAGE_SIZE + 2):
            self.add_patient(n)
        self.login(self.tessa)
        first = self.client.get(self.URL)
        assert len(first.context["rows"]) == PAGE_SIZE
        self.assertNotContains(first, "Pim")  # no warning kept for him
        self.assertContains(first, "Page 1 of 2")
        second = self.client.get(self.URL, {"page": "2"})
        assert len(second.context["rows"]) == 2
        shown = {r.profile.pk for r in [*first.context["rows"], *second.context["rows"]]}
        assert len(shown) == PAGE_SIZE + 2
        # acknowledged everywhere: the patient leaves the page
        last = second.context["rows"][-1].profile
        FlagRecord.objects.filter(patient=last).update(acknowledged_at=timezone.now())
        assert last not in [
            r.profile for r in self.client.get(self.URL, {"page": "2"}).context["rows"]
        ]
        bad = self.client.get(self.URL, {"page": "x"})
        assert bad.status_code == 200
        self.assertContains(bad, "is not a page number")

    def test_another_therapists_patients_are_not_listed(self) -> None:
        self.add_patient(0)
        helpers.fill(self.olga_profile, "wai_w2", 2)
        assert FlagRecord.objects.filter(patient=self.olga_profile).exists()
        self.login(self.tessa)
        response = self.client.get(self.URL)
        assert [r.profile.user.username for r in response.context["rows"]] == ["extra0"]
        self.assertNotContains(response, "Olga")

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.URL).status_code == 403

    def test_it_refuses_post(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.URL).status_code == 405


class AuditTests(BaseTestCase):
    def test_reading_measures_and_acknowledging_are_audited(self) -> None:
        from embct.platform.audit.models import AuditEvent

        early.refresh_flags([self.pim_profile], TODAY)  # as the daily job does
        self.login(self.tessa)
        self.client.get(f"/patients/{self.pim_profile.pk}/measures/")
        flag = FlagRecord.objects.get(patient=self.pim_profile, code="no_recent_practice")
        self.client.post(f"/flags/{flag.pk}/acknowledge/", {"note": "called"})
        actions = list(AuditEvent.objects.values_list("action", "actor_id"))
        assert ("patient.view", self.tessa.pk) in actions
        assert ("trial.flag_ack", self.tessa.pk) in actions

"""The therapist's caseload: their own patients and each one's progress."""

from __future__ import annotations

from datetime import timedelta

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import Message, PatientProfile
from support.testing import TODAY, BaseTestCase

URL = "/caseload/"


class CaseloadTests(BaseTestCase):
    def test_it_lists_own_patients_with_their_progress(self) -> None:
        for week in (1, 2):
            self.send(self.pim_profile, week, entries=2)  # 2 x 10 minutes each, dated today
        self.diary(self.pim_profile, 1, minutes=5, date=TODAY - timedelta(days=10))
        self.login(self.tessa)
        response = self.client.get(URL)
        row = response.context["rows"][0]
        assert [r.profile for r in response.context["rows"]] == [self.pim_profile]
        assert (row.week, row.completed, row.minutes_last_7_days, row.minutes_total) == (
            3,
            2,
            40,
            45,
        )
        assert row.waiting == 2
        assert row.last_activity is not None
        assert not row.adequate_dose
        self.assertContains(response, "Pim")
        self.assertNotContains(response, "Olga")

    def test_the_adequate_dose_is_four_completed_sessions(self) -> None:
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            start_date=TODAY - timedelta(days=40)
        )
        for week in (1, 2, 3):
            self.send(self.pim_profile, week)
        self.login(self.tessa)
        assert not self.client.get(URL).context["rows"][0].adequate_dose
        self.send(self.pim_profile, 4)
        self.send(self.pim_profile, 4)  # sending twice for one session is still one session
        row = self.client.get(URL).context["rows"][0]
        assert (row.completed, row.adequate_dose) == (4, True)

    def test_the_query_count_does_not_grow_with_patients(self) -> None:
        self.login(self.tessa)
        # session, user, second-factor device, the count, the page's patients and their
        # progress, 7 for the early warnings of the page, and one INSERT of the audit events of
        # the patients shown, and the welcome prompt's patients
        with self.assertNumQueries(15):
            self.client.get(URL)
        for n in range(5):
            user = User.objects.create_user(f"p{n}", role=Role.PATIENT)
            profile = PatientProfile.objects.create(
                user=user, therapist=self.tessa, start_date=TODAY, course=self.course
            )
            self.send(profile, 1, entries=2)
            Message.objects.create(patient=profile, author=user, body="x", from_patient=True)
        self.client.get(URL)
        with self.assertNumQueries(15):
            response = self.client.get(URL)
        assert len(response.context["rows"]) == 6

    def test_it_refuses_post(self) -> None:
        self.login(self.tessa)
        assert self.client.post(URL).status_code == 405

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(URL).status_code == 403

    def test_a_researcher_gets_403(self) -> None:
        self.login(self.rosa)
        assert self.client.get(URL).status_code == 403

"""A patient's page for their therapist: progress, minutes per week, log files, messages."""

from __future__ import annotations

from datetime import timedelta

from support.testing import TODAY, BaseTestCase


class PatientDetailTests(BaseTestCase):
    def url(self, profile: object = None) -> str:
        return f"/patients/{(profile or self.pim_profile).pk}/"  # type: ignore[attr-defined]

    def test_the_therapist_reads_log_files_and_progress(self) -> None:
        self.send(self.pim_profile, 1)
        self.diary(self.pim_profile, 2, minutes=30, thoughts="<em>racing</em>")
        self.diary(self.pim_profile, 1, minutes=7, date=TODAY - timedelta(days=15))
        self.login(self.tessa)
        response = self.client.get(self.url())
        self.assertContains(response, "warm hands")
        self.assertContains(response, "Sessions completed</dt><dd>1 ", html=False)
        minutes = dict(response.context["minutes"])
        assert (minutes[1], minutes[3]) == (7, 40)
        assert response.context["unsent"] == 2
        self.assertNotContains(response, "<em>racing</em>", html=False)
        self.assertContains(response, "A welcome, with a short introduction")

    def test_another_therapists_patient_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url(self.olga_profile)).status_code == 404

    def test_a_supervisor_cannot_open_the_supervisees_patient(self) -> None:
        self.login(self.sam)
        assert self.client.get(self.url()).status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/patients/999999/").status_code == 404

    def test_it_refuses_post(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url()).status_code == 405

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url()).status_code == 403

    def test_the_query_count_does_not_grow_with_log_files(self) -> None:
        self.send(self.pim_profile, 1)
        self.login(self.tessa)
        url = self.url()
        # The INSERT of the audit event that records the read, the lookup of the staff
        # session's second-factor device, the therapist's draft and her snippets included.
        with self.assertNumQueries(14) as first:
            self.client.get(url)
        for week in (1, 2, 3):
            self.send(self.pim_profile, week, entries=3)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(url)

"""Sending a session's log files to the therapist: the session then counts as completed."""

from __future__ import annotations

from django.core import mail

from embct.platform.care.models import DiaryEntry, LogSubmission
from support.testing import BaseTestCase, create_group_patient


class SendLogsTests(BaseTestCase):
    def url(self, week: int = 3) -> str:
        return f"/sessions/{self.session(week).pk}/send/"

    def test_it_sends_the_unsent_entries_and_completes_the_session(self) -> None:
        first = self.diary(self.pim_profile, 3, thoughts="my private thought")
        second = self.diary(self.pim_profile, 3)
        self.login(self.pim)
        response = self.client.post(self.url())
        self.assertRedirects(response, f"/sessions/{self.session(3).pk}/")
        submission = LogSubmission.objects.get()
        assert submission.patient == self.pim_profile
        assert submission.session == self.session(3)
        assert set(submission.entries.all()) == {first, second}
        self.assertContains(self.client.get("/week/"), "1 of 9 sessions completed")

    def test_the_therapist_gets_an_email_that_says_nothing_about_the_patient(self) -> None:
        self.diary(self.pim_profile, 3, thoughts="my private thought")
        self.login(self.pim)
        self.client.post(self.url())
        assert len(mail.outbox) == 1
        email = mail.outbox[0]
        assert email.to == ["tessa@example.org"]
        assert "something new is waiting" in email.subject
        for secret in ("private", "pim", "Pim", "session", "warm hands"):
            assert secret not in email.body + email.subject

    def test_with_nothing_written_it_sends_nothing(self) -> None:
        self.login(self.pim)
        response = self.client.post(self.url(), follow=True)
        self.assertContains(response, "There is nothing to send yet")
        assert not LogSubmission.objects.exists()
        assert mail.outbox == []

    def test_entries_already_sent_are_not_sent_again(self) -> None:
        self.send(self.pim_profile, 3)
        self.diary(self.pim_profile, 3)
        self.login(self.pim)
        self.client.post(self.url())
        assert LogSubmission.objects.count() == 2
        assert [s.entries.count() for s in LogSubmission.objects.order_by("pk")] == [1, 1]
        assert not DiaryEntry.objects.filter(submission=None).exists()

    def test_a_session_not_yet_released_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(5)).status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.post("/sessions/999999/send/").status_code == 404

    def test_it_refuses_get(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url()).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.diary(self.pim_profile, 3)
        self.login(self.tessa)
        assert self.client.post(self.url()).status_code == 403
        assert not LogSubmission.objects.exists()


class GroupPatientSendLogsTests(BaseTestCase):
    def test_a_group_mbct_patient_cannot_send_log_files_to_the_queue(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        response = self.client.post(f"/sessions/{self.session(1).pk}/send/")
        self.assertContains(
            response, "The online course is not part of your treatment.", status_code=403
        )
        assert not LogSubmission.objects.filter(patient=gus).exists()
        assert gus.diaries.get().submission_id is None
        assert len(mail.outbox) == 0

"""The therapist writes a welcome or feedback; it answers what was waiting."""

from __future__ import annotations

from django.core import mail
from django.test import override_settings

from embct.platform.accounts.models import User
from embct.platform.care.models import LogSubmission, Message, MessageKind
from support.testing import BaseTestCase


class WriteFeedbackTests(BaseTestCase):
    def url(self, profile: object = None) -> str:
        return f"/patients/{(profile or self.pim_profile).pk}/write/"  # type: ignore[attr-defined]

    def test_feedback_answers_the_waiting_log_files_and_messages(self) -> None:
        submission = self.send(self.pim_profile, 3)
        question = Message.objects.create(
            patient=self.pim_profile, author=self.pim, body="?", from_patient=True
        )
        self.login(self.tessa)
        response = self.client.post(self.url(), {"body": "You practised every day. Well done."})
        self.assertRedirects(response, f"/patients/{self.pim_profile.pk}/")
        feedback = Message.objects.get(from_patient=False)
        assert (feedback.kind, feedback.author, feedback.patient) == (
            MessageKind.FEEDBACK,
            self.tessa,
            self.pim_profile,
        )
        submission.refresh_from_db()
        question.refresh_from_db()
        assert submission.answered_at is not None
        assert question.answered_at is not None

    def test_the_patient_is_told_only_that_something_is_waiting(self) -> None:
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "About your pain"})
        assert mail.outbox[-1].to == ["pim@example.org"]
        assert "pain" not in mail.outbox[-1].body
        assert "Tessa" not in mail.outbox[-1].body

    def test_it_says_an_e_mail_went_out_only_when_one_did(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"body": "Well done."}, follow=True)
        self.assertContains(response, "Your patient gets an e-mail that something new is waiting")
        assert len(mail.outbox) == 1
        User.objects.filter(pk=self.pim.pk).update(email="")
        response = self.client.post(self.url(), {"body": "And again."}, follow=True)
        self.assertNotContains(response, "Your patient gets an e-mail")
        self.assertContains(response, "Sent. No e-mail went out")
        assert len(mail.outbox) == 1

    @override_settings(
        # Django's own SMTP backend, towards a port where no mail server listens
        EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=1,
        EMAIL_TIMEOUT=5,
    )
    def test_a_mail_server_that_cannot_be_reached_is_not_reported_as_an_e_mail_sent(
        self,
    ) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"body": "Well done."}, follow=True)
        self.assertContains(response, "Sent. No e-mail went out")
        assert Message.objects.filter(author=self.tessa).count() == 1

    def test_a_welcome_does_not_answer_log_files(self) -> None:
        self.send(self.pim_profile, 3)
        self.login(self.tessa)
        self.client.post(self.url(), {"body": "Hello, I am Tessa.", "kind": "welcome"})
        assert Message.objects.get().kind == MessageKind.WELCOME
        assert LogSubmission.objects.get().answered_at is None

    def test_an_empty_message_is_refused(self) -> None:
        self.login(self.tessa)
        response = self.client.post(self.url(), {"body": "   ", "kind": "feedback"})
        # the page again, the error announced and tied to the field, the choice kept
        self.assertContains(response, "Write a message before sending it", status_code=400)
        self.assertContains(response, 'aria-describedby="id_body_error"', status_code=400)
        self.assertContains(response, 'role="alert" id="id_body_error"', status_code=400)
        self.assertContains(response, 'value="feedback" checked', status_code=400)
        assert not Message.objects.exists()

    def test_a_too_long_message_is_refused_and_kept(self) -> None:
        self.login(self.tessa)
        text = "x" * 5001
        response = self.client.post(self.url(), {"body": text})
        self.assertContains(response, "at most 5000 characters", status_code=400)
        self.assertContains(response, text, status_code=400)
        assert not Message.objects.exists()

    def test_another_therapists_patient_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url(self.olga_profile), {"body": "x"}).status_code == 404
        assert not Message.objects.exists()

    def test_a_supervisor_may_not_write(self) -> None:
        self.login(self.sam)
        assert self.client.post(self.url(), {"body": "x"}).status_code == 404
        assert not Message.objects.exists()

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.tessa)
        assert self.client.post("/patients/999999/write/", {"body": "x"}).status_code == 404

    def test_it_refuses_get(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url()).status_code == 405

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(), {"body": "x"}).status_code == 403
        assert not Message.objects.exists()


class FeedbackResendTests(BaseTestCase):
    def test_feedback_sent_twice_from_one_form_is_stored_once(self) -> None:
        import uuid

        self.login(self.tessa)
        token = str(uuid.uuid4())
        url = f"/patients/{self.pim_profile.pk}/write/"
        for _ in range(2):
            response = self.client.post(
                url, {"body": "Well done this week.", "form_token": token}, follow=True
            )
        assert Message.objects.filter(patient=self.pim_profile, author=self.tessa).count() == 1
        self.assertContains(response, "This message was already sent.")
        assert len(mail.outbox) == 1

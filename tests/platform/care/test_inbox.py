"""The secure inbox: the therapist's welcome and feedback, the patient's own messages."""

from __future__ import annotations

from django.core import mail

from embct.platform.care.models import Message, MessageKind
from support.testing import BaseTestCase


class InboxTests(BaseTestCase):
    def test_it_shows_the_thread_and_marks_it_read(self) -> None:
        welcome = Message.objects.create(
            patient=self.pim_profile, author=self.tessa, kind=MessageKind.WELCOME, body="Welcome!"
        )
        Message.objects.create(patient=self.olga_profile, author=self.otto, body="for olga only")
        self.login(self.pim)
        response = self.client.get("/inbox/")
        self.assertContains(response, "Welcome!")
        self.assertContains(response, "Thursdays")
        self.assertNotContains(response, "for olga only")
        welcome.refresh_from_db()
        assert welcome.read_at is not None

    def test_message_text_is_escaped(self) -> None:
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="<i>hi</i>")
        self.login(self.pim)
        response = self.client.get("/inbox/")
        self.assertContains(response, "&lt;i&gt;hi&lt;/i&gt;", html=False)

    def test_a_patient_writes_to_the_therapist(self) -> None:
        self.login(self.pim)
        response = self.client.post("/inbox/write/", {"body": "  Can we talk about pain?  "})
        self.assertRedirects(response, "/inbox/")
        message = Message.objects.get()
        assert (message.patient, message.author, message.from_patient) == (
            self.pim_profile,
            self.pim,
            True,
        )
        assert message.body == "Can we talk about pain?"
        assert mail.outbox[0].to == ["tessa@example.org"]
        assert "pain" not in mail.outbox[0].body

    def test_an_empty_message_is_refused(self) -> None:
        self.login(self.pim)
        response = self.client.post("/inbox/write/", {"body": "   "})
        assert response.status_code == 400
        assert not Message.objects.exists()

    def test_writing_refuses_get_and_reading_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.get("/inbox/write/").status_code == 405
        assert self.client.post("/inbox/").status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/inbox/").status_code == 403
        assert self.client.post("/inbox/write/", {"body": "x"}).status_code == 403
        assert not Message.objects.exists()

    def test_a_patient_account_without_a_profile_gets_404(self) -> None:
        self.pim_profile.delete()
        self.login(self.pim)
        assert self.client.get("/inbox/").status_code == 404


class InboxResendTests(BaseTestCase):
    def test_the_same_message_form_sent_twice_stores_one_message_and_one_email(self) -> None:
        self.login(self.pim)
        page = self.client.get("/inbox/")
        token = page.context["form"].initial["form_token"]
        self.assertContains(page, f'value="{token}"')
        for _ in range(2):  # a double click, or a resend after a lost answer
            response = self.client.post(
                "/inbox/write/", {"body": "Is Thursday still fine?", "form_token": str(token)}
            )
            assert response.status_code == 302
        assert Message.objects.filter(patient=self.pim_profile, from_patient=True).count() == 1
        assert len(mail.outbox) == 1

    def test_two_forms_store_two_messages(self) -> None:
        self.login(self.pim)
        for _ in range(2):
            token = self.client.get("/inbox/").context["form"].initial["form_token"]
            self.client.post("/inbox/write/", {"body": "Same words", "form_token": str(token)})
        assert Message.objects.filter(patient=self.pim_profile, from_patient=True).count() == 2

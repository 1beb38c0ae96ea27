"""The patient's e-mail setting: an e-mail when the therapist writes, or not; the feedback
e-mail and the therapist's "your patient gets an e-mail" follow it."""

from __future__ import annotations

from django.core import mail

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Message
from support.testing import BaseTestCase, table_rows

URL = "/account/notifications/"
YES_CHECKED = (
    '<input type="radio" name="email_on_new_message" value="yes" '
    'id="id_email_on_new_message_0" required checked>'
)
NO_CHECKED = (
    '<input type="radio" name="email_on_new_message" value="no" '
    'id="id_email_on_new_message_1" required checked>'
)


class NotificationSettingsTests(BaseTestCase):
    def test_the_default_is_an_e_mail_as_before(self) -> None:
        assert self.pim.email_on_new_message
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "<h1>E-mail settings</h1>", html=True)
        self.assertInHTML(YES_CHECKED, response.content.decode())
        self.assertContains(self.client.get("/week/"), 'href="/account/notifications/"')

    def test_a_patient_turns_the_e_mail_off_and_it_is_audited(self) -> None:
        self.login(self.pim)
        response = self.client.post(URL, {"email_on_new_message": "no"}, follow=True)
        self.assertRedirects(response, URL)
        self.assertContains(response, "Your e-mail setting is saved.")
        self.assertInHTML(NO_CHECKED, response.content.decode())
        self.pim.refresh_from_db()
        assert not self.pim.email_on_new_message
        event = AuditEvent.objects.get(action="account.notifications")
        assert (event.actor_name, event.target_type, event.target_id) == (
            "pim",
            "account",
            str(self.pim.pk),
        )
        assert (event.details["old"], event.details["new"]) == (True, False)
        # the same choice again changes nothing and audits nothing
        self.client.post(URL, {"email_on_new_message": "no"})
        assert AuditEvent.objects.filter(action="account.notifications").count() == 1

    def test_bad_input_is_refused_and_changes_nothing(self) -> None:
        self.login(self.pim)
        before = table_rows()
        for data in ({}, {"email_on_new_message": "maybe"}):
            response = self.client.post(URL, data)
            self.assertContains(response, "Choose whether you want an e-mail.", status_code=400)
        after = table_rows()
        assert before["accounts_user"] == after["accounts_user"]
        assert not AuditEvent.objects.filter(action="account.notifications").exists()

    def test_staff_get_403_and_anonymous_the_login(self) -> None:
        self.login(self.tessa)
        assert self.client.get(URL).status_code == 403
        assert self.client.post(URL, {"email_on_new_message": "no"}).status_code == 403
        self.tessa.refresh_from_db()
        assert self.tessa.email_on_new_message
        self.client.logout()
        assert self.client.get(URL).status_code == 302

    def test_it_refuses_other_methods(self) -> None:
        self.login(self.pim)
        assert self.client.put(URL).status_code == 405

    def test_it_says_when_no_e_mail_can_be_sent_at_all(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(email="")
        self.login(self.pim)
        self.assertContains(self.client.get(URL), "There is no e-mail address on your account")


class FeedbackEmailFollowsTheSettingTests(BaseTestCase):
    def write(self) -> str:
        self.login(self.tessa)
        url = f"/patients/{self.pim_profile.pk}/write/"
        return self.client.post(url, {"body": "Well done."}, follow=True).content.decode()

    def test_a_patient_who_said_no_gets_no_e_mail_and_the_therapist_is_told_why(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(email_on_new_message=False)
        page = self.write()
        assert mail.outbox == []
        assert "Your patient gets an e-mail" not in page
        assert "your patient chose not to get e-mails about new messages" in page
        assert Message.objects.filter(patient=self.pim_profile, from_patient=False).count() == 1

    def test_a_patient_who_said_yes_gets_the_e_mail(self) -> None:
        page = self.write()
        assert [m.to for m in mail.outbox] == [["pim@example.org"]]
        assert "Your patient gets an e-mail that something new is waiting" in page

    def test_the_therapists_own_e_mails_do_not_follow_a_patients_setting(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(email_on_new_message=False)
        self.login(self.pim)
        self.client.post("/inbox/write/", {"body": "A question", "form_token": "0" * 32})
        assert [m.to for m in mail.outbox] == [["tessa@example.org"]]

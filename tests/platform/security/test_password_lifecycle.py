"""Accounts with a lifecycle: a temporary password from an administrator is changed at the
first login (nothing else first) and expires after 7 days unused; everyone changes their own
password (Django's view and validators, linked from every page's header); "forgot password"
by e-mail with Django's token views: the same answer for any address, links single-use and
short-lived, every session of the account ends on a reset."""

from __future__ import annotations

import re
from datetime import timedelta

import time_machine
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Message
from embct.platform.security.models import AccountState
from support.testing import PASSWORD, BaseTestCase, force_login_verified

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CHANGE = "/account/password/"
NEW_PASSWORD = "a quiet walk by the river at dusk"


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class LifecycleTestCase(BaseTestCase):
    def tick(self, **delta: float) -> None:
        traveller = time_machine.travel(timedelta(**delta), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def log_in(self, client: Client, username: str, password: str) -> object:
        return client.post("/login/", {"username": username, "password": password})

    def temporary_password_for(self, user: User) -> str:
        """Ada resets ``user``'s password on the clinic page; the password shown once."""
        admin = Client()
        force_login_verified(admin, self.ada)
        response = admin.post(f"/clinic/accounts/{user.pk}/password/")
        assert response.status_code == 200
        return response.context["password"]


class TemporaryPasswordTests(LifecycleTestCase):
    def test_a_temporary_password_must_be_changed_before_anything_else(self) -> None:
        temporary = self.temporary_password_for(self.pim)
        assert self.log_in(self.client, "pim", temporary).status_code == 302
        for page in ["/week/", "/inbox/", "/my-data/", "/language/"]:
            response = self.client.get(page)
            assert response.status_code == 302, page
            assert response["Location"] == CHANGE, page
        before = Message.objects.count()
        response = self.client.post("/inbox/write/", {"body": "hello"})
        assert response["Location"] == CHANGE
        assert Message.objects.count() == before
        page = self.client.get(CHANGE)
        self.assertContains(page, "temporary password")
        response = self.client.post(
            CHANGE,
            {
                "old_password": temporary,
                "new_password1": NEW_PASSWORD,
                "new_password2": NEW_PASSWORD,
            },
        )
        assert response.status_code == 302
        assert self.client.get("/week/").status_code == 200
        assert AccountState.objects.get(user=self.pim).temporary_password_at is None
        assert AuditEvent.objects.filter(
            action="account.password_change", actor_name="pim"
        ).exists()

    def test_staff_give_their_second_factor_then_change_the_password(self) -> None:
        from django_otp.plugins.otp_static.models import StaticDevice

        device = StaticDevice.objects.create(user=self.tessa, name="backup codes")
        device.token_set.create(token="abcdefgh")
        temporary = self.temporary_password_for(self.tessa)
        self.log_in(self.client, "tessa", temporary)
        assert self.client.get(CHANGE)["Location"].startswith("/account/two-factor/")
        self.client.post("/account/two-factor/", {"code": "abcdefgh"})
        assert self.client.get("/queue/")["Location"] == CHANGE
        assert self.client.get(CHANGE).status_code == 200

    def test_a_temporary_password_expires_after_7_days_unused(self) -> None:
        temporary = self.temporary_password_for(self.pim)
        self.tick(days=7, minutes=1)
        response = self.log_in(self.client, "pim", temporary)
        self.assertContains(response, "temporary password has expired")
        assert "_auth_user_id" not in self.client.session
        response = self.log_in(Client(headers={"accept-language": "nl"}), "pim", temporary)
        self.assertContains(response, "tijdelijke wachtwoord is verlopen")

    def test_within_7_days_it_logs_in(self) -> None:
        temporary = self.temporary_password_for(self.pim)
        self.tick(days=6, hours=23)
        assert self.log_in(self.client, "pim", temporary).status_code == 302

    def test_a_new_account_gets_a_temporary_password(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/clinic/therapists/new/",
            {"account-username": "theo", "account-first_name": "Theo", "account-last_name": "T"},
        )
        theo = User.objects.get(username="theo")
        assert theo.check_password(response.context["password"])
        assert AccountState.objects.get(user=theo).temporary_password_at is not None


class DjangoAdminPasswordTests(LifecycleTestCase):
    """A password an administrator sets in Django admin is temporary too."""

    def set_password(self, user: User) -> object:
        self.login(self.ada)
        return self.client.post(
            f"/admin/accounts/user/{user.pk}/password/",
            {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"},
        )

    def test_for_someone_else_it_is_temporary_and_audited(self) -> None:
        assert self.set_password(self.rosa).status_code == 302
        assert AccountState.objects.get(user=self.rosa).temporary_password_at is not None
        event = AuditEvent.objects.get(action="account.password_reset")
        assert (event.actor_name, event.target_id) == ("ada", str(self.rosa.pk))

    def test_for_oneself_it_is_not(self) -> None:
        assert self.set_password(self.ada).status_code == 302
        assert not AccountState.objects.filter(
            user=self.ada, temporary_password_at__isnull=False
        ).exists()

    def test_a_new_account_in_django_admin_gets_a_temporary_password(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/admin/accounts/user/add/",
            {
                "username": "newstaff",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "usable_password": "true",
                "role": "researcher",
            },
        )
        assert response.status_code == 302
        state = AccountState.objects.get(user__username="newstaff")
        assert state.temporary_password_at is not None


class PasswordChangeTests(LifecycleTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.pim.set_password(PASSWORD)
        self.pim.save()

    def change(self, client: Client, new: str) -> object:
        return client.post(
            CHANGE, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
        )

    def test_every_page_links_to_it_in_english_and_dutch(self) -> None:
        self.login(self.pim)
        self.assertContains(self.client.get("/week/"), f'<a href="{CHANGE}">Change password</a>')
        self.login(self.tessa)
        self.assertContains(self.client.get("/queue/"), f'href="{CHANGE}"')
        self.pim.language = "nl"
        self.pim.save()
        self.login(self.pim)
        self.assertContains(
            self.client.get("/week/"), f'<a href="{CHANGE}">Wachtwoord wijzigen</a>'
        )
        self.assertContains(self.client.get(CHANGE), "Wijzig uw wachtwoord")

    def test_djangos_validators_apply(self) -> None:
        self.log_in(self.client, "pim", PASSWORD)
        for weak, message in [("short1", "too short"), ("password1234", "too common")]:
            response = self.change(self.client, weak)
            self.assertContains(response, message)
        assert User.objects.get(pk=self.pim.pk).check_password(PASSWORD)

    def test_other_sessions_end_and_this_one_goes_on(self) -> None:
        other = Client()
        self.log_in(other, "pim", PASSWORD)
        self.log_in(self.client, "pim", PASSWORD)
        assert other.get("/week/").status_code == 200
        assert self.change(self.client, NEW_PASSWORD).status_code == 302
        assert self.client.get("/week/").status_code == 200
        assert other.get("/week/")["Location"].startswith("/login/")


class PasswordResetTests(LifecycleTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.pim.set_password(PASSWORD)
        self.pim.save()

    def ask(self, address: str) -> object:
        return self.client.post("/password-reset/", {"email": address})

    def link(self) -> str:
        return re.search(r"https?://[^/]+(/password-reset/\S+)", mail.outbox[-1].body)[1]

    def test_the_same_answer_whether_or_not_the_account_exists(self) -> None:
        known = self.ask("pim@example.org")
        unknown = self.ask("nobody@example.org")
        assert known.status_code == unknown.status_code == 302
        assert known["Location"] == unknown["Location"] == "/password-reset/sent/"
        assert len(mail.outbox) == 1
        assert mail.outbox[0].to == ["pim@example.org"]

    def test_the_email_is_in_the_accounts_language(self) -> None:
        self.pim.language = "nl"
        self.pim.save()
        self.ask("pim@example.org")
        assert "wachtwoord" in mail.outbox[0].subject.lower()

    def test_the_link_sets_a_password_once_and_ends_every_session(self) -> None:
        elsewhere = Client()
        self.log_in(elsewhere, "pim", PASSWORD)
        self.ask("pim@example.org")
        link = self.link()
        form = self.client.get(link, follow=True)
        assert form.context["validlink"]
        data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
        response = self.client.post(form.redirect_chain[-1][0], data)
        assert response["Location"] == "/password-reset/done/"
        assert User.objects.get(pk=self.pim.pk).check_password(NEW_PASSWORD)
        assert elsewhere.get("/week/")["Location"].startswith("/login/")
        assert "_auth_user_id" not in self.client.session  # no login by the link itself
        assert AuditEvent.objects.filter(action="account.password_reset_link").count() == 1
        # Used once: the same link is refused.
        again = Client().get(link, follow=True)
        assert not again.context["validlink"]
        self.assertContains(again, "does not work")

    def test_the_link_expires_after_an_hour(self) -> None:
        assert settings.PASSWORD_RESET_TIMEOUT <= 60 * 60
        self.ask("pim@example.org")
        link = self.link()
        self.tick(hours=1, minutes=1)
        assert not self.client.get(link, follow=True).context["validlink"]

    def test_the_login_page_links_to_it(self) -> None:
        self.assertContains(self.client.get("/login/"), 'href="/password-reset/"')


@override_settings(EMBCT_PASSWORD_RESET_RATE="3/h")
class PasswordResetRateTests(LifecycleTestCase):
    """Forgot-password can neither flood an inbox nor be used to probe at speed."""

    def setUp(self) -> None:
        super().setUp()
        self.pim.set_password(PASSWORD)
        self.pim.save()

    def ask_from(self, email: str, client_address: str) -> object:
        return self.client.post("/password-reset/", {"email": email}, REMOTE_ADDR=client_address)

    def test_one_inbox_gets_so_many_links_and_the_answer_stays_the_same(self) -> None:
        answers = [self.ask_from("Pim@example.org ", f"203.0.113.{n}") for n in range(5)]
        assert {(a.status_code, a["Location"]) for a in answers} == {(302, "/password-reset/sent/")}
        assert len(mail.outbox) == 3  # the 4th and 5th ask: the usual answer, no e-mail
        self.tick(hours=1, minutes=1)
        self.ask_from("pim@example.org", "203.0.113.9")
        assert len(mail.outbox) == 4

    def test_an_address_may_ask_so_often_and_then_waits(self) -> None:
        for n in range(3):
            assert self.ask_from(f"someone{n}@example.org", "203.0.113.7").status_code == 302
        refused = self.ask_from("pim@example.org", "203.0.113.7")
        self.assertContains(refused, "Please try again", status_code=429)
        assert mail.outbox == []  # not sent for pim either
        assert self.ask_from("pim@example.org", "198.51.100.2").status_code == 302
        assert len(mail.outbox) == 1  # another address is not held up

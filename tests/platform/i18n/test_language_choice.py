"""Choosing the language: each signed-in user changes their own (kept on the account, audited),
anonymous visitors get a cookie, the browser's wish counts only for visitors, and the clinic
sets a new account's language."""

from __future__ import annotations

import json

from django.conf import settings
from django.test import Client
from django.urls import reverse

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Arm
from support.testing import BaseTestCase

URL = "/language/"


class LanguageChoiceTests(BaseTestCase):
    def choose(self, language: str, **extra: str) -> object:
        return self.client.post(URL, {"language": language, **extra})

    def test_the_url_is_the_language_page(self) -> None:
        assert reverse("accounts:language") == URL

    def test_anyone_sees_the_choice(self) -> None:
        response = self.client.get(URL)
        self.assertContains(response, 'value="nl"')
        self.assertContains(response, "Nederlands")
        self.login(self.pim)
        self.assertContains(self.client.get(URL), "of the e-mails you get from embct")

    def test_a_user_changes_their_own_language_and_the_next_page_follows(self) -> None:
        self.login(self.pim)
        response = self.choose("nl", next="/inbox/")
        self.assertRedirects(response, "/inbox/", fetch_redirect_response=False)
        self.pim.refresh_from_db()
        assert self.pim.language == "nl"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME]["httponly"]
        page = self.client.get("/inbox/")
        self.assertContains(page, '<html lang="nl">')
        self.assertContains(page, "Uitloggen")
        self.assertNotContains(page, "Log out")
        event = AuditEvent.objects.get(action="account.language")
        assert (event.actor_name, event.target_type, event.target_id) == (
            "pim",
            "account",
            str(self.pim.pk),
        )
        assert event.details == {"old": "en", "new": "nl"}
        # The patient's own download holds it, as everything kept about them.
        download = self.client.post("/my-data/download/")
        assert json.loads(download.content)["account"]["language"] == "nl"
        # ... and back again.
        self.choose("en")
        self.pim.refresh_from_db()
        assert self.pim.language == "en"
        self.assertContains(self.client.get("/inbox/"), "Log out")

    def test_the_choice_is_the_user_s_on_every_device(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(language="nl")
        other_device = Client(HTTP_ACCEPT_LANGUAGE="en")
        other_device.force_login(self.pim)
        self.assertContains(other_device.get("/week/"), '<html lang="nl">')
        User.objects.filter(pk=self.pim.pk).update(language="en")
        dutch_browser = Client(HTTP_ACCEPT_LANGUAGE="nl")
        dutch_browser.force_login(self.pim)
        self.assertContains(dutch_browser.get("/week/"), '<html lang="en">')

    def test_nobody_changes_another_user_s_language(self) -> None:
        self.login(self.ada)
        self.choose("nl", user=str(self.pim.pk), username="pim", user_id=str(self.pim.pk))
        self.pim.refresh_from_db()
        self.ada.refresh_from_db()
        assert (self.pim.language, self.ada.language) == ("en", "nl")
        assert AuditEvent.objects.get(action="account.language").target_id == str(self.ada.pk)

    def test_an_unknown_language_changes_nothing(self) -> None:
        self.login(self.pim)
        response = self.choose("de")
        assert response.status_code == 400
        self.pim.refresh_from_db()
        assert self.pim.language == "en"
        assert not AuditEvent.objects.filter(action="account.language").exists()
        assert settings.LANGUAGE_COOKIE_NAME not in response.cookies

    def test_the_form_needs_its_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        client.force_login(self.pim)
        assert client.post(URL, {"language": "nl"}).status_code == 403
        self.pim.refresh_from_db()
        assert self.pim.language == "en"

    def test_a_visitor_s_choice_is_a_cookie(self) -> None:
        response = self.choose("nl", next="/login/")
        self.assertRedirects(response, "/login/", fetch_redirect_response=False)
        assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nl"
        page = self.client.get("/login/")
        self.assertContains(page, '<html lang="nl">')
        self.assertContains(page, "Inloggen")
        assert not AuditEvent.objects.exists()
        assert set(User.objects.values_list("language", flat=True)) == {"en"}

    def test_it_goes_back_only_within_the_site(self) -> None:
        response = self.choose("nl", next="https://evil.example/")
        self.assertRedirects(response, "/", fetch_redirect_response=False)
        response = self.client.post(
            URL, {"language": "en"}, HTTP_REFERER="http://testserver/screening/"
        )
        self.assertRedirects(
            response, "http://testserver/screening/", fetch_redirect_response=False
        )

    def test_every_page_offers_the_other_language(self) -> None:
        self.login(self.tessa)
        page = self.client.get("/queue/")
        self.assertContains(page, f'action="{URL}"')
        self.assertContains(page, 'name="language" value="nl" lang="nl">Nederlands</button>')
        self.assertContains(page, 'name="next" value="/queue/"')
        self.assertNotContains(page, 'value="en" lang="en"')
        self.client.logout()
        self.assertContains(self.client.get("/login/"), 'value="nl" lang="nl">Nederlands')
        self.assertContains(self.client.get("/screening/"), 'value="nl" lang="nl">Nederlands')

    def test_before_the_second_factor_the_account_s_language_applies_unchanged(self) -> None:
        User.objects.filter(pk=self.tessa.pk).update(language="nl")
        self.client.force_login(self.tessa)  # password only: the second-factor pages open
        page = self.client.get("/account/two-factor/", follow=True)
        self.assertContains(page, "Inloggen in twee stappen instellen")
        self.assertNotContains(page, f'action="{URL}"')
        self.choose("en")  # sent anyway: the second-factor check comes first
        self.tessa.refresh_from_db()
        assert self.tessa.language == "nl"


class ClinicLanguageTests(BaseTestCase):
    def new_patient(self, **extra: object) -> object:
        data: dict[str, object] = {
            "account-username": "nel",
            "account-first_name": "Nel",
            "account-email": "nel@example.org",
            "care-therapist": self.tessa.pk,
            "care-arm": Arm.EMBCT,
            "care-start_date": "2026-03-23",
            "care-feedback_weekday": 1,
        }
        data.update(extra)
        return self.client.post("/clinic/patients/new/", data)

    def test_a_new_patient_can_get_dutch_from_the_first_login(self) -> None:
        self.login(self.ada)
        assert self.new_patient(**{"account-language": "nl"}).status_code == 201
        assert User.objects.get(username="nel").language == "nl"

    def test_without_a_choice_a_new_account_gets_the_site_default(self) -> None:
        self.login(self.ada)
        assert self.new_patient().status_code == 201
        assert User.objects.get(username="nel").language == settings.LANGUAGE_CODE

    def test_the_form_starts_from_the_administrator_s_own_language(self) -> None:
        User.objects.filter(pk=self.ada.pk).update(language="nl")
        self.login(self.ada)
        response = self.client.get("/clinic/patients/new/")
        self.assertContains(response, '<option value="nl" selected>Nederlands</option>')
        self.assertContains(response, "Taal")

    def test_an_unknown_language_is_refused(self) -> None:
        self.login(self.ada)
        assert self.new_patient(**{"account-language": "xx"}).status_code == 400
        assert not User.objects.filter(username="nel").exists()

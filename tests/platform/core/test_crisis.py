"""``{% crisis_info %}``: the inbox is not for emergencies, when the therapist reads it, and
whom to call now, on every page where a patient reads or writes messages and on the
screening's answer page, in the user's language; the site's own lines replace the default."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import override_settings

from embct.platform.accounts.models import User
from embct.platform.lib.crisis import CrisisLine, Number
from support.testing import BaseTestCase, create_group_patient

SITE_LINES = (
    CrisisLine(
        {"en": "Crisis line of the clinic", "nl": "Crisislijn van de kliniek"},
        (Number("+31 20 123 4567"),),
        {"en": "day and night", "nl": "dag en nacht"},
    ),
)


def hads_form(value: int) -> dict[str, str]:
    data = {str(i): str(value) for i in range(1, 15)}
    data.update(form_token=str(uuid.uuid4()), contact="06 12345678")
    return data


class CrisisInformationTests(BaseTestCase):
    def assert_default_lines(self, response: Any, *, weekday: str | None) -> None:
        status = response.status_code
        for text in (
            "Need help now?",
            "113 Suicide Prevention (113 Zelfmoordpreventie)",
            "0800-0113 is free",
            "Your general practitioner (GP)",
            "if you or someone else is in danger now",
        ):
            self.assertContains(response, text, status_code=status)
        for link in (
            '<a href="tel:113">113</a>',
            '<a href="tel:08000113">0800-0113</a>',
            '<a href="tel:112">112</a>',
        ):
            self.assertContains(response, link, html=True, status_code=status)
        inbox = "The inbox is not for emergencies."
        if weekday is None:
            self.assertNotContains(response, inbox, status_code=status)
        else:
            self.assertContains(
                response,
                f"{inbox} Your therapist reads it on <strong>{weekday}s</strong>, so an answer "
                "can take up to a week.",
                status_code=status,
            )

    def test_the_week_page_ends_with_it_and_names_the_feedback_day(self) -> None:
        self.login(self.pim)
        response = self.client.get("/week/")
        self.assert_default_lines(response, weekday="Thursday")
        content = response.content.decode()
        assert content.index("Your sessions") < content.index("Need help now?")

    def test_the_inbox_shows_it_between_the_messages_and_the_form(self) -> None:
        self.login(self.olga)
        response = self.client.get("/inbox/")
        self.assert_default_lines(response, weekday="Monday")
        content = response.content.decode()
        assert content.index("Need help now?") < content.index("Write to your therapist")

    def test_the_message_form_sent_empty_shows_it_again(self) -> None:
        self.login(self.pim)
        response = self.client.post("/inbox/write/", {"body": " "})
        assert response.status_code == 400
        self.assert_default_lines(response, weekday="Thursday")

    def test_a_group_patients_inbox_shows_it_too(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        self.assert_default_lines(self.client.get("/inbox/"), weekday="Thursday")

    def test_the_screening_answer_shows_it_to_whom_the_study_is_not_for(self) -> None:
        response = self.client.post("/screening/", hads_form(0))
        self.assertContains(response, "Your answers do not point to the kind of distress")
        self.assert_default_lines(response, weekday=None)

    def test_the_screening_answer_shows_it_to_whom_is_invited_too(self) -> None:
        response = self.client.post("/screening/", hads_form(2))
        self.assertContains(response, "A researcher will call you")
        self.assert_default_lines(response, weekday=None)

    def test_the_other_pages_do_not_show_it(self) -> None:
        self.login(self.pim)
        response = self.client.get(f"/sessions/{self.session(1).pk}/")
        self.assertNotContains(response, "Need help now?")

    def test_it_is_in_dutch_for_a_dutch_patient(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(language="nl")
        self.login(self.pim)
        for response in (self.client.get("/week/"), self.client.get("/inbox/")):
            self.assertContains(response, "Hulp nodig, nu meteen?")
            self.assertContains(response, "113 Zelfmoordpreventie")
            self.assertContains(response, "0800-0113 is gratis")
            self.assertContains(response, "Uw huisarts")
            self.assertContains(response, "Alarmnummer 112")
            self.assertContains(response, "<strong>donderdag</strong>", html=False)
            self.assertNotContains(response, "Need help now?")

    def test_in_dutch_on_the_screening_answer(self) -> None:
        response = self.client.post("/screening/", hads_form(0), HTTP_ACCEPT_LANGUAGE="nl")
        self.assertContains(response, "Hulp nodig, nu meteen?")
        self.assertContains(response, "Uw huisarts")

    @override_settings(EMBCT_CRISIS_LINES=SITE_LINES)
    def test_the_site_configures_the_lines_in_each_language(self) -> None:
        self.login(self.pim)
        response = self.client.get("/inbox/")
        self.assertContains(response, "Crisis line of the clinic")
        self.assertContains(response, '<a href="tel:+31201234567">+31 20 123 4567</a>', html=True)
        self.assertNotContains(response, "Zelfmoordpreventie")
        User.objects.filter(pk=self.pim.pk).update(language="nl")
        response = self.client.get("/inbox/")
        self.assertContains(response, "Crisislijn van de kliniek")
        self.assertContains(response, "dag en nacht")

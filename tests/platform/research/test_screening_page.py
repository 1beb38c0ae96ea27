"""The public screening page says what the study is, who runs it, and how the telephone number
is used and when it is erased (``EMBCT_STUDY_NAME``, ``EMBCT_STUDY_RUN_BY``,
``EMBCT_CALL_ATTEMPTS``, ``EMBCT_SCREENING_CONTACT_DAYS``), before it asks for the number."""

from __future__ import annotations

from django.test import override_settings

from support.testing import BaseTestCase

URL = "/screening/"


class ScreeningPageTests(BaseTestCase):
    def page(self, **headers: str) -> str:
        response = self.client.get(URL, **headers)
        assert response.status_code == 200
        return response.content.decode()

    @override_settings(
        EMBCT_STUDY_NAME="The CALM study",
        EMBCT_STUDY_RUN_BY="Radboud university medical center, Nijmegen",
        EMBCT_SCREENING_CONTACT_DAYS=60,
        EMBCT_CALL_ATTEMPTS=4,
    )
    def test_it_says_what_the_study_is_who_runs_it_and_when_the_number_goes(self) -> None:
        page = self.page()
        about = page.index("About the study")
        number = page.index('name="contact"')
        assert about < page.index("The CALM study compares mindfulness-based") < number
        assert page.index("It is run by Radboud university medical center, Nijmegen.") < number
        erased = "could not reach you in 4 calls, and at the latest 60 days after you send"
        assert about < page.index(erased) < number
        assert page.index("only to call you about taking part") < number

    def test_without_settings_it_says_so_in_neutral_words(self) -> None:
        page = self.page()
        assert "This study compares mindfulness-based" in page
        assert "the research team of the clinic that runs this website" in page
        assert "at the latest 90 days after you send this form" in page
        assert "could not reach you in 3 calls" in page

    @override_settings(EMBCT_CALL_ATTEMPTS=1)
    def test_one_attempt_is_said_in_the_singular(self) -> None:
        assert "could not reach you in 1 call," in self.page()

    def test_it_is_in_dutch_for_a_dutch_reader(self) -> None:
        page = self.page(HTTP_ACCEPT_LANGUAGE="nl")
        assert "Over het onderzoek" in page
        assert "uiterlijk 90 dagen nadat u dit formulier verstuurt" in page

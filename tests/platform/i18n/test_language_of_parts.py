"""Language of parts (WCAG 3.1.2): the course's texts and the questionnaires' wording come
from the site's files in their own language; inside a page in another language they say
which, so a screen reader switches voice and the browser hyphenates by the right rules.

The pages are parsed and every piece of visible text gets the language in force where it
stands (the nearest ``lang`` attribute above it), which is what assistive technology reads.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from uuid import uuid4

from django.urls import reverse

from embct.platform.accounts.models import User
from embct.platform.care.models import PatientProfile
from embct.platform.course.models import Course
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires.services import windows
from support.testing import TODAY, BaseTestCase

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


class _Languages(HTMLParser):
    """Visible text of ``<main>`` with the language in force where it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, str]] = []  # (tag, language in force)
        self.pieces: list[tuple[str, str]] = []
        self.html_lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        lang = dict(attrs).get("lang")
        if tag == "html":
            self.html_lang = lang or ""
        if tag in _VOID:
            return
        here = self.stack[-1][1] if self.stack else ""
        self.stack.append((tag, lang if lang is not None else here))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        tags = [tag for tag, _ in self.stack]
        if "main" in tags and not {"script", "style"} & set(tags) and data.strip():
            self.pieces.append((" ".join(data.split()), self.stack[-1][1]))


def languages(page: str) -> tuple[str, list[tuple[str, str]]]:
    """``<html lang>``, and (text, language) for each piece of text in ``<main>``."""
    parser = _Languages()
    parser.feed(page)
    return parser.html_lang, parser.pieces


class LanguageOfPartsTests(BaseTestCase):
    def page(self, user: User, url: str) -> tuple[str, dict[str, str]]:
        self.login(user)
        response = self.client.get(url)
        assert response.status_code == 200, url
        html_lang, pieces = languages(response.content.decode())
        return html_lang, dict(pieces)

    def dutch(self, *users: User) -> None:
        User.objects.filter(pk__in=[u.pk for u in users]).update(language="nl")
        for user in users:
            user.refresh_from_db()

    def test_a_dutch_patient_reads_the_english_course_marked_english(self) -> None:
        self.dutch(self.pim)
        self.diary(self.pim_profile, 2)
        html_lang, text = self.page(self.pim, reverse("care:session", args=[self.session(2).pk]))
        assert html_lang == "nl"
        assert text["Sessie 2:"] == "nl"  # the interface's words
        for course_text in (
            "Test session 2",  # the title in the heading
            "session 2",  # the introduction (Markdown)
            "Test audio. Breathe in. Breathe out.",  # the transcript
            "Example patient",  # an example diary
            "Busy thoughts.",
            "Fictional example.",
        ):
            assert text[course_text] == "en", course_text
        exercise = self.session(2).exercises.get(slug="breath-2")
        assert text[exercise.title] == "en"  # heading of the exercise, and the diary entry's
        assert text["Lichaam:"] == "nl"

    def test_a_dutch_patient_s_week_diary_and_handout_pages_mark_the_course_english(
        self,
    ) -> None:
        self.dutch(self.pim)
        html_lang, text = self.page(self.pim, reverse("care:week"))
        assert (html_lang, text["Test session 3"], text["Test session 1"]) == ("nl", "en", "en")
        assert text[self.course.feedback_note] == "en"
        assert text["Week 3 van 9"] == "nl"
        html_lang, text = self.page(self.pim, reverse("care:diary", args=[self.session(2).pk]))
        exercise = self.session(2).exercises.filter(diary=True).first()
        assert exercise is not None
        assert (html_lang, text[exercise.title], text["Andere oefening"]) == ("nl", "en", "nl")

    def test_a_dutch_group_member_and_therapist_see_the_course_marked_english(self) -> None:
        self.dutch(self.olga, self.tessa)
        group = MbctGroup.objects.create(
            name="Dinsdaggroep", therapist=self.otto, location="Zaal 2", course=self.course
        )
        session = self.session(1)
        GroupMeeting.objects.create(group=group, session=session, date=TODAY - timedelta(days=7))
        PatientProfile.objects.filter(pk=self.olga_profile.pk).update(group=group)
        html_lang, text = self.page(self.olga, reverse("groups:mine"))
        assert (html_lang, text[session.title], text[session.handout_title]) == ("nl", "en", "en")
        self.send(self.pim_profile, 2)
        html_lang, text = self.page(self.tessa, reverse("care:patient", args=[self.pim_profile.pk]))
        title = self.session(2).exercises.first().title  # type: ignore[union-attr]
        assert (html_lang, text[title]) == ("nl", "en")

    def test_a_dutch_patient_reads_the_placeholder_wording_marked_english(self) -> None:
        self.dutch(self.pim)
        hads = next(
            w.assessment
            for w in windows(self.pim_profile, TODAY)
            if w.is_open and w.assessment.instrument == "hads"
        )
        html_lang, text = self.page(self.pim, reverse("questionnaires:fill", args=[hads.pk]))
        assert html_lang == "nl"
        assert text["1. HADS item 1"] == "en"
        assert text["HADS item 1, option A"] == "en"
        assert text["HADS instructions"] == "en"
        assert text["Deze vraag overslaan"] == "nl"  # the skip is the interface's
        # Sent with nothing answered: the error summary names each question in its wording.
        response = self.client.post(
            reverse("questionnaires:fill", args=[hads.pk]),
            {"form_token": str(uuid4()), "action": "submit"},
        )
        assert response.status_code == 400
        html_lang, pieces = languages(response.content.decode())
        assert ("Er is iets niet in orde", "nl") in pieces
        assert pieces.count(("1. HADS item 1", "en")) == 2  # in the summary and the legend

    def test_a_dutch_visitor_s_screening_questions_are_marked_english(self) -> None:
        self.client.logout()
        response = self.client.get(reverse("research:screening"), HTTP_ACCEPT_LANGUAGE="nl")
        html_lang, pieces = languages(response.content.decode())
        assert html_lang == "nl"
        assert ("1. HADS item 1", "en") in pieces
        assert ("HADS item 14, option D", "en") in pieces
        assert ("Deze vraag overslaan", "nl") in pieces

    def test_a_course_in_the_page_s_language_needs_no_marking(self) -> None:
        Course.objects.filter(pk=self.course.pk).update(language="nl")
        self.dutch(self.pim)
        for url in (
            reverse("care:week"),
            reverse("care:session", args=[self.session(2).pk]),
            reverse("care:diary", args=[self.session(2).pk]),
        ):
            self.login(self.pim)
            page = self.client.get(url).content.decode()
            html_lang, pieces = languages(page)
            assert html_lang == "nl"
            assert {lang for _, lang in pieces} == {"nl"}, url
            assert ' lang="en"' not in page.split("<main", 1)[1], url

    def test_an_english_user_reads_a_dutch_course_marked_dutch(self) -> None:
        Course.objects.filter(pk=self.course.pk).update(language="nl")
        html_lang, text = self.page(self.pim, reverse("care:session", args=[self.session(2).pk]))
        assert (html_lang, text["Test session 2"], text["Session 2:"]) == ("en", "nl", "en")

    def test_an_english_user_and_an_english_course_give_the_page_as_before(self) -> None:
        self.login(self.pim)
        page = self.client.get(reverse("care:session", args=[self.session(2).pk])).content
        main = page.decode().split("<main", 1)[1]
        assert " lang=" not in main

"""A user whose language is Dutch sees Dutch: every persona's start page and key pages, the
error pages, the messages after an action and the e-mails they get.

The check on each page: ``<html lang="nl">``, Dutch words that must be there, and none of the
platform's English interface phrases (every msgid of two words or more whose Dutch differs,
taken from the compiled catalogue, plus the short navigation words).
"""

from __future__ import annotations

import gettext
import html
import re
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from django.core import mail
from django.urls import reverse

from embct import trial
from embct.platform.accounts.models import User
from embct.platform.care.models import PatientProfile
from embct.platform.course.loader import load_course
from embct.platform.course.models import Course, CourseSession, ExampleEntry, Exercise
from embct.platform.groups.models import GroupMeeting, MbctGroup
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.questionnaires.reminders import remind
from embct.platform.questionnaires.services import windows
from embct.platform.research.models import Participant, Screening
from support.testing import TODAY, BaseTestCase

DUTCH_DEMO = Path(__file__).resolve().parents[3] / "src/embct/platform/course_content/demo-nl"

MO = Path(__file__).resolve().parents[3] / "src/embct/platform/locale/nl/LC_MESSAGES/django.mo"
with MO.open("rb") as _handle:
    _CATALOG = gettext.GNUTranslations(_handle)._catalog  # type: ignore[attr-defined]
#: English interface phrases that must not appear on a Dutch page.
ENGLISH_PHRASES = sorted(
    msgid
    for msgid, msgstr in _CATALOG.items()
    if isinstance(msgid, str)
    and "\x04" not in msgid
    and len(msgid.split()) >= 2
    and "%(" not in msgid
    and msgstr != msgid
)
#: Short English words of the header and common buttons.
ENGLISH_WORDS = ["Log out", "Log in", "Inbox", "Queue", "Questionnaires", "Research", "Clinic"]


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def course_content() -> list[str]:
    """The course's own texts (site-supplied content, not interface strings), longest first."""
    texts: list[str] = []
    for course in Course.objects.all():
        texts += [course.title, course.feedback_note, course.preparation_title]
        texts.append(visible_text(course.intro_html + " " + course.preparation_html))
    for session in CourseSession.objects.all():
        texts += [session.title, session.handout_title]
        texts += [visible_text(getattr(session, f)) for f in ("intro_html", "handout_html")]
        texts.append(visible_text(session.examples_html))
    for exercise in Exercise.objects.all():
        texts += [exercise.title, visible_text(exercise.instructions_html)]
        texts.append(" ".join(exercise.transcript.split()))
    for example in ExampleEntry.objects.all():
        fields = ("author", "exercise_title", "body", "thoughts", "feelings", "note")
        texts += [getattr(example, f) for f in fields]
    return sorted({t for t in texts if t.strip()}, key=len, reverse=True)


class DutchPagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        User.objects.update(language="nl")
        for user in (cls.tessa, cls.otto, cls.sam, cls.rosa, cls.ada, cls.pim, cls.olga):
            user.refresh_from_db()
        cls.group = MbctGroup.objects.create(
            name="Dinsdaggroep", therapist=cls.otto, location="Zaal 2", course=cls.course
        )
        GroupMeeting.objects.create(
            group=cls.group,
            session=cls.course.sessions.get(week=1),
            date=TODAY - timedelta(days=7),
        )
        PatientProfile.objects.filter(pk=cls.olga_profile.pk).update(group=cls.group)
        flag = trial.no_recent_practice(None, TODAY, TODAY - timedelta(days=15))
        assert flag is not None
        FlagRecord.objects.create(
            patient=cls.pim_profile,
            code=flag.code,
            occurrence="test",
            title=flag.title,
            explanation=flag.explanation,
            evidence=flag.as_dict()["evidence"],
        )
        cls.screening = Screening.objects.create(
            answers={}, total=14, invited=True, contact="0612345678", form_token=uuid4()
        )
        cls.participant = Participant.objects.create(
            study_id="S00001", assessed_on=TODAY, eligibility={}, eligible=True, consent_on=TODAY
        )

    def assert_dutch(self, url: str, *dutch: str, status: int = 200) -> str:
        response = self.client.get(url, follow=True)
        assert response.status_code == status, url
        page = response.content.decode()
        assert '<html lang="nl">' in page, url
        text = visible_text(page)
        for words in dutch:
            assert words in text, f"{url}: {words!r} missing"
        interface = text
        for content in course_content():
            interface = interface.replace(content, " ")
        english = [p for p in ENGLISH_PHRASES if p in interface]
        english += [w for w in ENGLISH_WORDS if re.search(rf"\b{w}\b", interface)]
        assert english == [], f"{url}: English on a Dutch page"
        return text

    def test_there_are_phrases_to_look_for(self) -> None:
        assert len(ENGLISH_PHRASES) > 250
        assert "Send my log files to my therapist" in ENGLISH_PHRASES

    def test_a_dutch_patient_on_the_dutch_demo_course_reads_it_all_in_dutch(self) -> None:
        """The whole page Dutch, the course's texts too: nothing marked as another language."""
        dutch, _ = load_course(DUTCH_DEMO)
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(course=dutch)
        self.login(self.pim)
        week = self.assert_dutch(reverse("care:week"), "Week 3 van 9", "De adem, waar u hem")
        session = dutch.sessions.get(week=1)
        text = self.assert_dutch(
            reverse("care:session", args=[session.pk]),
            "Sessie 1",
            "Welkom in de eerste week",
            "automatische piloot",
            "Een rustige bodyscan",
            "Dit is demo-audio voor de embct-democursus.",
        )
        assert "Fictieve deelnemer A" in text
        for url in (
            reverse("care:week"),
            reverse("care:session", args=[session.pk]),
            reverse("care:diary", args=[session.pk]),
        ):
            page = self.client.get(url).content.decode()
            assert ' lang="en"' not in page.split("<main", 1)[1], url
        page = self.client.get(reverse("care:session", args=[session.pk])).content.decode()
        # the Dutch recordings, both formats, their length read from the file
        assert page.count('type="audio/ogg"') == page.count('type="audio/mpeg"') == 2
        assert re.search(r"Opname: 1 minuut \d+ seconden\.", visible_text(page))
        assert "Een rustige bodyscan" in week or "Aankomen zoals u bent" in week

    def test_the_patient_sees_dutch(self) -> None:
        self.send(self.pim_profile, 2)
        self.diary(self.pim_profile, 3)
        self.login(self.pim)
        self.assert_dutch("/", "Week 3 van 9", "Uitloggen", "Berichten", "Nog te doen deze week")
        self.assert_dutch(reverse("care:inbox"), "Alleen u en uw therapeut", "elke donderdag")
        self.assert_dutch(reverse("questionnaires:list"), "HADS, voor de cursus")
        self.assert_dutch(reverse("privacy:my_data"), "Mijn gegevens downloaden")
        session = self.session(3)
        text = self.assert_dutch(reverse("care:session", args=[session.pk]), "Sessie 3")
        assert "nog niet verstuurd" in text
        self.assert_dutch(reverse("care:diary", args=[session.pk]), "Wat merkte u op")
        assessment = next(w.assessment for w in windows(self.pim_profile, TODAY) if w.is_open)
        self.assert_dutch(
            reverse("questionnaires:fill", args=[assessment.pk]), "Opslaan en later afmaken"
        )
        self.assert_dutch(reverse("accounts:language"), "Taal")

    def test_the_patient_s_messages_after_an_action_are_dutch(self) -> None:
        self.login(self.pim)
        session = self.session(3)
        response = self.client.post(
            reverse("care:diary", args=[session.pk]),
            {"date": TODAY.isoformat(), "minutes": "12", "body": "warm", "form_token": uuid4()},
            follow=True,
        )
        self.assertContains(response, "Uw dagboeknotitie is opgeslagen.")
        response = self.client.post(reverse("care:send_logs", args=[session.pk]), follow=True)
        self.assertContains(response, "Uw logboek is naar uw therapeut verstuurd.")
        response = self.client.post(
            reverse("care:diary", args=[session.pk]),
            {"date": (TODAY + timedelta(days=2)).isoformat(), "minutes": "5"},
        )
        self.assertContains(response, "De datum kan niet in de toekomst liggen.")

    def test_a_group_member_sees_dutch(self) -> None:
        self.login(self.olga)
        self.assert_dutch("/", "Dinsdaggroep", "Waar: Zaal 2", "Vragenlijsten")

    def test_the_therapist_sees_dutch(self) -> None:
        self.send(self.pim_profile, 3)
        self.login(self.tessa)
        self.assert_dutch("/", "Wachtrij voor feedback", "Logboek van sessie 3 (1 notitie)")
        self.assert_dutch(reverse("care:caseload"), "Uw eMBCT-patiënten", "donderdag")
        self.assert_dutch(
            reverse("care:patient", args=[self.pim_profile.pk]), "Naar de patiënt versturen"
        )
        text = self.assert_dutch(
            reverse("questionnaires:measures", args=[self.pim_profile.pk]),
            "Geen oefening bijgehouden",
            "Er is al 15 dagen geen oefening bijgehouden (sinds het begin van de cursus).",
            "Dagen zonder oefening",
        )
        assert "No practice has been logged" not in text
        self.assert_dutch(reverse("questionnaires:warnings"), "Vroege signalen")
        self.login(self.otto)
        self.assert_dutch(reverse("groups:detail", args=[self.group.pk]), "Wie waren er?")
        self.login(self.sam)
        self.assert_dutch(reverse("care:supervision"), "U superviseert")

    def test_the_researcher_sees_dutch(self) -> None:
        self.login(self.rosa)
        self.assert_dutch(reverse("research:dashboard"), "Bellijst", "Stroomdiagram (CONSORT)")
        self.assert_dutch("/", "Bellijst", "Hertoewijzing nodig")  # home: the dashboard
        self.assert_dutch(
            reverse("research:eligibility", args=[self.screening.pk]),
            "Inclusie: Heeft de diagnose kanker gekregen.",
        )
        self.assert_dutch(
            reverse("research:participant", args=[self.participant.pk]),
            "Kenmerken bij de voormeting",
            "Diagnose kanker",
        )

    def test_the_administrator_sees_dutch(self) -> None:
        self.login(self.ada)
        self.assert_dutch("/", "Kliniek", "Nieuwe patiënt", "Nederlands")
        self.assert_dutch(reverse("care:new_patient"), "Gebruikersnaam", "Vaste feedbackdag")
        self.assert_dutch(reverse("care:assign", args=[self.pim_profile.pk]), "Startdatum")
        self.assert_dutch(reverse("audit:list"), "Tot en met (datum)")

    def test_error_pages_are_dutch(self) -> None:
        self.login(self.pim)
        self.assert_dutch("/no-such-page/", "Pagina niet gevonden", status=404)
        self.assert_dutch(reverse("care:queue"), "Geen toegang", status=403)

    def test_a_visitor_whose_browser_asks_for_dutch_gets_dutch(self) -> None:
        self.client.defaults["HTTP_ACCEPT_LANGUAGE"] = "nl-NL,nl;q=0.9,en;q=0.5"
        self.assert_dutch(reverse("login"), "Inloggen", "Gebruikersnaam", "English")
        self.assert_dutch(reverse("research:screening"), "Is deze cursus iets voor u?")


class DutchEmailTests(BaseTestCase):
    def test_an_e_mail_goes_out_in_the_recipient_s_language(self) -> None:
        User.objects.filter(pk__in=[self.pim.pk, self.tessa.pk]).update(language="nl")
        self.login(self.otto)  # English: his patient olga is English too
        self.client.post(
            reverse("care:write_feedback", args=[self.olga_profile.pk]),
            {"body": "Well done.", "form_token": uuid4()},
        )
        self.login(self.tessa)
        self.client.post(
            reverse("care:write_feedback", args=[self.pim_profile.pk]),
            {"body": "Goed gedaan.", "form_token": uuid4()},
        )
        by_address = {m.to[0]: m for m in mail.outbox}
        assert by_address["olga@example.org"].subject == "embct: something new is waiting for you"
        dutch = by_address["pim@example.org"]
        assert dutch.subject == "embct: er staat iets nieuws voor u klaar"
        assert dutch.body.startswith("Goedendag,\n\nEr staat iets nieuws voor u klaar op embct.")
        assert "Goed gedaan" not in dutch.body  # still only that something is waiting
        # A Dutch therapist is told in Dutch, whatever language the patient writes in.
        mail.outbox.clear()
        self.login(self.olga)
        User.objects.filter(pk=self.otto.pk).update(language="nl")
        self.client.post(reverse("care:write_message"), {"body": "Hello", "form_token": uuid4()})
        assert [m.subject for m in mail.outbox] == ["embct: er staat iets nieuws voor u klaar"]

    def test_questionnaire_reminders_are_in_each_patient_s_language(self) -> None:
        User.objects.filter(pk=self.pim.pk).update(language="nl")
        remind(TODAY)
        by_address = {m.to[0]: m for m in mail.outbox}
        assert by_address["pim@example.org"].subject == "embct: er wacht iets op u"
        assert "Log in wanneer het u uitkomt." in by_address["pim@example.org"].body
        assert by_address["olga@example.org"].subject == "embct: something is waiting for you"

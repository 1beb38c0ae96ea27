"""The week page's cache (care.weekpage): a second view of the same state comes from the cache,
with the same HTML, and every change the patient, the therapist, the clinic or a job can make
to what the page shows gives a fresh page at once, whichever path made it (a form, an
``update()``, plain SQL as another host would)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection
from django.test import Client, override_settings

from embct.platform.accounts.models import User
from embct.platform.care import weekpage
from embct.platform.care.models import Arm, DiaryEntry, Message, PatientProfile
from embct.platform.course.models import Course, CourseSession
from embct.platform.questionnaires import services as questionnaires
from embct.platform.questionnaires.models import ScheduledAssessment
from support import measure_helpers as helpers
from support.testing import NOW, BaseTestCase, force_login_verified

URL = "/week/"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
_TOKEN_VALUE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]*)"')


class WeekCacheTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        questionnaires.materialize(self.pim_profile)  # as a first view would

    def view(self) -> tuple[str, bool]:
        """The week page's HTML (the CSRF token, new on every request, blanked) and whether
        it came from the cache (no template rendered)."""
        response = self.client.get(URL)
        assert response.status_code == 200
        return _CSRF.sub("", response.content.decode()), not response.templates

    def post(self, url: str, data: dict[str, object] | None = None) -> None:
        """A form sent and its answer followed, as a browser does: a message it leaves is shown
        there, so the week page after it is an ordinary view (else it would be made afresh
        for the message alone, and the tests below would pass without the key)."""
        response = self.client.post(url, data or {}, follow=True)
        assert response.redirect_chain, response.status_code
        assert response.status_code == 200

    def cached_view(self) -> str:
        """The page, viewed twice: the second view must come from the cache (else the tests
        below would pass without one)."""
        first, _ = self.view()
        second, cached = self.view()
        assert cached, "the second view of the same state did not come from the cache"
        assert second == first
        return second

    def test_a_second_view_comes_from_the_cache_with_the_same_html_and_three_queries(
        self,
    ) -> None:
        self.login(self.pim)
        first, cached = self.view()
        assert not cached
        # the session, the user, the page's rows (profile, course and therapist included)
        with self.assertNumQueries(3):
            second, cached = self.view()
        assert cached
        assert second == first
        self.assertInHTML('<span class="badge" aria-hidden="true">1</span>', second, count=0)

    def test_a_diary_entry_written_shows_at_once(self) -> None:
        self.login(self.pim)
        assert "Practise and keep your diary for session 3" in self.cached_view()
        self.post(
            f"/sessions/{self.session(3).pk}/diary/",
            {
                "exercise": self.session(3).exercises.get(slug="breath-3").pk,
                "date": "2026-03-17",
                "minutes": "25",
                "body": "heavy shoulders",
                "form_token": str(uuid.uuid4()),
            },
        )
        page, _ = self.view()
        assert "Send the log files of session 3." in page
        assert "1 diary entry not sent yet" in page

    def test_log_files_sent_show_at_once(self) -> None:
        self.diary(self.pim_profile, 3)
        self.login(self.pim)
        assert "1 diary entry not sent yet" in self.cached_view()
        self.post(f"/sessions/{self.session(3).pk}/send/")
        page, _ = self.view()
        assert "diary entry not sent yet" not in page
        assert "Log files sent" in page
        assert "0 of 9 sessions completed" not in page

    def test_the_therapists_feedback_and_its_reading_show_at_once(self) -> None:
        self.send(self.pim_profile, 3)
        self.login(self.pim)
        assert "new feedback" not in self.cached_view()
        therapist = Client()
        force_login_verified(therapist, self.tessa)
        response = therapist.post(
            f"/patients/{self.pim_profile.pk}/write/", {"body": "You practised every day."}
        )
        assert response.status_code == 302
        page, _ = self.view()
        assert "You have new feedback from" in page
        self.assertInHTML('<span class="badge" aria-hidden="true">1</span>', page)  # header
        self.cached_view()
        assert self.client.get("/inbox/").status_code == 200  # reads it
        page, _ = self.view()
        assert "You have new feedback from" not in page
        self.assertInHTML('<span class="badge" aria-hidden="true">1</span>', page, count=0)

    def test_a_questionnaire_answered_and_a_draft_kept_show_at_once(self) -> None:
        wai = ScheduledAssessment.objects.get(patient=self.pim_profile, key="wai_w2")
        fill = f"/questionnaires/{wai.pk}/"
        self.login(self.pim)
        page = self.cached_view()
        assert f'<a href="{fill}">WAI-SR, start of week 2</a>' in page
        assert ", started" not in page
        draft = {"1": "5", "form_token": str(uuid.uuid4()), "action": "save"}
        self.post(fill, draft)
        page, _ = self.view()
        assert ", started</span>" in page
        self.cached_view()
        answers = helpers.answers("wai", 4)
        answers.update(form_token=str(uuid.uuid4()), action="submit")
        self.post(fill, answers)
        page, _ = self.view()
        assert f'href="{fill}"' not in page
        assert "WAI-SR, start of week 2" in page  # now among the done ones

    def test_the_next_day_shows_at_midnight(self) -> None:
        # Pim's week 4 starts on 24 March: a minute before midnight and a minute after.
        with time_machine.travel(datetime(2026, 3, 23, 23, 59, tzinfo=AMSTERDAM), tick=False):
            self.login(self.pim)
            assert "Week 3 of 9" in self.cached_view()
        with time_machine.travel(datetime(2026, 3, 24, 0, 1, tzinfo=AMSTERDAM), tick=False):
            page, _ = self.view()
        assert "Week 4 of 9" in page

    def test_a_language_chosen_shows_at_once(self) -> None:
        self.login(self.pim)
        assert "Your sessions" in self.cached_view()
        self.post("/language/", {"language": "nl"})
        page, _ = self.view()
        assert "Je sessies" in page or "Uw sessies" in page
        assert "Your sessions" not in page

    def test_the_clinics_changes_to_the_profile_course_and_therapist_show(self) -> None:
        self.login(self.pim)
        self.cached_view()
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(feedback_weekday=1)
        assert "<strong>Tuesdays</strong>" in self.view()[0]
        self.cached_view()
        User.objects.filter(pk=self.tessa.pk).update(first_name="Tess")
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="hello")
        assert "You have new feedback from Tess:" in self.view()[0]
        self.cached_view()
        CourseSession.objects.filter(pk=self.session(3).pk).update(title="A new title")
        assert "Session 3: A new title" in self.view()[0]
        self.cached_view()
        Course.objects.filter(pk=self.course.pk).update(feedback_note="Answers come by noon.")
        assert "Answers come by noon." in self.view()[0]
        self.cached_view()
        User.objects.filter(pk=self.pim.pk).update(first_name="Pieter", last_name="Jansen")
        assert '<span class="who">Pieter Jansen</span>' in self.view()[0]  # the header

    def test_a_patient_moved_to_group_mbct_is_refused_at_once(self) -> None:
        self.login(self.pim)
        self.cached_view()
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(arm=Arm.MBCT)
        assert self.client.get(URL).status_code == 403
        PatientProfile.objects.filter(pk=self.pim_profile.pk).delete()
        assert self.client.get(URL).status_code == 404

    def test_a_change_made_in_plain_sql_shows_at_once(self) -> None:
        # No signal and no Django code of this process sees it: as a job or another host.
        self.diary(self.pim_profile, 3)
        self.login(self.pim)
        assert "1 diary entry not sent yet" in self.cached_view()
        table = connection.ops.quote_name(DiaryEntry._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE patient_id = %s", [self.pim_profile.pk])
        assert "diary entry not sent yet" not in self.view()[0]

    def test_another_schedule_mode_is_not_served_the_trials_page(self) -> None:
        self.login(self.pim)
        trial_page = self.cached_view()
        with override_settings(EMBCT_ASSESSMENT_MODE="every_session"):
            page, cached = self.view()
        assert not cached
        assert page != trial_page

    def test_a_view_that_sets_the_schedule_up_is_not_kept(self) -> None:
        self.login(self.pim)
        self.cached_view()
        scheduled = self.pim_profile.assessments.count()
        self.pim_profile.assessments.all().delete()
        for _ in range(2):
            # it writes the schedule, so what it made is not kept for the state it read
            assert self.view()[1] is False
            assert self.pim_profile.assessments.count() == scheduled
            self.pim_profile.assessments.all().delete()
        assert self.view()[1] is False  # writes the schedule
        assert self.view()[1] is False  # the state it wrote: made and kept ...
        assert self.view()[1] is True  # ... and served

    def test_the_page_after_the_course_is_made_afresh(self) -> None:
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            start_date=NOW.date() - timedelta(days=70)
        )
        self.login(self.pim)
        page, cached = self.view()
        assert "Your course has ended" in page
        assert not cached
        for _ in range(2):
            assert self.view()[1] is False

    def test_a_page_from_the_cache_carries_the_requests_own_csrf_token(self) -> None:
        client = Client(enforce_csrf_checks=True)
        force_login_verified(client, self.pim)
        client.get(URL)
        # kept by another process (another stand-in for the token), served by this one
        with mock.patch.object(weekpage, "_TOKEN", "0" * 32):
            response = client.get(URL)
        assert not response.templates  # from the cache
        tokens = set(_TOKEN_VALUE.findall(response.content.decode()))
        assert len(tokens) == 1
        assert "0" * 32 not in tokens
        assert weekpage._TOKEN not in tokens
        answer = client.post("/language/", {"language": "nl", "csrfmiddlewaretoken": tokens.pop()})
        assert answer.status_code == 302
        self.pim.refresh_from_db()
        assert self.pim.language == "nl"

    def test_a_message_waiting_is_shown_once_and_not_kept(self) -> None:
        self.login(self.pim)
        before = self.cached_view()
        # a form's message, not yet shown (its redirect not followed): the next page shows it
        saved = self.client.post("/account/notifications/", {"email_on_new_message": "no"})
        assert saved.status_code == 302
        response = self.client.get(URL)
        assert response.templates  # made afresh
        self.assertContains(response, "Your e-mail setting is saved.")
        # the same state as before (the week page does not show the e-mail setting): had the
        # page with the message been kept, it would come back now
        assert self.view() == (before, True)

    def test_the_content_template_names_every_template_it_renders(self) -> None:
        # What care/week.html renders is keyed by care.weekpage: a template it comes to
        # include must have what it shows in the key (see weekpage's docstring).
        self.login(self.pim)
        response = self.client.get(URL)
        names = {t.name for t in response.templates}
        assert names == {
            "care/week.html",
            "base.html",
            "questionnaires/_due.html",
            "core/_crisis.html",
        }

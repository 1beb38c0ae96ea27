"""The patient's week page: this week's session, what is due, the feedback day."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from embct.platform.accounts.models import User
from embct.platform.care.models import Message, PatientProfile
from support.testing import NOW, BaseTestCase, create_group_patient

URL = "/week/"


class WeekPageTests(BaseTestCase):
    def test_it_shows_the_week_and_the_sessions_opened_so_far(self) -> None:
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "Week 3 of 9")
        self.assertContains(response, "Session 3: Test session 3")
        for week in (1, 2, 3):
            self.assertContains(response, f'href="/sessions/{self.session(week).pk}/"')
        self.assertNotContains(response, f'href="/sessions/{self.session(4).pk}/"')
        self.assertContains(response, "Session 4: opens 24 March")

    def test_it_unlocks_session_four_after_three_weeks(self) -> None:
        with time_machine.travel(NOW + timedelta(days=5), tick=False):
            self.login(self.pim)
            response = self.client.get(URL)
        self.assertContains(response, "Week 3 of 9")
        with time_machine.travel(NOW + timedelta(days=6), tick=False):
            self.login(self.pim)
            response = self.client.get(URL)
        self.assertContains(response, "Week 4 of 9")
        self.assertContains(response, f'href="/sessions/{self.session(4).pk}/"')

    def test_the_silent_day_opens_in_week_six_after_its_preparation(self) -> None:
        # Pim started on 3 March; week 6 starts on 7 April, preparation on 6 April.
        with time_machine.travel(NOW + timedelta(days=18), tick=False):
            self.login(self.pim)
            response = self.client.get(URL)
        self.assertNotContains(response, "Preparing the silent day")
        with time_machine.travel(NOW + timedelta(days=19), tick=False):
            self.login(self.pim)
            response = self.client.get(URL)
        self.assertContains(response, "Preparing the silent day")
        self.assertContains(response, "Silent day: opens 7 April")
        with time_machine.travel(NOW + timedelta(days=20), tick=False):
            self.login(self.pim)
            response = self.client.get(URL)
        self.assertContains(response, "Week 6 of 9")
        self.assertContains(response, "Silent day: The silent day")

    def test_it_says_which_weekday_the_feedback_comes_on(self) -> None:
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "<strong>Thursdays</strong>", html=False)
        self.assertContains(response, "Thursday 19 March")

    def test_it_lists_what_is_still_due(self) -> None:
        self.login(self.pim)
        self.assertContains(self.client.get(URL), "Practise and keep your diary for session 3")
        self.diary(self.pim_profile, 3)
        self.diary(self.pim_profile, 1)
        response = self.client.get(URL)
        self.assertContains(response, "Send the log files of session 3.")
        self.assertContains(response, "Send the log files of session 1 (still open).")

    def test_due_and_overdue_questionnaires_are_still_to_do(self) -> None:
        for week in (1, 2, 3):
            self.send(self.pim_profile, week)
        self.login(self.pim)
        response = self.client.get(URL)
        # The log files are all sent, but three questionnaires are overdue: not "well done".
        self.assertNotContains(response, "Nothing is waiting. Well done.")
        due = response.content.decode().split("</h2>")[1].split("</section>")[0]
        assert due.count("Fill in the questionnaire") == 3
        hads = self.pim_profile.assessments.get(instrument="hads", wave="pre")
        self.assertInHTML(
            f'<li>Fill in the questionnaire <a href="/questionnaires/{hads.pk}/">HADS, before the '
            'course</a> <span class="warn">(overdue since 3 March)</span></li>',
            due,
        )
        assert "WAI-SR, start of week 5" not in due  # upcoming, not due yet
        User.objects.filter(pk=self.pim.pk).update(language="nl")
        self.assertContains(
            self.client.get(URL),
            f'Vul de vragenlijst <a href="/questionnaires/{hads.pk}/">HADS, voor de cursus</a> '
            'in <span class="warn">(te laat sinds 3 maart)</span>',
            html=True,
        )
        self.pim_profile.assessments.update(completed_at=NOW)
        self.assertContains(self.client.get(URL), "Er staat niets meer open. Goed gedaan.")

    def test_it_counts_unread_messages(self) -> None:
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="hello")
        self.login(self.pim)
        self.assertContains(self.client.get(URL), "1 new")

    def test_before_the_start_it_says_when_the_course_starts(self) -> None:
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            start_date=NOW.date() + timedelta(days=2)
        )
        self.login(self.pim)
        response = self.client.get(URL)
        self.assertContains(response, "Your course has not started yet")
        self.assertContains(response, "Friday 20 March")

    def test_the_query_count_does_not_grow_with_diaries_and_messages(self) -> None:
        self.login(self.pim)
        # Made: the session, the user, the page's rows (care.weekpage), the profile, the
        # questionnaires (2), the week (4; its unread count is the header's too) and the
        # page's rows read again before the page is kept. Kept: the first three.
        with self.assertNumQueries(11):
            self.client.get(URL)
        with self.assertNumQueries(3):
            self.client.get(URL)
        for week in (1, 2, 3):
            self.send(self.pim_profile, week, entries=3)
            self.diary(self.pim_profile, week)
            Message.objects.create(patient=self.pim_profile, author=self.tessa, body="x")
        with self.assertNumQueries(11):
            self.client.get(URL)
        with self.assertNumQueries(3):
            self.client.get(URL)

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(URL).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.get(URL).status_code == 403

    def test_an_anonymous_visitor_is_sent_to_login(self) -> None:
        response = self.client.get(URL)
        self.assertRedirects(response, "/login/?next=/week/", fetch_redirect_response=False)

    def test_home_sends_a_patient_to_the_week(self) -> None:
        self.login(self.pim)
        self.assertRedirects(self.client.get("/"), URL)


class GroupPatientWeekTests(BaseTestCase):
    def test_a_group_mbct_patient_is_told_the_online_course_is_not_theirs(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        response = self.client.get(URL)
        self.assertContains(
            response, "The online course is not part of your treatment.", status_code=403
        )
        self.assertContains(response, 'href="/"', status_code=403)
        self.assertNotContains(response, "Week 3 of 9", status_code=403)

    def test_home_sends_a_group_mbct_patient_to_the_group_page_even_before_a_group(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        PatientProfile.objects.filter(pk=gus.pk).update(group=None)
        self.login(gus.user)
        self.assertRedirects(self.client.get("/"), "/my-group/", fetch_redirect_response=False)

"""After week 9 the course ends properly: the week page says so, what comes next (the
after-course questionnaires by the schedule, the therapist's follow-up) and every recording;
the silent day's preparation link goes once the silent day is over (embct.trial's calendar)."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from embct import trial
from embct.platform.course.models import Exercise
from support.testing import NOW, BaseTestCase

URL = "/week/"
# Pim started on Tuesday 3 March 2026: week 9 ends on Monday 4 May, the silent day's week
# (week 6) on Monday 13 April.
LAST_DAY = NOW + timedelta(days=47)
SILENT_DAY_LAST = NOW + timedelta(days=26)


class CourseEndTests(BaseTestCase):
    def get(self, moment: object) -> str:
        with time_machine.travel(moment, tick=False):
            self.login(self.pim)
            return self.client.get(URL).content.decode()

    def test_the_dates_are_the_trials(self) -> None:
        assert self.pim_profile.start_date is not None
        calendar = trial.course_calendar(self.pim_profile.start_date)
        assert calendar.end_date == LAST_DAY.date()
        assert calendar.silent_day.due_date == SILENT_DAY_LAST.date()

    def test_on_the_last_day_it_is_still_week_nine(self) -> None:
        page = self.get(LAST_DAY)
        assert "Week 9 of 9" in page
        assert "Your course has ended" not in page

    def test_the_day_after_it_says_the_course_has_ended(self) -> None:
        self.send(self.pim_profile, 1)
        self.send(self.pim_profile, 2)
        page = self.get(LAST_DAY + timedelta(days=1))
        assert "<h1>Your course has ended</h1>" in page
        assert "<title>Your course · embct</title>" in page
        assert "of 9</h1>" not in page
        assert "Week 10" not in page
        assert "The nine weeks of your course ended on Monday 4 May." in page
        assert "You completed 2 of 9 sessions." in page
        assert "This week:" not in page
        assert "Practise and keep your diary" not in page
        assert 'href="/progress/"' in page

    def test_what_comes_next_lists_the_after_course_questionnaires_with_their_dates(self) -> None:
        page = self.get(LAST_DAY + timedelta(days=1))
        after = page.split('id="next-heading"')[1].split("</section>")[0]
        # The trial's schedule: HADS and MHC-SF after the course, due the day after week 9.
        for name in ("HADS, after the course", "MHC-SF, after the course"):
            assert name in after, name
        assert after.count("Due from 5 May") == 2
        assert "before the course" not in after
        assert "start of week" not in after  # the WAI-SR of week 9 is during the course
        assert "Your therapist still answers the log files and messages you send" in after

    def test_every_recording_stays_available(self) -> None:
        page = self.get(LAST_DAY + timedelta(days=1))
        recordings = page.split('id="recordings-heading"')[1].split("</section>")[0]
        exercises = Exercise.objects.filter(session__course=self.course).exclude(audio="")
        assert exercises.count() >= 2
        for exercise in exercises:
            assert f'href="/exercises/{exercise.pk}/audio/?download=1"' in recordings
            assert f'href="/sessions/{exercise.session.pk}/#ex-{exercise.pk}"' in recordings
        assert recordings.count("<li>") == exercises.count()
        # and each one plays for the patient after the course
        with time_machine.travel(LAST_DAY + timedelta(days=1), tick=False):
            response = self.client.get(f"/exercises/{exercises.first().pk}/audio/")  # type: ignore[union-attr]
        assert response.status_code == 200

    def test_during_the_course_there_is_no_end_section(self) -> None:
        page = self.get(NOW)
        assert "What comes next" not in page
        assert "All the recordings" not in page

    def test_unsent_log_files_are_still_to_do_after_the_end(self) -> None:
        self.diary(self.pim_profile, 9)
        page = self.get(LAST_DAY + timedelta(days=1))
        due = page.split('id="due-heading"')[1].split("</section>")[0]
        assert ">Still to do<" in due
        assert "Send the log files of session 8 (still open)." in due


class PreparationLinkTests(BaseTestCase):
    def page(self, moment: object) -> str:
        with time_machine.travel(moment, tick=False):
            self.login(self.pim)
            return self.client.get(URL).content.decode()

    def test_the_link_goes_once_the_silent_day_is_over(self) -> None:
        link = 'href="/silent-day/preparation/"'
        assert link in self.page(SILENT_DAY_LAST)
        assert link not in self.page(SILENT_DAY_LAST + timedelta(days=1))
        assert link not in self.page(LAST_DAY + timedelta(days=1))

    def test_the_preparation_page_itself_stays_reachable(self) -> None:
        with time_machine.travel(SILENT_DAY_LAST + timedelta(days=1), tick=False):
            self.login(self.pim)
            response = self.client.get("/silent-day/preparation/")
        assert response.status_code == 200


class CourseEndInDutchTests(BaseTestCase):
    def test_the_ended_course_speaks_dutch(self) -> None:
        self.pim.language = "nl"
        self.pim.save()
        with time_machine.travel(LAST_DAY + timedelta(days=1), tick=False):
            self.login(self.pim)
            page = self.client.get(URL).content.decode()
        assert "<h1>Uw cursus is afgelopen</h1>" in page
        assert "Wat er nu komt" in page
        assert "Alle opnamen" in page
        assert "Your course has ended" not in page

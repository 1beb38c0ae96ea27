"""The feedback queue: by each patient's feedback weekday, oldest first, with waiting time."""

from __future__ import annotations

from datetime import timedelta

import time_machine

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import Message, PatientProfile, Weekday
from embct.platform.lib.paging import PAGE_SIZE
from support.testing import NOW, TODAY, BaseTestCase

URL = "/queue/"


class QueueTests(BaseTestCase):
    def patient(self, name: str, weekday: int) -> PatientProfile:
        user = User.objects.create_user(name, role=Role.PATIENT, first_name=name.title())
        return PatientProfile.objects.create(
            user=user,
            therapist=self.tessa,
            start_date=TODAY - timedelta(days=15),
            feedback_weekday=weekday,
            course=self.course,
        )

    def test_it_orders_by_feedback_day_then_oldest(self) -> None:
        # Wednesday 18 March. Pim's day is Thursday; Mia's is Wednesday; Kai's also Thursday.
        mia = self.patient("mia", Weekday.WEDNESDAY)
        kai = self.patient("kai", Weekday.THURSDAY)
        with time_machine.travel(NOW - timedelta(hours=5), tick=False):
            self.send(kai, 3)
        with time_machine.travel(NOW - timedelta(hours=3), tick=False):
            self.send(self.pim_profile, 3)
        with time_machine.travel(NOW - timedelta(hours=1), tick=False):
            self.send(mia, 3)
        self.login(self.tessa)
        response = self.client.get(URL)
        rows = response.context["rows"]
        assert [r.profile for r in rows] == [mia, kai, self.pim_profile]
        assert [r.due.isoformat() for r in rows] == ["2026-03-18", "2026-03-19", "2026-03-19"]
        self.assertContains(response, "feedback due <strong>today</strong>", html=False)
        self.assertContains(response, "waiting 5\xa0hours")

    def test_log_files_sent_after_the_feedback_day_wait_for_the_next_one(self) -> None:
        # Pim's day is Thursday. Sent on Friday 13 March: due Thursday 19 March, not the 12th.
        with time_machine.travel(NOW - timedelta(days=5), tick=False):
            self.send(self.pim_profile, 2)
        with time_machine.travel(NOW + timedelta(days=1), tick=False):  # Thursday 19 March
            self.login(self.tessa)
            response = self.client.get(URL)
        assert response.context["rows"][0].due.isoformat() == "2026-03-19"
        self.assertContains(response, "feedback due <strong>today</strong>", html=False)
        with time_machine.travel(NOW + timedelta(days=2), tick=False):  # Friday: overdue
            self.login(self.tessa)
            self.assertContains(self.client.get(URL), "(overdue)")

    def test_it_shows_messages_as_well_as_log_files_and_marks_overdue(self) -> None:
        with time_machine.travel(NOW - timedelta(days=9), tick=False):
            Message.objects.create(
                patient=self.pim_profile, author=self.pim, body="?", from_patient=True
            )
        self.send(self.pim_profile, 3, entries=2)
        self.login(self.tessa)
        response = self.client.get(URL)
        row = response.context["rows"][0]
        assert [i.kind for i in row.items] == ["message", "log files"]
        assert row.items[1].entries == 2
        assert row.overdue(TODAY)
        self.assertContains(response, "(overdue)")
        self.assertContains(response, "waiting 1\xa0week, 2\xa0days")

    def test_answered_items_leave_the_queue(self) -> None:
        self.send(self.pim_profile, 3)
        self.login(self.tessa)
        self.client.post(f"/patients/{self.pim_profile.pk}/write/", {"body": "Well done."})
        self.assertContains(self.client.get(URL), "Nothing is waiting for feedback.")

    def test_another_therapists_patients_are_not_shown(self) -> None:
        self.send(self.olga_profile, 3)
        self.login(self.tessa)
        assert self.client.get(URL).context["rows"] == []

    def test_the_query_count_does_not_grow_with_patients_and_items(self) -> None:
        self.login(self.tessa)
        # 6: includes the second-factor device of the session and the open safety concerns;
        # the session is not saved (at most every 5 minutes)
        with self.assertNumQueries(6):
            self.client.get(URL)
        for name in ("a1", "a2", "a3", "a4"):
            profile = self.patient(name, Weekday.MONDAY)
            self.send(profile, 2, entries=3)
            self.send(profile, 3)
            Message.objects.create(
                patient=profile, author=profile.user, body="x", from_patient=True
            )
        # 6 as above (the 2 grouped queries that order the queue), the page's log files and
        # messages, and one INSERT of the audit events of the patients shown
        with self.assertNumQueries(9):
            response = self.client.get(URL)
        assert len(response.context["rows"]) == 4

    def test_page_two_shows_the_rest_in_the_same_order(self) -> None:
        names = [f"q{k:02d}" for k in range(PAGE_SIZE + 3)]
        for k, name in enumerate(names):
            profile = self.patient(name, Weekday.MONDAY if k % 2 else Weekday.FRIDAY)
            with time_machine.travel(NOW - timedelta(minutes=k + 1), tick=False):
                Message.objects.create(
                    patient=profile, author=profile.user, body="x", from_patient=True
                )
        self.login(self.tessa)
        first = self.client.get(URL)
        second = self.client.get(URL, {"page": "2"})
        rows = [*first.context["rows"], *second.context["rows"]]
        assert len(first.context["rows"]) == PAGE_SIZE
        assert sorted(r.profile.user.username for r in rows) == names
        assert [(r.due, r.oldest) for r in rows] == sorted((r.due, r.oldest) for r in rows)
        self.assertContains(second, "Page 2 of 2")
        self.assertContains(self.client.get(URL, {"page": "zz"}), "is not a page number")

    def test_it_refuses_post(self) -> None:
        self.login(self.tessa)
        assert self.client.post(URL).status_code == 405

    def test_a_patient_gets_403(self) -> None:
        self.login(self.pim)
        assert self.client.get(URL).status_code == 403

    def test_home_sends_a_therapist_to_the_queue(self) -> None:
        self.login(self.tessa)
        self.assertRedirects(self.client.get("/"), URL)

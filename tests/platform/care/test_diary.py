"""The diary form: date, minutes, body, thoughts, feelings and free text."""

from __future__ import annotations

import uuid
from datetime import date

from embct.platform.care.models import DiaryEntry
from support.testing import BaseTestCase, create_group_patient


class DiaryTests(BaseTestCase):
    def url(self, week: int = 3) -> str:
        return f"/sessions/{self.session(week).pk}/diary/"

    def form(self, **extra: object) -> dict[str, object]:
        data: dict[str, object] = {
            "exercise": self.session(3).exercises.get(slug="breath-3").pk,
            "date": "2026-03-17",
            "minutes": "25",
            "body": "heavy shoulders",
            "thoughts": "am I doing this right?",
            "feelings": "restless, then calmer",
            "text": "fell asleep at the end",
            "form_token": str(uuid.uuid4()),
        }
        data.update(extra)
        return data

    def test_the_form_offers_the_sessions_diary_exercises(self) -> None:
        self.login(self.pim)
        response = self.client.get(self.url())
        self.assertContains(response, "Breathing space 3")
        self.assertContains(response, "Aware walking 3")
        self.assertNotContains(response, "Breathing space 2")
        self.assertContains(response, 'name="form_token"', html=False)
        self.assertContains(response, "csrfmiddlewaretoken")

    def test_it_saves_an_entry_and_reads_it_back(self) -> None:
        self.login(self.pim)
        response = self.client.post(self.url(), self.form())
        self.assertRedirects(response, f"/sessions/{self.session(3).pk}/")
        entry = DiaryEntry.objects.get()
        assert entry.patient == self.pim_profile
        assert entry.session == self.session(3)
        assert entry.date == date(2026, 3, 17)
        assert (entry.minutes, entry.body, entry.feelings) == (
            25,
            "heavy shoulders",
            "restless, then calmer",
        )
        assert entry.submission is None

    def test_a_double_submit_saves_one_entry(self) -> None:
        self.login(self.pim)
        data = self.form()
        self.client.post(self.url(), data)
        response = self.client.post(self.url(), data)
        assert response.status_code == 302
        assert DiaryEntry.objects.count() == 1

    def test_it_refuses_a_future_date_and_too_many_minutes(self) -> None:
        self.login(self.pim)
        response = self.client.post(self.url(), self.form(date="2026-03-19", minutes="900"))
        assert response.status_code == 200
        self.assertContains(response, "The date cannot be in the future.")
        self.assertContains(response, "Enter the minutes you practised (0 to 600).")
        assert not DiaryEntry.objects.exists()
        # Each field is described by its error (the id Django's aria-describedby names).
        for name in ("date", "minutes"):
            self.assertContains(response, f'aria-describedby="id_{name}_error"')
            self.assertContains(response, f'id="id_{name}_error"')

    def test_it_refuses_an_exercise_of_another_session(self) -> None:
        self.login(self.pim)
        other = self.session(2).exercises.first()
        response = self.client.post(self.url(), self.form(exercise=other.pk))  # type: ignore[union-attr]
        assert response.status_code == 200
        assert not DiaryEntry.objects.exists()

    def test_a_session_not_yet_released_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(4), self.form()).status_code == 404
        assert not DiaryEntry.objects.exists()

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get("/sessions/999999/diary/").status_code == 404

    def test_it_refuses_put(self) -> None:
        self.login(self.pim)
        assert self.client.put(self.url()).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.post(self.url(), self.form()).status_code == 403
        assert not DiaryEntry.objects.exists()

    def test_a_post_without_the_csrf_token_is_refused(self) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.pim)
        assert client.post(self.url(), self.form()).status_code == 403
        assert not DiaryEntry.objects.exists()


class GroupPatientDiaryTests(BaseTestCase):
    def test_a_group_mbct_patient_can_neither_open_nor_keep_a_diary(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        url = f"/sessions/{self.session(1).pk}/diary/"
        self.assertContains(
            self.client.get(url),
            "The online course is not part of your treatment.",
            status_code=403,
        )
        data = {"date": "2026-03-17", "minutes": "25", "body": "b", "form_token": str(uuid.uuid4())}
        assert self.client.post(url, data).status_code == 403
        assert list(gus.diaries.values_list("body", flat=True)) == ["group diary"]

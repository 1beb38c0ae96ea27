"""The session page: introduction, exercises with audio and transcript, examples, diary."""

from __future__ import annotations

from datetime import timedelta

from embct.platform.care.models import PatientProfile
from support.testing import TODAY, BaseTestCase, create_group_patient


class SessionPageTests(BaseTestCase):
    def url(self, week: int) -> str:
        return f"/sessions/{self.session(week).pk}/"

    def test_it_shows_the_introduction_audio_transcript_and_examples(self) -> None:
        self.login(self.pim)
        response = self.client.get(self.url(2))
        exercise = self.session(2).exercises.get(slug="breath-2")
        self.assertContains(response, "<strong>session 2</strong>", html=False)
        self.assertContains(response, f'src="/exercises/{exercise.pk}/audio/"')
        self.assertContains(response, "<audio controls", html=False)
        # Ogg and MP3 for every browser, the length read from the file, downloads to keep.
        self.assertContains(
            response, f'<source src="/exercises/{exercise.pk}/audio/?as=mp3" type="audio/mpeg">'
        )
        self.assertContains(response, "Recording: 3 seconds.")
        self.assertContains(
            response, f'href="/exercises/{exercise.pk}/audio/?as=mp3&amp;download=1"'
        )
        self.assertNotContains(response, "· about")
        self.assertContains(response, "Test audio. Breathe in. Breathe out.")
        self.assertContains(response, "Busy thoughts.")
        self.assertContains(response, "made-up examples")

    def test_course_html_is_escaped_and_diary_text_too(self) -> None:
        self.diary(self.pim_profile, 2, body="<b>tight</b> chest")
        self.login(self.pim)
        response = self.client.get(self.url(2))
        self.assertNotContains(response, "<script>alert(1)</script>", html=False)
        self.assertContains(response, "&lt;b&gt;tight&lt;/b&gt; chest", html=False)

    def test_earlier_sessions_stay_open(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url(1)).status_code == 200

    def test_a_session_not_yet_released_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url(4)).status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get("/sessions/999999/").status_code == 404

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(1)).status_code == 405

    def test_a_therapist_gets_403(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url(1)).status_code == 403

    def test_it_shows_own_entries_not_another_patients(self) -> None:
        self.diary(self.olga_profile, 1, body="olga's private words")
        self.diary(self.pim_profile, 1, body="pim's words")
        self.login(self.pim)
        response = self.client.get(self.url(1))
        self.assertContains(response, "pim&#x27;s words")
        self.assertNotContains(response, "olga")

    def test_the_query_count_does_not_grow_with_diary_entries(self) -> None:
        self.login(self.pim)
        self.diary(self.pim_profile, 2)
        url = self.url(2)
        # 8 for the page, and one for the header's count of unread messages.
        with self.assertNumQueries(9) as first:
            self.client.get(url)
        for _ in range(5):
            self.send(self.pim_profile, 2, entries=2)
        with self.assertNumQueries(len(first.captured_queries)):
            self.client.get(url)


class ArmsKeptApartSessionTests(BaseTestCase):
    def url(self, week: int) -> str:
        return f"/sessions/{self.session(week).pk}/"

    def test_an_embct_patient_sees_no_group_handout(self) -> None:
        self.login(self.pim)
        response = self.client.get(f"/sessions/{self.session(1).pk}/")
        assert response.status_code == 200
        self.assertNotContains(response, "Handout 1")
        self.assertNotContains(response, "Home practice for week 1.")

    def test_a_group_mbct_patient_cannot_open_a_session(self) -> None:
        gus = create_group_patient(self.tessa, self.course)
        self.login(gus.user)
        response = self.client.get(f"/sessions/{self.session(1).pk}/")
        self.assertContains(
            response, "The online course is not part of your treatment.", status_code=403
        )

    def test_a_groups_meeting_opens_nothing_early_for_an_embct_patient(self) -> None:
        """An eMBCT patient put in a group (a slip, or moved from the group arm) follows the
        course week by week: his group's meeting for week 5 opens neither the session nor its
        audio; for the group-MBCT patient beside him it opens the audio (his material)."""
        gus = create_group_patient(self.tessa, self.course)
        meeting = gus.group.meetings.create(session=self.session(5), date=TODAY - timedelta(days=1))  # type: ignore[union-attr]
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(group=gus.group)
        audio = self.session(5).exercises.exclude(audio="").first()
        assert audio is not None
        self.login(self.pim)
        assert self.client.get(self.url(5)).status_code == 404
        assert self.client.get(f"/exercises/{audio.pk}/audio/").status_code == 404
        self.login(gus.user)
        assert self.client.get(f"/exercises/{audio.pk}/audio/").status_code == 200
        meeting.delete()
        assert self.client.get(f"/exercises/{audio.pk}/audio/").status_code == 404

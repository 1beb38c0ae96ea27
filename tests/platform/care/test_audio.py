"""Course audio is served to patients whose session is open, and to staff."""

from __future__ import annotations

from support.testing import BaseTestCase


class AudioTests(BaseTestCase):
    def url(self, week: int) -> str:
        exercise = self.session(week).exercises.exclude(audio="").first()
        return f"/exercises/{exercise.pk}/audio/"  # type: ignore[union-attr]

    def test_a_patient_hears_an_open_sessions_audio(self) -> None:
        self.login(self.pim)
        response = self.client.get(self.url(1))
        assert response.status_code == 200
        assert response["Content-Type"] == "audio/ogg"
        assert b"".join(response.streaming_content).startswith(b"OggS")  # type: ignore[attr-defined]

    def test_audio_of_a_session_not_yet_released_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url(4)).status_code == 404

    def test_an_exercise_without_audio_is_404(self) -> None:
        exercise = self.session(1).exercises.get(audio="")
        self.login(self.pim)
        assert self.client.get(f"/exercises/{exercise.pk}/audio/").status_code == 404

    def test_a_bad_id_is_404(self) -> None:
        self.login(self.pim)
        assert self.client.get("/exercises/999999/audio/").status_code == 404

    def test_a_therapist_may_listen(self) -> None:
        self.login(self.tessa)
        assert self.client.get(self.url(8)).status_code == 200

    def test_it_refuses_post(self) -> None:
        self.login(self.pim)
        assert self.client.post(self.url(1)).status_code == 405

    def test_anonymous_visitors_are_sent_to_login(self) -> None:
        assert self.client.get(self.url(1)).status_code == 302

    def test_it_answers_a_byte_range_so_the_player_can_seek(self) -> None:
        self.login(self.pim)
        whole = b"".join(self.client.get(self.url(1)).streaming_content)  # type: ignore[attr-defined]
        response = self.client.get(self.url(1), headers={"Range": "bytes=4-9"})
        assert response.status_code == 206
        assert response.content == whole[4:10]
        assert response["Content-Range"] == f"bytes 4-9/{len(whole)}"
        tail = self.client.get(self.url(1), headers={"Range": "bytes=-5"})
        assert tail.content == whole[-5:]
        beyond = self.client.get(self.url(1), headers={"Range": f"bytes={len(whole)}-"})
        assert beyond.status_code == 416

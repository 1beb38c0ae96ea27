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

    def test_the_same_recording_as_mp3_and_as_a_download(self) -> None:
        self.login(self.pim)
        mp3 = self.client.get(self.url(1) + "?as=mp3")
        assert mp3.status_code == 200
        assert mp3["Content-Type"] == "audio/mpeg"
        body = b"".join(mp3.streaming_content)  # type: ignore[attr-defined]
        assert body[0] == 0xFF
        assert body[1] & 0xE0 == 0xE0  # an MPEG audio frame's sync word
        kept = self.client.get(self.url(1) + "?as=mp3&download=1")
        assert kept["Content-Disposition"] == 'attachment; filename="breath.mp3"'
        assert self.client.get(self.url(1) + "?as=m4a").status_code == 404  # not in the course
        assert self.client.get(self.url(1) + "?as=../x").status_code == 404
        ranged = self.client.get(self.url(1) + "?as=mp3", headers={"Range": "bytes=0-1"})
        assert (ranged.status_code, ranged["Content-Type"]) == (206, "audio/mpeg")

    def test_a_session_not_yet_released_has_no_mp3_either(self) -> None:
        self.login(self.pim)
        assert self.client.get(self.url(4) + "?as=mp3&download=1").status_code == 404

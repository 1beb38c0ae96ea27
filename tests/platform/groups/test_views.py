"""Group MBCT: the therapist's groups, attendance per meeting, members' handouts and audio."""

from __future__ import annotations

from datetime import timedelta

from embct.platform.care.models import Arm, PatientProfile
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from support import measure_helpers as helpers
from support.testing import TODAY, BaseTestCase


class GroupTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.group = MbctGroup.objects.create(
            name="Tuesday group", therapist=self.tessa, location="Room 2", course=self.course
        )
        first = TODAY - timedelta(days=14)
        for session in self.course.sessions.all():
            GroupMeeting.objects.create(
                group=self.group,
                session=session,
                date=first + timedelta(days=7 * (session.week - 1)),
            )
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            group=self.group, arm=Arm.MBCT, start_date=None
        )
        self.meeting = self.group.meetings.get(session__week=1)

    def attendance_url(self, meeting: GroupMeeting | None = None) -> str:
        meeting = meeting or self.meeting
        return f"/groups/{self.group.pk}/meetings/{meeting.pk}/attendance/"

    def test_the_therapist_lists_own_groups(self) -> None:
        MbctGroup.objects.create(
            name="Otto's group", therapist=self.otto, location="x", course=self.course
        )
        self.login(self.tessa)
        response = self.client.get("/groups/")
        self.assertContains(response, "Tuesday group")
        self.assertContains(response, "1 member")
        self.assertNotContains(response, "Otto")

    def test_attendance_is_recorded_and_counted(self) -> None:
        self.login(self.tessa)
        for week in (1, 2, 3):
            meeting = self.group.meetings.get(session__week=week)
            response = self.client.post(
                self.attendance_url(meeting), {"present": [self.pim_profile.pk]}
            )
            self.assertRedirects(response, f"/groups/{self.group.pk}/")
        assert Attendance.objects.filter(patient=self.pim_profile, present=True).count() == 3
        response = self.client.get(f"/groups/{self.group.pk}/")
        assert response.context["grid"][0][0].attended == 3
        self.client.post(self.attendance_url(), {})
        assert not Attendance.objects.get(meeting=self.meeting, patient=self.pim_profile).present

    def test_the_detail_page_shows_each_members_warnings_compactly(self) -> None:
        helpers.fill(self.pim_profile, "wai_w2", 2)  # a weak early alliance, kept
        self.login(self.tessa)
        response = self.client.get(f"/groups/{self.group.pk}/")
        member, _cells, flags = response.context["grid"][0]
        assert member == self.pim_profile
        assert [f.code for f in flags] == ["weak_early_alliance"]
        self.assertContains(response, '<span class="badge warn-badge">1</span>')
        self.assertContains(response, f'href="/patients/{self.pim_profile.pk}/measures/"')

    def test_the_detail_page_offers_attendance_for_past_meetings_only(self) -> None:
        self.login(self.tessa)
        response = self.client.get(f"/groups/{self.group.pk}/")
        self.assertContains(response, "Attendance: Session 3")
        self.assertNotContains(response, "Attendance: Session 4")

    def test_another_therapists_group_is_404(self) -> None:
        self.login(self.otto)
        assert self.client.get(f"/groups/{self.group.pk}/").status_code == 404
        assert self.client.post(self.attendance_url(), {"present": [1]}).status_code == 404
        assert not Attendance.objects.exists()

    def test_bad_ids_are_404(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/groups/999999/").status_code == 404
        bad = f"/groups/{self.group.pk}/meetings/999999/attendance/"
        assert self.client.post(bad).status_code == 404

    def test_wrong_methods_are_405(self) -> None:
        self.login(self.tessa)
        assert self.client.post("/groups/").status_code == 405
        assert self.client.post(f"/groups/{self.group.pk}/").status_code == 405
        assert self.client.get(self.attendance_url()).status_code == 405

    def test_a_patient_gets_403_on_therapist_pages(self) -> None:
        self.login(self.pim)
        assert self.client.get("/groups/").status_code == 403
        assert (
            self.client.post(self.attendance_url(), {"present": [self.pim_profile.pk]}).status_code
            == 403
        )
        assert not Attendance.objects.exists()

    def test_a_member_reaches_handouts_and_audio_of_meetings_held(self) -> None:
        self.login(self.pim)
        response = self.client.get("/my-group/")
        self.assertContains(response, "Room 2")
        self.assertContains(response, "Handout 3")
        self.assertNotContains(response, "Handout 4")
        audio = self.session(3).exercises.exclude(audio="").first()
        self.assertContains(response, f"/exercises/{audio.pk}/audio/")  # type: ignore[union-attr]
        assert self.client.get(f"/exercises/{audio.pk}/audio/").status_code == 200  # type: ignore[union-attr]
        later = self.session(4).exercises.exclude(audio="").first()
        assert self.client.get(f"/exercises/{later.pk}/audio/").status_code == 404  # type: ignore[union-attr]

    def test_home_sends_a_member_to_the_group_page(self) -> None:
        self.login(self.pim)
        self.assertRedirects(self.client.get("/"), "/my-group/")

    def test_a_patient_outside_any_group_gets_404(self) -> None:
        self.login(self.olga)
        assert self.client.get("/my-group/").status_code == 404

    def test_my_group_refuses_post_and_therapists(self) -> None:
        self.login(self.pim)
        assert self.client.post("/my-group/").status_code == 405
        self.login(self.tessa)
        assert self.client.get("/my-group/").status_code == 403

    def test_attendance_of_a_meeting_not_yet_held_is_refused(self) -> None:
        self.login(self.tessa)
        later = self.group.meetings.get(session__week=4)
        assert (
            self.client.post(
                self.attendance_url(later), {"present": [self.pim_profile.pk]}
            ).status_code
            == 404
        )
        assert not Attendance.objects.exists()

    def test_group_members_are_not_in_the_embct_caseload(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/caseload/").context["rows"] == []

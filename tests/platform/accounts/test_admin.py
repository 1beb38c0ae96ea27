"""The administrator manages accounts in Django admin; no one else gets in."""

from __future__ import annotations

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import PatientProfile
from support.testing import BaseTestCase


class AdminTests(BaseTestCase):
    def test_the_administrator_reaches_patient_profiles(self) -> None:
        self.login(self.ada)
        assert self.client.get("/admin/care/patientprofile/").status_code == 200
        page = self.client.get(f"/admin/accounts/user/{self.pim.pk}/password/")
        self.assertContains(page, "password")

    def test_the_administrator_creates_a_patient_and_assigns_a_therapist(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            "/admin/accounts/user/add/",
            {
                "username": "newbie",
                "password1": "x7-long-passphrase",
                "password2": "x7-long-passphrase",
                "role": Role.PATIENT,
                "usable_password": "true",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        newbie = User.objects.get(username="newbie")
        response = self.client.post(
            "/admin/care/patientprofile/add/",
            {
                "user": newbie.pk,
                "therapist": self.tessa.pk,
                "arm": "embct",
                "start_date": "2026-03-23",
                "feedback_weekday": 2,
                "course": self.course.pk,
            },
        )
        assert response.status_code == 302, response.content[:3000]
        profile = PatientProfile.objects.get(user=newbie)
        assert (profile.therapist, profile.feedback_weekday) == (self.tessa, 2)

    def test_the_administrator_resets_a_password(self) -> None:
        self.login(self.ada)
        response = self.client.post(
            f"/admin/accounts/user/{self.pim.pk}/password/",
            {
                "password1": "brand-new-passphrase-1",
                "password2": "brand-new-passphrase-1",
                "usable_password": "true",
            },
        )
        assert response.status_code == 302
        self.pim.refresh_from_db()
        assert self.pim.check_password("brand-new-passphrase-1")

    def test_a_therapist_with_is_staff_is_still_kept_out(self) -> None:
        User.objects.filter(pk=self.tessa.pk).update(is_staff=True, is_superuser=True)
        self.login(self.tessa)
        response = self.client.get("/admin/care/patientprofile/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

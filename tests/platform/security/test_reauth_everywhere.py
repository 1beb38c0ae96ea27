"""Every account-changing action asks for the password again when it was entered more than 10
minutes ago, as exports do: password resets for others, device deletion, reassignment of a
patient, role and permission changes, any change (POST) in Django admin; and the live report
counts as an export. A stale request changes nothing."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import PatientProfile
from support.testing import PASSWORD, BaseTestCase

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]
REAUTH = "/account/confirm-password/"


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class StaleLoginTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.login(self.ada)
        traveller = time_machine.travel(timedelta(minutes=11), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def assert_asked(self, response: object) -> None:
        assert response.status_code == 302, response.status_code  # type: ignore[attr-defined]
        assert response["Location"].startswith(REAUTH + "?next="), response["Location"]  # type: ignore[index]

    def test_resetting_someone_elses_password(self) -> None:
        before = User.objects.get(pk=self.pim.pk).password
        self.assert_asked(self.client.post(f"/clinic/accounts/{self.pim.pk}/password/"))
        assert User.objects.get(pk=self.pim.pk).password == before

    def test_reassigning_a_patient_to_another_therapist(self) -> None:
        url = f"/clinic/patients/{self.pim_profile.pk}/"
        self.assert_asked(self.client.get(url))
        data = {
            "therapist": self.otto.pk,
            "arm": self.pim_profile.arm,
            "start_date": self.pim_profile.start_date.isoformat(),
            "feedback_weekday": self.pim_profile.feedback_weekday,
        }
        self.assert_asked(self.client.post(url, data))
        assert PatientProfile.objects.get(pk=self.pim_profile.pk).therapist_id == self.tessa.pk

    def test_deleting_a_device_in_django_admin(self) -> None:
        device = TOTPDevice.objects.create(user=self.tessa, name="phone", confirmed=True)
        url = f"/admin/otp_totp/totpdevice/{device.pk}/delete/"
        assert self.client.get(url).status_code == 200  # looking is not changing
        self.assert_asked(self.client.post(url, {"post": "yes"}))
        assert TOTPDevice.objects.filter(pk=device.pk).exists()

    def test_every_change_in_django_admin(self) -> None:
        url = f"/admin/accounts/user/{self.rosa.pk}/change/"
        self.assert_asked(self.client.post(url, {"username": "rosa", "role": "admin"}))
        self.assert_asked(
            self.client.post(
                "/admin/otp_static/staticdevice/",
                {"action": "delete_selected", "_selected_action": ["1"], "post": "yes"},
            )
        )
        assert User.objects.get(pk=self.rosa.pk).role == "researcher"

    def test_logging_out_of_django_admin_is_not_a_change(self) -> None:
        response = self.client.post("/admin/logout/")
        assert response["Location"] == "/login/"
        assert "_auth_user_id" not in self.client.session

    def test_the_live_report(self) -> None:
        self.login(self.rosa)
        self.later_again()
        self.assert_asked(self.client.get("/research/report/"))
        assert not AuditEvent.objects.filter(action="trial.export").exists()

    def later_again(self) -> None:
        traveller = time_machine.travel(timedelta(minutes=22), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class FreshLoginTests(BaseTestCase):
    def test_a_device_deleted_in_django_admin_is_audited(self) -> None:
        device = TOTPDevice.objects.create(user=self.tessa, name="phone", confirmed=True)
        self.login(self.ada)
        url = f"/admin/otp_totp/totpdevice/{device.pk}/delete/"
        assert self.client.post(url, {"post": "yes"}).status_code == 302
        assert not TOTPDevice.objects.filter(pk=device.pk).exists()
        event = AuditEvent.objects.get(action="security.device_delete")
        assert (event.actor_name, event.target_type, event.target_id) == (
            "ada",
            "account",
            str(self.tessa.pk),
        )

    def test_a_fresh_login_changes_in_django_admin(self) -> None:
        self.ada.set_password(PASSWORD)
        self.ada.save()
        self.login(self.ada)
        response = self.client.post(
            f"/admin/accounts/user/{self.pim.pk}/change/",
            {
                "username": "pim",
                "role": "patient",
                "language": "nl",
                "date_joined_0": "2026-03-18",
                "date_joined_1": "10:00:00",
                "is_active": "on",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        assert User.objects.get(pk=self.pim.pk).language == "nl"

"""Who may set up an authenticator before giving a second factor: only an account that never
had a device of any kind (backup codes count), or a session that redeemed the one-time
enrolment code an administrator issued when resetting a lost device. Replacing a device later
needs the current second factor and a recent password. The session key changes when the
second factor is given."""

from __future__ import annotations

import base64
import re
from datetime import timedelta

import time_machine
from django.http import HttpResponse
from django.test import override_settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.audit.models import AuditEvent
from embct.platform.security.demo import give_demo_code
from embct.platform.security.models import EnrolmentCode
from embct.platform.security.services import new_backup_codes
from support.testing import PASSWORD, BaseTestCase, force_login_verified

from .test_second_factor import FAST_HASHER, audited, current_code

ENROL = "/account/two-factor/enrol/"
VERIFY = "/account/two-factor/"
CODE_PAGE = "/account/two-factor/enrolment-code/"


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class EnrolmentGateTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        for user in (self.tessa, self.ada):
            user.set_password(PASSWORD)
            user.save()

    def password_login(self, username: str) -> None:
        response = self.client.post("/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302, response.content

    def tick(self, seconds: int) -> None:
        traveller = time_machine.travel(timedelta(seconds=seconds), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def try_to_enrol(self) -> HttpResponse:
        """What an intruder would do: GET the enrolment page and, if it shows a key (as the
        QR code's text), POST that key's current code, as an authenticator app would."""
        response = self.client.get(ENROL)
        secret = re.search(r'<code class="secret">([A-Z2-7]+)</code>', response.content.decode())
        code = "123456"
        if secret:
            padded = secret[1] + "=" * (-len(secret[1]) % 8)
            code = current_code(TOTPDevice(key=base64.b32decode(padded).hex()))
        self.client.post(ENROL, {"code": code})
        return response

    def assert_no_way_in(self) -> None:
        """No authenticator was added, and a patient's record stays out of reach."""
        assert not TOTPDevice.objects.filter(user=self.tessa).exists()
        response = self.client.get(f"/patients/{self.pim_profile.pk}/")
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY)

    # -- the hole: backup codes only, password only ------------------------------------------

    def test_a_password_alone_cannot_enrol_beside_backup_codes(self) -> None:
        """A demo-like staff account (backup codes only), password only: no authenticator of
        the intruder's choosing, no patient's record."""
        give_demo_code(self.tessa)
        self.password_login("tessa")
        response = self.try_to_enrol()
        self.assert_no_way_in()  # before the fix: her own authenticator, and the record
        assert response.status_code == 302
        assert response["Location"].startswith(VERIFY + "?")

    def test_backup_codes_count_as_a_device(self) -> None:
        new_backup_codes(self.tessa)
        self.password_login("tessa")
        assert self.client.get(VERIFY).status_code == 200  # the code page, not enrolment
        self.try_to_enrol()
        self.assert_no_way_in()

    def test_after_a_device_is_deleted_a_password_alone_does_not_enrol(self) -> None:
        TOTPDevice.objects.create(user=self.tessa, name="authenticator", confirmed=True)
        TOTPDevice.objects.filter(user=self.tessa).delete()  # e.g. in Django admin
        self.password_login("tessa")
        response = self.client.get(VERIFY)
        assert response["Location"].startswith(CODE_PAGE + "?")
        response = self.try_to_enrol()
        assert response["Location"].startswith(CODE_PAGE + "?")
        self.assert_no_way_in()

    def test_a_first_login_enrols_with_the_password(self) -> None:
        self.password_login("tessa")
        response = self.client.get(VERIFY)
        assert response["Location"].startswith(ENROL + "?")
        self.try_to_enrol()
        assert TOTPDevice.objects.filter(user=self.tessa, confirmed=True).count() == 1
        assert self.client.get(f"/patients/{self.pim_profile.pk}/").status_code == 200

    # -- the administrator's enrolment code --------------------------------------------------

    def reset_by_admin(self) -> str:
        """Ada resets Tessa's (lost) second factor on the clinic page; the code shown once."""
        if not TOTPDevice.objects.filter(user=self.tessa).exists():
            TOTPDevice.objects.create(user=self.tessa, name="authenticator", confirmed=True)
        admin_client = self.client_class()
        force_login_verified(admin_client, self.ada)
        response = admin_client.post(f"/clinic/accounts/{self.tessa.pk}/two-factor/")
        assert response.status_code == 200
        return response.context["code"]

    def test_the_lost_phone_procedure(self) -> None:
        new_backup_codes(self.tessa)
        code = self.reset_by_admin()
        assert not TOTPDevice.objects.filter(user=self.tessa).exists()
        assert not StaticDevice.objects.filter(user=self.tessa).exists()
        assert code not in str(list(EnrolmentCode.objects.values()))  # stored hashed
        self.password_login("tessa")
        assert self.client.get(VERIFY)["Location"].startswith(CODE_PAGE)
        response = self.client.post(CODE_PAGE, {"code": "AAAA-BBBB-CCCC"})
        assert response.status_code == 400
        response = self.client.post(CODE_PAGE, {"code": code.lower(), "next": "/queue/"})
        assert response.status_code == 302
        assert response["Location"] == ENROL + "?next=%2Fqueue%2F"
        self.try_to_enrol()
        assert TOTPDevice.objects.filter(user=self.tessa, confirmed=True).count() == 1
        assert self.client.get("/queue/").status_code == 200
        assert audited(self.tessa)[-6:] == [
            "security.backup_codes",
            "security.device_delete",
            "security.enrolment_code",
            "security.enrolment_code_use",
            "security.enrol",
            "security.backup_codes",
        ]
        issued = AuditEvent.objects.get(action="security.enrolment_code")
        assert issued.actor_name == "ada"
        assert code not in str(issued.details)

    def test_an_enrolment_code_works_once(self) -> None:
        code = self.reset_by_admin()
        self.password_login("tessa")
        assert self.client.post(CODE_PAGE, {"code": code}).status_code == 302
        self.client.post("/logout/")
        self.password_login("tessa")  # another session, before enrolling
        assert self.client.post(CODE_PAGE, {"code": code}).status_code == 400
        self.try_to_enrol()
        self.assert_no_way_in()

    def test_an_enrolment_code_expires_after_24_hours(self) -> None:
        code = self.reset_by_admin()
        self.tick(24 * 3600 + 1)
        self.password_login("tessa")
        response = self.client.post(CODE_PAGE, {"code": code})
        self.assertContains(response, "expired", status_code=400)
        self.try_to_enrol()
        self.assert_no_way_in()

    def test_an_enrolment_code_is_for_its_own_account(self) -> None:
        code = self.reset_by_admin()
        otto = self.otto
        otto.set_password(PASSWORD)
        otto.save()
        StaticDevice.objects.filter(user=otto).delete()
        TOTPDevice.objects.create(user=otto, name="x", confirmed=True).delete()
        self.password_login("otto")
        assert self.client.post(CODE_PAGE, {"code": code}).status_code == 400

    def test_only_an_administrator_resets_a_second_factor_and_not_their_own(self) -> None:
        self.login(self.tessa)
        assert self.client.post(f"/clinic/accounts/{self.otto.pk}/two-factor/").status_code == 403
        self.login(self.ada)
        assert self.client.post(f"/clinic/accounts/{self.ada.pk}/two-factor/").status_code == 404
        assert self.client.post(f"/clinic/accounts/{self.pim.pk}/two-factor/").status_code == 404
        assert not EnrolmentCode.objects.exists()

    def test_resetting_a_second_factor_needs_a_recent_password(self) -> None:
        TOTPDevice.objects.create(user=self.tessa, name="authenticator", confirmed=True)
        self.login(self.ada)
        self.tick(11 * 60)
        response = self.client.post(f"/clinic/accounts/{self.tessa.pk}/two-factor/")
        assert response["Location"].startswith("/account/confirm-password/")
        assert TOTPDevice.objects.filter(user=self.tessa).exists()
        assert not EnrolmentCode.objects.exists()

    # -- replacing a device, the session key --------------------------------------------------

    def test_replacing_the_authenticator_needs_a_recent_password(self) -> None:
        device = TOTPDevice.objects.create(user=self.tessa, name="authenticator", confirmed=True)
        self.password_login("tessa")
        self.client.post(VERIFY, {"code": current_code(device)})
        self.tick(11 * 60)
        for response in (self.client.get(ENROL), self.client.post(ENROL, {"code": "123456"})):
            assert response.status_code == 302
            assert response["Location"].startswith("/account/confirm-password/")
        assert list(TOTPDevice.objects.filter(user=self.tessa)) == [device]
        self.client.post("/account/confirm-password/", {"password": PASSWORD})
        self.try_to_enrol()  # within ten minutes of the password: replaced
        assert TOTPDevice.objects.filter(user=self.tessa).exclude(pk=device.pk).count() == 1
        assert not TOTPDevice.objects.filter(pk=device.pk).exists()

    def test_the_session_key_changes_with_the_second_factor(self) -> None:
        device = TOTPDevice.objects.create(user=self.tessa, name="authenticator", confirmed=True)
        self.password_login("tessa")
        before = self.client.cookies["sessionid"].value
        self.client.post(VERIFY, {"code": current_code(device)})
        after = self.client.cookies["sessionid"].value
        assert after != before
        assert self.client.get("/queue/").status_code == 200
        # The key from before the second factor opens nothing.
        intruder = self.client_class()
        intruder.cookies["sessionid"] = before
        assert intruder.get("/queue/")["Location"].startswith("/login/")

    def test_the_session_key_changes_at_enrolment(self) -> None:
        self.password_login("tessa")
        self.client.get(ENROL)
        before = self.client.cookies["sessionid"].value
        self.try_to_enrol()
        assert self.client.cookies["sessionid"].value != before

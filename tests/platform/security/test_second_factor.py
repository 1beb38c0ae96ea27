"""Staff log in with a second factor: an authenticator app (TOTP) or a single-use backup code.
Patients log in with their password only."""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.audit.models import AuditEvent
from embct.platform.care.models import Message
from embct.platform.security.demo import DEMO_CODE_USES, demo_code, give_demo_code
from embct.platform.security.services import (
    PENDING_KEY_SESSION_KEY,
    manual_key,
    new_backup_codes,
)
from support.testing import PASSWORD, BaseTestCase

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def current_code(device: TOTPDevice) -> str:
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{code:0{device.digits}d}"


def audited(user: object) -> list[str]:
    """The second-factor actions recorded about ``user``'s account, oldest first (not the
    sign-ins and Django admin's reads, which are audited on the account too)."""
    events = AuditEvent.objects.filter(
        target_type="account", target_id=str(user.pk), action__startswith="security."
    )  # type: ignore[attr-defined]
    return list(events.order_by("pk").values_list("action", flat=True))


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class SecondFactorTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        for user in (self.tessa, self.pim, self.ada):
            user.set_password(PASSWORD)
            user.save()

    def password_login(self, username: str, next_url: str = "") -> None:
        data = {"username": username, "password": PASSWORD}
        if next_url:
            data["next"] = next_url
        response = self.client.post("/login/", data)
        assert response.status_code == 302, response.content

    def authenticator(self, user: object) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)

    def tick(self, seconds: int = 31) -> None:
        """Move the frozen clock on (a new TOTP step; past django-otp's throttle delay)."""
        traveller = time_machine.travel(timedelta(seconds=seconds), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    # -- who needs it ---------------------------------------------------------------------

    def test_a_patient_logs_in_with_the_password_alone(self) -> None:
        self.password_login("pim")
        assert self.client.get("/week/").status_code == 200

    def test_a_staff_password_alone_reaches_no_page(self) -> None:
        self.authenticator(self.tessa)
        self.password_login("tessa")
        for page in ["/queue/", "/caseload/", f"/patients/{self.pim_profile.pk}/", "/"]:
            response = self.client.get(page)
            assert response.status_code == 302, page
            assert response["Location"].startswith("/account/two-factor/?next="), page

    def test_a_staff_password_alone_cannot_post_and_nothing_is_written(self) -> None:
        self.authenticator(self.tessa)
        self.password_login("tessa")
        before = Message.objects.count()
        response = self.client.post(
            f"/patients/{self.pim_profile.pk}/write/", {"body": "Well done."}
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/account/two-factor/")
        assert Message.objects.count() == before

    def test_django_admin_also_needs_the_second_factor(self) -> None:
        self.authenticator(self.ada)
        self.password_login("ada")
        response = self.client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"] == "/account/two-factor/?next=%2Fadmin%2F"

    # -- verify at login ------------------------------------------------------------------

    def test_it_verifies_the_authenticator_code_and_goes_on(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa", next_url="/caseload/")
        response = self.client.get("/caseload/")
        assert response["Location"] == "/account/two-factor/?next=%2Fcaseload%2F"
        page = self.client.get(response["Location"])
        self.assertContains(page, 'autocomplete="one-time-code"')
        response = self.client.post(
            "/account/two-factor/", {"code": current_code(device), "next": "/caseload/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/caseload/"
        assert self.client.get("/caseload/").status_code == 200
        assert self.client.session["otp_device_id"] == device.persistent_id

    def test_a_wrong_code_is_refused_and_counted(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa")
        response = self.client.post("/account/two-factor/", {"code": "000000"})
        assert response.status_code == 400
        self.assertContains(response, "not right", status_code=400)
        # the field is marked invalid and described by the error, which is announced
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertContains(response, 'aria-describedby="id_code_error"', status_code=400)
        self.assertContains(response, 'role="alert" id="id_code_error"', status_code=400)
        device.refresh_from_db()
        assert device.throttling_failure_count == 1
        assert self.client.get("/queue/").status_code == 302

    def test_repeated_wrong_codes_are_throttled_even_before_a_right_one(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa")
        self.client.post("/account/two-factor/", {"code": "000000"})
        # Within django-otp's delay after a failure, even the right code is refused.
        response = self.client.post("/account/two-factor/", {"code": current_code(device)})
        assert response.status_code == 400
        self.assertContains(response, "Too many wrong codes", status_code=400)
        self.tick(2)
        response = self.client.post("/account/two-factor/", {"code": current_code(device)})
        assert response.status_code == 302

    def test_the_wait_it_names_is_the_one_django_otp_keeps_and_it_doubles(self) -> None:
        device = self.authenticator(self.tessa)
        new_backup_codes(self.tessa)  # a second device, refusing codes alongside
        self.password_login("tessa")
        url = "/account/two-factor/"

        def refused(wait: str) -> None:
            response = self.client.post(url, {"code": current_code(device)})
            self.assertContains(
                response, f"Too many wrong codes. Wait {wait}, then", status_code=400
            )

        self.client.post(url, {"code": "000000"})  # one wrong code: 1 s
        refused("1 second")
        self.tick(1)
        self.client.post(url, {"code": "000000"})  # the second in a row: 2 s
        refused("2 seconds")
        self.tick(2)
        self.client.post(url, {"code": "000000"})  # the third: 4 s, of which 1 has passed
        self.tick(1)
        refused("3 seconds")
        device.refresh_from_db()
        assert device.throttling_failure_count == 3
        self.tick(3)
        assert self.client.post(url, {"code": current_code(device)}).status_code == 302

    def test_a_long_wait_is_told_in_minutes_rounded_up(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa")
        self.client.post("/account/two-factor/", {"code": "000000"})
        device.refresh_from_db()
        device.throttling_failure_count = 8  # 2**7 = 128 s from the last failure
        device.save()
        response = self.client.post("/account/two-factor/", {"code": current_code(device)})
        self.assertContains(response, "Wait 3 minutes, then try again.", status_code=400)
        self.tick(128 - 60)
        response = self.client.post("/account/two-factor/", {"code": current_code(device)})
        self.assertContains(response, "Wait 60 seconds, then try again.", status_code=400)
        self.tessa.language = "nl"
        self.tessa.save()
        response = self.client.post("/account/two-factor/", {"code": current_code(device)})
        self.assertContains(response, "Wacht 60 seconden en probeer", status_code=400)

    def test_a_backup_code_works_once(self) -> None:
        self.authenticator(self.tessa)
        codes = new_backup_codes(self.tessa)
        self.password_login("tessa")
        response = self.client.post("/account/two-factor/", {"code": codes[0].upper()})
        assert response.status_code == 302
        assert not StaticToken.objects.filter(token=codes[0]).exists()
        assert StaticToken.objects.filter(device__user=self.tessa).count() == len(codes) - 1
        self.client.post("/logout/")
        self.password_login("tessa")
        response = self.client.post("/account/two-factor/", {"code": codes[0]})
        assert response.status_code == 400

    def test_it_never_sends_a_verified_user_off_site(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa")
        response = self.client.post(
            "/account/two-factor/",
            {"code": current_code(device), "next": "https://evil.example.org/"},
        )
        assert response["Location"] == "/"

    def test_verify_refuses_other_methods(self) -> None:
        self.authenticator(self.tessa)
        self.password_login("tessa")
        assert self.client.put("/account/two-factor/").status_code == 405

    def test_verify_is_not_for_patients_or_anonymous(self) -> None:
        response = self.client.get("/account/two-factor/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
        self.password_login("pim")
        assert self.client.get("/account/two-factor/").status_code == 403
        assert self.client.get("/account/two-factor/enrol/").status_code == 403

    # -- enrolment ------------------------------------------------------------------------

    def test_a_new_staff_member_is_sent_to_enrol(self) -> None:
        self.password_login("tessa")
        response = self.client.get("/account/two-factor/?next=/queue/")
        assert response.status_code == 302
        assert response["Location"] == "/account/two-factor/enrol/?next=%2Fqueue%2F"

    def pending_device(self) -> TOTPDevice:
        """The authenticator the enrolment page shows (not saved: its key is in the session)."""
        key = self.client.session[PENDING_KEY_SESSION_KEY]
        return TOTPDevice(user=self.tessa, key=key)

    def test_enrolment_shows_a_qr_code_as_inline_svg_and_the_key(self) -> None:
        self.password_login("tessa")
        response = self.client.get("/account/two-factor/enrol/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "<svg" in body
        assert "<path" in body
        assert "style=" not in body  # the policy allows no inline style
        assert manual_key(self.pending_device()) in body
        # The same key on a reload: the QR code the user scanned stays valid.
        again = self.client.get("/account/two-factor/enrol/")
        assert manual_key(self.pending_device()) in again.content.decode()

    def test_showing_the_enrolment_page_creates_no_device(self) -> None:
        self.password_login("tessa")
        for _ in range(2):
            assert self.client.get("/account/two-factor/enrol/").status_code == 200
        assert not TOTPDevice.objects.exists()
        assert not StaticDevice.objects.exists()

    def test_enrolment_confirms_the_device_and_shows_backup_codes(self) -> None:
        self.password_login("tessa")
        self.client.get("/account/two-factor/enrol/")
        pending = self.pending_device()
        response = self.client.post(
            "/account/two-factor/enrol/", {"code": current_code(pending), "next": "/queue/"}
        )
        assert response.status_code == 201
        device = TOTPDevice.objects.get(user=self.tessa)
        assert device.confirmed
        assert device.key == pending.key
        codes = response.context["codes"]
        assert len(codes) == 10
        stored = StaticToken.objects.filter(device__user=self.tessa)
        assert sorted(stored.values_list("token", flat=True)) == sorted(codes)
        assert self.client.get("/queue/").status_code == 200
        assert audited(self.tessa) == ["security.enrol", "security.backup_codes"]

    def test_a_wrong_enrolment_code_confirms_nothing(self) -> None:
        self.password_login("tessa")
        self.client.get("/account/two-factor/enrol/")
        response = self.client.post("/account/two-factor/enrol/", {"code": "123456"})
        assert response.status_code == 400
        assert not TOTPDevice.objects.filter(user=self.tessa).exists()
        assert not StaticDevice.objects.filter(user=self.tessa).exists()
        assert self.client.get("/queue/").status_code == 302

    def test_a_password_alone_cannot_replace_an_enrolled_authenticator(self) -> None:
        device = self.authenticator(self.tessa)
        self.password_login("tessa")
        response = self.client.get("/account/two-factor/enrol/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/two-factor/?")
        assert list(TOTPDevice.objects.filter(user=self.tessa)) == [device]

    def test_enrol_refuses_other_methods(self) -> None:
        self.password_login("tessa")
        assert self.client.delete("/account/two-factor/enrol/").status_code == 405

    # -- new backup codes -----------------------------------------------------------------

    def test_new_backup_codes_replace_the_old_ones(self) -> None:
        old = new_backup_codes(self.tessa)
        self.login(self.tessa)
        response = self.client.post("/account/two-factor/backup-codes/")
        assert response.status_code == 201
        new = response.context["codes"]
        stored = set(
            StaticToken.objects.filter(
                device__user=self.tessa, device__name="backup codes"
            ).values_list("token", flat=True)
        )
        assert stored == set(new)
        assert not stored & set(old)

    def test_backup_codes_refuse_get_patients_and_stale_logins(self) -> None:
        self.login(self.tessa)
        assert self.client.get("/account/two-factor/backup-codes/").status_code == 405
        self.tick(11 * 60)
        response = self.client.post("/account/two-factor/backup-codes/")
        assert response.status_code == 302
        assert response["Location"].startswith("/account/confirm-password/?next=")
        assert not StaticDevice.objects.filter(user=self.tessa, name="backup codes").exists()
        self.login(self.pim)
        assert self.client.post("/account/two-factor/backup-codes/").status_code == 403

    # -- the demo -------------------------------------------------------------------------

    def test_a_demo_code_logs_in_again_and_again(self) -> None:
        code = give_demo_code(self.tessa)
        assert code == demo_code("tessa")
        for _ in range(3):
            self.password_login("tessa")
            response = self.client.post("/account/two-factor/", {"code": code})
            assert response.status_code == 302
            assert self.client.get("/queue/").status_code == 200
            self.client.post("/logout/")
        give_demo_code(self.tessa)  # tops the stock up again
        assert StaticToken.objects.filter(token=code).count() == DEMO_CODE_USES


@pytest.mark.slow  # seeds the whole demo clinic
def test_the_demo_prints_a_second_factor_code_for_staff_only(db: None) -> None:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    lines = {
        match[1]: line
        for line in out.getvalue().splitlines()
        if (match := re.search(r"(\S+)-demo-2026", line))
    }
    assert "second factor: 2fa-therapist" in lines["therapist"]
    assert "second factor: 2fa-admin" in lines["admin"]
    assert "second factor: 2fa-researcher" in lines["researcher"]
    assert "second factor" not in lines["patient"]
    assert StaticToken.objects.filter(token="2fa-admin").count() == DEMO_CODE_USES

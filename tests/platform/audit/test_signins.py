"""Signing in, failing to, signing out and being locked out each leave an audit event."""

from __future__ import annotations

from django.test import override_settings

from embct.platform.audit.models import AuditEvent
from support.testing import PASSWORD, BaseTestCase

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def events() -> list[tuple[str, str, str, str | None]]:
    return list(
        AuditEvent.objects.order_by("pk").values_list("actor_name", "action", "target_id", "ip")
    )


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class SignInTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.pim.set_password(PASSWORD)
        self.pim.save()

    def sign_in(self, password: str) -> int:
        response = self.client.post(
            "/login/", {"username": "pim", "password": password}, REMOTE_ADDR="192.0.2.8"
        )
        return response.status_code

    def test_a_sign_in_and_a_sign_out_are_logged_with_the_address(self) -> None:
        assert self.sign_in(PASSWORD) == 302
        assert self.client.post("/logout/", REMOTE_ADDR="192.0.2.8").status_code == 302
        pk = str(self.pim.pk)
        assert events() == [
            ("pim", "auth.login", pk, "192.0.2.8"),
            ("pim", "auth.logout", pk, "192.0.2.8"),
        ]

    def test_a_failed_sign_in_is_logged_with_the_name_tried_but_not_the_password(self) -> None:
        assert self.sign_in("wrong password") == 200
        assert events() == [("", "auth.login_failed", "", "192.0.2.8")]
        assert AuditEvent.objects.get().details == {"username": "pim"}

    def test_a_lockout_is_logged(self) -> None:
        for _ in range(5):
            self.sign_in("wrong password")
        assert [e[1] for e in events()].count("auth.lockout") == 1
        assert AuditEvent.objects.get(action="auth.lockout").details == {"username": "pim"}
        assert self.sign_in(PASSWORD) == 429  # refused while locked: logged again
        assert [e[1] for e in events()].count("auth.lockout") == 2
        assert "auth.login" not in [e[1] for e in events()]

    def test_the_test_client_s_shortcut_is_no_sign_in(self) -> None:
        self.client.force_login(self.pim)
        self.client.logout()
        assert events() == []

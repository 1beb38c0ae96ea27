"""Login throttling (django-axes): after 5 wrong passwords for one username from one address
that pair is locked for 15 minutes, or until an administrator unlocks it."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.test import override_settings

from support.testing import PASSWORD, BaseTestCase

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class LoginThrottleTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        for user in (self.pim, self.olga, self.tessa):
            user.set_password(PASSWORD)
            user.save()

    def attempt(self, username: str, password: str, address: str = "10.0.0.1") -> int:
        response = self.client.post(
            "/login/", {"username": username, "password": password}, REMOTE_ADDR=address
        )
        self.last = response
        return response.status_code

    def fail(self, times: int, username: str = "pim", address: str = "10.0.0.1") -> None:
        """``times`` wrong passwords: the first four are answered with the form again, the
        fifth already with the lockout page."""
        for attempt in range(1, times + 1):
            expected = 200 if attempt < 5 else 429
            assert self.attempt(username, "wrong password", address) == expected, attempt

    def test_four_wrong_passwords_still_let_the_right_one_in(self) -> None:
        self.fail(4)
        assert self.attempt("pim", PASSWORD) == 302
        assert not AccessAttempt.objects.filter(username="pim").exists()  # reset on success

    def test_the_fifth_failure_locks_and_says_so_clearly(self) -> None:
        self.fail(5)
        self.assertContains(self.last, "locked after 5 failed login attempts", status_code=429)
        assert self.attempt("pim", PASSWORD) == 429  # even the right password
        self.assertContains(self.last, "locked after 5 failed login attempts", status_code=429)
        self.assertContains(self.last, "Try again in 15 minutes", status_code=429)
        self.assertContains(self.last, "administrator", status_code=429)
        assert "_auth_user_id" not in self.client.session

    def test_the_lock_holds_only_for_that_username_and_address(self) -> None:
        self.fail(5)
        assert self.attempt("olga", PASSWORD) == 302
        self.client.post("/logout/")
        assert self.attempt("pim", PASSWORD, address="10.0.0.2") == 302

    def test_the_lock_ends_after_the_cool_off(self) -> None:
        self.fail(5)
        with time_machine.travel(timedelta(minutes=16), tick=False):
            assert self.attempt("pim", PASSWORD) == 302

    def test_trying_while_locked_starts_the_cool_off_again(self) -> None:
        self.fail(5)
        with time_machine.travel(timedelta(minutes=14), tick=False):
            assert self.attempt("pim", PASSWORD) == 429
        with time_machine.travel(timedelta(minutes=14 + 16), tick=False):
            assert self.attempt("pim", PASSWORD) == 302

    def test_an_administrator_unlocks_it_in_django_admin(self) -> None:
        self.fail(5)
        attempt = AccessAttempt.objects.get(username="pim")
        self.login(self.ada)
        listing = self.client.get("/admin/axes/accessattempt/")
        self.assertContains(listing, "pim")
        response = self.client.post(
            f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}
        )
        assert response.status_code == 302
        assert not AccessAttempt.objects.exists()
        self.client.post("/logout/")
        assert self.attempt("pim", PASSWORD) == 302

    def test_behind_the_proxy_the_forwarded_client_address_counts(self) -> None:
        with self.settings(EMBCT_TRUSTED_PROXIES=["127.0.0.1"]):
            for _ in range(5):
                self.client.post(
                    "/login/",
                    {"username": "pim", "password": "wrong password"},
                    REMOTE_ADDR="127.0.0.1",
                    HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.9",
                )
            attempt = AccessAttempt.objects.get(username="pim")
            assert attempt.ip_address == "203.0.113.9"
            # Another client behind the same proxy is not locked out with it.
            response = self.client.post(
                "/login/",
                {"username": "pim", "password": PASSWORD},
                REMOTE_ADDR="127.0.0.1",
                HTTP_X_FORWARDED_FOR="198.51.100.7",
            )
            assert response.status_code == 302

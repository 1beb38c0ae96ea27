"""Sessions end after an hour without activity (and are written at most every few minutes,
not on every request); Django's password validators apply wherever an
administrator sets a password (Django admin's add-user and change-password forms), and the
clinic's temporary passwords satisfy them."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.utils import timezone

from embct.platform.accounts.models import User
from embct.platform.care.admin_views import temporary_password
from embct.platform.core.sessions import REFRESH_EVERY
from support.testing import BaseTestCase


class SessionExpiryTests(BaseTestCase):
    def test_a_session_ends_after_an_hour_without_activity(self) -> None:
        self.login(self.pim)
        with time_machine.travel(timedelta(minutes=59), tick=False):
            assert self.client.get("/week/").status_code == 200
        with time_machine.travel(timedelta(minutes=59 + 61), tick=False):
            response = self.client.get("/week/")
            assert response.status_code == 302
            assert response["Location"].startswith("/login/")

    def test_activity_keeps_the_session_alive(self) -> None:
        self.login(self.tessa)
        for minutes in (50, 100, 150):  # each visit within the hour of the one before
            with time_machine.travel(timedelta(minutes=minutes), tick=False):
                assert self.client.get("/queue/").status_code == 200

    def session_row(self) -> tuple[object, str]:
        row = Session.objects.get(session_key=self.client.cookies["sessionid"].value)
        return row.expire_date, row.session_data

    def test_requests_within_a_few_minutes_do_not_rewrite_the_session(self) -> None:
        self.login(self.pim)
        assert self.client.get("/week/").status_code == 200
        written = self.session_row()
        for minutes in (1, 2, REFRESH_EVERY / 60 - 0.5):
            with time_machine.travel(timedelta(minutes=minutes), tick=False):
                assert self.client.get("/week/").status_code == 200
                assert self.session_row() == written  # not saved again
        with time_machine.travel(timedelta(seconds=REFRESH_EVERY + 1), tick=False):
            assert self.client.get("/week/").status_code == 200
            expire_date, _data = self.session_row()
        assert expire_date == written[0] + timedelta(seconds=REFRESH_EVERY + 1)

    def test_a_session_idle_past_the_timeout_is_logged_out_even_between_writes(self) -> None:
        self.login(self.pim)
        assert self.client.get("/week/").status_code == 200
        with time_machine.travel(timedelta(minutes=3), tick=False):  # not written
            assert self.client.get("/week/").status_code == 200
        # 60 min 1 s after the last write: at most that long without activity, logged out.
        with time_machine.travel(timedelta(minutes=60, seconds=1), tick=False):
            response = self.client.get("/week/")
            assert response.status_code == 302
            assert response["Location"].startswith("/login/")

    def test_requests_every_few_minutes_keep_the_session_for_hours(self) -> None:
        self.login(self.pim)
        for minutes in range(0, 180, 4):
            with time_machine.travel(timedelta(minutes=minutes), tick=False):
                assert self.client.get("/week/").status_code == 200, minutes
        # The last request was at 176 min; 55 min later the session is still there.
        with time_machine.travel(timedelta(minutes=176 + 55), tick=False):
            assert self.client.get("/week/").status_code == 200

    def test_logging_out_leaves_no_session_to_refresh(self) -> None:
        self.login(self.pim)
        assert self.client.get("/week/").status_code == 200
        self.client.post("/logout/")
        assert not Session.objects.filter(expire_date__gt=timezone.now()).exists()

    def test_the_session_cookie_is_http_only_and_ends_with_the_browser(self) -> None:
        self.login(self.pim)
        with time_machine.travel(timedelta(seconds=REFRESH_EVERY), tick=False):
            response = self.client.get("/week/")  # the session is written and its cookie sent
        cookie = response.cookies["sessionid"]
        assert cookie["httponly"]
        assert cookie["samesite"] == "Lax"
        assert not cookie["expires"]  # a browser-session cookie


class AdminPasswordValidationTests(BaseTestCase):
    def add_user(self, password: str) -> object:
        return self.client.post(
            "/admin/accounts/user/add/",
            {
                "username": "newstaff",
                "password1": password,
                "password2": password,
                "usable_password": "true",
                "role": "researcher",
            },
        )

    def test_admin_add_user_refuses_weak_passwords(self) -> None:
        self.login(self.ada)
        for weak, message in [
            ("short1", "too short"),
            ("password1234", "too common"),
            ("8453920175539", "entirely numeric"),
            ("newstaff12", "too similar"),
        ]:
            response = self.add_user(weak)
            assert response.status_code == 200, weak
            self.assertContains(response, message)
        assert not User.objects.filter(username="newstaff").exists()

    def test_admin_add_user_takes_a_strong_password(self) -> None:
        self.login(self.ada)
        response = self.add_user("quiet lake at dawn 42")
        assert response.status_code == 302
        assert User.objects.get(username="newstaff").role == "researcher"

    def test_admin_password_reset_refuses_weak_passwords(self) -> None:
        self.login(self.ada)
        before = User.objects.get(pk=self.rosa.pk).password
        response = self.client.post(
            f"/admin/accounts/user/{self.rosa.pk}/password/",
            {"password1": "rosa12", "password2": "rosa12", "usable_password": "true"},
        )
        assert response.status_code == 200
        self.assertContains(response, "too short")
        assert User.objects.get(pk=self.rosa.pk).password == before


@pytest.mark.parametrize("attempt", range(20))
def test_clinic_temporary_passwords_pass_the_validators(attempt: int) -> None:
    password = temporary_password()
    try:
        validate_password(password, user=User(username="someone", first_name="Some"))
    except ValidationError as error:  # pragma: no cover - the assert below reports it
        pytest.fail(f"{password!r}: {error.messages}")

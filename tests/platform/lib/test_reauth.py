"""Re-authentication: exports and role changes need a password entered in the last 10 minutes
(``embct.platform.lib.reauth.recent_auth_required``)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory, override_settings

from embct.platform.accounts.models import Role, User
from embct.platform.lib.reauth import AUTH_AT_SESSION_KEY, recent_auth_required
from support.testing import PASSWORD, BaseTestCase

FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class ReauthTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.ada.set_password(PASSWORD)
        self.ada.save()
        self.login(self.ada)

    def later(self, minutes: float) -> None:
        traveller = time_machine.travel(timedelta(minutes=minutes), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)

    def new_therapist(self) -> dict[str, str]:
        return {
            "account-username": "newtherapist",
            "account-first_name": "Nina",
            "account-email": "nina@example.org",
        }

    def test_a_fresh_login_needs_no_second_entry(self) -> None:
        self.later(9)
        assert self.client.get("/clinic/therapists/new/").status_code == 200

    def test_a_stale_login_is_asked_for_the_password_and_sent_back(self) -> None:
        self.later(11)
        response = self.client.get("/clinic/therapists/new/")
        assert response.status_code == 302
        back = "%2Fclinic%2Ftherapists%2Fnew%2F"
        assert response["Location"] == f"/account/confirm-password/?next={back}"
        page = self.client.get(response["Location"])
        self.assertContains(page, 'value="/clinic/therapists/new/"')
        response = self.client.post(
            "/account/confirm-password/", {"password": PASSWORD, "next": "/clinic/therapists/new/"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/clinic/therapists/new/"
        assert self.client.get("/clinic/therapists/new/").status_code == 200

    def test_a_stale_post_changes_nothing_and_returns_to_the_form_afterwards(self) -> None:
        self.later(11)
        response = self.client.post(
            "/clinic/therapists/new/",
            self.new_therapist(),
            HTTP_REFERER="http://testserver/clinic/therapists/new/",
        )
        assert response.status_code == 302
        assert response["Location"] == (
            "/account/confirm-password/?next=http%3A%2F%2Ftestserver%2Fclinic%2Ftherapists%2Fnew%2F"
        )
        assert not User.objects.filter(username="newtherapist").exists()
        self.client.post("/account/confirm-password/", {"password": PASSWORD})
        response = self.client.post("/clinic/therapists/new/", self.new_therapist())
        assert response.status_code == 201
        assert User.objects.get(username="newtherapist").role == Role.THERAPIST

    def test_a_role_change_in_django_admin_needs_a_recent_password(self) -> None:
        self.later(11)
        url = f"/admin/accounts/user/{self.rosa.pk}/change/"
        response = self.client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/confirm-password/?next=")
        response = self.client.get(f"/admin/accounts/user/{self.rosa.pk}/password/")
        assert response["Location"].startswith("/account/confirm-password/?next=")
        self.client.post("/account/confirm-password/", {"password": PASSWORD})
        assert self.client.get(url).status_code == 200

    def test_a_wrong_password_is_refused_and_counts_towards_the_lockout(self) -> None:
        self.later(11)
        response = self.client.post("/account/confirm-password/", {"password": "not it"})
        assert response.status_code == 400
        self.assertContains(response, "not right", status_code=400)
        self.assertContains(response, 'aria-describedby="id_password_error"', status_code=400)
        self.assertContains(response, 'role="alert" id="id_password_error"', status_code=400)
        assert self.client.get("/clinic/therapists/new/").status_code == 302
        assert AccessAttempt.objects.get(username="ada").failures_since_start == 1

    def test_it_never_sends_back_off_site(self) -> None:
        response = self.client.post(
            "/account/confirm-password/",
            {"password": PASSWORD, "next": "https://evil.example.org/"},
        )
        assert response["Location"] == "/"

    def test_it_refuses_other_methods_and_anonymous(self) -> None:
        assert self.client.put("/account/confirm-password/").status_code == 405
        self.client.post("/logout/")
        response = self.client.get("/account/confirm-password/")
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")

    def test_a_therapist_still_gets_403_not_a_password_page(self) -> None:
        self.login(self.tessa)
        self.later(11)
        assert self.client.get("/clinic/therapists/new/").status_code == 403

    def test_the_password_entry_renews_the_stamp_in_the_session(self) -> None:
        self.later(30)
        self.client.post("/account/confirm-password/", {"password": PASSWORD})
        stamp = self.client.session[AUTH_AT_SESSION_KEY]
        self.later(9)
        assert self.client.get("/clinic/therapists/new/").status_code == 200
        assert self.client.session[AUTH_AT_SESSION_KEY] == stamp


def test_the_decorator_lets_a_view_run_within_max_age_only() -> None:
    calls: list[str] = []

    @recent_auth_required(max_age=timedelta(minutes=1))
    def export(request: HttpRequest) -> HttpResponse:
        calls.append("ran")
        return HttpResponse("data")

    request = RequestFactory().get("/export/?format=csv")
    request.user = User(username="rosa", role=Role.RESEARCHER)
    with time_machine.travel(1_000_000, tick=False):
        request.session = {AUTH_AT_SESSION_KEY: 1_000_000 - 59}  # type: ignore[assignment]
        assert export(request).status_code == 200
        request.session = {AUTH_AT_SESSION_KEY: 1_000_000 - 61}  # type: ignore[assignment]
        response = export(request)
        assert response.status_code == 302
        assert response["Location"] == "/account/confirm-password/?next=%2Fexport%2F%3Fformat%3Dcsv"
        request.session = {}  # type: ignore[assignment]
        assert export(request).status_code == 302
    assert calls == ["ran"]


def test_the_decorator_refuses_a_non_positive_max_age() -> None:
    with pytest.raises(ValueError, match="positive"):
        recent_auth_required(max_age=timedelta(0))


@override_settings(PASSWORD_HASHERS=FAST_HASHER)
class ExportReauthTests(BaseTestCase):
    """The pseudonymized export is one of the actions that ask for the password again."""

    def test_a_stale_export_asks_for_the_password_and_exports_nothing(self) -> None:
        from embct.platform.audit.models import AuditEvent
        from embct.platform.research.models import ExportLog

        self.rosa.set_password(PASSWORD)
        self.rosa.save()
        self.login(self.rosa)
        traveller = time_machine.travel(timedelta(minutes=11), tick=False)
        traveller.start()
        self.addCleanup(traveller.stop)
        response = self.client.post(
            "/research/export/", {"format": "csv"}, HTTP_REFERER="http://testserver/research/"
        )
        assert response.status_code == 302
        assert response["Location"] == (
            "/account/confirm-password/?next=http%3A%2F%2Ftestserver%2Fresearch%2F"
        )
        assert not ExportLog.objects.exists()
        assert not AuditEvent.objects.filter(action="trial.export").exists()
        self.client.post("/account/confirm-password/", {"password": PASSWORD})
        response = self.client.post("/research/export/", {"format": "csv"})
        assert response.status_code == 200
        assert response["Content-Disposition"].endswith('filename="embct-trial.csv"')
        assert ExportLog.objects.get().user == self.rosa

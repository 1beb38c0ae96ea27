"""A locked or unavailable database: a clear 503 page, no stack trace, the draft kept."""

from __future__ import annotations

import re
import uuid
from unittest import mock

from django.db import OperationalError, ProgrammingError
from django.test import Client, RequestFactory

from embct.platform.care.models import DiaryEntry, Message
from embct.platform.core.dberrors import draft_fields
from support.testing import BaseTestCase

HEADING = "We could not save this just now; your text is kept"


def hidden_and_text(page: str) -> dict[str, str]:
    """The fields of the 503 page's form, as a browser would send them again."""
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page))
    for name, value in re.findall(
        r'<textarea[^>]* name="([^"]+)"[^>]*>(.*?)</textarea>', page, re.S
    ):
        fields[name] = value
    return fields


class DatabaseUnavailableTests(BaseTestCase):
    def diary_form(self) -> dict[str, str]:
        return {
            "exercise": str(self.session(3).exercises.get(slug="breath-3").pk),
            "date": "2026-03-17",
            "minutes": "25",
            "body": "heavy shoulders",
            "thoughts": "am I doing this right? <b>bold</b>",
            "feelings": "restless, then calmer",
            "text": "fell asleep at the end",
            "form_token": str(uuid.uuid4()),
        }

    def test_a_locked_database_keeps_the_diary_draft_and_sending_again_saves_it_once(self) -> None:
        self.login(self.pim)
        url = f"/sessions/{self.session(3).pk}/diary/"
        data = self.diary_form()
        locked = OperationalError("database is locked")
        with mock.patch.object(DiaryEntry, "save", side_effect=locked):
            response = self.client.post(url, data)
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        page = response.content.decode()
        assert HEADING in page
        assert "Traceback" not in page
        assert "OperationalError" not in page
        assert "database is locked" not in page
        # The text is in the page (escaped), the machine values ride along hidden.
        assert "am I doing this right? &lt;b&gt;bold&lt;/b&gt;" in page
        assert f'action="{url}"' in page
        assert not DiaryEntry.objects.exists()
        again = hidden_and_text(page)
        assert again["form_token"] == data["form_token"]
        assert again["minutes"] == "25"
        assert again["date"] == "2026-03-17"
        assert again["body"] == "heavy shoulders"
        # The database is back: "Try again" saves the entry, a second click does not double it.
        again["thoughts"] = "am I doing this right? <b>bold</b>"
        for _ in range(2):
            response = self.client.post(url, again)
            self.assertRedirects(response, f"/sessions/{self.session(3).pk}/")
        entry = DiaryEntry.objects.get()
        assert (entry.body, entry.thoughts, entry.minutes) == (
            "heavy shoulders",
            "am I doing this right? <b>bold</b>",
            25,
        )

    def test_an_unavailable_database_keeps_the_message_draft(self) -> None:
        self.login(self.pim)
        gone = OperationalError("connection refused")
        with mock.patch.object(Message.objects, "create", side_effect=gone):
            response = self.client.post("/inbox/write/", {"body": "Can we talk about pain?"})
        assert response.status_code == 503
        self.assertContains(response, HEADING, status_code=503)
        self.assertContains(response, "Can we talk about pain?</textarea>", status_code=503)
        assert not Message.objects.exists()

    def test_a_failure_after_the_view_also_gets_the_503_page(self) -> None:
        # The session is saved after the view, outside any view's try: handler500's path.
        client = Client(raise_request_exception=False)
        client.force_login(self.pim)
        locked = OperationalError("database is locked")
        with mock.patch(
            "django.contrib.sessions.backends.db.SessionStore.save", side_effect=locked
        ):
            response = client.get("/week/")
        assert response.status_code == 503
        assert HEADING in response.content.decode()
        assert "Try again" in response.content.decode()

    def test_a_programming_error_is_a_bug_and_stays_500(self) -> None:
        client = Client(raise_request_exception=False)
        client.force_login(self.pim)
        with mock.patch.object(Message.objects, "create", side_effect=ProgrammingError("no")):
            response = client.post("/inbox/write/", {"body": "hello there"})
        assert response.status_code == 500
        page = response.content.decode()
        assert HEADING not in page
        # the platform's own 500 page (bare.html: no menu, no database needed), no traceback
        assert "<h1>Something went wrong</h1>" in page
        assert 'lang="en"' in page
        assert "ProgrammingError" not in page

    def test_a_get_gets_the_page_without_a_form(self) -> None:
        self.login(self.tessa)
        with mock.patch(
            "embct.platform.care.progress.feedback_queue",
            side_effect=OperationalError("database is locked"),
        ):
            response = self.client.get("/queue/")
        assert response.status_code == 503
        page = response.content.decode()
        assert HEADING in page
        assert "<form" not in page
        assert 'href="/queue/"' in page


def test_passwords_one_time_codes_and_csrf_tokens_are_never_echoed() -> None:
    request = RequestFactory().post(
        "/login/",
        {
            "username": "pim",
            "password": "correct horse",
            "new_password1": "x",
            "otp_token": "123456",
            "csrfmiddlewaretoken": "abc",
            "form_token": "8c3c3f7e-5d0b-4c6e-9a43-6f4b7a0f3b11",
            "care-therapist": "12",
            "present": ["3", "4"],
            "exercise": "",
        },
    )
    text, hidden = draft_fields(request)
    assert text == [("username", "pim")]
    assert hidden == [
        ("form_token", "8c3c3f7e-5d0b-4c6e-9a43-6f4b7a0f3b11"),
        ("care-therapist", "12"),
        ("present", "3"),
        ("present", "4"),
        ("exercise", ""),
    ]


class LoginLengthTests(BaseTestCase):
    def test_an_over_long_username_is_refused_before_authenticating(self) -> None:
        # Found by the login fuzzing on PostgreSQL: Django's form did not check the length,
        # and django-axes' varchar(255) column raised a DataError (a 500).
        from axes.models import AccessAttempt

        response = self.client.post("/login/", {"username": "x" * 4990, "password": "0"})
        assert response.status_code == 200
        assert response.context["form"].errors["username"]
        assert not AccessAttempt.objects.exists()
        response = self.client.post("/login/", {"username": "x" * 150, "password": "0"})
        assert response.status_code == 200
        assert AccessAttempt.objects.count() == 1  # a normal failed login is still counted

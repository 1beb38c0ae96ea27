"""Fuzzing every platform form: random and malformed input is refused with a clear answer and
changes nothing, or is accepted and stored within the form's rules; never a 500.

Each example starts from a valid submission and replaces or drops a random subset of its
fields with hostile values (NUL and control characters, huge numbers, impossible dates,
5000+ character texts, markup, SQL). The test client re-raises any exception a view lets
escape, so a 500 fails the test with its traceback.
"""

from __future__ import annotations

import unicodedata
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from embct.platform.accounts.models import Role, User
from embct.platform.care.models import (
    Arm,
    DiaryEntry,
    LogSubmission,
    Message,
    MessageKind,
    PatientProfile,
)
from embct.platform.groups.models import Attendance, GroupMeeting, MbctGroup
from support.testing import TODAY, BaseTestCase

#: Load-style: many generated inputs through the forms and importers.
pytestmark = pytest.mark.slow

FUZZ = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
OMIT = object()

MALFORMED = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\t\r\n",
    "-1",
    "601",
    "1e3",
    "NaN",
    "inf",
    "0x10",
    "99999999999999999999999",
    "2026-02-30",
    "2026-13-01",
    "9999-12-31",
    "0000-00-00",
    "18/03/2026",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "welcome",
    "feedback",
    "embct",
    "mbct",
    "\u202eevil",
    "é" * 300,
]
texts = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)
hostile = st.one_of(
    texts,
    st.sampled_from(MALFORMED),
    st.integers(-(10**25), 10**25).map(str),
    st.dates().map(str),
    st.integers(4990, 5010).map(lambda n: "x" * n),
)


@st.composite
def mixed(draw: st.DrawFn, valid: dict[str, Any]) -> dict[str, Any]:
    """``valid`` with up to three of its fields replaced by hostile values or dropped
    (so valid submissions, and submissions wrong in one place, come up often too)."""
    out = dict(valid)
    for name in sorted(draw(st.sets(st.sampled_from(sorted(valid)), max_size=3))):
        value = draw(st.one_of(hostile, st.just(OMIT)))
        if value is OMIT:
            del out[name]
        else:
            out[name] = value
    return out


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row a form could touch, to prove a refused submission changed nothing."""
    models = [User, PatientProfile, DiaryEntry, LogSubmission, Message, Attendance]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


# Argon2 costs ~0.1 s a hash; what is fuzzed here is the forms, not the hashing.
FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@FAST_HASHER
class FuzzPatientFormsTests(HypothesisTestCase, BaseTestCase):
    def diary_form(self) -> dict[str, Any]:
        return {
            "exercise": self.session(3).exercises.get(slug="breath-3").pk,
            "date": "2026-03-17",
            "minutes": "25",
            "body": "heavy shoulders",
            "thoughts": "am I doing this right?",
            "feelings": "restless",
            "text": "fell asleep",
            "form_token": str(uuid.uuid4()),
        }

    @FUZZ
    @given(data=st.data())
    def test_diary(self, data: st.DataObject) -> None:
        self.login(self.pim)
        form = data.draw(mixed(self.diary_form()))
        before = snapshot()
        response = self.client.post(f"/sessions/{self.session(3).pk}/diary/", form)
        if response.status_code == 302:
            event("accepted")
            entry = DiaryEntry.objects.get()
            assert entry.patient == self.pim_profile
            assert entry.session == self.session(3)
            assert 0 <= entry.minutes <= 600
            assert entry.date <= TODAY
            assert "\x00" not in entry.body + entry.thoughts + entry.feelings + entry.text
            # The same form again (a double click) does not double the entry.
            self.client.post(f"/sessions/{self.session(3).pk}/diary/", form)
            assert DiaryEntry.objects.count() == 1
        else:
            assert response.status_code == 200  # the form again, with its errors
            event("refused")
            assert response.context["form"].errors
            assert snapshot() == before

    @FUZZ
    @given(session_id=st.integers(0, 10**30), method=st.sampled_from(["get", "post"]))
    def test_session_ids_in_urls(self, session_id: int, method: str) -> None:
        self.login(self.pim)
        before = snapshot()
        for path in ("/sessions/{}/", "/sessions/{}/diary/", "/sessions/{}/send/"):
            response = getattr(self.client, method)(path.format(session_id))
            assert response.status_code in {200, 302, 404, 405}
        if session_id not in set(self.course.sessions.values_list("pk", flat=True)):
            assert snapshot() == before

    @FUZZ
    @given(body=hostile)
    def test_message(self, body: str) -> None:
        self.login(self.pim)
        before = snapshot()
        response = self.client.post("/inbox/write/", {"body": body})
        if response.status_code == 302:
            event("accepted")
            message = Message.objects.get()
            assert message.body == body.strip()
            assert 0 < len(message.body) <= 5000
            assert message.from_patient
            assert message.patient == self.pim_profile
        else:
            assert response.status_code == 400
            event("refused")
            assert response.context["form"].errors
            assert snapshot() == before

    @FUZZ
    @given(extra=st.dictionaries(texts.filter(bool), hostile, max_size=4))
    def test_send_log_files(self, extra: dict[str, str]) -> None:
        self.login(self.pim)
        self.diary(self.pim_profile, 3)
        response = self.client.post(f"/sessions/{self.session(3).pk}/send/", extra)
        assert response.status_code == 302
        assert LogSubmission.objects.get().entries.count() == 1

    @settings(FUZZ, max_examples=15)
    @given(username=hostile, password=hostile)
    def test_login(self, username: str, password: str) -> None:
        before = snapshot()
        response = self.client.post("/login/", {"username": username, "password": password})
        assert response.status_code == 200
        assert "_auth_user_id" not in self.client.session
        assert snapshot() == before


@FAST_HASHER
class FuzzStaffFormsTests(HypothesisTestCase, BaseTestCase):
    @FUZZ
    @given(data=st.data())
    def test_feedback_and_welcome(self, data: st.DataObject) -> None:
        self.login(self.tessa)
        form = data.draw(mixed({"body": "Thank you for your log files.", "kind": "feedback"}))
        before = snapshot()
        response = self.client.post(f"/patients/{self.pim_profile.pk}/write/", form)
        body = form.get("body", "")
        if body.strip() and len(body.strip()) <= 5000 and "\x00" not in body:
            assert response.status_code == 302
            message = Message.objects.get()
            assert message.body == body.strip()
            welcome = form.get("kind") == "welcome"
            assert message.kind == (MessageKind.WELCOME if welcome else MessageKind.FEEDBACK)
        else:  # the page again, with the error
            assert response.status_code == 400
            assert snapshot() == before

    @FUZZ
    @given(present=st.lists(hostile, max_size=5), include_member=st.booleans())
    def test_group_attendance(self, present: list[str], include_member: bool) -> None:
        group = MbctGroup.objects.create(
            name="Tuesday group", therapist=self.tessa, location="Room 2", course=self.course
        )
        meeting = GroupMeeting.objects.create(
            group=group, session=self.session(1), date=TODAY - timedelta(days=7)
        )
        PatientProfile.objects.filter(pk=self.pim_profile.pk).update(
            group=group, arm=Arm.MBCT, start_date=None
        )
        values = [*present, str(self.pim_profile.pk)] if include_member else present
        self.login(self.tessa)
        url = f"/groups/{group.pk}/meetings/{meeting.pk}/attendance/"
        response = self.client.post(url, {"present": values})
        assert response.status_code == 302
        (row,) = Attendance.objects.all()
        assert row.patient == self.pim_profile
        assert row.present == (str(self.pim_profile.pk) in values)

    def account_form(self, prefix: str = "account-") -> dict[str, Any]:
        return {
            f"{prefix}username": "newpatient",
            f"{prefix}first_name": "New",
            f"{prefix}last_name": "Patient",
            f"{prefix}email": "new@example.org",
        }

    def care_form(self, prefix: str = "care-") -> dict[str, Any]:
        return {
            f"{prefix}therapist": self.tessa.pk,
            f"{prefix}arm": "embct",
            f"{prefix}start_date": "2026-03-20",
            f"{prefix}feedback_weekday": "3",
            f"{prefix}group": "",
        }

    @FUZZ
    @given(data=st.data())
    def test_clinic_new_patient(self, data: st.DataObject) -> None:
        self.login(self.ada)
        form = data.draw(mixed({**self.account_form(), **self.care_form()}))
        before = snapshot()
        response = self.client.post("/clinic/patients/new/", form)
        if response.status_code == 201:
            event("accepted")
            user = User.objects.latest("pk")  # the username is stored NFKC-normalized
            assert user.username == unicodedata.normalize("NFKC", form["account-username"])
            assert user.role == Role.PATIENT
            profile = user.patient_profile
            assert profile.therapist is not None
            assert profile.therapist.role == Role.THERAPIST
            assert profile.arm in {"embct", "mbct"}
            assert 0 <= profile.feedback_weekday <= 6
        else:
            assert response.status_code == 400
            event("refused")
            assert snapshot() == before

    @FUZZ
    @given(data=st.data())
    def test_clinic_new_therapist(self, data: st.DataObject) -> None:
        self.login(self.ada)
        form = data.draw(mixed(self.account_form()))
        before = snapshot()
        response = self.client.post("/clinic/therapists/new/", form)
        if response.status_code == 201:
            event("accepted")
            user = User.objects.latest("pk")  # the username is stored NFKC-normalized
            assert user.username == unicodedata.normalize("NFKC", form["account-username"])
            assert user.role == Role.THERAPIST
            assert not PatientProfile.objects.filter(user=user).exists()
        else:
            assert response.status_code == 400
            event("refused")
            assert snapshot() == before

    @FUZZ
    @given(data=st.data())
    def test_clinic_assign(self, data: st.DataObject) -> None:
        self.login(self.ada)
        form = data.draw(mixed(self.care_form(prefix="")))
        before = snapshot()
        response = self.client.post(f"/clinic/patients/{self.pim_profile.pk}/", form)
        profile = PatientProfile.objects.get(pk=self.pim_profile.pk)
        if response.status_code == 302:
            event("accepted")
            assert profile.therapist is not None
            assert profile.therapist.role == Role.THERAPIST
            assert profile.arm in {"embct", "mbct"}
            assert 0 <= profile.feedback_weekday <= 6
        else:
            assert response.status_code == 200
            event("refused")
            assert response.context["form"].errors
            assert snapshot() == before

    @FUZZ
    @given(user_id=st.integers(-5, 10**30))
    def test_clinic_reset_password_ids(self, user_id: int) -> None:
        self.login(self.ada)
        response = self.client.post(f"/clinic/accounts/{user_id}/password/")
        account = User.objects.filter(pk=user_id, role__in=[Role.PATIENT, Role.THERAPIST])
        assert response.status_code == (200 if account.exists() else 404)

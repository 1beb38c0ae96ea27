"""After the retention period nothing of an erased person is left: a scan of every table and
column of the database (by introspection, not a list kept by hand) finds none of their name,
user name, e-mail address or telephone number."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO
from typing import Any

from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from embct import trial
from embct.platform.accounts.models import Role, User
from embct.platform.audit.services import record
from embct.platform.care.models import Message, PatientProfile, SafetyConcern
from embct.platform.questionnaires import early
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.research.models import Screening
from support.testing import PASSWORD, TODAY, BaseTestCase, table_rows

#: With the default 15 years, a study that ended on this day is past its retention (2026).
OLD_STUDY = "2010-06-30"
FIRST, LAST = "Hendrikje", "Zwanenburg"
USERNAME, EMAIL = "hzwanenburg", "hendrikje@zwanenburg.example"
#: The national number, found whatever format it was typed or stored in (+31 6 ..., 06-...).
PHONE = "612345678"
NEEDLES = (FIRST, LAST, USERNAME, EMAIL, PHONE)


def scan(needles: tuple[str, ...] = NEEDLES) -> set[tuple[str, str, str]]:
    """``(table, column, needle)`` for every cell of every table that contains a needle
    (case-insensitive), read with plain SQL so that nothing the ORM hides escapes."""
    hits = set()
    for table, (columns, rows) in table_rows().items():
        for row in rows:
            for column, value in zip(columns, row, strict=True):
                text = _text(value).lower()
                hits.update((table, column, n) for n in needles if n.lower() in text)
    return hits


def _text(value: Any) -> str:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@override_settings(
    PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
    AXES_ENABLE_ACCESS_FAILURE_LOG=True,  # off by default; shredded all the same when on
)
class RetentionScanTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # The public screening, then the eligibility call; never randomized.
        form = {str(i): "2" for i in range(1, 15)}
        form.update(form_token=str(uuid.uuid4()), contact=f"0{PHONE}")
        assert self.client.post("/screening/", form).status_code == 200
        screening = Screening.objects.get()
        self.login(self.rosa)
        criteria = {c.id: "yes" if c.kind == "inclusion" else "no" for c in trial.CRITERIA}
        eligibility = f"/research/screenings/{screening.pk}/eligibility/"
        assert self.client.post(eligibility, criteria).status_code == 302
        self.client.logout()
        # The clinic's account for the same person, and an administrator's change to it.
        self.person = User.objects.create_user(
            USERNAME, EMAIL, PASSWORD, role=Role.PATIENT, first_name=FIRST, last_name=LAST
        )
        self.profile = PatientProfile.objects.create(
            user=self.person,
            therapist=self.tessa,
            start_date=TODAY - timedelta(days=15),
            course=self.course,
        )
        LogEntry.objects.log_actions(  # what Django admin writes on a change
            self.ada.pk, [self.person], CHANGE, change_message=f"Changed e-mail to {EMAIL}."
        )
        # A login, then wrong passwords (django-axes' log, attempts and failures).
        login = {"username": USERNAME, "password": PASSWORD}
        assert self.client.post("/login/", login).status_code == 302
        self.client.logout()
        assert self.client.post("/login/", {**login, "password": "wrong"}).status_code == 200
        # Care: a message, a diary entry, a flag acknowledged with a note, reads of the record.
        Message.objects.create(patient=self.profile, author=self.tessa, body=f"Dear {FIRST}")
        early.refresh_flags([self.profile], TODAY)  # no practice in 15 days
        self.diary(self.profile, 1, text=f"{FIRST} {LAST} practised")
        flag = FlagRecord.objects.filter(patient=self.profile).first()
        assert flag is not None
        self.login(self.tessa)
        note = f"phoned {FIRST} {LAST} on 0{PHONE}"
        response = self.client.post(f"/flags/{flag.pk}/acknowledge/", {"note": note})
        assert response.status_code == 302
        assert self.client.get(f"/patients/{self.profile.pk}/").status_code == 200
        concern = f"{FIRST} {LAST} talks of ending it; her number is 0{PHONE}"
        response = self.client.post(f"/patients/{self.profile.pk}/concern/", {"note": concern})
        assert response.status_code == 302
        self.login(self.sam)
        concern_id = SafetyConcern.objects.get().pk
        reply = f"Called {FIRST} on 0{PHONE}"
        response = self.client.post(f"/concerns/{concern_id}/acknowledge/", {"reply": reply})
        assert response.status_code == 302
        # Tessa's private note about her, and a feedback draft she has not sent.
        self.login(self.tessa)
        memo = f"{FIRST} {LAST} mentioned her sister; call 0{PHONE} if she misses a week"
        response = self.client.post(f"/patients/{self.profile.pk}/notes/", {"text": memo})
        assert response.status_code == 302
        draft = {"body": f"Dear {FIRST}, about 0{PHONE}"}
        response = self.client.post(f"/patients/{self.profile.pk}/draft/", draft)
        assert response.status_code == 302
        record(self.person, "privacy.self_export", self.profile, email=EMAIL, name=FIRST)

    def run_retention(self) -> None:
        call_command("retention", "--study-end", OLD_STUDY, stdout=StringIO())

    def test_the_scan_reads_every_models_table(self) -> None:
        tables = set(connection.introspection.table_names())
        for model in apps.get_models(include_auto_created=True):
            assert model._meta.db_table in tables, model

    def test_before_retention_the_scan_finds_the_person_where_they_are(self) -> None:
        tables = {table for table, _column, _needle in scan()}
        assert {
            "accounts_user",
            "research_screening",
            "questionnaires_flagrecord",
            "axes_accesslog",
            "axes_accessattempt",
            "axes_accessfailurelog",
            "django_admin_log",
            "care_message",
            "care_diaryentry",
            "care_safetyconcern",
            "care_therapistmemo",
            "care_feedbackdraft",
            "audit_auditevent",
        } <= tables

    def test_after_retention_nothing_of_the_person_is_left_anywhere(self) -> None:
        self.run_retention()
        assert scan() == set()

    def test_staff_keep_their_names(self) -> None:
        self.run_retention()
        tessa = User.objects.get(pk=self.tessa.pk)
        assert (tessa.username, tessa.email) == ("tessa", "tessa@example.org")
        assert FlagRecord.objects.filter(patient=self.profile, acknowledged_by=self.tessa)

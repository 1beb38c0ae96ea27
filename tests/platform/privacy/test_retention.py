"""``embct manage retention``: per-category pseudonymization and erasure after the retention
period, checked on the rows and on the audit log."""

from __future__ import annotations

import json
import uuid
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.admin.models import CHANGE, LogEntry
from django.core.management import CommandError, call_command
from django.test import override_settings

from embct.platform.accounts.models import User
from embct.platform.audit.models import AuditEvent
from embct.platform.audit.services import record
from embct.platform.care.models import DiaryEntry, Message
from embct.platform.privacy.shredders import REDACTED, pseudonym
from embct.platform.questionnaires.models import FlagRecord
from embct.platform.research.models import Screening
from support.testing import BaseTestCase

#: With the default 15 years, a study that ended on this day is past its retention (2026).
OLD_STUDY = "2010-06-30"


class RetentionTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.diary(self.pim_profile, 1, thoughts="afraid of the scan", text="my sister came")
        Message.objects.create(patient=self.pim_profile, author=self.tessa, body="Dear Pim")
        record(self.tessa, "patient.view", self.pim_profile, note="asked about the scan")
        record(self.pim, "privacy.self_export", self.pim_profile)
        self.staff_event = record(self.ada, "account.create", self.tessa)  # no details

    def run_command(self, *args: str) -> str:
        out = StringIO()
        call_command("retention", *args, stdout=out)
        return out.getvalue()

    def snapshot(self) -> list:
        return [
            list(User.objects.order_by("pk").values_list("username", "first_name", "email")),
            list(DiaryEntry.objects.values_list("body", "thoughts", "text")),
            list(Message.objects.values_list("body", flat=True)),
            list(AuditEvent.objects.order_by("pk").values_list("actor_name", "details")),
        ]

    def test_before_the_period_ends_it_changes_nothing(self) -> None:
        before = self.snapshot()
        with pytest.raises(CommandError, match=r"runs until 2035-06-30; nothing changed"):
            self.run_command("--study-end", "2020-06-30")
        assert self.snapshot() == before

    def test_a_dry_run_counts_and_changes_nothing(self) -> None:
        before = self.snapshot()
        out = self.run_command("--study-end", OLD_STUDY, "--dry-run")
        assert "accounts: 2 row(s) would be pseudonymized" in out
        assert "diaries: 1 row(s) would be erased" in out
        assert "messages: 1 row(s) would be erased" in out
        assert "audit: 2 row(s) would be pseudonymized" in out
        assert self.snapshot() == before

    def test_it_pseudonymizes_accounts_and_erases_free_text_but_keeps_research_data(self) -> None:
        self.run_command("--study-end", OLD_STUDY)
        pim = User.objects.get(pk=self.pim.pk)
        assert (pim.username, pim.first_name, pim.email) == (pseudonym(self.pim.pk), "", "")
        assert not pim.is_active
        assert not pim.has_usable_password()
        tessa = User.objects.get(pk=self.tessa.pk)
        assert (tessa.username, tessa.email) == ("tessa", "tessa@example.org")  # staff kept
        entry = DiaryEntry.objects.get()
        assert (entry.body, entry.thoughts, entry.text, entry.minutes) == ("", "", "", 10)
        assert list(Message.objects.values_list("body", flat=True)) == [""]

    def test_it_redacts_the_audit_log_but_keeps_who_did_what_when(self) -> None:
        self.run_command("--study-end", OLD_STUDY)
        rows = list(
            AuditEvent.objects.order_by("pk").values_list("actor_name", "action", "details")
        )
        assert rows[:3] == [
            ("tessa", "patient.view", REDACTED),
            (pseudonym(self.pim.pk), "privacy.self_export", {}),
            ("ada", "account.create", {}),
        ]
        run = AuditEvent.objects.get(action="privacy.retention")
        assert run.details["counts"] == {
            "accounts": 2,
            "diaries": 1,
            "messages": 1,
            "audit": 2,
            "screenings": 0,
            "flags": 0,
            "concerns": 0,
            "therapist_memos": 0,
            "login_logs": 0,
            "admin_history": 0,
        }
        assert "pim" not in json.dumps(list(AuditEvent.objects.values_list("actor_name")))

    def test_a_second_run_finds_nothing_left(self) -> None:
        self.run_command("--study-end", OLD_STUDY)
        out = self.run_command("--study-end", OLD_STUDY, "--dry-run")
        for category in ("accounts", "diaries", "messages", "audit"):
            assert f"{category}: 0 row(s)" in out
        self.run_command("--study-end", OLD_STUDY)
        runs = AuditEvent.objects.filter(action="privacy.retention").order_by("pk")
        assert [run.details["counts"]["diaries"] for run in runs] == [1, 0]

    def test_it_exports_what_it_is_about_to_erase(self) -> None:
        export = Path(self.enterContext(_tmpdir())) / "erased.json"
        self.run_command("--study-end", OLD_STUDY, "--export", str(export))
        data = json.loads(export.read_text(encoding="utf-8"))
        assert data["diaries"][0]["thoughts"] == "afraid of the scan"
        assert data["messages"][0]["body"] == "Dear Pim"
        assert {row["username"] for row in data["accounts"]} == {"pim", "olga"}
        assert data["audit"][0]["details"] == {"note": "********"}
        with pytest.raises(CommandError, match="exists"):
            self.run_command("--study-end", OLD_STUDY, "--export", str(export))

    @override_settings(EMBCT_RETENTION={"messages": "delete", "accounts": "keep", "years": 20})
    def test_categories_follow_the_configuration(self) -> None:
        with pytest.raises(CommandError, match="runs until 2030-06-30"):
            self.run_command("--study-end", OLD_STUDY)
        self.run_command("--study-end", "2005-01-01")
        assert not Message.objects.exists()
        assert User.objects.get(pk=self.pim.pk).username == "pim"

    @override_settings(EMBCT_RETENTION={"admin_history": "delete", "screenings": "keep"})
    def test_login_logs_and_admin_history_go_and_notes_are_blanked(self) -> None:
        AccessLog.objects.create(username="pim", ip_address="10.0.0.1", user_agent="x")
        AccessAttempt.objects.create(
            username="pim", ip_address="10.0.0.1", user_agent="x", failures_since_start=1
        )
        AccessFailureLog.objects.create(username="pim", ip_address="10.0.0.1", user_agent="x")
        LogEntry.objects.log_actions(self.ada.pk, [self.pim], CHANGE, change_message="pim")
        flag = FlagRecord.objects.create(
            patient=self.pim_profile, code="c", occurrence="o", title="t", explanation="e"
        )
        FlagRecord.objects.filter(pk=flag.pk).update(note="Pim is moving house")
        screening = Screening.objects.create(
            answers={}, total=12, invited=True, contact="+31612345678", form_token=uuid.uuid4()
        )
        out = self.run_command("--study-end", OLD_STUDY, "--dry-run")
        assert "login_logs: 3 row(s) would be deleted" in out
        assert "admin_history: 1 row(s) would be deleted" in out
        assert "flags: 1 row(s) would be erased" in out
        assert "screenings" not in out
        self.run_command("--study-end", OLD_STUDY)
        for model in (AccessLog, AccessAttempt, AccessFailureLog, LogEntry):
            assert not model.objects.exists(), model
        assert FlagRecord.objects.get(pk=flag.pk).note == ""
        assert Screening.objects.get(pk=screening.pk).contact == "+31612345678"  # kept

    def test_bad_configuration_and_dates_are_clear_errors(self) -> None:
        before = self.snapshot()
        with pytest.raises(CommandError, match="'2010-13-01' is not a date"):
            self.run_command("--study-end", "2010-13-01")
        for config, message in (
            ({"diaries": "pseudonymize"}, "'pseudonymize' is not one of erase, keep"),
            ({"letters": "erase"}, "unknown key"),
            ({"years": "ten"}, "is not a whole"),
        ):
            with (
                override_settings(EMBCT_RETENTION=config),
                pytest.raises(CommandError, match=message),
            ):
                self.run_command("--study-end", OLD_STUDY)
        assert self.snapshot() == before


def _tmpdir():  # type: ignore[no-untyped-def]
    import tempfile

    return tempfile.TemporaryDirectory()

"""The audit log itself: append-only for the application and for the database (triggers on
SQLite and PostgreSQL), redaction through its one path, masking of sensitive details, and the
``record`` API with its closed set of actions."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory, override_settings

from embct.platform.audit.models import Action, AppendOnlyError, AuditEvent, AuditRedaction
from embct.platform.audit.redaction import redact
from embct.platform.audit.services import MASK, describe_target, mask, record, record_each
from support.testing import NOW, BaseTestCase

#: The trigger's refusal, or PostgreSQL's own for an application role without the privilege.
REFUSED = "append-only|permission denied"


class RecordTests(BaseTestCase):
    def request(self, user: object, ip: str = "192.0.2.7") -> object:
        request = RequestFactory().get("/patients/1/", REMOTE_ADDR=ip)
        request.user = user
        return request

    def test_it_records_who_what_when_and_from_where(self) -> None:
        record(self.request(self.tessa), "patient.view", self.pim_profile)
        event = AuditEvent.objects.get()
        assert (event.actor_id, event.actor_name, event.role) == (
            self.tessa.pk,
            "tessa",
            "therapist",
        )
        assert (event.action, event.target_type, event.target_id) == (
            "patient.view",
            "patient",
            str(self.pim_profile.pk),
        )
        assert (event.ip, event.at) == ("192.0.2.7", NOW)

    def test_it_masks_sensitive_details_at_any_depth(self) -> None:
        event = record(
            self.ada,
            "account.password_reset",
            self.pim,
            password="hunter2-secret",
            changes={"email": "pim@example.org", "role": "patient"},
            rows=3,
        )
        event.refresh_from_db()
        assert event.details == {
            "password": MASK,
            "changes": {"email": MASK, "role": "patient"},
            "rows": 3,
        }
        assert "hunter2" not in str(AuditEvent.objects.values_list("details", flat=True)[0])

    def test_a_user_or_nobody_can_be_the_actor(self) -> None:
        by_user = record(self.ada, "account.create", ("account", 12))
        by_system = record(None, "privacy.retention")
        assert (by_user.actor_name, by_user.ip, by_user.target_id) == ("ada", None, "12")
        assert (by_system.actor_id, by_system.actor_name, by_system.target_type) == (None, "", "")

    def test_record_each_writes_one_event_per_distinct_target(self) -> None:
        events = record_each(
            self.sam, "supervision.view", [self.pim_profile, self.olga_profile, self.pim_profile]
        )
        assert len(events) == 2
        assert set(AuditEvent.objects.values_list("target_id", flat=True)) == {
            str(self.pim_profile.pk),
            str(self.olga_profile.pk),
        }

    def test_bad_action_and_target_are_refused(self) -> None:
        with pytest.raises(ValueError, match="1 to 40 characters"):
            record(self.ada, "")
        with pytest.raises(TypeError, match="model instance or a"):
            record(self.ada, "trial.export", "allocation 12")
        assert not AuditEvent.objects.exists()

    def test_an_action_outside_the_closed_set_is_refused(self) -> None:
        with pytest.raises(ValueError, match="not one of the audit actions"):
            record(self.ada, "patient.peek", self.pim_profile)
        assert not AuditEvent.objects.exists()
        assert record(self.ada, Action.PATIENT_VIEW, self.pim_profile).action == "patient.view"

    def test_behind_a_trusted_proxy_the_address_comes_from_x_forwarded_for(self) -> None:
        def ip(remote: str, forwarded: str) -> str | None:
            request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
            request.user = self.tessa
            return record(request, "patient.view", self.pim_profile).ip

        assert ip("203.0.113.9", "192.0.2.1") == "203.0.113.9"  # not a proxy: header ignored
        with override_settings(EMBCT_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.2"]):
            assert ip("127.0.0.1", "192.0.2.1") == "192.0.2.1"
            assert ip("127.0.0.1", "6.6.6.6, 192.0.2.1, 10.0.0.2") == "192.0.2.1"
            assert ip("127.0.0.1", "not-an-address") == "127.0.0.1"
            assert ip("127.0.0.1", "") == "127.0.0.1"

    def test_masking_and_targets_without_a_database(self) -> None:
        assert mask({"Api-Key": "x", "nested": [{"diary_text": "sad"}], "when": NOW}) == {
            "Api-Key": MASK,
            "nested": [{"diary_text": MASK}],
            "when": str(NOW),
        }
        assert mask({"password": ""}) == {"password": ""}  # nothing to hide
        assert describe_target(self.course) == ("course.course", str(self.course.pk))


class AppendOnlyTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.event = record(self.tessa, "patient.view", self.pim_profile, week=3)

    def test_save_refuses_an_update(self) -> None:
        self.event.action = "account.create"
        with pytest.raises(AppendOnlyError):
            self.event.save()
        assert AuditEvent.objects.get().action == "patient.view"

    def test_delete_and_queryset_changes_are_refused(self) -> None:
        with pytest.raises(AppendOnlyError):
            self.event.delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.filter(pk=self.event.pk).delete()
        with pytest.raises(AppendOnlyError):
            AuditEvent.objects.update(action="x")
        assert AuditEvent.objects.get().action == "patient.view"

    def test_redact_changes_details_and_actor_name_only(self) -> None:
        redact([(self.event.pk, {}, "p-1")], reason="retention")
        event = AuditEvent.objects.get()
        assert (event.details, event.actor_name, event.action) == ({}, "p-1", "patient.view")

    def test_redaction_is_no_queryset_method(self) -> None:
        assert not hasattr(AuditEvent.objects, "redact")
        assert not hasattr(AuditEvent.objects.all(), "redact")

    def test_a_redaction_leaves_a_closed_record_of_itself(self) -> None:
        other = record(self.tessa, "patient.view", self.olga_profile, week=4)
        count = redact(
            [(self.event.pk, {"redacted": "retention"}, "tessa"), (other.pk, {}, "tessa")],
            reason="retention",
        )
        assert count == 2
        assert list(AuditRedaction.objects.values_list("reason", "events", "open")) == [
            ("retention", 2, False)
        ]

    def test_the_database_rejects_update_and_delete(self) -> None:
        for sql in (
            "UPDATE audit_auditevent SET action = 'forged'",
            "UPDATE audit_auditevent SET details = '{}'",
            "DELETE FROM audit_auditevent",
        ):
            with pytest.raises(DatabaseError, match=REFUSED):
                raw(sql)
        assert AuditEvent.objects.get().action == "patient.view"

    def test_the_database_lets_redaction_change_nothing_but_details(self) -> None:
        with pytest.raises(DatabaseError, match=REFUSED):
            raw(
                "INSERT INTO audit_auditredaction (at, reason, events, open)"
                " VALUES (CURRENT_TIMESTAMP, 'forged', 0, TRUE)",
                "UPDATE audit_auditevent SET action = 'forged', details = '{}'",
            )
        redact([(self.event.pk, {"redacted": "retention"}, "tessa")], reason="retention")
        with pytest.raises(DatabaseError, match=REFUSED):  # the permission ended
            raw("UPDATE audit_auditevent SET details = '{}'")
        event = AuditEvent.objects.get()
        assert (event.action, event.details) == ("patient.view", {"redacted": "retention"})

    def test_the_record_of_a_redaction_cannot_be_removed_or_reopened(self) -> None:
        redact([(self.event.pk, {}, "tessa")], reason="retention")
        for sql in (
            "DELETE FROM audit_auditredaction",
            "UPDATE audit_auditredaction SET open = TRUE",
            "UPDATE audit_auditredaction SET reason = 'nothing happened'",
        ):
            with pytest.raises(DatabaseError, match=REFUSED):
                raw(sql)
        assert list(AuditRedaction.objects.values_list("reason", "open")) == [("retention", False)]


def raw(*statements: str) -> None:
    """Run SQL behind the application's back, in a savepoint the test survives."""
    with transaction.atomic(), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def test_the_actions_fit_the_column_and_every_call_names_one() -> None:
    """The closed set: codes fit ``action`` (40), and every ``record``/``record_each`` call in
    the platform names a member (``Action.X``) or one of their codes."""
    import re
    from pathlib import Path

    import embct.platform

    assert all(len(a.value) <= 40 for a in Action)
    assert len({a.value for a in Action}) == len(Action)
    call = re.compile(r"\brecord(?:_each)?\(\s*[^,()]+,\s*(\"[^\"]*\"|[A-Za-z_.]+)")
    codes = {f'"{a.value}"' for a in Action} | {f"Action.{a.name}" for a in Action}
    found = []
    for path in Path(embct.platform.__file__).parent.rglob("*.py"):
        for match in call.finditer(path.read_text(encoding="utf-8")):
            found.append((path.name, match.group(1)))
    assert found, "the checker found no calls at all"
    variables = {"action", "self.action"}  # a parameter holding one of them
    assert [f for f in found if f[1] not in codes and f[1] not in variables] == []

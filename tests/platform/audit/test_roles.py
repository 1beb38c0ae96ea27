"""The audit trail under the two PostgreSQL roles (README, "Two PostgreSQL roles"), and the
test harness's own flush past the guards.

CI's PostgreSQL run connects as a role that holds only INSERT and SELECT on the audit table
(``DATABASE_URL``) and migrates as the owner (``DATABASE_MIGRATION_URL``); there the
database itself refuses UPDATE, DELETE, TRUNCATE and ALTER.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from embct.platform.audit.models import AuditEvent
from embct.platform.audit.redaction import redact
from embct.platform.audit.roles import grant_statements, owner_settings
from embct.platform.audit.services import record

restricted = pytest.mark.skipif(
    connection.vendor != "postgresql" or owner_settings() is None,
    reason="needs PostgreSQL with DATABASE_MIGRATION_URL (the restricted application role)",
)


def refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as caught, transaction.atomic(), connection.cursor() as c:
        c.execute(sql)
    return str(caught.value)


@restricted
@pytest.mark.django_db
def test_the_application_role_may_not_change_or_remove_the_trail() -> None:
    event = record(None, "privacy.retention", ("run", 1), rows=3)
    for sql in (
        "UPDATE audit_auditevent SET action = 'forged'",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
        "DROP TABLE audit_auditevent",
        "INSERT INTO audit_auditredaction (at, reason, events, open)"
        " VALUES (now(), 'forged', 0, true)",
        "DELETE FROM audit_auditredaction",
    ):
        message = refused(sql)
        assert "permission denied" in message or "must be owner" in message, (sql, message)
    assert AuditEvent.objects.get().details == {"rows": 3}
    # ... and may redact through the one path only, which leaves its record.
    assert redact([(event.pk, {"redacted": "retention"}, "")], reason="retention") == 1
    assert AuditEvent.objects.get().details == {"redacted": "retention"}


@restricted
@pytest.mark.django_db
def test_the_application_runs_as_another_role_than_the_tables_owner() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, tableowner FROM pg_tables WHERE tablename = %s",
            ["audit_auditevent"],
        )
        user, owner = cursor.fetchone()
    assert user == connection.settings_dict["USER"] != owner


def test_the_grants_give_the_audit_tables_insert_and_select_only() -> None:
    sql = grant_statements('app"role')
    assert 'REVOKE ALL ON audit_auditevent, audit_auditredaction FROM "app""role"' in sql
    assert 'GRANT SELECT, INSERT ON audit_auditevent TO "app""role"' in sql
    assert 'GRANT SELECT ON audit_auditredaction TO "app""role"' in sql
    assert not [s for s in sql if "audit_" in s and ("UPDATE" in s or "DELETE" in s)]
    out = StringIO()
    call_command("audit_roles", "--print", stdout=out)
    assert "GRANT SELECT, INSERT ON audit_auditevent TO" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_committed_event_stays_committed() -> None:
    record(None, "privacy.retention", ("run", 1))
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_harness_flushed_the_trail_between_transactional_tests() -> None:
    assert not AuditEvent.objects.exists()
    record(None, "privacy.retention", ("run", 2))
    with pytest.raises(DatabaseError, match=r"append-only|permission denied"):
        connection.cursor().execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == 1  # the guards are back after the flush

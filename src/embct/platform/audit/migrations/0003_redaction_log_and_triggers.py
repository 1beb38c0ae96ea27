"""The redaction log, and the database refusing to rewrite the audit trail on every backend.

SQLite: triggers refuse every DELETE of an audit event and every UPDATE, except an UPDATE
that leaves id, time, action, actor id, role, target and address alone while an
``audit_auditredaction`` row is open (:mod:`embct.platform.audit.redaction`). The redaction
log itself refuses DELETE and any UPDATE but closing an open row.

PostgreSQL: the trigger of 0002 now checks the same open row instead of a session setting,
which any role could set; ``audit_redact()`` (SECURITY DEFINER) is the one way to redact for
an application role that holds only INSERT and SELECT on the table (README, "Two
PostgreSQL roles"; the grants are ``embct manage audit_roles``).

A later migration that rebuilds either table on SQLite (Django copies it into a new table)
drops these triggers: it must create them again (``tests/platform/audit`` checks they exist).
"""

from django.db import migrations, models
import django.utils.timezone

IMMUTABLE = ("id", "at", "action", "actor_id", "role", "target_type", "target_id", "ip")

SQLITE_FORWARD = [
    """CREATE TRIGGER audit_auditevent_no_delete BEFORE DELETE ON audit_auditevent
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_auditevent_no_update BEFORE UPDATE ON audit_auditevent
    WHEN NOT EXISTS (SELECT 1 FROM audit_auditredaction WHERE open)
      OR """
    + " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in IMMUTABLE)
    + """
    BEGIN SELECT RAISE(ABORT, 'audit_auditevent is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_auditredaction_no_delete BEFORE DELETE ON audit_auditredaction
    BEGIN SELECT RAISE(ABORT, 'audit_auditredaction is append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_auditredaction_close_only BEFORE UPDATE ON audit_auditredaction
    WHEN NOT OLD.open OR NEW.open OR NEW.id IS NOT OLD.id OR NEW.at IS NOT OLD.at
      OR NEW.reason IS NOT OLD.reason
    BEGIN SELECT RAISE(ABORT, 'audit_auditredaction is append-only: UPDATE refused'); END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditevent_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditevent_no_update",
    "DROP TRIGGER IF EXISTS audit_auditredaction_no_delete",
    "DROP TRIGGER IF EXISTS audit_auditredaction_close_only",
]

POSTGRES_FORWARD = (
    """
CREATE OR REPLACE FUNCTION audit_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
       AND EXISTS (SELECT 1 FROM audit_auditredaction WHERE open)
       AND """
    + "\n       AND ".join(f"NEW.{c} IS NOT DISTINCT FROM OLD.{c}" for c in IMMUTABLE)
    + """ THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION audit_auditredaction_close_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.open AND NOT NEW.open AND NEW.id = OLD.id
       AND NEW.at = OLD.at AND NEW.reason = OLD.reason THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_auditredaction is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditredaction_close_only
    BEFORE UPDATE OR DELETE ON audit_auditredaction
    FOR EACH ROW EXECUTE FUNCTION audit_auditredaction_close_only();

CREATE OR REPLACE FUNCTION audit_redact(reason text, changes jsonb) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    permit bigint;
    change jsonb;
    hit integer;
    total integer := 0;
BEGIN
    INSERT INTO audit_auditredaction (at, reason, events, open)
        VALUES (now(), reason, 0, true) RETURNING id INTO permit;
    FOR change IN SELECT value FROM jsonb_array_elements(changes) LOOP
        UPDATE audit_auditevent
            SET details = change -> 'details', actor_name = change ->> 'actor_name'
            WHERE id = (change ->> 'id')::bigint;
        GET DIAGNOSTICS hit = ROW_COUNT;
        total := total + hit;
    END LOOP;
    UPDATE audit_auditredaction SET open = false, events = total WHERE id = permit;
    RETURN total;
END;
$$;
REVOKE ALL ON FUNCTION audit_redact(text, jsonb) FROM PUBLIC;
"""
)

POSTGRES_BACKWARD = """
DROP FUNCTION IF EXISTS audit_redact(text, jsonb);
DROP TRIGGER IF EXISTS audit_auditredaction_close_only ON audit_auditredaction;
DROP FUNCTION IF EXISTS audit_auditredaction_close_only();
"""


class VendorRunSQL(migrations.RunSQL):
    """RunSQL for one database vendor; nothing on the others."""

    def __init__(self, vendor, sql, reverse_sql):  # type: ignore[no-untyped-def]
        super().__init__(sql, reverse_sql)
        self.vendor = vendor

    def database_forwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):  # type: ignore[no-untyped-def]
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [
        migrations.CreateModel(
            name="AuditRedaction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                ("reason", models.CharField(max_length=40)),
                ("events", models.PositiveIntegerField(default=0)),
                ("open", models.BooleanField(default=True)),
            ],
            options={"ordering": ["-at", "-pk"]},
        ),
        VendorRunSQL("sqlite", SQLITE_FORWARD, SQLITE_BACKWARD),
        VendorRunSQL("postgresql", POSTGRES_FORWARD, POSTGRES_BACKWARD),
    ]

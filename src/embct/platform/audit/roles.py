"""Two PostgreSQL roles: an owner that migrates, and the application, which may only INSERT
and SELECT on the audit trail.

``DATABASE_URL`` is the application's role; ``DATABASE_MIGRATION_URL`` (settings:
``EMBCT_DATABASE_OWNER``) the owner's, on the same database. ``embct manage migrate`` runs as
the owner and then grants the application role what it needs (:func:`grant_application_role`,
also ``embct manage audit_roles``): everything on the platform's tables, but on the audit
tables only SELECT and INSERT (events) and SELECT (the redaction log), and EXECUTE on
``audit_redact()``, the one way to redact. As the application role, UPDATE, DELETE,
TRUNCATE and ALTER of the audit table are refused by PostgreSQL itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connections

#: The owner's connection settings that replace the application's (NAME stays, so the same
#: code serves the test database).
CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
AUDIT_TABLES = ("audit_auditevent", "audit_auditredaction")


def owner_settings() -> dict[str, object] | None:
    """The owner role's connection settings, or None when there is only one role."""
    owner = getattr(settings, "EMBCT_DATABASE_OWNER", None)
    return dict(owner) if owner else None


@contextmanager
def as_owner(alias: str = "default") -> Iterator[bool]:
    """Connect ``alias`` as the owner role for the block (yields whether it did).

    The connection is closed before and after, so it must not be inside a transaction.
    """
    owner = owner_settings()
    connection = connections[alias]
    if owner is None or connection.vendor != "postgresql":
        yield False
        return
    if _APPLICATION_USER in connection.settings_dict:  # already the owner (nested)
        yield True
        return
    saved = {key: connection.settings_dict.get(key) for key in CREDENTIALS}
    connection.close()
    connection.settings_dict.update({key: owner.get(key) for key in CREDENTIALS})
    connection.settings_dict[_APPLICATION_USER] = saved["USER"]
    try:
        yield True
    finally:
        connection.close()
        del connection.settings_dict[_APPLICATION_USER]
        connection.settings_dict.update(saved)


_APPLICATION_USER = "EMBCT_APPLICATION_USER"


def application_role(alias: str = "default") -> str:
    """The role ``DATABASE_URL`` logs in as, also inside an :func:`as_owner` block."""
    settings_dict = connections[alias].settings_dict
    return str(settings_dict.get(_APPLICATION_USER, settings_dict["USER"]))


def grant_statements(role: str, quote: object = None) -> list[str]:
    """The SQL that gives ``role`` the application's privileges (idempotent)."""
    q = quote if callable(quote) else (lambda name: '"' + name.replace('"', '""') + '"')
    r = q(role)
    audit = ", ".join(AUDIT_TABLES)
    return [
        f"GRANT USAGE ON SCHEMA public TO {r}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r}",
        f"REVOKE ALL ON {audit} FROM {r}",
        f"GRANT SELECT, INSERT ON audit_auditevent TO {r}",
        f"GRANT SELECT ON audit_auditredaction TO {r}",
        f"GRANT EXECUTE ON FUNCTION audit_redact(text, jsonb) TO {r}",
    ]


def grant_application_role(role: str, alias: str = "default") -> list[str]:
    """Run :func:`grant_statements` on ``alias`` (connected as the owner); returns them."""
    connection = connections[alias]
    statements = grant_statements(role, connection.ops.quote_name)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return statements

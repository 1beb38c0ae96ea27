"""``embct manage audit_roles``: give the application role its privileges again (``migrate``
does this itself), or print the SQL for a database administrator."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections

from embct.platform.audit.roles import (
    application_role,
    as_owner,
    grant_application_role,
    grant_statements,
)


class Command(BaseCommand):
    help = (
        "Grant DATABASE_URL's role the application's privileges on PostgreSQL: all on the "
        "platform's tables, only INSERT and SELECT on the audit trail. Runs as "
        "DATABASE_MIGRATION_URL's role; --print shows the SQL instead."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--database", default="default")
        parser.add_argument("--print", action="store_true", help="print the SQL, run nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        role = application_role(alias)
        if options["print"]:
            for sql in grant_statements(role or "embct_app"):
                self.stdout.write(f"{sql};")
            return
        if connections[alias].vendor != "postgresql":
            raise CommandError("audit_roles is for PostgreSQL; SQLite has one role (triggers)")
        with as_owner(alias) as owner:
            if not owner:
                raise CommandError(
                    "set DATABASE_MIGRATION_URL to the owner role (README, Two PostgreSQL roles)"
                )
            for sql in grant_application_role(role, alias):
                self.stdout.write(f"{sql};")

"""``migrate`` as the owner role when ``DATABASE_MIGRATION_URL`` is set, then the grants for
the application role (:mod:`embct.platform.audit.roles`). Without it, Django's own."""

from __future__ import annotations

from typing import Any

from django.core.management.commands import migrate

from embct.platform.audit.roles import application_role, as_owner, grant_application_role


class Command(migrate.Command):
    help = migrate.Command.help + " As DATABASE_MIGRATION_URL's role when it is set."

    def handle(self, *args: Any, **options: Any) -> None:
        alias = options["database"]
        role = application_role(alias)
        with as_owner(alias) as owner:
            super().handle(*args, **options)
            if owner and role:
                grant_application_role(role, alias)

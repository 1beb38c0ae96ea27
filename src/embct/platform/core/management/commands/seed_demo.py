"""Create the demo clinic (accounts, patients with diaries and feedback, an MBCT group) and,
beside it, the demo trial (embct.platform.core.demo_trial) where they are missing; existing
data is kept. Load a course first; the trial also needs a randomization seed (`embct demo`
sets the demo's)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from embct.platform.accounts.models import Role, User
from embct.platform.core.demo import seed_clinic
from embct.platform.core.demo_trial import seed_trial
from embct.platform.course.models import Course
from embct.platform.security.demo import give_demo_code

#: (username, role, first name, last name). Passwords are printed; they are for a local demo.
DEMO_ACCOUNTS = [
    ("therapist", Role.THERAPIST, "Tessa", "Demo (therapist)"),
    ("patient", Role.PATIENT, "Pim", "Demo (patient)"),
    ("researcher", Role.RESEARCHER, "Rosa", "Demo (researcher)"),
    ("admin", Role.ADMIN, "Ada", "Demo (administrator)"),
]
DEMO_PASSWORD_SUFFIX = "-demo-2026"  # noqa: S105 (printed demo logins, refused in production)


class Command(BaseCommand):
    help = "Create the demo accounts (only where missing) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="where the demo is served, for the login address it prints",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not getattr(settings, "EMBCT_DEMO_ALLOWED", False):
            raise CommandError("demo accounts are refused in production settings")
        accounts_before = User.objects.count()
        with transaction.atomic():
            for username, role, first, last in DEMO_ACCOUNTS:
                user, was_created = User.objects.get_or_create(
                    username=username,
                    defaults={"role": role, "first_name": first, "last_name": last},
                )
                if was_created:
                    user.set_password(username + DEMO_PASSWORD_SUFFIX)
                    if role == Role.ADMIN:
                        user.is_staff = user.is_superuser = True
                    user.save()
            clinic = seed_clinic(DEMO_PASSWORD_SUFFIX) if Course.objects.exists() else []
        screened = self._trial() if clinic else 0
        created = User.objects.count() - accounts_before
        self.stdout.write(f"Demo clinic ready ({created} accounts created, existing data kept).")
        if not clinic:
            self.stdout.write("No course is loaded, so no patients were seeded (load_course).")
        elif screened:
            self.stdout.write(f"Demo trial entered: {screened} people screened.")
        login = options["url"].rstrip("/") + "/login/"
        self.stdout.write(f"Log in at {login} with (DEMO DATA ONLY):")
        logins = {username: (str(role.label), username) for username, role, _f, _l in DEMO_ACCOUNTS}
        for label, username, _password in clinic:
            logins[username] = (label, username)
        codes = _demo_codes(list(logins))
        wide = max(len(label) for label, _ in logins.values())
        long = max(len(username) for username in logins)
        for label, username in logins.values():
            line = f"  {label:<{wide}} {username:<{long}} {username}{DEMO_PASSWORD_SUFFIX}"
            if username in codes:
                line += f"  second factor: {codes[username]}"
            self.stdout.write(line.rstrip())

    def _trial(self) -> int:
        """The demo trial, when a randomization seed is configured (else say so)."""
        if settings.EMBCT_RANDOMIZATION_SEED is None:
            self.stdout.write(
                "No randomization seed is configured, so the demo trial was not entered "
                "(`embct demo` sets the demo's seed)."
            )
            return 0
        return seed_trial(User.objects.get(username="researcher"))


def _demo_codes(usernames: list[str]) -> dict[str, str]:
    """Printed second-factor codes for the demo's staff accounts (patients need none)."""
    staff = User.objects.filter(username__in=usernames).exclude(role=Role.PATIENT)
    with transaction.atomic():
        return {user.username: give_demo_code(user) for user in staff}

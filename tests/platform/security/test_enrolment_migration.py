"""Existing accounts on upgrade: staff who already have a device, or have logged in before,
count as having had a second factor (a password alone no longer enrols one for them); a
staff account that never logged in still enrols at its first login."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

DEVICES = [("otp_totp", "0003_add_timestamps"), ("otp_static", "0003_add_timestamps")]
BEFORE = [("security", "0001_account_state"), *DEVICES]
AFTER = [("security", "0002_had_second_factor"), *DEVICES]


@pytest.mark.django_db(transaction=True)
def test_existing_staff_count_as_having_had_a_second_factor() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    User = apps.get_model("accounts", "User")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    with_app = User.objects.create(username="with_app", role="therapist")
    TOTPDevice.objects.create(user=with_app, name="a", confirmed=True, key="00" * 20)
    with_codes = User.objects.create(username="with_codes", role="researcher")
    StaticDevice.objects.create(user=with_codes, name="b", confirmed=True)
    # an administrator who logged in before, and whose device was deleted
    User.objects.create(username="reset", role="admin", last_login=timezone.now())
    User.objects.create(username="new", role="therapist")
    User.objects.create(username="patient", role="patient", last_login=timezone.now())

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    had = set(
        apps.get_model("security", "AccountState")
        .objects.filter(had_second_factor=True)
        .values_list("user__username", flat=True)
    )
    assert had == {"with_app", "with_codes", "reset"}  # not "new" (never logged in), "patient"
    executor.loader.build_graph()
    MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())

"""Accounts that already have a confirmed device, or are staff who have logged in before,
count as having had a second factor: a password alone no longer enrols a new one for them."""

from django.db import migrations
from django.db.models import Q


def mark(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AccountState = apps.get_model("security", "AccountState")
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticDevice = apps.get_model("otp_static", "StaticDevice")
    with_device = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    with_device |= set(StaticDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    staff = Q(role__in=["therapist", "researcher", "admin"]) | Q(is_staff=True) | Q(is_superuser=True)
    logged_in_staff = User.objects.filter(staff, last_login__isnull=False)
    for user_id in with_device | set(logged_in_staff.values_list("pk", flat=True)):
        AccountState.objects.update_or_create(user_id=user_id, defaults={"had_second_factor": True})


class Migration(migrations.Migration):
    dependencies = [
        ("security", "0001_account_state"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]

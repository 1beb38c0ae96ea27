"""Django admin's device pages, with every deletion of a second-factor device audited (in the
deletion's own transaction). django-otp registers the pages; this replaces them by audited
subclasses. (Each change there also needs a recent password: AdminChangeNeedsRecentPassword
middleware.)"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django_otp.models import Device
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from embct.platform.audit.models import Action
from embct.platform.audit.services import record


def _record_deletion(request: HttpRequest, devices: list[Device]) -> None:
    for device in devices:
        record(
            request,
            Action.DEVICE_DELETE,
            ("account", device.user_id),
            device=type(device).__name__,
            name=device.name,
        )


class AuditedDeletion:
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            _record_deletion(request, [obj])
            super().delete_model(request, obj)  # type: ignore[misc]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            _record_deletion(request, list(queryset))
            super().delete_queryset(request, queryset)  # type: ignore[misc]


class AuditedTOTPDeviceAdmin(AuditedDeletion, TOTPDeviceAdmin):
    pass


class AuditedStaticDeviceAdmin(AuditedDeletion, StaticDeviceAdmin):
    pass


for model, model_admin in (
    (TOTPDevice, AuditedTOTPDeviceAdmin),
    (StaticDevice, AuditedStaticDeviceAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)

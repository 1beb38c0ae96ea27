"""The administrator's pages (Django admin, for users with the admin role only): create
therapists and patients, assign therapist, arm, start date and feedback day, reset passwords
(on the user's page), link supervisors."""

from typing import Any

from django.contrib import admin
from django.db import transaction

from embct.platform.audit.models import Action
from embct.platform.audit.services import record

from . import services
from .models import PatientProfile, Supervision


@admin.register(PatientProfile)
class PatientProfileAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "user",
        "therapist",
        "arm",
        "start_date",
        "feedback_weekday",
        "group",
    )
    list_filter = ("arm", "therapist", "feedback_weekday")
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)
    fields = ("user", "therapist", "arm", "start_date", "feedback_weekday", "course", "group")

    def save_model(self, request: Any, obj: PatientProfile, form: Any, change: bool) -> None:
        services.save_assignment(form, by=request)  # a new therapist is a reassignment


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    """Who supervises whom; every link made, changed or removed is audited (in the admin's
    transaction), on the supervised therapist's account."""

    list_display = ("therapist", "supervisor")

    def save_model(self, request: Any, obj: Supervision, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if form.changed_data:
            _record_link(request, obj, "changed" if change else "added")

    def delete_model(self, request: Any, obj: Supervision) -> None:
        with transaction.atomic():
            _record_link(request, obj, "removed")
            super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: Any) -> None:
        with transaction.atomic():
            for link in queryset.select_related("therapist"):
                _record_link(request, link, "removed")
            super().delete_queryset(request, queryset)


def _record_link(request: Any, link: Supervision, change: str) -> None:
    record(
        request,
        Action.SUPERVISION_LINK,
        link.therapist,
        change=change,
        supervisor=link.supervisor_id,
        therapist=link.therapist_id,
    )

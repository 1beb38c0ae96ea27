"""The audit log in Django admin (read only), and Django admin's own reads audited.

:func:`audit_admin_reads` wraps every model's list and change page on a site: a list page
writes one ``admin.list`` event per row it shows, a change page one ``admin.view`` event for
the record it opens. The audit log's own pages write one event per page, not per row.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db import NotSupportedError
from django.http import HttpRequest, HttpResponse

from .models import Action, AuditEvent, AuditRedaction
from .services import record, record_each

AUDITED_VIEWS = {"changelist_view", "change_view"}


class ReadOnlyAdmin(admin.ModelAdmin):
    """Nobody adds, changes or deletes these rows by hand (the database refuses as well)."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read only: the log is written by the application, never edited by hand."""

    list_display = ("at", "actor_name", "role", "action", "target_type", "target_id", "ip")
    list_filter = ("action", "role", "target_type")
    search_fields = ("actor_name", "target_id")
    date_hierarchy = "at"

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        # A lookup the database cannot run (``details__contains`` on SQLite) is a wrong
        # filter: Django admin answers it with the list and its "?e=1" notice, not a 500.
        try:
            return super().get_changelist_instance(request)
        except NotSupportedError as error:
            raise IncorrectLookupParameters(str(error)) from error


@admin.register(AuditRedaction)
class AuditRedactionAdmin(ReadOnlyAdmin):
    """Read only: each redaction of the log after the retention period, kept for good."""

    list_display = ("at", "reason", "events", "open")


def record_admin_read(
    request: HttpRequest, model_admin: admin.ModelAdmin, view: str, response: HttpResponse
) -> None:
    """The events for one list or change page that Django admin rendered."""
    context = getattr(response, "context_data", None)
    if response.status_code != 200 or not context:
        return
    model = model_admin.model._meta
    if view == "change_view" and context.get("original") is not None:
        record(request, Action.ADMIN_VIEW, context["original"])
    elif view == "changelist_view" and context.get("cl") is not None:
        if model.app_label == "audit":  # reading the log: one event, not one per event
            record(request, Action.ADMIN_LIST, (model.label_lower, ""))
        else:
            record_each(request, Action.ADMIN_LIST, list(context["cl"].result_list))


def audit_admin_reads(site: admin.AdminSite) -> None:
    """Make every model's list and change page on ``site`` audit what it shows."""
    admin_view = site.admin_view

    def audited_admin_view(view: Callable[..., HttpResponse], cacheable: bool = False) -> Any:
        inner = admin_view(view, cacheable)
        model_admin = getattr(view, "__self__", None)
        name = getattr(view, "__name__", "")
        if name not in AUDITED_VIEWS or not isinstance(model_admin, admin.ModelAdmin):
            return inner

        @wraps(inner)
        def view_and_record(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = inner(request, *args, **kwargs)
            record_admin_read(request, model_admin, name, response)
            return response

        return view_and_record

    site.admin_view = audited_admin_view  # type: ignore[method-assign,assignment]


audit_admin_reads(admin.site)

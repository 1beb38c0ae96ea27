from __future__ import annotations

from typing import Any

from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read only: the log is written by the application, never edited by hand."""

    list_display = ("at", "actor_name", "role", "action", "target_type", "target_id", "ip")
    list_filter = ("action", "role", "target_type")
    search_fields = ("actor_name", "target_id")
    date_hierarchy = "at"

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False

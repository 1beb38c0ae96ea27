from django.contrib import admin

from .models import Course


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    """Read only: a course changes by loading its folder (``load_course``)."""

    list_display = ("title", "slug", "version", "language", "demo", "loaded_at")

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

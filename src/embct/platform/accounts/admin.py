from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _

from embct.platform.audit.models import Action
from embct.platform.audit.services import record
from embct.platform.lib.reauth import recent_auth_required
from embct.platform.security.services import mark_temporary_password

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "email",
        "first_name",
        "last_name",
        "role",
        "language",
        "is_active",
    )
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Role and language"), {"fields": ("role", "language")}),
    )
    # New accounts get the site's default language; it is changed on the account's page.
    add_fieldsets = (*BaseUserAdmin.add_fieldsets, (_("Role"), {"fields": ("role",)}))

    def save_model(self, request: Any, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if not change and obj.has_usable_password():  # set by an administrator: temporary
            mark_temporary_password(obj)
        if not change or "role" in form.changed_data:
            old = form.initial.get("role") if change else None
            record(request, Action.ROLE_CHANGE, obj, old=old, new=obj.role)
        # Django admin saves in one transaction, groups and permissions (save_related) too.
        changed = [name for name in PERMISSION_FIELDS if name in form.changed_data]
        if change and changed:
            new = {name: _plain(form.cleaned_data.get(name)) for name in changed}
            record(request, Action.PERMISSION_CHANGE, obj, changed=changed, new=new)

    # Adding an account or changing its role, flags or password needs a recent password entry.
    changeform_view = method_decorator(recent_auth_required())(BaseUserAdmin.changeform_view)

    @method_decorator(recent_auth_required())
    def user_change_password(self, request: Any, id: str, form_url: str = "") -> Any:
        """Django's page; a password an administrator sets for someone else is a temporary
        one (changed at their first login, expired after 7 days), and audited."""
        with transaction.atomic():
            account = self.get_object(request, unquote(id))
            before = account.password if account is not None else None
            response = super().user_change_password(request, id, form_url)
            if account is not None and account.pk != request.user.pk:
                account.refresh_from_db(fields=["password"])
                if account.password != before and account.has_usable_password():
                    mark_temporary_password(account)
                    record(request, Action.PASSWORD_RESET, account, temporary=True)
        return response


#: The fields of an account that grant or take away access.
PERMISSION_FIELDS = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


def _plain(value: Any) -> Any:
    """A form value as JSON: booleans stay, querysets become sorted names."""
    if isinstance(value, bool) or value is None:
        return value
    return sorted(str(item) for item in value)


def _admin_role_only(request: object) -> bool:
    """Django admin is for active staff accounts with the admin role, never for a therapist
    or researcher who happens to carry ``is_staff``."""
    user = request.user  # type: ignore[attr-defined]
    return bool(user.is_active and user.is_staff and getattr(user, "role", None) == "admin")


admin.site.has_permission = _admin_role_only  # type: ignore[method-assign]
admin.site.site_header = _("embct administration")

# SPDX-License-Identifier: EUPL-1.2
"""Django admin for administrators: users (with audit), organisations and history read-only.

Users with the role *administrator* may use the admin without being superusers; every user
change made here is recorded in the audit history. Organisations are edited in the app,
which asks for a reason, so they are read-only here.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from staat.core import audit, permissions
from staat.core.models import AuditEvent, Organisation, User

USER_FIELDS = ("username", "email", "first_name", "last_name", "role", "organisation",
               "is_active", "is_staff", "is_superuser")


class AdministratorsMayView(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        return permissions.is_administrator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return permissions.is_administrator(request.user) or super().has_view_permission(request, obj)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = BaseUserAdmin.fieldsets + (("Staat", {"fields": ("role", "organisation")}),)
    list_display = ("username", "email", "role", "organisation", "is_active")
    list_filter = ("role", "is_active")

    def _allowed(self, request) -> bool:
        return permissions.is_administrator(request.user)

    def has_module_permission(self, request):
        return self._allowed(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return self._allowed(request) or super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request) or super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        before = audit.snapshot(User.objects.get(pk=obj.pk), USER_FIELDS) if change else {}
        super().save_model(request, obj, form, change)
        after = audit.snapshot(obj, USER_FIELDS)
        audit.record(request.user, "update" if change else "create", obj,
                     changes=audit.diff(before, after), reason="admin")

    def delete_model(self, request, obj):
        audit.record(request.user, "delete", obj, changes={}, reason="admin")
        super().delete_model(request, obj)


@admin.register(Organisation)
class OrganisationAdmin(AdministratorsMayView):
    list_display = ("code", "name", "short_name", "type", "ministry", "is_fictional")
    list_filter = ("type", "is_fictional")
    search_fields = ("code", "name", "short_name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(AdministratorsMayView):
    list_display = ("at", "actor_name", "action", "object_type", "object_repr")
    list_filter = ("action", "object_type")

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

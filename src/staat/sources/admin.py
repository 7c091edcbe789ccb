# SPDX-License-Identifier: EUPL-1.2
"""Sources in Django's admin: for looking up, not for changing.

Changes go through the app (edit and delete pages), which ask for a reason and record the
audit history; the admin would bypass both, so it is read-only here.
"""

from __future__ import annotations

from django.contrib import admin

from staat.core import permissions
from staat.sources.models import Passage, Source


class _ReadOnlyForAdministrators(admin.ModelAdmin):
    def has_module_permission(self, request) -> bool:
        if permissions.is_administrator(request.user):
            return True
        return super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        if permissions.is_administrator(request.user):
            return True
        return super().has_view_permission(request, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PassageInline(admin.TabularInline):
    model = Passage
    fields = ("index", "page_start", "page_end", "heading_path", "kind", "text")
    readonly_fields = fields
    extra = 0
    show_change_link = False
    can_delete = False
    max_num = 0

    def has_view_permission(self, request, obj=None) -> bool:
        if permissions.is_administrator(request.user):
            return True
        return super().has_view_permission(request, obj)


@admin.register(Source)
class SourceAdmin(_ReadOnlyForAdministrators):
    list_display = ("title", "kind", "year", "status", "file_format", "page_count", "created_at")
    list_filter = ("status", "kind", "year", "file_format", "organisations")
    search_fields = ("title", "original_filename", "sha256", "authors", "institution")
    date_hierarchy = "created_at"
    readonly_fields = (
        "sha256", "original_filename", "file_format", "size_bytes", "kind", "title", "authors",
        "institution", "publication_date", "year", "language", "summary", "organisations",
        "status", "page_count", "segmenter_version", "uploaded_by", "created_at", "updated_at",
    )
    exclude = ("text", "metadata")
    inlines = [PassageInline]

# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin

from staat.editions.models import Edition, EditionItem


class EditionItemInline(admin.TabularInline):
    model = EditionItem
    extra = 0
    fields = ("section", "order", "kind", "key", "heading")


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "status", "build_status", "built_at")
    readonly_fields = ("build_status", "build_progress", "build_step", "build_log", "built_at",
                       "output_path")
    inlines = [EditionItemInline]

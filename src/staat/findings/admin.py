# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin

from staat.findings.models import (
    Codebook,
    CodebookVersion,
    ExtractionRun,
    Finding,
    FindingDecision,
    Memo,
    Theme,
)


@admin.register(Finding)
class FindingAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "kind", "status", "origin", "confidence", "needs_review")
    list_filter = ("kind", "status", "origin", "needs_review")
    raw_id_fields = ("source", "passage", "run", "coder", "decided_by")
    readonly_fields = ("machine_suggestion", "latest_suggestion", "explanation")


@admin.register(FindingDecision)
class FindingDecisionAdmin(admin.ModelAdmin):
    list_display = ("finding", "action", "by_name", "at")
    readonly_fields = [f.name for f in FindingDecision._meta.fields]

    def has_change_permission(self, request, obj=None):
        return False


admin.site.register(Codebook)
admin.site.register(Theme)
admin.site.register(CodebookVersion)
admin.site.register(ExtractionRun)
admin.site.register(Memo)

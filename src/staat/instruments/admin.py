# SPDX-License-Identifier: EUPL-1.2
"""Admin for public material only: definitions and waves. Microdata (respondents, responses,
submissions, import problems) is deliberately not registered here."""

from django.contrib import admin

from staat.instruments.models import Instrument, Wave


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ("code", "version", "title", "origin", "is_current", "created_at")
    list_filter = ("origin", "is_current")
    readonly_fields = ("definition_hash", "created_at")


@admin.register(Wave)
class WaveAdmin(admin.ModelAdmin):
    list_display = ("name", "instrument", "year", "period", "ends_on", "is_open")
    list_filter = ("year", "is_open")

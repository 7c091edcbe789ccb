# SPDX-License-Identifier: EUPL-1.2
"""An edition of the Staat (one per year) and the ordered items that go in it.

An :class:`EditionItem` refers to what it shows generically (``kind`` + ``key`` + ``params``):
a thread key, a call id, a finding id, a chart code, an instrument result reference or a
free text. The builder resolves references at build time, so an item whose target has gone
(a merged thread, a rejected finding) is reported in the build log instead of breaking it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Edition(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    class BuildStatus(models.TextChoices):
        NONE = "", _("Never built")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Building")
        DONE = "done", _("Built")
        FAILED = "failed", _("Failed")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.DRAFT)
    intro = models.TextField(_("introduction"), blank=True)
    closing = models.TextField(_("closing text"), blank=True)
    selection_edited = models.BooleanField(
        _("selection edited by a person"), default=False,
        help_text=_("Until a person changes the selection, every build recomputes the default "
                    "selection from the data."),
    )
    build_status = models.CharField(_("build status"), max_length=16, blank=True,
                                    choices=BuildStatus.choices, default=BuildStatus.NONE)
    build_progress = models.PositiveSmallIntegerField(_("build progress (%)"), default=0)
    build_step = models.CharField(_("build step"), max_length=200, blank=True)
    build_log = models.TextField(_("build log"), blank=True)
    built_at = models.DateTimeField(_("last built"), null=True, blank=True)
    output_path = models.CharField(_("output folder"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")

    def __str__(self) -> str:
        return self.title or str(self.year)

    def get_absolute_url(self) -> str:
        return reverse("editions:editor", args=[self.year])

    @property
    def is_building(self) -> bool:
        return self.build_status in (self.BuildStatus.QUEUED, self.BuildStatus.RUNNING)


class ItemKind(models.TextChoices):
    THREAD = "thread", _("Common thread")
    CALL = "call", _("Call to action")
    FINDING = "finding", _("Finding")
    TEXT = "text", _("Text")
    CHART = "chart", _("Chart")
    INSTRUMENT_RESULT = "instrument_result", _("Instrument result")


class Section(models.TextChoices):
    WAT_GOED_GAAT = "wat-goed-gaat", _("What goes well")
    RODE_DRADEN = "rode-draden", _("Common threads")
    OPROEPEN = "oproepen", _("Calls to action")
    TERUGBLIK = "terugblik", _("Looking back")
    METINGEN = "metingen", _("Measurements")
    OVERIG = "overig", _("Other")


#: The order of the sections in the site and the PDF ("what goes well" first).
SECTION_ORDER = tuple(Section.values)


class EditionItem(models.Model):
    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("kind"), max_length=20, choices=ItemKind.choices)
    key = models.CharField(
        _("reference"), max_length=200, blank=True,
        help_text=_("Thread key, call id, finding id, chart code or instrument result reference."),
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    section = models.CharField(_("section"), max_length=20, choices=Section.choices,
                               default=Section.RODE_DRADEN)
    order = models.PositiveIntegerField(_("order"), default=0)
    heading = models.CharField(_("heading"), max_length=300, blank=True,
                               help_text=_("Leave empty to use the thread's or call's own."))
    text = models.TextField(_("text"), blank=True,
                            help_text=_("Your own words above the item (plain text)."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["edition", "order", "id"]
        verbose_name = _("edition item")
        verbose_name_plural = _("edition items")

    def __str__(self) -> str:
        return f"{self.edition.year} {self.section} {self.kind}:{self.key}"

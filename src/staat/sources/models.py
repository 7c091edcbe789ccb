# SPDX-License-Identifier: EUPL-1.2
"""Sources (documents), their pages, passages and sentences.

The normalised plain text of a source is kept once (``Source.text``); pages, passages and
sentences are half-open character offsets into it. ``Passage.text`` and
``Passage.search_terms`` are caches derived from that text (rebuilt by the segmenter).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staat.core.models import Organisation


class SourceKind(models.TextChoices):
    STAND = "stand", _("Stand van de Uitvoering")
    KNELPUNTENBRIEF = "knelpuntenbrief", _("Bottleneck letter (knelpuntenbrief)")
    ONDERZOEK = "onderzoek", _("Study (onderzoek)")
    ADVIES = "advies", _("Advisory report (advies)")
    SESSIEVERSLAG = "sessieverslag", _("Session notes (sessieverslag)")
    OVERIG = "overig", _("Other")


class SourceStatus(models.TextChoices):
    DRAFT = "draft", _("Unpublished")
    PUBLISHED = "published", _("Published")


class FileFormat(models.TextChoices):
    PDF = "pdf", "PDF"
    DOCX = "docx", "DOCX"
    ODT = "odt", "ODT"
    HTML = "html", "HTML"
    MARKDOWN = "markdown", "Markdown"
    TEXT = "text", _("Plain text")


class SourceQuerySet(models.QuerySet):
    def visible_to(self, user) -> SourceQuerySet:
        """Published sources for everyone; drafts for researchers and own-organisation contributors."""
        from staat.core import permissions

        if permissions.is_researcher(user):
            return self
        published = models.Q(status=SourceStatus.PUBLISHED)
        if getattr(user, "is_authenticated", False) and user.is_contributor and user.organisation_id:
            own = models.Q(organisations=user.organisation_id)
            return self.filter(published | own).distinct()
        return self.filter(published)

    def editable_by(self, user) -> SourceQuerySet:
        from staat.core import permissions

        if permissions.is_researcher(user):
            return self
        if getattr(user, "is_authenticated", False) and user.is_contributor and user.organisation_id:
            return self.filter(organisations=user.organisation_id).distinct()
        return self.none()


class Source(models.Model):
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    original_filename = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=16, choices=FileFormat.choices)
    size_bytes = models.PositiveBigIntegerField(_("size in bytes"))
    kind = models.CharField(_("kind"), max_length=20, choices=SourceKind.choices,
                            default=SourceKind.STAND, db_index=True)
    title = models.CharField(_("title"), max_length=500)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    institution = models.CharField(_("institution"), max_length=300, blank=True)
    publication_date = models.DateField(_("publication date"), null=True, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True, db_index=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("organisations"), blank=True, related_name="sources"
    )
    status = models.CharField(_("status"), max_length=16, choices=SourceStatus.choices,
                              default=SourceStatus.DRAFT, db_index=True)
    page_count = models.PositiveIntegerField(_("pages"), default=0)
    text = models.TextField(_("text"), blank=True)
    segmenter_version = models.CharField(max_length=32, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("added"), auto_now_add=True)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "title", "id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("sources:detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.status == SourceStatus.PUBLISHED


class Page(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()

    class Meta:
        ordering = ["source", "number"]
        constraints = [models.UniqueConstraint(fields=["source", "number"], name="page_unique")]


class Passage(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="passages")
    index = models.PositiveIntegerField()
    heading_path = models.JSONField(default=list, blank=True)
    kind = models.CharField(max_length=16, default="paragraph")
    page_start = models.PositiveIntegerField()
    page_end = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    text = models.TextField()
    search_terms = models.TextField(blank=True)

    class Meta:
        ordering = ["source", "index"]
        constraints = [models.UniqueConstraint(fields=["source", "index"], name="passage_unique")]

    def __str__(self) -> str:
        return f"{self.source_id}#{self.index}"

    @property
    def heading(self) -> str:
        return " › ".join(self.heading_path)

    def get_absolute_url(self) -> str:
        return reverse("sources:detail", args=[self.source_id]) + f"#passage-{self.index}"


class Sentence(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="sentences")
    passage = models.ForeignKey(Passage, on_delete=models.CASCADE, related_name="sentences")
    index = models.PositiveIntegerField()
    page = models.PositiveIntegerField()
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()

    class Meta:
        ordering = ["source", "index"]
        constraints = [models.UniqueConstraint(fields=["source", "index"], name="sentence_unique")]

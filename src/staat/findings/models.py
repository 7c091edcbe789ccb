# SPDX-License-Identifier: EUPL-1.2
"""Findings, the codebook, extraction runs, decisions, memos and independent coding.

Offsets are half-open character offsets into ``Source.text`` (like passages and sentences).
The machine's suggestion and every human decision are both kept: ``Finding.machine_suggestion``
holds what the extractor proposed, ``FindingDecision`` rows hold who decided what, when and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from staat.core.models import Organisation
from staat.sources.models import Passage, Source


class Kind(models.TextChoices):
    KNELPUNT = "knelpunt", _("Bottleneck (knelpunt)")
    LICHTPUNT = "lichtpunt", _("Bright spot (lichtpunt)")
    OPROEP = "oproep", _("Call to action (oproep)")
    DILEMMA = "dilemma", _("Dilemma")


class Origin(models.TextChoices):
    MACHINE = "machine", _("Machine")
    PERSON = "person", _("Person")


class Status(models.TextChoices):
    SUGGESTED = "suggested", _("Suggested")
    CONFIRMED = "confirmed", _("Confirmed")
    EDITED = "edited", _("Edited")
    REJECTED = "rejected", _("Rejected")


DECIDED = (Status.CONFIRMED, Status.EDITED, Status.REJECTED)
ACCEPTED = (Status.CONFIRMED, Status.EDITED)


# --- codebook ---------------------------------------------------------------------------


class Codebook(models.Model):
    slug = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("codebook")
        verbose_name_plural = _("codebooks")

    def __str__(self) -> str:
        return self.name

    def latest_version(self) -> CodebookVersion | None:
        return self.versions.order_by("-number").first()


class Theme(models.Model):
    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(_("code"), max_length=64,
                            help_text=_("Stable identifier; never changes once used."))
    label_nl = models.CharField(_("label (Dutch)"), max_length=200)
    label_en = models.CharField(_("label (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey("self", verbose_name=_("parent theme"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="children")
    retired = models.BooleanField(_("retired"), default=False,
                                  help_text=_("No longer offered for new codings; old codings keep it."))
    order = models.PositiveIntegerField(_("order"), default=0)
    cues = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["codebook", "code"], name="theme_code_unique")
        ]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        from django.utils.translation import get_language

        if (get_language() or "nl").startswith("en") and self.label_en:
            return self.label_en
        return self.label_nl


class CodebookVersion(models.Model):
    """An immutable snapshot of all themes of a codebook at one moment."""

    codebook = models.ForeignKey(Codebook, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(default=list)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["codebook", "-number"]
        constraints = [models.UniqueConstraint(fields=["codebook", "number"],
                                               name="codebook_version_unique")]
        verbose_name = _("codebook version")
        verbose_name_plural = _("codebook versions")

    def __str__(self) -> str:
        return f"{self.codebook.slug} v{self.number}"

    def save(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).exists():
            raise ValueError("a codebook version is immutable")
        super().save(*args, **kwargs)


# --- extraction ---------------------------------------------------------------------------


class ExtractionRun(models.Model):
    class RunStatus(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    extractor_name = models.CharField(max_length=100, blank=True)
    extractor_version = models.CharField(max_length=100, blank=True, db_index=True)
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    force = models.BooleanField(default=False)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sources_total = models.PositiveIntegerField(default=0)
    sources_done = models.PositiveIntegerField(default=0)
    sources_skipped = models.PositiveIntegerField(default=0)  # already read with this version
    sentences = models.PositiveIntegerField(default=0)
    findings_created = models.PositiveIntegerField(default=0)
    findings_updated = models.PositiveIntegerField(default=0)
    findings_removed = models.PositiveIntegerField(default=0)
    findings_linked = models.PositiveIntegerField(
        default=0, help_text="proposals that matched a finding a person had decided on"
    )
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("extraction run")
        verbose_name_plural = _("extraction runs")

    def __str__(self) -> str:
        return f"run {self.pk} ({self.extractor_version})"

    @property
    def progress_percent(self) -> int:
        if not self.sources_total:
            return 100 if self.status == self.RunStatus.DONE else 0
        return round(100 * self.sources_done / self.sources_total)

    @property
    def is_active(self) -> bool:
        return self.status in (self.RunStatus.QUEUED, self.RunStatus.RUNNING)


class SourceExtraction(models.Model):
    """That ``source`` (with this content) was extracted with ``extractor_version``: the idempotency key."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="extractions")
    extractor_version = models.CharField(max_length=100)
    content_key = models.CharField(max_length=120)
    run = models.ForeignKey(ExtractionRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="source_extractions")
    at = models.DateTimeField(auto_now=True)
    candidates = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "extractor_version"],
                                               name="source_extraction_unique")]


# --- findings ------------------------------------------------------------------------------


class FindingQuerySet(models.QuerySet):
    def visible_to(self, user) -> FindingQuerySet:
        """Researchers see every finding; everyone else confirmed or edited findings of
        published sources only (not machine suggestions, not rejected findings, no drafts)."""
        from staat.core import permissions
        from staat.sources.models import SourceStatus

        if permissions.is_researcher(user):
            return self
        return self.filter(status__in=ACCEPTED, source__status=SourceStatus.PUBLISHED)


class Finding(models.Model):
    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="findings")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, db_index=True)
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    page = models.PositiveIntegerField(_("page"), null=True, blank=True)
    passage = models.ForeignKey(Passage, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="findings")
    sentence_first = models.PositiveIntegerField(null=True, blank=True)
    sentence_last = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField(_("text"))
    confidence = models.FloatField(_("confidence"), null=True, blank=True, db_index=True)
    themes = models.ManyToManyField("Theme", through="FindingTheme", related_name="findings",
                                    verbose_name=_("themes"))
    laws = models.JSONField(_("laws"), default=list, blank=True)
    organisations = models.ManyToManyField(Organisation, blank=True, related_name="findings",
                                           verbose_name=_("organisations named"))
    mentions = models.JSONField(default=list, blank=True)
    explanation = models.JSONField(default=dict, blank=True)
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices,
                              default=Origin.MACHINE, db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.SUGGESTED, db_index=True)
    needs_review = models.BooleanField(_("needs review"), default=False, db_index=True)
    machine_suggestion = models.JSONField(default=dict, blank=True)
    latest_suggestion = models.JSONField(
        default=dict, blank=True,
        help_text="what the most recent extractor run proposed for this finding, if anything",
    )
    codebook_version = models.ForeignKey(CodebookVersion, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="findings")
    extractor_version = models.CharField(max_length=100, blank=True)
    seen_in_version = models.CharField(max_length=100, blank=True)
    run = models.ForeignKey(ExtractionRun, null=True, blank=True, on_delete=models.SET_NULL,
                            related_name="findings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="coded_findings")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = FindingQuerySet.as_manager()

    class Meta:
        ordering = ["source", "char_start", "id"]
        indexes = [
            models.Index(fields=["source", "char_start"]),
            # refresh_review_flags after every extraction: finds the few rows to change
            # without reading the whole table
            models.Index(fields=["status", "needs_review", "confidence"],
                         name="finding_review_flags"),
        ]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.text[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("findings:detail", args=[self.pk])

    @property
    def is_decided(self) -> bool:
        return self.status in DECIDED or self.origin == Origin.PERSON

    @property
    def theme_codes(self) -> list[str]:
        return sorted(ft.theme.code for ft in self.finding_themes.all())


class FindingTheme(models.Model):
    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="finding_themes")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="finding_themes")
    score = models.FloatField(null=True, blank=True)
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-score", "theme__order"]
        constraints = [models.UniqueConstraint(fields=["finding", "theme"],
                                               name="finding_theme_unique")]


class FindingDecision(models.Model):
    class Action(models.TextChoices):
        CONFIRM = "confirm", _("confirmed")
        EDIT = "edit", _("edited")
        REJECT = "reject", _("rejected")
        CREATE = "create", _("created")

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="decisions")
    action = models.CharField(max_length=16, choices=Action.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="finding_decisions")
    by_name = models.CharField(max_length=150, blank=True)
    at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    codebook_version = models.ForeignKey(CodebookVersion, null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["finding", "at", "id"]


# --- memos ----------------------------------------------------------------------------------


class Memo(models.Model):
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="memos")
    finding = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="memos")
    theme = models.ForeignKey(Theme, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="memos")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                               related_name="memos")
    text = models.TextField(_("memo"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                name="memo_one_target",
                condition=(
                    models.Q(source__isnull=False, finding__isnull=True, theme__isnull=True)
                    | models.Q(source__isnull=True, finding__isnull=False, theme__isnull=True)
                    | models.Q(source__isnull=True, finding__isnull=True, theme__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return self.text[:60]


# --- independent coding ----------------------------------------------------------------------


class CodingSession(models.Model):
    """Two or more researchers code one source blind; compared when all have finished."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="coding_sessions")
    title = models.CharField(_("title"), max_length=200, blank=True)
    codebook_version = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT,
                                         related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"{self.source} ({self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("findings:session", args=[self.pk])

    @property
    def all_done(self) -> bool:
        coders = list(self.coders.all())
        return len(coders) >= 2 and all(c.done_at for c in coders)


class SessionCoder(models.Model):
    session = models.ForeignKey(CodingSession, on_delete=models.CASCADE, related_name="coders")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="coding_sessions")
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["coder__username"]
        constraints = [models.UniqueConstraint(fields=["session", "coder"],
                                               name="session_coder_unique")]


class Coding(models.Model):
    session = models.ForeignKey(CodingSession, on_delete=models.CASCADE, related_name="codings")
    coder = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="codings")
    char_start = models.PositiveIntegerField()
    char_end = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    themes = models.ManyToManyField(Theme, blank=True, related_name="codings")
    note = models.TextField(blank=True)
    codebook_version = models.ForeignKey(CodebookVersion, on_delete=models.PROTECT,
                                         related_name="+")
    settled_into = models.ForeignKey(Finding, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="settled_codings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["session", "char_start", "id"]

    def __str__(self) -> str:
        return f"{self.coder}: {self.kind} {self.char_start}-{self.char_end}"

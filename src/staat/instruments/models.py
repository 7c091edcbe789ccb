# SPDX-License-Identifier: EUPL-1.2
"""Instruments, waves, collected and imported responses.

Two kinds of data live here, and they are kept apart:

* **Public material**: :class:`Instrument` (the definition, a YAML text) and :class:`Wave`.
* **Microdata** (personal data, purpose-bound): :class:`Respondent`, :class:`Response`,
  :class:`Submission` and the problems of an :class:`ImportBatch`. Only researchers may read
  or change it (:func:`staat.instruments.permissions.can_use_microdata`; the Django
  permission ``instruments.use_microdata`` is declared for administrators who want to grant
  it through groups). No publication export reads these tables directly: published figures
  come only from :mod:`staat.instruments.results`, which aggregates and applies disclosure
  control. Respondent keys are stored only as HMAC-SHA256 pseudonyms
  (:func:`staat.analysis.disclosure.pseudonymise` with ``settings.PSEUDONYM_SECRET``).
  Retention: ``staat instruments purge --before DATE`` deletes the microdata of waves that
  ended before DATE (recorded in the audit history).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from staat.core.models import Organisation


class Instrument(models.Model):
    """One version of a questionnaire definition (``staat-instrument/1`` YAML)."""

    class Origin(models.TextChoices):
        SHIPPED = "shipped", _("Shipped with Staat")
        UPLOADED = "uploaded", _("Uploaded")

    code = models.SlugField(_("code"), max_length=64)
    version = models.CharField(_("version"), max_length=20)
    title = models.CharField(_("title"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300, blank=True)
    definition = models.TextField(_("definition (YAML)"))
    definition_hash = models.CharField(
        _("definition hash"), max_length=64,
        help_text=_("SHA-256 of the parsed definition: changes only when the meaning changes."))
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices,
                              default=Origin.UPLOADED)
    min_group_size = models.PositiveSmallIntegerField(_("minimum group size"), default=10)
    is_current = models.BooleanField(
        _("current version"), default=True,
        help_text=_("The version used for new waves, forms and the command line."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-is_current", "-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="instrument_code_version"),
        ]
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")

    def __str__(self) -> str:
        return f"{self.display_title} (v{self.version})"

    @property
    def display_title(self) -> str:
        return (self.title_en or self.title) if (get_language() or "nl")[:2] == "en" \
            else self.title

    def get_absolute_url(self) -> str:
        return reverse("instruments:detail", args=[self.code])

    def parsed(self):
        """The definition as :class:`staat.analysis.instrument_schema.Instrument` (cached)."""
        from staat.instruments import definitions

        return definitions.parse_cached(self.definition, f"{self.code}.yaml")


class Wave(models.Model):
    """A round of measurement of one instrument (for example "Voorjaar 2025")."""

    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="waves")
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=60, blank=True,
                              help_text=_("For example 'spring' or '2025-Q1'."))
    ends_on = models.DateField(
        _("end date"), null=True, blank=True,
        help_text=_("When collection closed. Retention counts from this date "
                    "(31 December of the year when empty)."))
    is_open = models.BooleanField(_("open for web forms"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["instrument__code", "-year", "name"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "name"], name="wave_instrument_name"),
        ]
        verbose_name = _("wave")
        verbose_name_plural = _("waves")

    def __str__(self) -> str:
        return self.name

    @property
    def effective_end(self) -> dt.date:
        return self.ends_on or dt.date(self.year, 12, 31)


# --------------------------------------------------------------------------- microdata


class Respondent(models.Model):
    """A pseudonymous respondent: only the HMAC of the key is stored (microdata)."""

    instrument_code = models.SlugField(_("instrument code"), max_length=64)
    key_hash = models.CharField(_("pseudonym"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["instrument_code", "key_hash"],
                                    name="respondent_instrument_pseudonym"),
        ]
        verbose_name = _("respondent (microdata)")
        verbose_name_plural = _("respondents (microdata)")
        default_permissions = ()
        permissions = [("use_microdata", "Can read, import and analyse survey microdata")]

    def __str__(self) -> str:
        return f"{self.instrument_code}:{self.key_hash[:10]}…"


class Response(models.Model):
    """The answers of one respondent in one wave (microdata)."""

    class Origin(models.TextChoices):
        IMPORT = "import", _("Import")
        FORM = "form", _("Web form")

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE,
                                   related_name="responses")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="responses")
    organisation = models.ForeignKey(Organisation, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    answers = models.JSONField(_("answers"), default=dict)
    origin = models.CharField(_("origin"), max_length=8, choices=Origin.choices)
    batch = models.ForeignKey("ImportBatch", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="responses")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["respondent", "wave"], name="response_once_per_wave"),
        ]
        default_permissions = ()
        verbose_name = _("response (microdata)")
        verbose_name_plural = _("responses (microdata)")

    def __str__(self) -> str:
        return f"{self.wave} · {self.respondent}"


class Submission(models.Model):
    """A web form filled in by a signed-in person for an organisation in a wave."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="instrument_submissions")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="submissions")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation", "wave"],
                condition=models.Q(status="submitted"),
                name="submission_once_per_person_organisation_wave",
            ),
        ]
        default_permissions = ()
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")

    def __str__(self) -> str:
        return f"{self.wave} · {self.organisation} · {self.get_status_display()}"


class ImportBatch(models.Model):
    """One import of a microdata file: mapping, problems found and the decision taken."""

    class Status(models.TextChoices):
        MAPPING = "mapping", _("Column mapping")
        CHECKED = "checked", _("Checked, awaiting decision")
        IMPORTED = "imported", _("Imported")
        REJECTED = "rejected", _("Nothing imported")

    class Decision(models.TextChoices):
        NONE = "", _("Not decided")
        VALID_ONLY = "valid-only", _("Import the valid rows")
        ALL = "all", _("Import all rows")
        NOTHING = "nothing", _("Import nothing")

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="imports")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Organisation for every row without an organisation column."))
    file_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(_("format"), max_length=8)
    stored_path = models.CharField(max_length=500, blank=True)
    columns = models.JSONField(_("columns"), default=list, blank=True)
    mapping = models.JSONField(_("mapping"), default=dict, blank=True)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.MAPPING)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices,
                                default=Decision.NONE, blank=True)
    n_rows = models.PositiveIntegerField(_("rows in file"), default=0)
    n_valid = models.PositiveIntegerField(_("valid rows"), default=0)
    n_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        default_permissions = ()
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return f"{self.file_name} → {self.wave}"

    @property
    def n_invalid(self) -> int:
        return self.n_rows - self.n_valid

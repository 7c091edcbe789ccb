# SPDX-License-Identifier: EUPL-1.2
"""Users with a role, the organisation register and the audit history."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    VISITOR = "visitor", _("Visitor")
    CONTRIBUTOR = "contributor", _("Contributor")
    RESEARCHER = "researcher", _("Researcher")
    ADMINISTRATOR = "administrator", _("Administrator")


class OrganisationType(models.TextChoices):
    ZBO = "zbo", _("ZBO (autonomous administrative authority)")
    AGENTSCHAP = "agentschap", _("Executive agency (agentschap)")
    DIENST = "dienst", _("Ministry service (dienst)")
    GEMEENTE = "gemeente", _("Municipality (gemeente)")
    PROVINCIE = "provincie", _("Province (provincie)")
    WATERSCHAP = "waterschap", _("Water authority (waterschap)")
    OVERIG = "overig", _("Other")


class Organisation(models.Model):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    type = models.CharField(_("type"), max_length=16, choices=OrganisationType.choices)
    ministry = models.CharField(_("ministry"), max_length=255, blank=True)
    sector = models.CharField(_("sector"), max_length=255, blank=True)
    is_fictional = models.BooleanField(
        _("fictional"), default=False, help_text=_("Invented for demonstration and tests.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def display_name(self) -> str:
        return f"{self.name} (fictief)" if self.is_fictional else self.name


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.VISITOR)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
        help_text=_("Contributors see the unpublished material of this organisation."),
    )

    def save(self, *args, **kwargs):
        # administrators manage users in Django's admin, which requires staff status
        if self.role == Role.ADMINISTRATOR:
            self.is_staff = True
        super().save(*args, **kwargs)

    @property
    def is_researcher(self) -> bool:
        return self.role in (Role.RESEARCHER, Role.ADMINISTRATOR) or self.is_superuser

    @property
    def is_contributor(self) -> bool:
        return self.role == Role.CONTRIBUTOR

    @property
    def is_administrator(self) -> bool:
        return self.role == Role.ADMINISTRATOR or self.is_superuser


class AuditEvent(models.Model):
    """One create, update or delete (or other action), readable by people in the app."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        OTHER = "other", _("other")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    actor_name = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("object"), max_length=300)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit history")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

# SPDX-License-Identifier: EUPL-1.2
"""Who may do what with instruments. Microdata (responses, imports, results computed from
them) is a separate permission: researchers and administrators only, or a user granted the
Django permission ``instruments.use_microdata`` by an administrator."""

from __future__ import annotations

from staat.core import permissions


def can_use_microdata(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return permissions.is_researcher(user) or user.has_perm("instruments.use_microdata")


def can_manage_instruments(user) -> bool:
    """Upload definitions, open waves."""
    return permissions.is_researcher(user)


def can_fill_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def organisations_for(user):
    """Organisations a person may fill in a form for: their own; researchers any."""
    from staat.core.models import Organisation

    if permissions.is_researcher(user):
        return Organisation.objects.all()
    if getattr(user, "organisation_id", None):
        return Organisation.objects.filter(pk=user.organisation_id)
    return Organisation.objects.none()

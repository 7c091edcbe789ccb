# SPDX-License-Identifier: EUPL-1.2
"""Who may see and change what. One place, so views and commands agree.

- public visitor (anonymous or role ``visitor``): published material only;
- contributor: published material, plus the unpublished material of their own organisation;
  may upload sources for their own organisation;
- researcher: everything, curates;
- administrator: everything, and manages users and the organisation register.
"""

from __future__ import annotations


def is_researcher(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_researcher)


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_administrator)


def can_upload(user) -> bool:
    if is_researcher(user):
        return True
    return bool(
        getattr(user, "is_authenticated", False) and user.is_contributor and user.organisation_id
    )


def can_edit_organisations(user) -> bool:
    return is_researcher(user)


def can_read_audit(user) -> bool:
    return is_researcher(user)

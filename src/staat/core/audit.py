# SPDX-License-Identifier: EUPL-1.2
"""Record who created, changed or deleted what, when and why.

Call :func:`record` inside the same transaction as the change it describes, so the history
and the data never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import models

from staat.core.models import AuditEvent


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool, dict)):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The current values of ``fields`` as JSON-friendly data (many-to-many as sorted lists)."""
    data: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        if field.many_to_many:
            data[name] = sorted(str(o) for o in getattr(obj, name).all()) if obj.pk else []
        else:
            data[name] = _plain(getattr(obj, name))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for every field whose value changed."""
    return {
        k: [before.get(k), after.get(k)]
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    }


def record(
    actor,
    action: str,
    obj: models.Model,
    *,
    changes: dict | None = None,
    reason: str = "",
    object_id: str | None = None,
) -> AuditEvent:
    user = actor if getattr(actor, "is_authenticated", False) else None
    name = (user.get_username() if user else "") or (actor if isinstance(actor, str) else "system")
    return AuditEvent.objects.create(
        actor=user,
        actor_name=name,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(object_id if object_id is not None else obj.pk),
        object_repr=str(obj)[:300],
        changes=changes or {},
        reason=reason,
    )

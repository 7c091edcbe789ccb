# SPDX-License-Identifier: EUPL-1.2
"""Loading organisation registers (reference data and the fictional demo cast) from YAML."""

from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction

from staat.core import audit
from staat.core.models import Organisation, OrganisationType

REFERENCE_FILE = Path(__file__).parent / "data" / "organisations.yaml"
FIELDS = ("name", "short_name", "type", "ministry", "sector", "is_fictional")


class RegisterError(ValueError):
    pass


def read_register(path: Path) -> list[dict]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    rows = data.get("organisations")
    if not isinstance(rows, list):
        raise RegisterError(f"{path.name}: expected a list under 'organisations'")
    valid_types = set(OrganisationType.values)
    seen: set[str] = set()
    for i, row in enumerate(rows, start=1):
        for key in ("code", "name", "type"):
            if not row.get(key):
                raise RegisterError(f"{path.name}: entry {i} has no '{key}'")
        if row["type"] not in valid_types:
            raise RegisterError(
                f"{path.name}: entry {i} ({row['code']}) has unknown type '{row['type']}'"
            )
        if row["code"] in seen:
            raise RegisterError(f"{path.name}: code '{row['code']}' occurs twice")
        seen.add(row["code"])
    return rows


@transaction.atomic
def load_register(
    path: Path, *, fictional: bool = False, overwrite: bool = False, actor="system"
) -> tuple[int, int]:
    """Create organisations from a register file; returns (created, updated).

    Existing entries are left as people edited them, unless ``overwrite`` is set: then the
    file's values win and every change is recorded in the audit history.
    """
    created = updated = 0
    for row in read_register(path):
        values = {k: row.get(k, "") or "" for k in FIELDS if k != "is_fictional"}
        values["is_fictional"] = bool(row.get("is_fictional", fictional))
        org = Organisation.objects.filter(code=row["code"]).first()
        if org is None:
            org = Organisation.objects.create(code=row["code"], **values)
            audit.record(actor, "create", org, changes={k: [None, v] for k, v in values.items()},
                         reason=f"loaded from {path.name}")
            created += 1
            continue
        if not overwrite:
            continue
        before = audit.snapshot(org, values.keys())
        for k, v in values.items():
            setattr(org, k, v)
        changes = audit.diff(before, audit.snapshot(org, values.keys()))
        if changes:
            org.save()
            audit.record(actor, "update", org, changes=changes, reason=f"loaded from {path.name}")
            updated += 1
    return created, updated

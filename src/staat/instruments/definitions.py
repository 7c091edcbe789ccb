# SPDX-License-Identifier: EUPL-1.2
"""Instrument definitions in the database: load the shipped ones, accept uploads.

A definition is stored as its YAML text with the SHA-256 of its *parsed* content (canonical
JSON), so reformatting or comments do not count as a change while any change of meaning
does. A code + version is immutable: a changed definition needs a new version.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path

import yaml
from django.db import transaction

from staat.analysis import instrument_schema as schema
from staat.core import audit


class DefinitionConflict(ValueError):
    """The code and version exist with a different definition."""


@lru_cache(maxsize=64)
def parse_cached(text: str, filename: str) -> schema.Instrument:
    return schema.parse_instrument(text, filename=filename)


def definition_hash(text: str) -> str:
    data = yaml.safe_load(text)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def store(text: str, filename: str, *, origin: str, actor=None):
    """Validate ``text`` and store it as an instrument version.

    Returns ``(instrument, created)``. Raises :class:`~staat.analysis.instrument_schema.
    InstrumentError` (every problem with line and field) or :class:`DefinitionConflict`.
    The new version becomes the current one of its code.
    """
    from staat.instruments.models import Instrument

    parsed = parse_cached(text, filename)
    digest = definition_hash(text)
    with transaction.atomic():
        existing = Instrument.objects.filter(code=parsed.code, version=parsed.version).first()
        if existing is not None:
            if existing.definition_hash != digest:
                raise DefinitionConflict(
                    f"{filename}: instrument '{parsed.code}' version {parsed.version} already "
                    "exists with a different definition; give the changed definition a new "
                    "version number")
            return existing, False
        Instrument.objects.filter(code=parsed.code, is_current=True).update(is_current=False)
        inst = Instrument.objects.create(
            code=parsed.code, version=parsed.version, title=parsed.title.nl,
            title_en=parsed.title.en, definition=text, definition_hash=digest, origin=origin,
            min_group_size=parsed.min_group_size, is_current=True,
            uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
        audit.record(actor or "system", "create", inst,
                     changes={"code": inst.code, "version": inst.version,
                              "definition_hash": digest, "origin": origin})
    return inst, True


def load_shipped(actor=None) -> list[tuple[object, bool]]:
    """Store every shipped definition (``src/staat/instruments/definitions/*.yaml``)."""
    out = []
    for path in sorted(schema.definitions_dir().glob("*.yaml")):
        out.append(store(path.read_text(encoding="utf-8"), path.name,
                         origin="shipped", actor=actor))
    return out


def resolve(spec: str):
    """An instrument for the command line: a path to a YAML file, a loaded code (current
    version) or a shipped code. Returns the parsed instrument."""
    path = Path(spec)
    if spec.endswith((".yaml", ".yml")) or path.is_file():
        return schema.load_instrument(path)
    try:
        from staat.instruments.models import Instrument

        row = Instrument.objects.filter(code=spec, is_current=True).first()
        if row is not None:
            return row.parsed()
    except Exception:  # noqa: BLE001 - no database yet: fall back to the shipped files
        pass
    shipped = schema.load_shipped()
    if spec in shipped:
        return shipped[spec]
    raise KeyError(f"unknown instrument {spec!r} (shipped: {', '.join(sorted(shipped))}; "
                   "or give a path to a YAML file)")

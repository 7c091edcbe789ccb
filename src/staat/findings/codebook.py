# SPDX-License-Identifier: EUPL-1.2
"""The codebook in the database: default themes, edits, nesting, retiring and versions.

Every change makes a new immutable :class:`CodebookVersion` (a JSON snapshot of all themes);
findings, decisions and codings record the version they used.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from staat.core import audit
from staat.findings.models import Codebook, CodebookVersion, Theme

DEFAULT_SLUG = "staat"
THEME_FIELDS = ("code", "label_nl", "label_en", "description", "parent", "retired", "order")


class CodebookError(ValueError):
    pass


def snapshot_of(codebook: Codebook) -> list[dict]:
    return [
        {
            "code": t.code,
            "label_nl": t.label_nl,
            "label_en": t.label_en,
            "description": t.description,
            "parent": t.parent.code if t.parent_id else None,
            "retired": t.retired,
            "order": t.order,
        }
        for t in codebook.themes.select_related("parent").order_by("order", "code")
    ]


def _new_version(codebook: Codebook, user=None, note: str = "") -> CodebookVersion:
    last = codebook.versions.aggregate(n=Max("number"))["n"] or 0
    return CodebookVersion.objects.create(
        codebook=codebook,
        number=last + 1,
        snapshot=snapshot_of(codebook),
        note=note[:300],
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def ensure_codebook() -> Codebook:
    """The default codebook, created from the starter themes (version 1) on first use."""
    codebook = Codebook.objects.filter(slug=DEFAULT_SLUG).first()
    if codebook is not None and codebook.versions.exists():
        return codebook
    from staat.analysis.findings import load_default_codebook

    with transaction.atomic():
        codebook, _ = Codebook.objects.get_or_create(
            slug=DEFAULT_SLUG, defaults={"name": "Codeboek Staat van de Uitvoering"}
        )
        if codebook.versions.exists():  # made by a concurrent caller
            return codebook
        defs = list(load_default_codebook())
        themes = {}
        for i, d in enumerate(defs):
            themes[d.code] = Theme.objects.create(
                codebook=codebook, code=d.code, label_nl=d.label, description=d.description,
                order=(i + 1) * 10, cues=list(d.cues),
            )
        for d in defs:
            if d.parent and d.parent in themes:
                themes[d.code].parent = themes[d.parent]
                themes[d.code].save(update_fields=["parent"])
        _new_version(codebook, note="starter codebook")
    return codebook


def current_version(codebook: Codebook | None = None) -> CodebookVersion:
    codebook = codebook or ensure_codebook()
    return codebook.latest_version()


def active_themes(codebook: Codebook | None = None):
    codebook = codebook or ensure_codebook()
    return codebook.themes.filter(retired=False).select_related("parent").order_by("order", "code")


def tree(codebook: Codebook | None = None) -> list[tuple[Theme, int]]:
    """All themes depth-first as ``(theme, depth)``, children under their parent."""
    codebook = codebook or ensure_codebook()
    themes = list(codebook.themes.select_related("parent").order_by("order", "code"))
    children: dict[int | None, list[Theme]] = {}
    for t in themes:
        children.setdefault(t.parent_id, []).append(t)
    out: list[tuple[Theme, int]] = []

    def walk(parent_id, depth):
        for t in children.get(parent_id, []):
            out.append((t, depth))
            walk(t.pk, depth + 1)

    walk(None, 0)
    return out


def _check_parent(theme: Theme, parent: Theme | None) -> None:
    node = parent
    while node is not None:
        if theme.pk and node.pk == theme.pk:
            raise CodebookError("a theme cannot be nested under itself or its own sub-theme")
        node = node.parent


def add_theme(*, code: str, label_nl: str, label_en: str = "", description: str = "",
              parent: Theme | None = None, user=None, reason: str = "",
              codebook: Codebook | None = None) -> Theme:
    codebook = codebook or ensure_codebook()
    if codebook.themes.filter(code=code).exists():
        raise CodebookError(f"the code '{code}' is already in use")
    if parent is not None and parent.codebook_id != codebook.pk:
        raise CodebookError("the parent theme belongs to another codebook")
    with transaction.atomic():
        order = (codebook.themes.aggregate(n=Max("order"))["n"] or 0) + 10
        theme = Theme.objects.create(codebook=codebook, code=code, label_nl=label_nl,
                                     label_en=label_en, description=description,
                                     parent=parent, order=order)
        version = _new_version(codebook, user, f"added {code}")
        audit.record(user or "system", "create", theme, reason=reason, changes={
            **{k: [None, v] for k, v in audit.snapshot(theme, THEME_FIELDS).items()},
            "codebook_version": [None, version.number],
        })
    return theme


def update_theme(theme: Theme, values: dict, *, user=None, reason: str = "") -> dict:
    """Change a theme's labels, description, parent or order; the code never changes."""
    allowed = {"label_nl", "label_en", "description", "parent", "order", "retired"}
    unknown = set(values) - allowed
    if unknown:
        raise CodebookError(f"cannot change {', '.join(sorted(unknown))}")
    if "parent" in values:
        _check_parent(theme, values["parent"])
    with transaction.atomic():
        before = audit.snapshot(theme, THEME_FIELDS)
        for key, value in values.items():
            setattr(theme, key, value)
        theme.save()
        changes = audit.diff(before, audit.snapshot(theme, THEME_FIELDS))
        if changes:
            version = _new_version(theme.codebook, user, f"changed {theme.code}")
            changes["codebook_version"] = [version.number - 1, version.number]
            audit.record(user or "system", "update", theme, changes=changes, reason=reason)
    return changes


def retire_theme(theme: Theme, *, user=None, reason: str = "", retired: bool = True) -> dict:
    return update_theme(theme, {"retired": retired}, user=user, reason=reason)

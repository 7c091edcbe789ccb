# SPDX-License-Identifier: EUPL-1.2
"""Template helpers for result tables."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.simple_tag
def cell(row: dict, field: str) -> str:
    """A table cell: figures with two decimals in the active language, "—" when hidden."""
    value = row.get(field)
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else ""
    if isinstance(value, float):
        if field in ("p", "p_holm") and value < 0.001:
            return "< " + number_format(0.001, 3)
        decimals = 3 if field in ("p", "p_holm", "alpha", "omega", "icc1", "r") else 2
        return number_format(value, decimals)
    return str(value)


@register.filter
def any_suppressed(rows) -> bool:
    return any(r.get("suppressed") for r in rows or ())


@register.filter
def text_in(text, language: str) -> str:
    """A definition text (nl/en) in the page's language."""
    return text.get(language) if text is not None else ""

# SPDX-License-Identifier: EUPL-1.2
"""Template filters for a thread's stored figures (``ThreadFigures.to_dict()``)."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def sourceless(figures: Mapping | None) -> int:
    """Sources that name no organisation, each counted as one reporter by the trend rules:
    the reporters beyond the organisations."""
    if not figures:
        return 0
    return max(int(figures.get("reporters", 0) or 0) - int(figures.get("organisations", 0) or 0), 0)

# SPDX-License-Identifier: EUPL-1.2
"""The default codebook (``data/codebook.yaml``): the 15 starter themes of the domain brief."""

from __future__ import annotations

from functools import lru_cache

import yaml

from .labels import DATA_DIR
from .types import ThemeDef

__all__ = ["CODEBOOK_PATH", "load_default_codebook"]

CODEBOOK_PATH = DATA_DIR / "codebook.yaml"


@lru_cache(maxsize=1)
def _load() -> tuple[ThemeDef, ...]:
    with open(CODEBOOK_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    out = []
    for t in data["themes"]:
        out.append(
            ThemeDef(
                code=str(t["code"]),
                label=str(t["label"]),
                description=str(t.get("description", "")),
                cues=tuple(str(c) for c in t.get("cues", ())),
                parent=t.get("parent"),
            )
        )
    return tuple(out)


def load_default_codebook() -> list[ThemeDef]:
    """The starter codebook with stable codes, Dutch labels, English descriptions and
    Dutch cue words per theme."""
    return list(_load())

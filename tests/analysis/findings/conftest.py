# SPDX-License-Identifier: EUPL-1.2
"""Shared fixtures of the finding-extractor tests (pure: no Django, no database)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from staat.analysis.findings import (
    DocumentInput,
    OrganisationDef,
    default_extractor,
    document_from_segmented,
)
from staat.nlp.document import Block, ParsedDocument
from staat.nlp.segment import segment

ROOT = Path(__file__).resolve().parents[3]


def demo_organisations() -> list[OrganisationDef]:
    data = yaml.safe_load((ROOT / "demo" / "organisations.yaml").read_text(encoding="utf-8"))
    return [OrganisationDef(o["code"], (o["name"], o["short_name"]))
            for o in data["organisations"]]


def doc_from_blocks(blocks: list[Block], key: str = "test", pages: int | None = None
                    ) -> DocumentInput:
    """Segment blocks the way the sources app does and wrap them for the extractor."""
    n = pages or max(b.page for b in blocks)
    return document_from_segmented(segment(ParsedDocument(tuple(blocks), n)), key)


def doc_from_markdown(path: Path) -> DocumentInput:
    """A demo document as the sources app stores it (Markdown parser + segmenter)."""
    from staat.sources.parsers.markdown import parse_markdown  # pure: no Django

    return document_from_segmented(segment(parse_markdown(str(path), path.name)), path.stem)


@pytest.fixture(scope="session")
def organisations() -> list[OrganisationDef]:
    return demo_organisations()


@pytest.fixture(scope="session")
def extractor(organisations):
    return default_extractor(organisations=organisations)


@pytest.fixture(scope="session")
def demo_docs() -> list[DocumentInput]:
    return [doc_from_markdown(p) for p in sorted((ROOT / "demo" / "authoring").glob("*.md"))]

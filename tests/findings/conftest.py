# SPDX-License-Identifier: EUPL-1.2
"""Fixtures for the findings tests: people in every role, and demo documents ingested for real."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from staat.core.demo import DEMO_DIR, load_organisations, read_manifests
from staat.sources.models import Source
from tests.factories import OrganisationFactory, UserFactory

DEMO = {d.id: d for d in read_manifests()}
# three documents in three formats (PDF, DOCX, text); the first published, the others drafts
PIPELINE_DOCS = ("2025-lvu-stand", "2025-cbz-stand", "2025-lindeveen-knelpuntenbrief")


@pytest.fixture
def researcher(db):
    return UserFactory(username="onderzoeker", researcher=True)


@pytest.fixture
def researcher2(db):
    return UserFactory(username="onderzoeker2", researcher=True)


@pytest.fixture
def contributor(db):
    org = OrganisationFactory(code="fic-bijdrager", name="Fictieve Bijdragedienst")
    return UserFactory(username="inbrenger", contributor=True, organisation=org)


@pytest.fixture
def visitor(db):
    return UserFactory(username="bezoeker")


def ingest_demo(doc_id: str, *, published: bool | None = None) -> Source:
    """``staat ingest`` one demo document with its manifest metadata; returns the source."""
    doc = DEMO[doc_id]
    published = doc.published if published is None else published
    args = [str(doc.path), "--kind", doc.kind, "--year", str(doc.year), "--title", doc.title]
    for code in doc.organisations:
        args += ["--organisation", code]
    if published:
        args.append("--published")
    call_command("ingest", *args)
    return Source.objects.get(title=doc.title, year=doc.year)


@pytest.fixture
def demo_register(db):
    load_organisations()


@pytest.fixture
def demo_sources(demo_register):
    return [ingest_demo(d) for d in PIPELINE_DOCS]


@pytest.fixture
def one_source(demo_register):
    return ingest_demo(PIPELINE_DOCS[0])


@pytest.fixture
def isolated_data_dir(settings, tmp_path):
    """A data folder of the test's own, so a corrections file never leaks into other tests."""
    settings.DATA_DIR = Path(tmp_path)
    return Path(tmp_path)


__all__ = ["DEMO", "DEMO_DIR", "PIPELINE_DOCS", "ingest_demo"]

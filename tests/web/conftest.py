# SPDX-License-Identifier: EUPL-1.2
"""A small cast for the web tests: two organisations, one user per role, and sources."""

from __future__ import annotations

import pytest

from staat.sources.models import SourceStatus
from tests.factories import OrganisationFactory, PassageFactory, SourceFactory, UserFactory


@pytest.fixture
def org_a(db):
    return OrganisationFactory(code="dienst-a", name="Fictieve Dienst Alfa", short_name="Alfa")


@pytest.fixture
def org_b(db):
    return OrganisationFactory(code="dienst-b", name="Fictieve Dienst Beta", short_name="Beta")


@pytest.fixture
def visitor(db):
    return UserFactory(username="bezoeker")


@pytest.fixture
def contributor(org_a):
    return UserFactory(username="inbrenger", contributor=True, organisation=org_a)


@pytest.fixture
def researcher(db):
    return UserFactory(username="onderzoeker", researcher=True)


@pytest.fixture
def administrator(db):
    return UserFactory(username="beheerder", administrator=True)


@pytest.fixture
def published_b(org_b):
    source = SourceFactory(title="Stand Beta 2024 gepubliceerd", organisations=[org_b], year=2024)
    PassageFactory(source=source, index=0, text="De uitkering wordt te laat betaald.")
    return source


@pytest.fixture
def draft_a(org_a):
    source = SourceFactory(
        title="Concept Alfa 2025", organisations=[org_a], year=2025, status=SourceStatus.DRAFT
    )
    PassageFactory(source=source, index=0, text="Concepttekst over de aanvraag van Alfa.")
    return source


@pytest.fixture
def draft_b(org_b):
    source = SourceFactory(
        title="Geheim concept Beta", organisations=[org_b], year=2025, status=SourceStatus.DRAFT
    )
    PassageFactory(
        source=source, index=0,
        text="Vertrouwelijke zin: de uitkeringen van Beta lopen vertraging op.",
    )
    return source

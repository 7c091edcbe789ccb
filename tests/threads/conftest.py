# SPDX-License-Identifier: EUPL-1.2
"""Constructed findings for the threads tests: a few organisations reporting two recurring
bottlenecks (data exchange, labour shortage) and one unrelated bright spot over three years."""

from __future__ import annotations

import pytest
from tests.factories import OrganisationFactory, PassageFactory, SourceFactory, UserFactory

from staat.findings.models import Finding, Kind, Origin, Status
from staat.sources.models import SourceStatus

DATA = [
    "De gegevensuitwisseling tussen organisaties verloopt traag, waardoor burgers maanden "
    "wachten op een besluit over hun aanvraag.",
    "Door trage gegevensuitwisseling met andere organisaties wachten burgers maanden op een "
    "besluit.",
    "Gegevensuitwisseling tussen uitvoeringsorganisaties is traag en burgers wachten daardoor "
    "lang op hun besluit.",
]
STAFF = [
    "Het personeelstekort op de arbeidsmarkt maakt dat vacatures voor specialisten lang open "
    "blijven staan.",
    "Door het tekort aan personeel op de krappe arbeidsmarkt blijven vacatures voor "
    "specialisten open.",
    "Vacatures voor specialisten blijven lang open door het personeelstekort en de krappe "
    "arbeidsmarkt.",
]


class World:
    """Handles to what a test needs: organisations, sources and findings by name."""

    def __init__(self):
        self.orgs = {}
        self.sources = {}
        self.findings = {}

    def source(self, org_code: str, year: int, status=SourceStatus.PUBLISHED):
        key = (org_code, year)
        if key not in self.sources:
            org = self.orgs.setdefault(org_code, OrganisationFactory(code=org_code,
                                                                    name=f"Dienst {org_code}"))
            self.sources[key] = SourceFactory(title=f"Stand {org_code} {year}", year=year,
                                              organisations=[org], status=status,
                                              text="x" * 2000)
        return self.sources[key]

    def finding(self, name: str, org_code: str, year: int, text: str, *,
                kind=Kind.KNELPUNT, status=Status.CONFIRMED, source_status=SourceStatus.PUBLISHED):
        source = self.source(org_code, year, source_status)
        start = 100 * (source.findings.count() + 1)
        passage = PassageFactory(source=source, index=source.passages.count(), text=text,
                                 char_start=start, char_end=start + len(text), page_start=2)
        f = Finding.objects.create(source=source, kind=kind, char_start=start,
                                   char_end=start + len(text), page=2, passage=passage,
                                   text=text, status=status, origin=Origin.MACHINE,
                                   confidence=0.9)
        self.findings[name] = f
        return f


@pytest.fixture
def world(db):
    w = World()
    # data exchange: 2023 by a, b; 2024 by a, b, c; 2025 by a, b, c, d, e (growing)
    for year, orgs in ((2023, "ab"), (2024, "abc"), (2025, "abcde")):
        for i, o in enumerate(orgs):
            w.finding(f"data-{o}-{year}", f"org-{o}", year, DATA[(i + year) % 3])
    # labour shortage: 2024 by a, c; 2025 by b, d
    for year, orgs in ((2024, "ac"), (2025, "bd")):
        for i, o in enumerate(orgs):
            w.finding(f"staff-{o}-{year}", f"org-{o}", year, STAFF[(i + year) % 3])
    return w


@pytest.fixture
def researcher(db):
    return UserFactory(username="onderzoeker", researcher=True)


@pytest.fixture
def visitor(db):
    return UserFactory(username="bezoeker")

# SPDX-License-Identifier: EUPL-1.2
"""The threads the edition reads (``staat.threads.services.edition_threads``) are read in a few
queries for all threads together and reuse the stored years where they are the published
ones. Here they are compared with a straightforward computation, thread by thread, over the
published findings: with a draft source mixed into a thread, a year only a draft source
speaks of, a pinned finding, a study naming several organisations, themes, and a law written
differently in different years."""

from __future__ import annotations

from collections import defaultdict

import pytest
from tests.factories import SourceFactory, UserFactory
from tests.threads.conftest import DATA, STAFF, World

from staat.core.models import Organisation
from staat.findings.models import Codebook, Finding, FindingTheme, Theme
from staat.sources.models import SourceStatus
from staat.threads import services as ts
from staat.threads.models import MembershipOrigin, Thread, ThreadMembership


def straightforward(year: int, *, published_only: bool = True) -> list:
    """``edition_threads`` computed the plain way: every thread on its own, every published
    year recomputed by the threads app's own ``_years_of``, quotes looked up per thread."""
    core = ts._core()
    out = []
    monitored = [y for y in ts._published_monitored() if y <= year]
    for t in Thread.objects.current().prefetch_related("years", "calls"):
        members = ThreadMembership.objects.filter(thread=t, excluded=False, year__lte=year)
        if published_only:
            members = members.filter(finding__source__status=SourceStatus.PUBLISHED)
        ms = list(members.values_list("finding_id", "year", "pinned", "origin")
                  .order_by("finding_id"))
        if not ms:
            continue
        rows = ts._rows(Finding.objects.filter(pk__in=[m[0] for m in ms]))
        pinned = {m[0] for m in ms if m[2]}
        person = {m[0] for m in ms if m[3] == MembershipOrigin.PERSON}
        description = t.description
        if published_only:
            by_year = defaultdict(list)
            for fid, y, _, _ in ms:
                by_year[y].append(fid)
            dicts, description = ts._years_of(dict(by_year), rows, monitored,
                                              ts._draft_from_db(t), pinned, t.kind)
            years = [ts._year_summary(d) for d in dicts]
        else:
            years = [ts._year_summary(y) for y in t.years.all() if y.year <= year]
        this = next((y for y in years if y.year == year), None)
        if this is None:
            continue
        quotes = ts.finding_summaries(this.representative_ids, pinned=pinned, person=person)
        out.append(ts.ThreadSummary(
            key=t.key, label=t.label, description=description, kind=t.kind, pinned=t.pinned,
            year=year, trend=this.trend, trend_label=this.trend_label,
            trend_reason=this.trend_reason, figures=this.figures,
            figures_all_years=core._figures([ts.finding_input(rows[m[0]]) for m in ms]).to_dict(),
            history=tuple(years),
            representatives=tuple(quotes[i] for i in this.representative_ids if i in quotes),
            finding_ids=tuple(sorted(m[0] for m in ms if m[1] == year)),
            call_ids=tuple(sorted(c.pk for c in t.calls.all())), url=t.get_absolute_url(),
        ))
    out.sort(key=lambda s: (not s.pinned, s.trend == "no_longer_mentioned",
                            -s.figures.get("reporters", 0), -s.figures.get("findings", 0),
                            s.label, s.key))
    return out


def same_as_straightforward() -> None:
    for year in (2023, 2024, 2025):
        for published_only in (True, False):
            fast = ts.edition_threads(year, published_only=published_only)
            plain = straightforward(year, published_only=published_only)
            assert [s.key for s in fast] == [s.key for s in plain]
            assert fast == plain, (year, published_only)


@pytest.fixture
def world(db):
    w = World()
    codebook = Codebook.objects.create(slug="test", name="Test")
    themes = [Theme.objects.create(codebook=codebook, code=code, label_nl=label)
              for code, label in (("data", "Gegevens"), ("personeel", "Personeel"))]
    for year, orgs in ((2023, "ab"), (2024, "abc"), (2025, "abcde")):
        for i, o in enumerate(orgs):
            f = w.finding(f"data-{o}-{year}", f"org-{o}", year, DATA[(i + year) % 3])
            FindingTheme.objects.create(finding=f, theme=themes[0], score=0.9)
            if i % 2:
                Finding.objects.filter(pk=f.pk).update(laws=["Wet  open overheid"])
    for year, orgs in ((2024, "ac"), (2025, "bd")):
        for i, o in enumerate(orgs):
            f = w.finding(f"staff-{o}-{year}", f"org-{o}", year, STAFF[(i + year) % 3])
            FindingTheme.objects.create(finding=f, theme=themes[i % 2], score=0.8)
    Organisation.objects.filter(code__in=["org-a", "org-b"]).update(type="zbo")
    Organisation.objects.filter(code="org-c").update(type="gemeente")
    # a study naming two organisations counts as one reporter (the source itself)
    study = SourceFactory(title="Studie", year=2025, kind="onderzoek", text="x" * 2000,
                          organisations=[w.orgs["org-a"], w.orgs["org-b"]],
                          status=SourceStatus.PUBLISHED)
    w.sources[("study", 2025)] = study
    w.finding("data-study-2025", "study", 2025, DATA[1])
    return w


def thread_of(finding: Finding) -> Thread:
    return ThreadMembership.objects.get(finding=finding, excluded=False).thread


def test_all_published_reuses_the_stored_years_and_matches(world):
    ts.compute_threads()
    same_as_straightforward()
    s = {x.key: x for x in ts.edition_threads(2025)}[thread_of(world.findings["data-a-2023"]).key]
    assert s.figures["reporters"] == 6 and s.trend == "growing"  # five organisations, a study
    assert s.figures_all_years["themes"] == {"data": 10}  # the study has no theme
    assert s.figures_all_years["organisation_types"]["gemeente"] == 1


def test_a_draft_source_in_a_thread_and_a_pinned_finding(world):
    draft = world.finding("data-x-2025", "org-x", 2025, DATA[2], source_status=SourceStatus.DRAFT)
    ts.compute_threads()
    data = thread_of(world.findings["data-a-2023"])
    assert thread_of(draft) == data  # the draft finding is in the thread
    ts.pin_finding(data, world.findings["data-c-2025"], user=UserFactory(researcher=True))
    same_as_straightforward()
    s = {x.key: x for x in ts.edition_threads(2025)}[data.key]
    assert s.figures["reporters"] == 6 and draft.pk not in s.finding_ids
    assert s.representatives[0].id == world.findings["data-c-2025"].pk
    assert s.representatives[0].pinned


def test_a_year_only_a_draft_source_speaks_of(world):
    # 2022 exists for the stored threads but not for the published edition
    world.finding("data-z-2022", "org-z", 2022, DATA[0], source_status=SourceStatus.DRAFT)
    ts.compute_threads()
    same_as_straightforward()
    s = {x.key: x for x in ts.edition_threads(2025)}[thread_of(world.findings["data-a-2023"]).key]
    assert [h.year for h in s.history] == [2023, 2024, 2025]


def test_a_law_written_differently_in_different_years(world):
    Finding.objects.filter(pk=world.findings["staff-a-2024"].pk).update(laws=["Participatiewet"])
    Finding.objects.filter(pk=world.findings["staff-b-2025"].pk).update(laws=["participatiewet"])
    ts.compute_threads()
    same_as_straightforward()
    s = {x.key: x for x in ts.edition_threads(2025)}[thread_of(world.findings["staff-a-2024"]).key]
    assert s.figures_all_years["laws"] == {"Participatiewet": 2}

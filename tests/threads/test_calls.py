# SPDX-License-Identifier: EUPL-1.2
"""Calls: wording over the editions, follow-up with cited sources, checking against documents."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.factories import PassageFactory, SourceFactory

from staat.core.models import AuditEvent
from staat.sources.services import SourceMetadata, ingest_file
from staat.threads import services
from staat.threads.models import Call, CallCheckMatch, FollowUpStatus, MatchStatus

DEMO = Path(__file__).resolve().parents[2] / "demo" / "corpus"


@pytest.fixture
def call(db, researcher):
    return services.create_call(
        user=researcher, edition_year=2024, title="Hardheidsclausule",
        text="Neem in wetten een hardheidsclausule op, zodat uitvoerders kunnen afwijken.",
        audience="politiek")


def test_versions_and_follow_up(call, researcher):
    letter = SourceFactory(title="Kabinetsreactie 2025", kind="overig", year=2025)
    services.add_version(call, user=researcher, edition_year=2025,
                         text="Neem een hardheidsclausule op in elke wet.", note="scherper")
    services.add_follow_up(call, user=researcher, edition_year=2025,
                           status=FollowUpStatus.PROMISED, response="Het kabinet zegt het toe.",
                           steps="Wetsvoorstel in voorbereiding.", citations=[(letter, 3)])
    with pytest.raises(services.CallError):
        services.add_version(call, user=researcher, edition_year=2024, text="te vroeg")

    own_2025 = services.create_call(user=researcher, edition_year=2025, title="Nieuw",
                                    text="Betrek de uitvoering vanaf het begin.")
    calls = services.calls_for_edition(2025)
    assert [c.id for c in calls] == [own_2025.pk, call.pk]  # own calls first
    c = calls[1]
    assert c.original_text.startswith("Neem in wetten") and not c.is_new
    assert c.wording == "Neem een hardheidsclausule op in elke wet."
    assert [v.edition_year for v in c.versions] == [2025]
    assert c.latest_status == "promised"
    cite = c.follow_ups[0].citations[0]
    assert (cite.source_id, cite.page, cite.url) == (letter.pk, 3, f"/bronnen/{letter.pk}/")
    # the 2024 edition sees neither the sharpening nor the follow-up of 2025
    (c2024,) = services.calls_for_edition(2024)
    assert c2024.wording == c2024.original_text and not c2024.follow_ups and c2024.is_new
    assert AuditEvent.objects.filter(object_type="threads.call", object_id=str(call.pk)).count() >= 2
    assert AuditEvent.objects.filter(object_type="threads.followup").exists()


def test_update_call_and_follow_up_are_audited(call, researcher):
    changes = services.update_call(call, user=researcher, reason="typfout", title="Hardheid")
    assert changes == {"title": ["Hardheidsclausule", "Hardheid"]}
    fu = services.add_follow_up(call, user=researcher, edition_year=2025)
    services.update_follow_up(fu, user=researcher, status=FollowUpStatus.DONE, reason="klaar")
    event = AuditEvent.objects.filter(object_type="threads.followup", action="update").get()
    assert event.changes["status"] == ["none", "done"] and event.reason == "klaar"


def test_check_finds_the_passage_that_takes_the_call_up(call, researcher):
    programme = SourceFactory(title="Verkiezingsprogramma", kind="overig", year=2025)
    takes_up = PassageFactory(
        source=programme, index=0,
        text="Wij nemen in elke wet een hardheidsclausule op. Uitvoerders moeten kunnen "
             "afwijken van regels die mensen klem zetten.")
    PassageFactory(source=programme, index=1,
                   text="Wij investeren in het openbaar vervoer en in nieuwe fietspaden.")
    check = services.check_call(call, [programme], user=researcher)
    matches = list(check.matches.all())
    assert [m.passage_id for m in matches] == [takes_up.pk]
    assert "hardheidsclausule" in matches[0].evidence and matches[0].score > 0.2
    services.decide_match(matches[0], user=researcher, status=MatchStatus.CONFIRMED)
    (summary,) = services.calls_for_edition(2025)
    assert summary.uptake[0].passage_index == 0
    # a new check keeps the researcher's decision for the same passage
    again = services.check_call(call, [programme], user=researcher)
    assert again.matches.get().status == MatchStatus.CONFIRMED


def test_check_against_ingested_documents(call, researcher):
    """Real documents through the ingest service (kind ``overig``), as a user would add them."""
    results = [
        ingest_file(DEMO / "2025" / "2025-sessieverslag-reflectie.md",
                    SourceMetadata(kind="overig", year=2025)),
        ingest_file(DEMO / "2024" / "2024-onderzoek-gegevensuitwisseling.txt",
                    SourceMetadata(kind="overig", year=2024)),
    ]
    assert all(r.ok for r in results), [r.error for r in results]
    report, study = (r.source for r in results)
    check = services.check_call(call, [report, study], user=researcher)
    found = list(check.matches.select_related("passage"))
    assert found, "the session report discusses the hardship clause"
    best = found[0]
    assert best.passage.source_id == report.pk and "hardheidsclausule" in best.evidence
    assert "hardheidsclausule" in best.passage.text.lower()
    assert all("hardheidsclausule" in m.evidence or m.score < best.score for m in found)
    assert check.passages_compared == report.passages.count() + study.passages.count()


def test_check_needs_documents(call, researcher):
    with pytest.raises(services.CallError):
        services.check_call(call, [], user=researcher)
    assert not CallCheckMatch.objects.exists() and Call.objects.count() == 1

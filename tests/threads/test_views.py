# SPDX-License-Identifier: EUPL-1.2
"""The threads and calls pages: they render, only researchers change things, and the public
sees threads only through confirmed findings of published sources."""

from __future__ import annotations

import pytest
from django.urls import reverse
from tests.factories import PASSWORD, PassageFactory, SourceFactory

from staat.findings.models import Status
from staat.sources.models import SourceStatus
from staat.threads import services
from staat.threads.models import Call, Thread, ThreadDecision, ThreadRun

from .conftest import DATA


@pytest.fixture
def computed(world):
    services.compute_threads()
    data = Thread.objects.get(memberships__finding=world.findings["data-a-2023"])
    return world, data


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_list_and_detail_render_for_everyone(client, computed):
    world, data = computed
    page = client.get(reverse("threads:list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert data.label in html and "trend-growing" in html
    detail = client.get(data.get_absolute_url())
    html = detail.content.decode()
    assert detail.status_code == 200
    source = world.findings["data-a-2025"].source
    assert f"/bronnen/{source.pk}/#passage-" in html  # quotes link to the passage
    assert "Compute threads" not in html and 'action="/draden/' + data.key + '/splitsen/"' not in html
    as_json = client.get(data.get_absolute_url(), {"format": "json"}).json()
    assert [y["year"] for y in as_json["years"]] == [2023, 2024, 2025]
    listing = client.get(reverse("threads:list"), {"format": "json", "trend": "growing"}).json()
    assert [t["key"] for t in listing["threads"]] == [data.key]


def test_filters(client, computed):
    _, data = computed
    html = client.get(reverse("threads:list"), {"year": 2024, "kind": "lichtpunt"}).content
    assert data.label.encode() not in html
    html = client.get(reverse("threads:list"), {"year": 2023}).content.decode()
    assert data.label in html


def test_researcher_pages_and_decisions(client, computed, researcher):
    world, data = computed
    login(client, researcher)
    html = client.get(data.get_absolute_url()).content.decode()
    assert "split-form" in html and "Merge" in html or "Samenvoegen" in html
    f = world.findings["data-c-2025"]
    r = client.post(reverse("threads:finding", args=[data.key]),
                    {"finding": f.pk, "action": "remove", "reason": "anders"})
    assert r.status_code == 302
    assert ThreadDecision.objects.get().action == "remove_finding"
    r = client.post(reverse("threads:rename", args=[data.key]), {"label": "Nieuwe naam",
                                                                 "reason": ""})
    assert Thread.objects.get(pk=data.pk).label == "Nieuwe naam"
    ids = [world.findings["data-a-2023"].pk, world.findings["data-b-2023"].pk]
    r = client.post(reverse("threads:split", args=[data.key]),
                    {"label": "Apart", "findings": ids, "reason": "twee verhalen"})
    new = Thread.objects.get(label="Apart")
    assert r.status_code == 302 and r["Location"] == new.get_absolute_url()
    r = client.post(reverse("threads:merge", args=[new.key]), {"into": data.key, "reason": "toch één"})
    assert Thread.objects.get(pk=new.pk).merged_into_id == data.pk
    r = client.post(reverse("threads:run-start"))
    run = ThreadRun.objects.order_by("-id").first()
    assert r["Location"] == reverse("threads:run", args=[run.pk])
    assert client.get(r["Location"]).status_code == 200
    assert client.get(r["Location"], {"partial": 1}).status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "visitor"])
def test_only_researchers_change_things(client, computed, visitor, who):
    world, data = computed
    if who == "visitor":
        login(client, visitor)
    f = world.findings["data-c-2025"]
    posts = [
        (reverse("threads:finding", args=[data.key]), {"finding": f.pk, "action": "remove"}),
        (reverse("threads:rename", args=[data.key]), {"label": "x"}),
        (reverse("threads:run-start"), {}),
        (reverse("threads:call-create"), {"edition_year": 2025, "title": "t", "text": "t",
                                          "audience": "allen"}),
    ]
    for url, data_ in posts:
        assert client.post(url, data_).status_code == 403, url
    assert not ThreadDecision.objects.exists() and not Call.objects.exists()


def test_public_sees_only_published_confirmed_findings(client, world):
    secret = world.finding("secret-q", "org-q", 2025, DATA[0], source_status=SourceStatus.DRAFT)
    suggestion = world.finding("sugg-r", "org-r", 2025, DATA[1], status=Status.SUGGESTED)
    # a thread made only of unpublished material
    for o in "st":
        world.finding(f"hidden-{o}", f"org-{o}", 2025,
                      "De koppeling met het kentekenregister valt elke week uit.",
                      source_status=SourceStatus.DRAFT)
    services.compute_threads()
    data = Thread.objects.get(memberships__finding=world.findings["data-a-2023"])
    hidden = Thread.objects.get(memberships__finding=world.findings["hidden-s"])
    html = client.get(data.get_absolute_url()).content.decode()
    assert f"#{secret.pk} " not in html and f"#{suggestion.pk} " not in html
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert hidden.label not in client.get(reverse("threads:list")).content.decode()


def test_calls_pages(client, db, researcher):
    login(client, researcher)
    r = client.post(reverse("threads:call-create"), {
        "edition_year": 2024, "order": 1, "title": "Hardheidsclausule",
        "text": "Neem in wetten een hardheidsclausule op.", "audience": "politiek",
        "reason": ""})
    call = Call.objects.get()
    assert r["Location"] == call.get_absolute_url()
    client.post(reverse("threads:call-version", args=[call.pk]),
                {"edition_year": 2025, "text": "Neem in elke wet een hardheidsclausule op.", "note": ""})
    source = SourceFactory(title="Brief", kind="overig", year=2025)
    PassageFactory(source=source, index=0, text="Wij nemen in elke wet een hardheidsclausule op "
                                                "zodat de uitvoering kan afwijken.")
    r = client.post(reverse("threads:follow-up-add", args=[call.pk]), {
        "edition_year": 2025, "status": "in_progress", "response": "Toegezegd",
        "steps": "Wetsvoorstel", "citations": f"{source.pk}:2", "reason": ""})
    assert r.status_code == 302 and call.follow_ups.get().citations.get().page == 2
    fu = call.follow_ups.get()
    assert client.get(reverse("threads:follow-up-edit", args=[call.pk, fu.pk])).status_code == 200
    html = client.get(call.get_absolute_url()).content.decode()
    assert "Neem in elke wet een hardheidsclausule op." in html and "Toegezegd" in html
    r = client.post(reverse("threads:call-check", args=[call.pk]), {"sources": [source.pk]})
    check = call.checks.get()
    assert r["Location"] == reverse("threads:check", args=[check.pk])
    html = client.get(r["Location"]).content.decode()
    assert "hardheidsclausule" in html
    match = check.matches.get()
    client.post(reverse("threads:match-decide", args=[match.pk]), {"status": "confirmed"})
    match.refresh_from_db()
    assert match.status == "confirmed" and match.decided_by == researcher
    assert client.get(reverse("threads:call-edit", args=[call.pk])).status_code == 200
    listing = client.get(reverse("threads:calls"), {"year": 2025})
    assert listing.status_code == 200 and "Hardheidsclausule" in listing.content.decode()
    assert client.get(reverse("threads:calls"), {"format": "json"}).json()["calls"]
    client.logout()
    assert client.get(call.get_absolute_url()).status_code == 200  # calls are public
    assert client.get(reverse("threads:check", args=[check.pk])).status_code == 403


@pytest.mark.parametrize(("figures", "expected"), [
    ({"organisations": 5, "reporters": 6}, "5 +1 bron zonder organisatie"),
    ({"organisations": 1, "reporters": 3}, "1 +2 bronnen zonder organisatie"),
    ({"organisations": 4, "reporters": 4}, "4"),
    ({}, "0"),
])
def test_organisations_cell_names_sources_without_an_organisation(figures, expected):
    # the trend counts a source that names no organisation as one reporter; the tables show
    # the organisations and those sources apart, as the thread's description does
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("nl"):
        html = render_to_string("threads/_organisations_cell.html", {"figures": figures})
    text = " ".join(html.replace('<span class="staat-muted staat-block">', " ")
                    .replace("</span>", " ").split())
    assert text == expected

# SPDX-License-Identifier: EUPL-1.2
"""Pages and permissions: researchers review and code; others see confirmed findings of
published sources only; every list has a JSON and CSV twin."""

from __future__ import annotations

import pytest

from staat.findings import services
from staat.findings.models import Finding, Memo, Status
from staat.sources.models import SourceStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def extracted(demo_sources, researcher):
    services.run_extraction()
    published = next(s for s in demo_sources if s.status == SourceStatus.PUBLISHED)
    draft = next(s for s in demo_sources if s.status == SourceStatus.DRAFT)
    pub = list(Finding.objects.filter(source=published).order_by("char_start"))
    drf = list(Finding.objects.filter(source=draft).order_by("char_start"))
    services.confirm(pub[0], user=researcher)
    services.reject(pub[1], user=researcher, reason="geen bevinding")
    services.confirm(drf[0], user=researcher)
    return {"published_confirmed": pub[0], "published_rejected": pub[1],
            "published_suggested": pub[2], "draft_confirmed": drf[0]}


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["findings"]}


@pytest.mark.parametrize("who", ["anonymous", "visitor", "contributor"])
def test_others_see_confirmed_findings_of_published_sources_only(client, extracted, who, request):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert ids(client.get("/bevindingen/?format=json")) == {extracted["published_confirmed"].pk}
    assert client.get(extracted["published_confirmed"].get_absolute_url()).status_code == 200
    for hidden in ("published_rejected", "published_suggested", "draft_confirmed"):
        assert client.get(extracted[hidden].get_absolute_url()).status_code == 404
    assert client.get("/bevindingen/beoordelen/").status_code in (302, 403)
    response = client.post(f"/bevindingen/{extracted['published_suggested'].pk}/besluit/",
                           {"action": "confirm"})
    assert response.status_code in (302, 403)
    assert Finding.objects.get(pk=extracted["published_suggested"].pk).status == Status.SUGGESTED
    assert client.get("/bevindingen/export/qdpx/").status_code in (302, 403)


def test_researcher_sees_everything_and_filters(client, extracted, researcher):
    client.force_login(researcher)
    assert len(ids(client.get("/bevindingen/?format=json"))) == Finding.objects.count()
    only = ids(client.get("/bevindingen/?format=json&status=rejected"))
    assert only == {extracted["published_rejected"].pk}
    f = extracted["published_suggested"]
    data = client.get(f"/bevindingen/?format=json&kind={f.kind}&year=2025&origin=machine"
                      f"&confidence_min=0&confidence_max=1").json()
    assert data["count"] == Finding.objects.filter(kind=f.kind).count()
    org = f.source.organisations.first()
    assert ids(client.get(f"/bevindingen/?format=json&organisation={org.code}")) == set(
        Finding.objects.filter(source__organisations=org).values_list("pk", flat=True))
    theme = Finding.objects.filter(finding_themes__isnull=False).first().finding_themes.first().theme
    with_theme = ids(client.get(f"/bevindingen/?format=json&theme={theme.code}"))
    expected = Finding.objects.filter(finding_themes__theme=theme).values_list("pk", flat=True)
    assert with_theme == set(expected)
    csv_text = client.get("/bevindingen/?format=csv&status=rejected").content.decode()
    assert csv_text.splitlines()[0].startswith("id,source_id,source_title,organisation,year,kind,text")
    assert len(csv_text.strip().splitlines()) == 2
    page = client.get("/bevindingen/")
    assert page.status_code == 200


def test_review_queue_and_decisions_over_http(client, extracted, researcher, settings):
    settings.REVIEW_THRESHOLD = 1.01
    services.refresh_review_flags()
    client.force_login(researcher)
    page = client.get("/bevindingen/beoordelen/")
    assert page.status_code == 200
    queue = Finding.objects.filter(status=Status.SUGGESTED, needs_review=True)
    assert f'id="finding-{queue.order_by("source_id", "char_start").first().pk}"' in page.content.decode()
    f = extracted["published_suggested"]
    # htmx: the decided card comes back as a fragment
    response = client.post(f"/bevindingen/{f.pk}/besluit/", {"action": "reject", "reason": ""},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "data-error" in response.content.decode()
    assert Finding.objects.get(pk=f.pk).status == Status.SUGGESTED
    response = client.post(f"/bevindingen/{f.pk}/besluit/", {"action": "edit", "kind": "dilemma",
                           "char_start": f.char_start, "char_end": f.char_end, "reason": "x"},
                           HTTP_HX_REQUEST="true")
    assert 'data-status="edited"' in response.content.decode()
    # without htmx: a redirect back
    g = Finding.objects.filter(status=Status.SUGGESTED).first()
    response = client.post(f"/bevindingen/{g.pk}/besluit/", {"action": "confirm",
                                                            "next": "/bevindingen/beoordelen/"})
    assert response.status_code == 302 and response["Location"] == "/bevindingen/beoordelen/"
    assert Finding.objects.get(pk=g.pk).status == Status.CONFIRMED


def test_add_finding_and_memos(client, extracted, researcher):
    client.force_login(researcher)
    source = extracted["published_suggested"].source
    s = source.sentences.order_by("index")[2]
    page = client.get(f"/bevindingen/bron/{source.pk}/").content.decode()
    assert f'data-char-start="{source.passages.order_by("index").first().char_start}"' in page
    response = client.post(f"/bevindingen/bron/{source.pk}/", {
        "kind": "oproep", "char_start": s.char_start, "char_end": s.char_end, "reason": "gemist"})
    assert response.status_code == 302
    made = Finding.objects.get(origin="person")
    assert made.text == source.text[s.char_start:s.char_end].strip()
    for target, pk in (("source", source.pk), ("finding", made.pk)):
        response = client.post(f"/bevindingen/memo/{target}/{pk}/", {"text": f"memo bij {target}"})
        assert response.status_code == 302
    assert Memo.objects.count() == 2
    detail = client.get(made.get_absolute_url()).content.decode()
    assert "memo bij finding" in detail
    assert client.get(made.get_absolute_url() + "?format=json").json()["decisions"][0]["action"] == "create"


def test_runs_page_and_status_fragment(client, researcher, one_source):
    run = services.run_extraction()
    client.force_login(researcher)
    assert client.get("/bevindingen/extractie/").status_code == 200
    fragment = client.get(f"/bevindingen/extractie/{run.pk}/status/").content.decode()
    assert "hx-trigger" not in fragment  # a finished run is not polled any more
    data = client.get(f"/bevindingen/extractie/{run.pk}/status/?format=json").json()
    assert data["status"] == "done" and data["progress"] == 100


def test_source_page_links_nothing_hidden(client, extracted, visitor):
    client.force_login(visitor)
    draft = extracted["draft_confirmed"].source
    assert client.get(f"/bevindingen/bron/{draft.pk}/").status_code == 404

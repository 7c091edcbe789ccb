# SPDX-License-Identifier: EUPL-1.2
"""Django view tests: every page renders, and who may see and change what."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from staat.core.models import AuditEvent, Organisation
from staat.sources import storage
from staat.sources.models import Source, SourceStatus
from tests.factories import PASSWORD, OrganisationFactory, PassageFactory, SourceFactory

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def store_original(source: Source, content: bytes = b"%PDF-1.4 fake") -> None:
    path = storage.path_for(source.sha256)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


# --- layout ------------------------------------------------------------------------------


def test_home_renders_in_dutch_with_nl_design_system(client, published_b):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="nl"' in html
    assert 'class="voorbeeld-theme utrecht-theme utrecht-document' in html
    assert "vendor/tokens/theme.css" in html and "vendor/utrecht/index.css" in html
    assert 'href="#main"' in html and 'id="main"' in html
    assert "Bronnen" in html and "Zoeken" in html
    assert "Uploaden" not in html  # anonymous visitors cannot upload
    assert "Audit" not in html


def test_english_through_set_language(client, published_b):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    html = response.content.decode()
    assert '<html lang="en"' in html
    assert "Sources" in html and "Bronnen" not in html


def test_fictional_note_only_when_fictional_organisations_exist(client, db):
    OrganisationFactory(code="echt", name="Echte Dienst", is_fictional=False)
    assert "fictief" not in client.get(reverse("home")).content.decode().lower()
    OrganisationFactory(code="nep", name="Nepdienst", is_fictional=True)
    html = client.get(reverse("sources:list")).content.decode()
    assert "verzonnen" in html


def test_navigation_follows_role(client, contributor, researcher):
    html = login(client, contributor).get(reverse("home")).content.decode()
    assert reverse("sources:upload") in html
    assert reverse("audit") not in html
    client.logout()
    html = login(client, researcher).get(reverse("home")).content.decode()
    assert reverse("sources:upload") in html and reverse("audit") in html


def test_login_and_logout(client, researcher):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": researcher.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == researcher
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert not client.get(reverse("home")).context["user"].is_authenticated


def test_login_error_is_shown(client, researcher):
    response = client.post(reverse("login"), {"username": researcher.username, "password": "x"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()


# --- sources list --------------------------------------------------------------------------


def test_visitor_sees_published_only(client, published_b, draft_a, draft_b):
    html = client.get(reverse("sources:list")).content.decode()
    assert published_b.title in html
    assert draft_a.title not in html and draft_b.title not in html


def test_contributor_sees_own_unpublished_only(client, contributor, published_b, draft_a, draft_b):
    html = login(client, contributor).get(reverse("sources:list")).content.decode()
    assert published_b.title in html and draft_a.title in html
    assert draft_b.title not in html


def test_researcher_sees_everything(client, researcher, published_b, draft_a, draft_b):
    html = login(client, researcher).get(reverse("sources:list")).content.decode()
    for source in (published_b, draft_a, draft_b):
        assert source.title in html


def test_list_filters(client, researcher, org_a, published_b, draft_a, draft_b):
    login(client, researcher)
    url = reverse("sources:list")
    assert list(client.get(url, {"organisation": org_a.code}).context["sources"]) == [draft_a]
    assert set(client.get(url, {"year": 2025}).context["sources"]) == {draft_a, draft_b}
    assert list(client.get(url, {"status": "published"}).context["sources"]) == [published_b]
    assert list(client.get(url, {"kind": "onderzoek"}).context["sources"]) == []


def test_list_sorting_and_pagination(client, org_a):
    for i in range(30):
        SourceFactory(title=f"Bron {i:02d}", year=2000 + i, organisations=[org_a])
    url = reverse("sources:list")
    first = client.get(url, {"sort": "title"}).context["sources"]
    assert first[0].title == "Bron 00"
    assert client.get(url, {"sort": "-year"}).context["sources"][0].year == 2029
    assert client.get(url, {"sort": "year"}).context["sources"][0].year == 2000
    page2 = client.get(url, {"sort": "title", "page": 2})
    assert [s.title for s in page2.context["sources"]] == [f"Bron {i}" for i in range(25, 30)]
    assert 'class="utrecht-pagination' in page2.content.decode()


def test_list_json_and_csv_respect_visibility(client, published_b, draft_b):
    data = json.loads(client.get(reverse("sources:list"), {"format": "json"}).content)
    assert data["count"] == 1
    assert data["sources"][0]["title"] == published_b.title
    assert data["sources"][0]["organisations"] == ["dienst-b"]
    response = client.get(reverse("sources:list"), {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [r["title"] for r in rows] == [published_b.title]


# --- detail, download ---------------------------------------------------------------------


def test_detail_shows_metadata_and_passages(client, published_b):
    PassageFactory(source=published_b, index=1, page_start=2, heading_path=["Knelpunten", "Data"],
                   text="Gegevensuitwisseling met de gemeente duurt te lang.")
    response = client.get(published_b.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert published_b.sha256 in html
    assert 'id="passage-0"' in html and 'id="passage-1"' in html
    assert "Pagina 2" in html
    assert "Knelpunten › Data" in html
    assert "Geschiedenis" not in html  # audit history is for researchers


def test_detail_json(client, published_b):
    data = json.loads(client.get(published_b.get_absolute_url(), {"format": "json"}).content)
    assert data["sha256"] == published_b.sha256
    assert data["passages"][0]["text"] == "De uitkering wordt te laat betaald."


def test_unpublished_source_is_404_for_visitors_and_other_contributors(
    client, contributor, draft_b, draft_a
):
    store_original(draft_b)
    for name in ("sources:detail", "sources:download"):
        assert client.get(reverse(name, args=[draft_b.pk])).status_code == 404
    login(client, contributor)
    for name in ("sources:detail", "sources:download", "sources:edit", "sources:delete"):
        assert client.get(reverse(name, args=[draft_b.pk])).status_code == 404, name
    # and the contributor's own draft is there
    assert client.get(draft_a.get_absolute_url()).status_code == 200


def test_contributor_cannot_change_other_organisations_sources(
    client, contributor, draft_b, published_b
):
    login(client, contributor)
    for source in (draft_b, published_b):
        response = client.post(reverse("sources:edit", args=[source.pk]),
                               {"title": "Gekaapt", "kind": "stand", "reason": "x"})
        assert response.status_code == 404
        response = client.post(reverse("sources:delete", args=[source.pk]), {"reason": "x"})
        assert response.status_code == 404
        source.refresh_from_db()
        assert source.title != "Gekaapt"
    # a published source of another organisation is readable but offers no edit
    html = client.get(published_b.get_absolute_url()).content.decode()
    assert reverse("sources:edit", args=[published_b.pk]) not in html


def test_download_original(client, published_b):
    store_original(published_b, b"%PDF-1.4 hello")
    response = client.get(reverse("sources:download", args=[published_b.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert published_b.original_filename in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == b"%PDF-1.4 hello"


def test_download_missing_original_is_404(client, published_b):
    assert client.get(reverse("sources:download", args=[published_b.pk])).status_code == 404


# --- edit and delete -----------------------------------------------------------------------


def test_edit_requires_a_reason_and_records_the_change(client, researcher, published_b):
    login(client, researcher)
    url = reverse("sources:edit", args=[published_b.pk])
    assert client.get(url).status_code == 200
    data = {"title": "Nieuwe titel", "kind": "stand", "year": 2024, "status": "published",
            "organisations": [o.pk for o in published_b.organisations.all()]}
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'id="id_reason_error"' in response.content.decode()
    response = client.post(url, {**data, "reason": "Typefout in de titel"})
    assert response.status_code == 302
    published_b.refresh_from_db()
    assert published_b.title == "Nieuwe titel"
    event = AuditEvent.objects.get(action="update", object_id=str(published_b.pk))
    assert event.actor == researcher
    assert event.reason == "Typefout in de titel"
    assert event.changes["title"] == ["Stand Beta 2024 gepubliceerd", "Nieuwe titel"]


def test_contributor_edits_own_source_but_cannot_publish(client, contributor, draft_a):
    login(client, contributor)
    url = reverse("sources:edit", args=[draft_a.pk])
    form = client.get(url).context["form"]
    assert "status" not in form.fields and "organisations" not in form.fields
    response = client.post(url, {"title": "Concept Alfa (herzien)", "kind": "stand",
                                 "status": "published", "reason": "titel"})
    assert response.status_code == 302
    draft_a.refresh_from_db()
    assert draft_a.title == "Concept Alfa (herzien)"
    assert draft_a.status == SourceStatus.DRAFT


def test_delete_with_reason(client, researcher, published_b):
    store_original(published_b)
    login(client, researcher)
    url = reverse("sources:delete", args=[published_b.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": ""}).status_code == 200  # reason is required
    assert Source.objects.filter(pk=published_b.pk).exists()
    response = client.post(url, {"reason": "Dubbel ingevoerd"})
    assert response.status_code == 302
    assert not Source.objects.filter(pk=published_b.pk).exists()
    event = AuditEvent.objects.get(action="delete")
    assert event.actor == researcher and event.reason == "Dubbel ingevoerd"


def test_visitor_cannot_edit_published_source(client, visitor, published_b):
    assert client.get(reverse("sources:edit", args=[published_b.pk])).status_code == 302  # login
    login(client, visitor)
    assert client.get(reverse("sources:edit", args=[published_b.pk])).status_code == 404
    assert client.post(reverse("sources:delete", args=[published_b.pk]),
                       {"reason": "x"}).status_code == 404


# --- upload (form handling; ingest itself is stubbed where its parsers are not needed) ---


def test_upload_requires_upload_right(client, visitor):
    assert client.get(reverse("sources:upload")).status_code == 302
    login(client, visitor)
    assert client.get(reverse("sources:upload")).status_code == 403


def test_contributor_upload_form_is_fixed_to_own_organisation(client, contributor):
    response = login(client, contributor).get(reverse("sources:upload"))
    form = response.context["form"]
    assert "organisations" not in form.fields and "status" not in form.fields
    assert "Fictieve Dienst Alfa" in response.content.decode()
    assert 'role="status"' in response.content.decode()


def _fake_ingest(monkeypatch, result_factory):
    from staat.sources import services

    calls = []

    def fake(path, meta, *, user=None, original_filename=None, limits=None):
        calls.append({"path": path, "content": path.read_bytes(), "meta": meta, "user": user,
                      "filename": original_filename})
        return result_factory(original_filename)

    monkeypatch.setattr(services, "ingest_file", fake)
    return calls


def test_contributor_upload_goes_to_own_organisation_as_draft(client, monkeypatch, contributor,
                                                               org_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staat.sources import services

    created = SourceFactory(title="Nieuw", status=SourceStatus.DRAFT,
                            organisations=[contributor.organisation])
    calls = _fake_ingest(monkeypatch, lambda name: services.IngestResult(name, created))
    login(client, contributor)
    response = client.post(reverse("sources:upload"), {
        "file": SimpleUploadedFile("stand 2025.md", b"# Titel\n\nTekst."),
        "kind": "stand", "year": 2025,
        "organisations": [org_b.pk], "status": "published",  # ignored for contributors
    })
    assert response.status_code == 302
    assert response["Location"] == created.get_absolute_url()
    (call,) = calls
    assert call["meta"].organisations == ["dienst-a"]
    assert call["meta"].status == SourceStatus.DRAFT
    assert call["filename"] == "stand 2025.md"
    assert call["content"] == b"# Titel\n\nTekst."
    assert call["user"] == contributor


def test_upload_error_is_shown_translated_and_values_kept(client, monkeypatch, researcher):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staat.sources import services
    from staat.sources.parsers.errors import IngestError

    _fake_ingest(monkeypatch, lambda name: services.IngestResult(
        name, error=IngestError("empty", f"{name}: the file is empty.", {"filename": name})))
    login(client, researcher)
    response = client.post(reverse("sources:upload"), {
        "file": SimpleUploadedFile("leeg.pdf", b"x"), "kind": "onderzoek", "title": "Mijn titel",
        "status": "draft",
    })
    html = response.content.decode()
    assert response.status_code == 400
    assert 'role="alert"' in html
    assert "leeg.pdf: het bestand is leeg." in html
    assert 'value="Mijn titel"' in html


def test_upload_unknown_error_code_falls_back_to_english(client, monkeypatch, researcher):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staat.sources import services
    from staat.sources.parsers.errors import IngestError

    _fake_ingest(monkeypatch, lambda name: services.IngestResult(
        name, error=IngestError("brand_new", f"{name}: something new went wrong.", {})))
    login(client, researcher)
    response = client.post(reverse("sources:upload"), {
        "file": SimpleUploadedFile("x.pdf", b"x"), "kind": "stand", "status": "draft",
    })
    assert "x.pdf: something new went wrong." in response.content.decode()


def test_duplicate_links_to_existing_only_when_visible(client, monkeypatch, contributor,
                                                       published_b, draft_b):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from staat.sources import services

    login(client, contributor)
    target = {}
    _fake_ingest(monkeypatch, lambda name: services.IngestResult(name, target["s"], duplicate=True))
    for source, linked in ((published_b, True), (draft_b, False)):
        target["s"] = source
        html = client.post(reverse("sources:upload"), {
            "file": SimpleUploadedFile("dubbel.md", b"# x"), "kind": "stand",
        }).content.decode()
        assert "al in Staat" in html
        assert (source.get_absolute_url() in html) is linked
        assert (source.title in html) is linked


# --- search --------------------------------------------------------------------------------


def test_search_highlights_and_names_lemmas(client, published_b):
    response = client.get(reverse("sources:search"), {"q": "uitkeringen betalen"})
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["terms"] == ["uitkering", "betalen"]
    assert "Gezocht op: uitkering, betalen" in html
    assert '<mark class="utrecht-mark">uitkering</mark>' in html
    assert '<mark class="utrecht-mark">betaald</mark>' in html
    assert f'{published_b.get_absolute_url()}#passage-0' in html


def test_search_does_not_leak_unpublished_passages(client, contributor, published_b, draft_b,
                                                   draft_a):
    html = client.get(reverse("sources:search"), {"q": "uitkering"}).content.decode()
    assert "Vertrouwelijke" not in html and draft_b.title not in html
    assert published_b.title in html
    login(client, contributor)
    html = client.get(reverse("sources:search"), {"q": "uitkering"}).content.decode()
    assert "Vertrouwelijke" not in html
    html = client.get(reverse("sources:search"), {"q": "aanvraag"}).content.decode()
    assert draft_a.title in html  # own organisation's draft is searchable


def test_search_escapes_passage_text(client, org_a):
    source = SourceFactory(organisations=[org_a])
    PassageFactory(source=source, index=0, text="<script>alert('uitkering')</script>")
    html = client.get(reverse("sources:search"), {"q": "uitkering"}).content.decode()
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html


def test_search_page_orders_by_relevance_or_by_year(client, org_a):
    old = SourceFactory(organisations=[org_a], year=2023, title="Stand 2023")
    new = SourceFactory(organisations=[org_a], year=2025, title="Stand 2025")
    PassageFactory(source=old, index=0, text="Uitkering, uitkering en nog eens uitkering.")
    PassageFactory(source=new, index=0,
                   text="Een langere alinea die de uitkering maar eenmaal noemt, tussen veel "
                        "andere woorden over beleid, wetgeving en uitvoering.")
    url = reverse("sources:search")
    results = client.get(url, {"q": "uitkering"}).context["results"]
    assert [r["passage"].source.title for r in results] == ["Stand 2023", "Stand 2025"]
    results = client.get(url, {"q": "uitkering", "order": "newest"}).context["results"]
    assert [r["passage"].source.title for r in results] == ["Stand 2025", "Stand 2023"]
    html = client.get(url, {"q": "uitkering"}).content.decode()
    assert "Meest relevant eerst" in html and "Nieuwste eerst" in html


def test_search_filters_and_empty_query(client, published_b, org_a):
    other = SourceFactory(organisations=[org_a], year=2023)
    PassageFactory(source=other, index=0, text="Ook hier een uitkering.")
    url = reverse("sources:search")
    assert client.get(url).context["results"] == []
    assert len(client.get(url, {"q": "uitkering"}).context["results"]) == 2
    assert len(client.get(url, {"q": "uitkering", "year": 2023}).context["results"]) == 1
    assert len(client.get(url, {"q": "uitkering", "organisation": "dienst-b"})
               .context["results"]) == 1


# --- organisations -------------------------------------------------------------------------


def test_organisation_pages(client, org_b, published_b, draft_b):
    html = client.get(reverse("organisation-list")).content.decode()
    assert org_b.name in html
    response = client.get(reverse("organisation-detail", args=[org_b.code]))
    html = response.content.decode()
    assert published_b.title in html and draft_b.title not in html
    assert response.context["counts"] == [
        {"year": 2024, "kind": "stand", "n": 1, "kind_label": "Stand van de Uitvoering"}
    ]
    assert reverse("organisation-edit", args=[org_b.code]) not in html


def test_organisation_list_filter_by_type(client, db):
    OrganisationFactory(code="gem", name="Gemeente Voorbeeld", type="gemeente")
    OrganisationFactory(code="zbo", name="Voorbeeld ZBO", type="zbo")
    orgs = client.get(reverse("organisation-list"), {"type": "gemeente"}).context["organisations"]
    assert [o.code for o in orgs] == ["gem"]


def test_organisation_create_and_edit_are_audited(client, researcher):
    login(client, researcher)
    response = client.post(reverse("organisation-create"), {
        "code": "nieuw", "name": "Nieuwe Dienst", "type": "agentschap", "reason": "Nieuw in 2025",
    })
    assert response.status_code == 302
    org = Organisation.objects.get(code="nieuw")
    created = AuditEvent.objects.get(action="create", object_type="core.organisation")
    assert created.reason == "Nieuw in 2025" and created.actor == researcher
    response = client.post(reverse("organisation-edit", args=["nieuw"]), {
        "code": "anders", "name": "Nieuwe Dienst NL", "type": "agentschap", "reason": "Naam",
    })
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "Nieuwe Dienst NL" and org.code == "nieuw"  # the code cannot change
    updated = AuditEvent.objects.get(action="update", object_type="core.organisation")
    assert updated.changes == {"name": ["Nieuwe Dienst", "Nieuwe Dienst NL"]}


def test_organisation_edit_forbidden_for_contributors(client, contributor, org_b):
    login(client, contributor)
    assert client.get(reverse("organisation-create")).status_code == 403
    assert client.post(reverse("organisation-edit", args=[org_b.code]),
                       {"name": "x", "type": "zbo", "reason": "x"}).status_code == 403


# --- audit history -------------------------------------------------------------------------


def test_audit_page_is_for_researchers(client, contributor):
    assert client.get(reverse("audit")).status_code == 302
    login(client, contributor)
    assert client.get(reverse("audit")).status_code == 403


def test_audit_page_shows_upload_edit_and_delete_with_who_and_when(client, researcher, org_a):
    from staat.core import audit
    from staat.sources import services

    source = SourceFactory(title="Te volgen bron", organisations=[org_a])
    audit.record(researcher, "create", source, changes={"file": [None, "volg.pdf"]})
    services.update_metadata(source, {"title": "Gevolgde bron"}, user=researcher,
                             reason="Betere titel")
    services.delete_source(source, user=researcher, reason="Niet meer nodig")

    login(client, researcher)
    response = client.get(reverse("audit"))
    html = response.content.decode()
    assert response.status_code == 200
    assert [r["event"].action for r in response.context["rows"]] == ["delete", "update", "create"]
    assert html.count("onderzoeker") >= 3
    assert "Betere titel" in html and "Niet meer nodig" in html
    assert "Te volgen bron" in html and "Gevolgde bron" in html
    assert "volg.pdf" in html
    assert "<time datetime=" in html
    filtered = client.get(reverse("audit"), {"action": "update"}).context["rows"]
    assert [r["event"].action for r in filtered] == ["update"]
    filtered = client.get(reverse("audit"), {"object_type": "sources.source",
                                             "actor": "onderzoeker"}).context["rows"]
    assert len(filtered) == 3
    assert client.get(reverse("audit"), {"date_from": "2000-01-01", "date_to": "2000-01-02"}
                      ).context["rows"] == []


def test_source_detail_shows_history_to_researchers(client, researcher, published_b):
    from staat.sources import services

    services.update_metadata(published_b, {"year": 2023}, user=researcher, reason="Jaar klopt niet")
    html = login(client, researcher).get(published_b.get_absolute_url()).content.decode()
    assert "Geschiedenis" in html and "Jaar klopt niet" in html


def test_admin_is_for_administrators(client, administrator, researcher):
    login(client, researcher)
    assert client.get("/admin/").status_code == 302
    client.logout()
    login(client, administrator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/sources/source/").status_code == 200
    source = SourceFactory()
    assert client.get(f"/admin/sources/source/{source.pk}/change/").status_code == 200

# SPDX-License-Identifier: EUPL-1.2
"""The editor: who may use it, ordering items (plain POST and htmx), texts, and the build
button with its progress, on an edition without data (the build still succeeds)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse

from staat.editions import services
from staat.editions.models import Edition, EditionItem
from tests.factories import PASSWORD, UserFactory


@pytest.fixture
def researcher_client(client, db):
    user = UserFactory(username="redacteur", researcher=True)
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def edition(db):
    edition = services.ensure_edition(2025)
    edition.items.all().delete()
    for n, key in enumerate(("a", "b", "c"), 1):
        EditionItem.objects.create(edition=edition, kind="text", key=key,
                                   section="rode-draden", order=n, heading=f"Tekst {key}")
    return edition


@pytest.mark.django_db
def test_only_researchers_edit(client, edition):
    url = reverse("editions:editor", args=[2025])
    assert client.get(url).status_code == 302  # to the login page
    visitor = UserFactory(username="bezoeker")
    client.login(username=visitor.username, password=PASSWORD)
    assert client.get(url).status_code == 403
    assert client.post(reverse("editions:build", args=[2025])).status_code == 403


@pytest.mark.django_db
def test_move_items_with_and_without_htmx(researcher_client, edition):
    c = edition.items.get(key="c")
    url = reverse("editions:item-move", args=[2025, c.pk])
    assert researcher_client.post(url, {"direction": "up"}).status_code == 302
    response = researcher_client.post(url, {"direction": "up"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="items"' in response.content.decode()
    order = list(edition.items.filter(section="rode-draden", kind="text").order_by("order")
                 .values_list("key", flat=True))
    assert order == ["c", "a", "b"]
    edition.refresh_from_db()
    assert edition.selection_edited  # builds no longer replace the editor's choice


@pytest.mark.django_db
def test_edit_item_text_and_section(researcher_client, edition):
    a = edition.items.get(key="a")
    url = reverse("editions:item-update", args=[2025, a.pk])
    researcher_client.post(url, {f"item{a.pk}-section": "wat-goed-gaat",
                                 f"item{a.pk}-heading": "Eigen kop", f"item{a.pk}-text": "Uitleg"})
    a.refresh_from_db()
    assert (a.section, a.heading, a.text) == ("wat-goed-gaat", "Eigen kop", "Uitleg")
    page = researcher_client.get(reverse("editions:editor", args=[2025])).content.decode()
    assert "Eigen kop" in page


@pytest.mark.django_db(transaction=True)
def test_build_button_shows_progress_and_result(researcher_client, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    services.ensure_edition(2025)
    response = researcher_client.post(reverse("editions:build", args=[2025]),
                                      HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert 'id="build-status"' in response.content.decode()
    status_url = reverse("editions:build-status", args=[2025])
    for _ in range(120):
        edition = Edition.objects.get(year=2025)
        if not edition.is_building:
            break
        assert "hx-get" in researcher_client.get(status_url).content.decode()  # keeps polling
        time.sleep(0.5)
    edition = Edition.objects.get(year=2025)
    assert edition.build_status == Edition.BuildStatus.DONE, edition.build_log
    assert edition.build_progress == 100
    assert (tmp_path / "editions" / "2025" / "index.html").is_file()
    final = researcher_client.get(status_url).content.decode()
    assert "hx-get" not in final and "/editie/2025/" in final


@pytest.mark.django_db
def test_build_refuses_a_folder_that_is_not_a_build(tmp_path):
    from staat.editions.builder import BuildError, build_edition

    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(BuildError):
        build_edition(2025, tmp_path)
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_front_door_shows_workshop_until_an_edition_is_built(client, db, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    assert client.get("/").status_code == 200  # the workshop's home page
    site = tmp_path / "editions" / "2024"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<!--staat:served-banner--><h1>2024</h1>")
    (site / "build-info.json").write_text("{}")
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/editie/2024/"
    page = client.get("/editie/2024/").content.decode()
    assert 'href="/werkplaats/"' in page
    assert client.get("/editie/2024/../../../etc/passwd").status_code == 404
    assert reverse("home") == "/werkplaats/"

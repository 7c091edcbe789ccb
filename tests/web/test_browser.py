# SPDX-License-Identifier: EUPL-1.2
"""Browser tests: a real headless Chromium against Django's live server.

Upload a real file through the form, read its passages, search and follow a result to the
passage; and run axe-core on the main pages in Dutch and in English.
Set STAAT_SCREENSHOTS=DIR to keep screenshots of the main pages.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from staat.core.models import Role
from staat.sources.models import Source, SourceStatus
from tests.conftest import axe_violations
from tests.factories import (
    PASSWORD,
    OrganisationFactory,
    PassageFactory,
    SourceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MARKDOWN = """# Stand van de uitvoering 2025 (fictief)

## Knelpunten

Burgers wachten maanden op een beslissing over hun aanvraag voor een uitkering.

De gegevensuitwisseling tussen de gemeente en de dienst verloopt traag.

## Lichtpunten

Het automatisch toekennen van de kinderbijslag werkt goed.
"""


def make_markdown(tmp_path: Path) -> Path:
    path = tmp_path / "stand-2025.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    return path


def make_docx(tmp_path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Stand van de uitvoering 2025 (fictief)", level=1)
    document.add_heading("Knelpunten", level=2)
    document.add_paragraph(
        "Burgers wachten maanden op een beslissing over hun aanvraag voor een uitkering."
    )
    document.add_paragraph(
        "De gegevensuitwisseling tussen de gemeente en de dienst verloopt traag."
    )
    document.add_heading("Lichtpunten", level=2)
    document.add_paragraph("Het automatisch toekennen van de kinderbijslag werkt goed.")
    path = tmp_path / "stand-2025.docx"
    document.save(path)
    return path


def make_pdf(tmp_path: Path) -> Path:
    """A two-page PDF (compiled with Typst); the searched passage is on page 2."""
    import typst

    source = tmp_path / "stand.typ"
    source.write_text(
        '#set text(lang: "nl")\n'
        "= Stand van de uitvoering 2025 (fictief)\n"
        "== Inleiding\n"
        "Dit is een fictieve Stand, gemaakt voor een test.\n"
        "#pagebreak()\n"
        "== Knelpunten\n"
        "Burgers wachten maanden op een beslissing over hun aanvraag voor een uitkering.\n\n"
        "De gegevensuitwisseling tussen de gemeente en de dienst verloopt traag.\n",
        encoding="utf-8",
    )
    path = tmp_path / "stand-2025.pdf"
    path.write_bytes(typst.compile(str(source), root=str(tmp_path)))
    return path


def login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/inloggen/" not in url)
    assert page.locator("form[action$='/uitloggen/']").count() == 1


@pytest.fixture(autouse=True)
def _patient_page(page):
    """The live server's first request, and the first ingest, import and warm up the whole
    pipeline (seconds on a busy machine): these tests check behaviour, not speed."""
    page.set_default_timeout(60_000)
    page.set_default_navigation_timeout(90_000)


def assert_accessible(page, label: str) -> None:
    violations = axe_violations(page)
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
    ]
    assert not violations, f"{label}: " + "; ".join(summary)


def screenshot(page, name: str) -> None:
    folder = os.environ.get("STAAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    "maker", [make_markdown, make_docx, make_pdf], ids=["markdown", "docx", "pdf"]
)
def test_upload_read_and_search(page, live_server, tmp_path, maker):
    org = OrganisationFactory(code="dienst-upload", name="Fictieve Uploaddienst")
    researcher = UserFactory(username="onderzoeker", role=Role.RESEARCHER)
    path = maker(tmp_path)
    login(page, live_server, researcher)

    page.click("nav >> text=Uploaden")
    page.set_input_files("#id_file", str(path))
    page.select_option("#id_kind", "stand")
    page.select_option("#id_organisations", [str(org.pk)])
    page.fill("#id_year", "2025")
    page.select_option("#id_status", "published")
    page.click("main form button[type=submit]")

    page.wait_for_url(re.compile(r"/bronnen/\d+/$"))
    source = Source.objects.get()
    assert source.original_filename == path.name
    alert = page.locator(".utrecht-alert").first
    assert "is toegevoegd" in alert.inner_text()
    text = page.locator(".staat-passages")
    assert "Burgers wachten maanden" in text.inner_text()
    assert page.locator("[id^=passage-]").count() >= 2
    assert page.locator(".staat-passages h3, .staat-passages h4").count() >= 1
    assert page.locator(".staat-page-marker").first.inner_text().lower().startswith("pagina 1")
    if path.suffix == ".pdf":
        assert page.locator("#page-2").count() == 1

    # search with other inflections than the text: plurals for singulars
    page.click("nav >> text=Zoeken")
    page.fill("#id_q", "uitkeringen beslissingen")
    page.click("main form button[type=submit]")
    status = page.locator(".staat-result-count").inner_text()
    assert "Gezocht op: uitkering, beslissing" in status
    assert status.startswith("1 passage gevonden")
    marks = page.locator(".staat-result mark")
    assert {m.inner_text().lower() for m in marks.all()} == {"uitkering", "beslissing"}
    page.locator(".staat-result__title a").first.click()
    page.wait_for_url(re.compile(r"/bronnen/\d+/#passage-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    target = page.locator(f"#{anchor}")
    assert "Burgers wachten maanden" in target.inner_text()
    assert target.is_visible()
    if path.suffix == ".pdf":
        assert "p. 2" in target.inner_text()


def test_upload_error_is_announced_and_nothing_is_stored(page, live_server, tmp_path):
    org = OrganisationFactory(code="dienst-c", name="Fictieve Dienst Gamma")
    contributor = UserFactory(username="inbrenger", role=Role.CONTRIBUTOR, organisation=org)
    bad = tmp_path / "rapport.pdf"
    bad.write_text("Dit is helemaal geen PDF maar platte tekst.", encoding="utf-8")
    login(page, live_server, contributor)
    page.goto(f"{live_server.url}/bronnen/uploaden/")
    assert page.locator("#id_organisations").count() == 0
    page.set_input_files("#id_file", str(bad))
    page.fill("#id_title", "Mijn titel")
    page.click("main form button[type=submit]")
    alert = page.locator("[role=alert]#upload-error")
    alert.wait_for()
    assert "rapport.pdf" in alert.inner_text()
    assert page.input_value("#id_title") == "Mijn titel"
    assert Source.objects.count() == 0
    assert_accessible(page, "upload error")


@pytest.fixture
def demo_content(db):
    org = OrganisationFactory(code="dienst-demo", name="Fictieve Dienst Delta", short_name="Delta")
    source = SourceFactory(
        title="Stand van de uitvoering 2024 (fictief)", organisations=[org], year=2024,
        status=SourceStatus.PUBLISHED, authors="A. Auteur", institution="Fictief Instituut",
    )
    texts = [
        (["Inleiding"], 1, "heading", "Inleiding"),
        (["Inleiding"], 1, "paragraph", "Dit is een fictieve Stand, gemaakt voor tests."),
        (["Knelpunten"], 2, "heading", "Knelpunten"),
        (["Knelpunten"], 2, "paragraph",
         "Burgers wachten maanden op een beslissing over hun aanvraag voor een uitkering."),
        (["Knelpunten", "Gegevens"], 3, "paragraph",
         "De gegevensuitwisseling met gemeenten verloopt traag, waardoor uitkeringen later komen."),
    ]
    for index, (path, page_no, kind, text) in enumerate(texts):
        PassageFactory(source=source, index=index, heading_path=path, page_start=page_no,
                       kind=kind, text=text)
    for i in range(3):
        SourceFactory(title=f"Knelpuntenbrief {2023 + i} (fictief)", kind="knelpuntenbrief",
                      organisations=[org], year=2023 + i)
    researcher = UserFactory(username="onderzoeker", role=Role.RESEARCHER)
    return {"org": org, "source": source, "researcher": researcher}


def _main_pages(live_server, demo_content) -> list[tuple[str, str]]:
    base = live_server.url
    return [
        ("home", f"{base}/"),
        ("sources-list", f"{base}/bronnen/"),
        ("source-detail", f"{base}/bronnen/{demo_content['source'].pk}/"),
        ("search-results", f"{base}/bronnen/zoeken/?q=uitkering"),
        ("organisation", f"{base}/organisaties/{demo_content['org'].code}/"),
        ("organisations", f"{base}/organisaties/"),
        ("login", f"{base}/inloggen/"),
    ]


def test_main_pages_are_accessible_in_dutch_and_english(page, live_server, demo_content):
    for name, url in _main_pages(live_server, demo_content):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "nl"
        screenshot(page, f"nl-{name}")
        assert_accessible(page, f"{name} (nl)")

    # switch to English with the language button, then check the same pages
    page.goto(f"{live_server.url}/")
    page.click("button[name=language][value=en]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    for name, url in _main_pages(live_server, demo_content):
        page.goto(url)
        assert page.locator("html").get_attribute("lang") == "en"
        assert_accessible(page, f"{name} (en)")


def test_logged_in_pages_are_accessible(page, live_server, demo_content):
    login(page, live_server, demo_content["researcher"])
    source = demo_content["source"]
    pages = [
        ("upload", "/bronnen/uploaden/"),
        ("source-detail-researcher", f"/bronnen/{source.pk}/"),
        ("edit", f"/bronnen/{source.pk}/bewerken/"),
        ("delete", f"/bronnen/{source.pk}/verwijderen/"),
        ("audit", "/audit/"),
        ("organisation-edit", f"/organisaties/{demo_content['org'].code}/bewerken/"),
    ]
    for name, path in pages:
        page.goto(live_server.url + path)
        screenshot(page, f"nl-{name}")
        assert_accessible(page, name)
    # a form with errors is accessible too
    page.goto(f"{live_server.url}/bronnen/{source.pk}/bewerken/")
    page.click("main form button[type=submit]")
    page.locator("#id_reason_error").wait_for()
    assert page.locator("#id_reason").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "edit with errors")


def test_skip_link_and_keyboard_focus(page, live_server, demo_content):
    page.goto(f"{live_server.url}/bronnen/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == "#main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_upload_shows_progress_status(page, live_server, tmp_path):
    org = OrganisationFactory(code="dienst-e", name="Fictieve Dienst Epsilon")
    contributor = UserFactory(username="inbrenger", role=Role.CONTRIBUTOR, organisation=org)
    login(page, live_server, contributor)
    page.goto(f"{live_server.url}/bronnen/uploaden/")
    status = page.locator("form [role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.inner_text() == ""
    page.set_input_files("#id_file", str(make_markdown(tmp_path)))
    # keep the browser on the page so the status can be read before the server answers
    page.evaluate(
        "document.querySelector('form[data-staat-busy-form]')"
        ".addEventListener('submit', (event) => event.preventDefault())"
    )
    page.click("main form button[type=submit]")
    assert status.inner_text().startswith("Bezig met verwerken")
    assert page.locator("form[data-staat-busy-form]").get_attribute("aria-busy") == "true"

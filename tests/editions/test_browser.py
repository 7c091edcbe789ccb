# SPDX-License-Identifier: EUPL-1.2
"""The built edition in a real headless Chromium: from the file system (``file://``) and
served by Django under ``/editie/2025/``. Navigation, evidence click-through and axe-core."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import axe_violations
from tests.editions.sitecheck import norm

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _no_external_requests(page, root_url: str) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if not r.url.startswith(root_url) else None)
    return seen


def _follow_evidence(page) -> None:
    """Click the first evidence link on the page; the passage it lands on holds the quote."""
    link = page.locator("li.ed-quote a.ed-evidence").first
    quote = norm(page.locator("li.ed-quote blockquote").first.inner_text()).strip("“”")
    link.click()
    page.wait_for_load_state()
    fragment = page.url.split("#", 1)[1]
    assert fragment.startswith("passage-")
    target = page.locator(f"[id='{fragment}']")
    assert target.is_visible()
    assert quote in norm(target.inner_text())
    assert "Pagina" in target.inner_text() or "Page" in target.inner_text()


def _axe(page, name: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"{name}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in violations)


def test_site_from_the_file_system(page, built_edition):
    root = built_edition.out.as_uri()
    external = _no_external_requests(page, "file://")
    page.goto(f"{root}/index.html")
    assert "Staat van de Uitvoering 2025" in page.title()
    _axe(page, "opening page")
    page.get_by_role("navigation", name="Editie").get_by_role("link", name="Rode draden").click()
    page.wait_for_load_state()
    assert page.url.endswith("/rode-draden.html")
    page.locator("article.ed-thread h2 a").first.click()
    page.wait_for_load_state()
    assert "/draden/" in page.url
    _axe(page, "thread page")
    _follow_evidence(page)
    _axe(page, "source page")
    page.get_by_role("navigation", name="Editie").get_by_role("link", name="Verantwoording").click()
    page.wait_for_load_state()
    assert page.url.endswith("/methode.html")
    _axe(page, "methodology")
    page.get_by_role("navigation", name="Editie").get_by_role("link", name="Organisaties").click()
    page.locator("table a").first.click()
    page.wait_for_load_state()
    assert "/organisaties/" in page.url
    _follow_evidence(page)
    assert not external, external


def test_site_served_by_django(page, built_edition, live_server, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    shutil.copytree(built_edition.out, tmp_path / "editions" / "2025")
    external = _no_external_requests(page, live_server.url)
    page.goto(live_server.url + "/")
    assert page.url == f"{live_server.url}/editie/2025/"
    assert page.locator("h1").first.inner_text() == "Staat van de Uitvoering 2025"
    # the served copy offers the way into the workshop
    workshop = page.get_by_role("link", name="Naar de werkplaats", exact=False)
    assert workshop.get_attribute("href") == "/werkplaats/"
    _axe(page, "served opening page")
    page.get_by_role("navigation", name="Editie").get_by_role("link", name="Wat goed gaat").click()
    page.wait_for_load_state()
    assert page.url.endswith("/editie/2025/wat-goed-gaat.html")
    _follow_evidence(page)
    response = page.request.get(f"{live_server.url}/editie/2025/data/bevindingen.csv")
    assert response.ok and response.headers["content-type"].startswith("text/csv")
    response = page.request.get(f"{live_server.url}/editie/2025/staat-van-de-uitvoering-2025.pdf")
    assert response.ok and response.body()[:5] == b"%PDF-"
    assert page.request.get(f"{live_server.url}/editie/2025/../../staat.sqlite3").status == 404
    page.goto(live_server.url + "/editie/2025/")
    page.get_by_role("link", name="Naar de werkplaats", exact=False).click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/werkplaats/"
    assert not external, external

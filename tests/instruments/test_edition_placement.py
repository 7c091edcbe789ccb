# SPDX-License-Identifier: EUPL-1.2
"""A researcher places an instrument result in an edition; the builder publishes it suppressed."""

from __future__ import annotations

from lxml import html

from staat.editions import services as editions
from staat.instruments import services
from tests.instruments.conftest import populate, wave_for


def test_a_placed_result_is_built_into_the_site_with_small_groups_hidden(
    loaded, organisations, tmp_path, settings
):
    settings.DATA_DIR = tmp_path
    wave = wave_for(loaded["culture"], "Medewerkersonderzoek 2025", 2025)
    populate(wave, organisations)
    params = {"instrument": "culture", "wave": wave.name, "by": "type"}
    expected = services.edition_result("scores", params)
    edition = editions.ensure_edition(2025, with_items=True)
    editions.add_item(edition, kind="instrument_result", key="scores", params=params,
                      section="metingen", text="Fictieve meting voor de test.")
    result = editions.build(edition, tmp_path / "out")
    pages = [p for p in (tmp_path / "out").rglob("*.html")
             if expected.title in p.read_text(encoding="utf-8") and "<table" in p.read_text(encoding="utf-8")]
    assert pages, "the placed result appears with its table on a page of the site"
    doc = html.fromstring(pages[0].read_text(encoding="utf-8"))
    table = next(t for t in doc.iter("table") if expected.title in t.text_content())
    cells = [[td.text_content().strip() for td in tr.iter("td")] for tr in table.iter("tr")]
    assert [row for row in cells if row] == expected.cells()
    assert "—" in {c for row in cells for c in row}, "a group below the minimum stays hidden"
    assert doc.xpath("//figure[contains(@class, 'ed-chart')]//svg") or "<svg" in html.tostring(doc).decode()
    assert result.pdf_path is None or result.pdf_path.exists()

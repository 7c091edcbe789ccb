# SPDX-License-Identifier: EUPL-1.2
"""The built edition on disk: every link resolves, every evidence link reaches a passage that
holds the quoted words, open data and charts are there, builds are deterministic, and the
PDF keeps to its page budget with extractable text."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from lxml import html as lhtml

from tests.editions.sitecheck import check_site, norm

#: the session fixture that builds the edition needs the test database
pytestmark = pytest.mark.django_db
BUDGET = 15


def cls(name: str) -> str:
    """XPath test for a class token (lxml without the cssselect package)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def test_every_link_and_evidence_link_resolves(built_edition):
    report = check_site(built_edition.out)
    assert not report.problems, "\n".join(report.problems[:30])
    assert report.pages > 10
    assert report.evidence_links > 20, report


def test_pages_and_files(built_edition):
    out = built_edition.out
    for rel in ("index.html", "wat-goed-gaat.html", "rode-draden.html", "oproepen.html",
                "terugblik.html", "draden/index.html", "organisaties/index.html",
                "bronnen/index.html", "methode.html", "open-data.html",
                "assets/utrecht.css", "assets/utrecht-tokens.css", "assets/site.css",
                "data/bevindingen.csv", "data/bevindingen.json", "data/rode-draden.csv",
                "data/rode-draden.json", "data/oproepen.json", "data/codeboek.csv",
                "data/codeboek.json", "staat-van-de-uitvoering-2025.pdf", "build-info.json"):
        assert (out / rel).is_file(), rel
    for code in ("threads-over-years", "findings-by-theme-year", "findings-by-organisation-type"):
        spec = json.loads((out / "charts" / f"{code}.vl.json").read_text(encoding="utf-8"))
        assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
        assert (out / "charts" / f"{code}.svg").read_text(encoding="utf-8").startswith("<svg")
    assert list((out / "organisaties").glob("fic-*.html"))


def test_what_goes_well_comes_first_and_pages_say_fictional(built_edition):
    index = lhtml.fromstring((built_edition.out / "index.html").read_bytes())
    sections = [norm(h.text_content()) for h in index.iter("h2")]
    assert sections[0] == "Wat goed gaat", sections
    nav = [norm(a.text_content()) for a in index.xpath("//nav//a")]
    assert nav[:3] == ["Home", "Wat goed gaat", "Rode draden"], nav
    for page in built_edition.out.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "ed-fiction" in text, f"{page} does not say the data are fictional"


def test_calls_with_follow_up_cite_their_sources(built_edition):
    page = lhtml.fromstring((built_edition.out / "terugblik.html").read_bytes())
    calls = page.xpath(f"//article[{cls('ed-call')}]")
    assert calls, "the look back shows earlier calls"
    text = norm(page.text_content())
    assert "Betrek de uitvoering vanaf het begin" in text
    assert "in uitvoering" in text  # a follow-up status
    assert page.xpath(f"//article[{cls('ed-call')}]//a[{cls('ed-evidence')}]"
                      "[starts-with(@href, 'bronnen/')]")


def test_open_data_is_consistent_with_the_site(built_edition):
    out = built_edition.out
    rows = list(csv.DictReader((out / "data" / "bevindingen.csv").open(encoding="utf-8")))
    data = json.loads((out / "data" / "bevindingen.json").read_text(encoding="utf-8"))
    assert len(rows) == len(data) > 0
    assert {"id", "source_id", "kind", "text", "page", "char_start", "char_end", "themes",
            "status"} <= set(rows[0])
    assert all(r["status"] != "rejected" for r in data)
    threads = json.loads((out / "data" / "rode-draden.json").read_text(encoding="utf-8"))
    for t in threads[:5]:
        assert (out / "draden").glob("*.html")
        assert t["label"] and t["history"]


def test_open_data_rows_match_staat_findings_export(built_edition):
    """The edition's fast bulk reader gives exactly the rows of ``staat findings export``."""
    assert built_edition.open_data_rows == built_edition.export_rows


def test_builds_are_identical_except_the_timestamp(built_edition):
    # and they read part of the data in a thread beside the main one (their own connection;
    # the SQLite test database is a file, so on both databases)
    assert built_edition.read_aside
    a, b = built_edition.out, built_edition.twin
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    differ = [str(p) for p in files_a if (a / p).read_bytes() != (b / p).read_bytes()]
    assert differ in ([], ["build-info.json"]), differ


def _pdf(path: Path):
    doc = pdfium.PdfDocument(path)
    toc = [(item.get_title(), item.get_dest().get_index()) for item in doc.get_toc()]
    text = [doc[i].get_textpage().get_text_range() for i in range(len(doc))]
    return doc, toc, text


def test_pdf_body_within_budget_text_extractable_with_thread_labels(built_edition):
    out = built_edition.out
    doc, toc, text = _pdf(out / "staat-van-de-uitvoering-2025.pdf")
    appendix = next(index for title, index in toc if title.startswith("Bijlage"))
    body_pages = appendix - 1  # the cover is page 0
    assert 1 <= body_pages <= BUDGET
    assert body_pages == built_edition.result.pdf_body_pages
    body_text = norm(" ".join(text[1:appendix]))
    assert "Wat goed gaat" in body_text and "Rode draden" in body_text
    labels = []
    for rel in ("wat-goed-gaat.html", "rode-draden.html"):
        page = lhtml.fromstring((out / rel).read_bytes())
        labels += [norm(h.text_content()) for h in page.xpath(f"//article[{cls('ed-thread')}]/h2")]
    assert labels
    for label in labels:
        assert label in body_text, f"thread {label!r} not in the PDF text"
    # every quote in the body carries a source reference with a page number
    assert body_text.count("“") >= 1 and ", p. " in body_text
    assert "Fictieve gegevens" in norm(text[0])
    doc.close()


def test_pdf_trims_lower_ranked_threads_to_fit_a_budget(built_edition):
    small = built_edition.small_budget
    assert small.trimmed, "a two-page budget cannot hold every thread"
    assert small.pdf_body_pages <= 2 or not any(
        "rode-draden" in line for line in small.log)
    assert any("left out of the PDF" in line for line in small.log)
    methodology = (small.out / "methode.html").read_text(encoding="utf-8")
    assert small.trimmed[0] in methodology


def test_pages_rendered_by_two_processes_are_the_same(built_edition):
    folder, forked = built_edition.parallel
    assert forked, "the test process ran other threads when the edition was built"
    one, two = _folder(built_edition.twin), _folder(folder)
    assert set(one) == set(two)
    assert [rel for rel in one if rel != "build-info.json" and one[rel] != two[rel]] == []


def test_pages_are_what_django_renders(built_edition):
    """The site writer renders a page's blocks into a frame rendered once: the same text as
    rendering the whole template."""
    rendered = built_edition.rendered
    assert {t for t, _page, _same in rendered} >= {
        "index.html", "thread.html", "organisation.html", "source.html", "section.html",
        "methodology.html", "opendata.html", "threads.html"}
    assert [(t, page) for t, page, same in rendered if not same] == []


def _folder(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in folder.rglob("*") if p.is_file()}

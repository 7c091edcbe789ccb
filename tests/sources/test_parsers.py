# SPDX-License-Identifier: EUPL-1.2
"""Parsing real files, normal and hostile, through the public ``parse_file`` (sandboxed)."""

from __future__ import annotations

import pickle
import shutil
import sys
import zipfile
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from staat.nlp.document import BLOCK_KINDS, ParsedDocument
from staat.sources.parsers import MESSAGES, IngestError, Limits, parse_file

FIXTURES = Path(__file__).parent / "fixtures"
sys.path.insert(0, str(FIXTURES))
import make_fixtures  # noqa: E402


def parse(name: str, **kwargs) -> ParsedDocument:
    return parse_file(FIXTURES / name, **kwargs)


def fails(path: Path | str, code: str, **kwargs) -> IngestError:
    """Parse ``path``, expect error ``code`` and a message that names the file."""
    path = Path(path)
    if not path.is_absolute():
        path = FIXTURES / path
    with pytest.raises(IngestError) as info:
        parse_file(path, **kwargs)
    error = info.value
    assert error.code == code, error.message
    shown = kwargs.get("filename") or path.name
    assert error.message.startswith(f"{shown}: "), error.message
    assert error.params["filename"] == shown
    return error


def headings(doc: ParsedDocument) -> list[tuple[int, str]]:
    return [(b.level, b.text) for b in doc.blocks if b.kind == "heading"]


def kinds(doc: ParsedDocument, kind: str) -> list[str]:
    return [b.text for b in doc.blocks if b.kind == kind]


def check_shape(doc: ParsedDocument) -> None:
    assert doc.blocks
    pages = [b.page for b in doc.blocks]
    assert pages == sorted(pages) and 1 <= pages[0] and pages[-1] <= doc.page_count
    for block in doc.blocks:
        assert block.kind in BLOCK_KINDS
        assert block.text == block.text.strip() and block.text
        assert (block.level > 0) == (block.kind == "heading")


# --- PDF ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_pdf() -> ParsedDocument:
    return parse("report.pdf")


def test_pdf_metadata_and_pages(report_pdf):
    check_shape(report_pdf)
    assert report_pdf.page_count == 4
    assert report_pdf.title == "Staat van de Uitvoering 2025"
    assert report_pdf.authors == "Werkgroep Staat van de Uitvoering"
    assert report_pdf.metadata["format"] == "pdf"
    assert {b.page for b in report_pdf.blocks} == {1, 2, 3, 4}


def test_pdf_headings_with_levels(report_pdf):
    found = headings(report_pdf)
    assert found[0] == (1, "Staat van de Uitvoering 2025")  # the big bold title
    assert (1, "1 Inleiding") in found
    assert (2, "1.1 Gegevensuitwisseling") in found
    assert (1, "3 Aanbevelingen") in found and (2, "3.1 Vervolgstappen") in found
    assert len(found) == 7


def test_pdf_list_items_without_bullets(report_pdf):
    items = kinds(report_pdf, "list_item")
    assert len(items) == 9
    assert items[0] == "Eerste knelpunt: de regels over inleiding zijn ingewikkeld."
    assert not any(item.startswith("•") for item in items)
    # a wrapped item stays one block, its lines joined by a line break
    assert any("\n" in item and item.startswith("Tweede knelpunt") for item in items)


def test_pdf_running_header_and_page_numbers_are_dropped(report_pdf):
    texts = [b.text for b in report_pdf.blocks]
    assert texts.count("Staat van de Uitvoering 2025") == 1  # the title only
    assert not any(t.startswith("Pagina") for t in texts)
    assert report_pdf.metadata["running_lines_removed"] == 8


def test_pdf_paragraphs_keep_raw_lines_and_hyphens(report_pdf):
    paragraphs = kinds(report_pdf, "paragraph")
    assert all(p.count("\n") >= 1 for p in paragraphs)  # multi-line, not joined
    # Justified Dutch text is hyphenated: lines end in "-" and are not repaired here.
    assert any(line.endswith("-") for p in paragraphs for line in p.split("\n"))
    assert not any("\ufffe" in p or "\x02" in p for p in paragraphs)
    first = paragraphs[0]
    assert first.startswith("De uitvoeringsorganisaties van de rijksoverheid")


def test_pdf_without_text_layer():
    error = fails("scan.pdf", "no_text_layer")
    assert "Run OCR first" in error.message


def test_encrypted_pdf():
    error = fails("encrypted.pdf", "encrypted")
    assert "password" in error.message


def test_encrypted_fixture_is_really_encrypted_with_a_known_password():
    pdf = pdfium.PdfDocument(str(FIXTURES / "encrypted.pdf"), password="geheim")
    text = pdf[0].get_textpage().get_text_range()
    assert "Vertrouwelijk rapport" in text


@pytest.mark.parametrize("name", ["truncated.pdf", "garbage.pdf"])
def test_corrupt_pdf(name):
    error = fails(name, "corrupt")
    assert "PDF" in error.message


def test_pdf_page_limit():
    error = fails("report.pdf", "too_many_pages", limits=Limits(max_pages=3))
    assert "4 pages" in error.message and "limit of 3" in error.message


# --- type, size and existence checks ------------------------------------------------------

def test_docx_named_pdf():
    error = fails("mismatch/rapport.pdf", "type_mismatch")
    assert error.message == (
        "rapport.pdf: the file is named .pdf but its content is a Word document (DOCX).")


def test_pdf_named_txt():
    error = fails("mismatch/notities.txt", "type_mismatch")
    assert "a PDF document" in error.message


def test_text_with_nul_bytes_named_txt():
    error = fails("nul-bytes.txt", "type_mismatch")
    assert "binary data" in error.message


def test_empty_file():
    assert fails("empty.txt", "empty").message == "empty.txt: the file is empty."


def test_too_large():
    error = fails("report.pdf", "too_large", limits=Limits(max_bytes=10_000))
    assert "limit of" in error.message


def test_unsupported_extension(tmp_path):
    path = tmp_path / "tabel.xlsx"
    path.write_bytes(b"PK\x03\x04")
    assert ".xlsx" in fails(path, "unsupported").message


def test_missing_file(tmp_path):
    fails(tmp_path / "weg.pdf", "not_found")


def test_display_name_for_temporary_uploads(tmp_path):
    upload = tmp_path / "tmp8x7q2"
    shutil.copyfile(FIXTURES / "report.docx", upload)
    fails(upload, "type_mismatch", filename="Rapport 2025.pdf")
    doc = parse_file(upload, filename="Rapport 2025.docx")
    assert doc.metadata["format"] == "docx"


# --- DOCX -----------------------------------------------------------------------------------

def test_docx_structure():
    doc = parse("report.docx")
    check_shape(doc)
    assert doc.title == "Knelpuntenbrief gemeente Voorbeeld"
    assert doc.authors == "Afdeling Uitvoering"
    assert headings(doc) == [(1, "Knelpuntenbrief 2025"), (1, "1 Inleiding"),
                             (2, "1.1 Gegevensuitwisseling"), (1, "2 Cijfers")]
    assert kinds(doc, "list_item") == ["Eerste knelpunt: toeslagen.",
                                       "Tweede knelpunt: herstel van fouten.",
                                       "Derde knelpunt: dubbele uitvraag."]
    assert kinds(doc, "table_row") == ["Regeling | Meldingen | Opgelost",
                                       "Huurtoeslag | 120 | 80", "Bijstand | 45 | 40"]
    assert doc.page_count == 2
    by_text = {b.text: b.page for b in doc.blocks}
    assert by_text["1 Inleiding"] == 1 and by_text["2 Cijfers"] == 2
    assert by_text["Huurtoeslag | 120 | 80"] == 2


def test_docx_rendered_page_breaks_are_not_counted_twice(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("Pagina een.")
    document.add_page_break()
    paragraph = document.add_paragraph()
    run = paragraph.add_run()
    run._r.append(OxmlElement("w:lastRenderedPageBreak"))  # what Word writes on save
    run.add_text("Pagina twee.")
    path = tmp_path / "gerenderd.docx"
    document.save(path)
    doc = parse_file(path)
    assert [(b.text, b.page) for b in doc.blocks] == [("Pagina een.", 1), ("Pagina twee.", 2)]
    assert doc.metadata["page_breaks"] == "rendered"


def test_docx_with_external_entity_is_refused():
    error = fails("xxe.docx", "corrupt")
    assert "DTD" in error.message and "root:" not in error.message


def test_docx_with_lying_zip_header():
    error = fails("lying-header.docx", "corrupt")
    assert "word/document.xml" in error.message


def test_docx_zip_bomb_of_one_gigabyte(tmp_path):
    path = tmp_path / "bom.docx"
    make_fixtures.write_zip_bomb(path)  # ~1 MB on disk, 1 GB inflated
    assert path.stat().st_size < 2 * 1024 * 1024
    error = fails(path, "zip_bomb")
    assert "compressed" in error.message or "MB uncompressed" in error.message


def test_zip_bomb_over_the_total_budget(tmp_path):
    path = tmp_path / "groot.docx"
    make_fixtures.write_zip_bomb(path, size=30 * 1024 * 1024)
    error = fails(path, "zip_bomb", limits=Limits(max_zip_uncompressed=20 * 1024 * 1024,
                                                  max_zip_ratio=10_000))
    assert "30 MB uncompressed" in error.message


def test_zip_with_too_many_entries(tmp_path):
    path = tmp_path / "veel.docx"
    make_fixtures.write_many_entries(path, 150)
    error = fails(path, "zip_bomb", limits=Limits(max_zip_entries=100))
    assert "151 entries" in error.message


def test_capped_reader_stops_at_the_budget(tmp_path):
    """Even with the directory checks relaxed, inflating stops at the budget."""
    from staat.sources.parsers.zipguard import read_member

    path = tmp_path / "bom.docx"
    make_fixtures.write_zip_bomb(path, size=8 * 1024 * 1024)
    with zipfile.ZipFile(path) as archive, pytest.raises(IngestError) as info:
        read_member(archive, "word/document.xml", filename="bom.docx",
                    limits=Limits(max_zip_uncompressed=2 * 1024 * 1024), format_name="DOCX")
    assert info.value.code == "zip_bomb"


# --- ODT ------------------------------------------------------------------------------------

def test_odt_structure():
    doc = parse("report.odt")
    check_shape(doc)
    assert doc.title == "Onderzoek naar de uitvoering"
    assert doc.authors == "Bureau Onderzoek"
    assert headings(doc) == [(1, "Onderzoek naar de uitvoering"), (1, "1 Aanleiding"),
                             (2, "1.1 Werkwijze"), (1, "2 Resultaten")]
    assert kinds(doc, "list_item") == ["Interviews met uitvoerders.", "Analyse van klachten."]
    assert kinds(doc, "table_row") == ["Organisatie | Knelpunten", "UWV | 12", "SVB | 7"]
    pages = {b.text: b.page for b in doc.blocks}
    assert pages["1.1 Werkwijze"] == 1 and pages["2 Resultaten"] == 2
    # a soft page break inside a paragraph splits it over two pages
    assert pages["Deze alinea begint op pagina twee en"] == 2
    assert pages["loopt door op pagina drie."] == 3
    assert doc.page_count == 3


def test_odt_billion_laughs_fails_safely():
    error = fails("billion-laughs.odt", "corrupt")
    assert "content.xml" in error.message


# --- HTML, Markdown, text -------------------------------------------------------------------

def test_html_structure():
    doc = parse("report.html")
    check_shape(doc)
    assert doc.title == "Signalen uit de uitvoering"
    assert doc.authors == "Redactie Staat"
    assert headings(doc) == [(1, "Signalen uit de uitvoering"), (2, "Knelpunten")]
    assert kinds(doc, "list_item") == ["Dubbele uitvraag van gegevens.",
                                       "Onduidelijke brieven", "te lang"]
    assert kinds(doc, "table_row") == ["Organisatie | Signalen", "UWV | 12"]
    paragraphs = kinds(doc, "paragraph")
    assert paragraphs[0] == ("Burgers lopen vast bij de aanvraag van een toeslag. "
                             "Uitvoerders zien dat regels elkaar tegenspreken.")
    assert "Regel een\nregel twee" in paragraphs
    everything = " ".join(b.text for b in doc.blocks)
    for dropped in ("Logo", "Home", "Contact", "console.log", "font-family"):
        assert dropped not in everything


def test_markdown_structure():
    doc = parse("report.md")
    check_shape(doc)
    assert doc.title == "Sessieverslag uitvoeringsdag" and doc.authors == "Team Staat"
    assert headings(doc) == [(1, "Sessieverslag"), (2, "Afspraken")]
    assert kinds(doc, "list_item") == [
        "Gemeenten delen signalen eerder.", "Het ministerie reageert binnen zes weken.",
        "eerst een ontvangstbevestiging", "dan een inhoudelijk antwoord"]
    assert kinds(doc, "table_row") == ["Actie | Wie", "Signalen bundelen | UWV"]
    assert kinds(doc, "paragraph")[0] == (
        "Deelnemers bespraken de knelpunten in de uitvoering van de\nParticipatiewet.")
    assert "title:" not in " ".join(b.text for b in doc.blocks)


def test_cp1252_text():
    doc = parse("legacy-cp1252.txt")
    check_shape(doc)
    assert doc.metadata["encoding"] == "cp1252"
    assert doc.page_count == 2
    assert headings(doc) == [(1, "1. INLEIDING"), (2, "2.1 Cijfers over 2024"),
                             (1, "PAGINA TWEE")]
    paragraphs = kinds(doc, "paragraph")
    assert paragraphs[0] == ("Dit is een oud Windows-bestand met een \u20ac-teken, "
                             "\u201caanhalingstekens\u201d en een re\u00efntegratietraject."
                             "\nDe regel loopt door.")
    assert kinds(doc, "list_item") == ["eerste punt", "tweede punt"]
    assert [b.page for b in doc.blocks if b.text == "Tekst op de tweede pagina."] == [2]


def test_utf8_text_with_bom(tmp_path):
    path = tmp_path / "notitie.txt"
    path.write_bytes("\ufeffEen alinea met één accent.\n".encode())
    doc = parse_file(path)
    assert doc.metadata["encoding"] == "utf-8-sig"
    assert doc.blocks[0].text == "Een alinea met één accent."


# --- errors ---------------------------------------------------------------------------------

def test_every_message_names_the_file():
    assert all("{filename}" in template for template in MESSAGES.values())


def test_ingest_error_survives_pickling():
    error = IngestError.of("encrypted", "geheim.pdf")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.message, copy.params) == (error.code, error.message, error.params)
    assert str(copy) == "geheim.pdf: the document is protected with a password. " \
                        "Remove the password and upload it again."

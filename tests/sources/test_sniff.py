# SPDX-License-Identifier: EUPL-1.2
"""The real type of a file from its bytes, and what happens when the name disagrees."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from staat.sources.parsers import FORMATS, IngestError, Limits, sniff_format
from staat.sources.parsers.sniff import detect_kind

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_formats_are_the_six_we_read():
    assert FORMATS == ("pdf", "docx", "odt", "html", "markdown", "text")


@pytest.mark.parametrize(("name", "filename", "expected"), [
    ("report.pdf", "a.pdf", "pdf"),
    ("report.docx", "a.docx", "docx"),
    ("report.odt", "a.odt", "odt"),
    ("report.html", "a.html", "html"),
    ("report.html", "a.htm", "html"),
    ("report.md", "a.md", "markdown"),
    ("report.md", "a.markdown", "markdown"),
    ("report.md", "a.txt", "text"),
    ("legacy-cp1252.txt", "a.txt", "text"),
    ("report.html", "a.md", "markdown"),  # Markdown may contain HTML
])
def test_real_files_are_recognised(name, filename, expected):
    assert sniff_format(fixture(name), filename) == expected


def test_extension_is_case_insensitive():
    assert sniff_format(fixture("report.pdf"), "RAPPORT.PDF") == "pdf"


def test_pdf_header_after_a_few_junk_bytes():
    assert sniff_format(b"\r\n\x00junk" + fixture("report.pdf"), "a.pdf") == "pdf"


def test_html_after_bom_and_comment():
    data = "\ufeff  <!-- gegenereerd -->\n<html><body><p>Hallo</p></body></html>".encode()
    assert detect_kind(io.BytesIO(data), filename="a.html") == "html"


def test_utf16_text_with_bom_is_text_despite_nul_bytes():
    data = "Tekst in UTF-16, zoals Kladblok die opslaat.".encode("utf-16")
    assert sniff_format(data, "notities.txt") == "text"


def test_docx_named_pdf_is_a_type_mismatch_naming_both():
    with pytest.raises(IngestError) as info:
        sniff_format(fixture("report.docx"), "rapport.pdf")
    assert info.value.code == "type_mismatch"
    assert info.value.message == (
        "rapport.pdf: the file is named .pdf but its content is a Word document (DOCX).")
    assert info.value.params["kind"] == "docx"


def test_pdf_named_docx_is_a_type_mismatch():
    with pytest.raises(IngestError) as info:
        sniff_format(fixture("report.pdf"), "brief.docx")
    assert info.value.code == "type_mismatch"
    assert "brief.docx" in info.value.message and "a PDF document" in info.value.message


def test_binary_named_txt_is_a_type_mismatch():
    with pytest.raises(IngestError) as info:
        sniff_format(fixture("nul-bytes.txt"), "nul-bytes.txt")
    assert info.value.code == "type_mismatch"
    assert "nul-bytes.txt" in info.value.message and "binary" in info.value.message


@pytest.mark.parametrize(("data", "kind", "words"), [
    (zip_bytes({"xl/workbook.xml": b"<x/>"}), "xlsx", "Excel"),
    (zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                "content.xml": b"<x/>"}), "ods", "spreadsheet"),
    (zip_bytes({"foto.jpg": b"\xff\xd8\xff"}), "zip", "ZIP archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "ole", "older Microsoft Office"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "png", "PNG image"),
    (b"{\\rtf1\\ansi Hallo}", "rtf", "Rich Text"),
])
def test_other_kinds_are_named(data, kind, words):
    assert detect_kind(io.BytesIO(data), filename="x.docx") == kind
    with pytest.raises(IngestError) as info:
        sniff_format(data, "x.docx")
    assert info.value.code == "type_mismatch"
    assert words in info.value.message and info.value.message.startswith("x.docx: ")


def test_password_protected_office_file_is_encrypted():
    data = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)
            + "EncryptedPackage".encode("utf-16-le") + bytes(100))
    with pytest.raises(IngestError) as info:
        sniff_format(data, "geheim.docx")
    assert info.value.code == "encrypted"
    assert "geheim.docx" in info.value.message


def test_empty_bytes():
    with pytest.raises(IngestError) as info:
        sniff_format(b"", "leeg.pdf")
    assert info.value.code == "empty"
    assert info.value.message == "leeg.pdf: the file is empty."


@pytest.mark.parametrize("filename", ["tabel.xlsx", "script.exe", "geen-extensie"])
def test_unknown_extension_is_unsupported(filename):
    with pytest.raises(IngestError) as info:
        sniff_format(b"Hallo", filename)
    assert info.value.code == "unsupported"
    assert info.value.message.startswith(f"{filename}: ")


def test_declared_format_overrides_the_extension():
    assert sniff_format(fixture("report.pdf"), "upload.tmp", declared_format="pdf") == "pdf"
    with pytest.raises(IngestError) as info:
        sniff_format(fixture("report.docx"), "upload.tmp", declared_format="pdf")
    assert info.value.code == "type_mismatch"
    assert "upload.tmp: the file is named PDF" in info.value.message


def test_zip_with_too_many_entries_is_refused_before_reading_its_directory():
    data = zip_bytes({f"word/{i}.xml": b"" for i in range(30)})
    with pytest.raises(IngestError) as info:
        sniff_format(data, "veel.docx", limits=Limits(max_zip_entries=10))
    assert info.value.code == "zip_bomb"
    assert "veel.docx" in info.value.message and "30 entries" in info.value.message


def test_control_characters_make_it_binary():
    data = bytes(range(1, 32)) * 10 + b"tekst"
    assert detect_kind(io.BytesIO(data), filename="a.txt") == "binary"

# SPDX-License-Identifier: EUPL-1.2
"""The real type of a file from its bytes, checked against what its name says.

:func:`detect_kind` names what the bytes are (one of :data:`FORMATS` or a kind we refuse, such
as ``xlsx`` or ``binary``); :func:`sniff_format` decides which parser to use or raises
``empty``, ``unsupported`` or ``type_mismatch``.
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from typing import BinaryIO

from .errors import IngestError
from .limits import Limits
from .textcodec import sample_encoding
from .zipguard import has_member, open_zip

FORMATS: tuple[str, ...] = ("pdf", "docx", "odt", "html", "markdown", "text")
EXTENSIONS: dict[str, str] = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".odt": "odt",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".txt": "text",
}
BINARY_FORMATS = frozenset({"pdf", "docx", "odt"})
TEXT_FORMATS = frozenset({"html", "markdown", "text"})

#: How a kind of content is named in messages ("... but its content is <name>").
KIND_NAMES: dict[str, str] = {
    "pdf": "a PDF document",
    "docx": "a Word document (DOCX)",
    "odt": "an OpenDocument text (ODT)",
    "html": "an HTML page",
    "markdown": "Markdown text",
    "text": "plain text",
    "xlsx": "an Excel workbook (XLSX)",
    "pptx": "a PowerPoint presentation (PPTX)",
    "ods": "an OpenDocument spreadsheet (ODS)",
    "odp": "an OpenDocument presentation (ODP)",
    "odf": "another kind of OpenDocument file",
    "epub": "an e-book (EPUB)",
    "zip": "a ZIP archive",
    "ole": "an older Microsoft Office file (DOC, XLS or PPT)",
    "encrypted_office": "a password-protected Microsoft Office file",
    "rtf": "a Rich Text Format document (RTF)",
    "png": "a PNG image",
    "jpeg": "a JPEG image",
    "gif": "a GIF image",
    "tiff": "a TIFF image",
    "gzip": "a compressed (gzip) file",
    "binary": "binary data, not text",
}
#: The format's name in "not a valid ..." messages.
FORMAT_NAMES: dict[str, str] = {
    "pdf": "PDF file",
    "docx": "Word document (DOCX)",
    "odt": "OpenDocument text (ODT)",
    "html": "HTML page",
    "markdown": "Markdown file",
    "text": "text file",
}

HEAD_SIZE = 64 * 1024
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "ole"),
    (b"{\\rtf", "rtf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
    (b"\x1f\x8b", "gzip"),
)
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/epub+zip": "epub",
}
_HTML_START = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"<(?:!doctype\s+html|html|head|body|meta|title|p|div|h[1-6]|table|ul|ol|section|article"
    r"|main|header|nav|span|a|br|script|style|link)\b",
    re.IGNORECASE | re.DOTALL,
)
_PDF_HEADER = re.compile(rb"%PDF-\d")
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")


def extension_format(filename: str) -> str | None:
    """The format a file name's extension promises, or None if we do not take it."""
    return EXTENSIONS.get(os.path.splitext(filename)[1].lower())


def _zip_kind(stream: BinaryIO, filename: str, limits: Limits) -> str:
    archive = open_zip(stream, filename=filename, limits=limits)
    with archive:
        if has_member(archive, "mimetype"):
            info = archive.getinfo("mimetype")
            if info.file_size <= 200:
                try:
                    mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
                    mimetype = ""
                if mimetype in _ODF_MIMETYPES:
                    return _ODF_MIMETYPES[mimetype]
                if mimetype.startswith("application/vnd.oasis.opendocument"):
                    return "odf"
        names = archive.namelist()
        if "word/document.xml" in names or any(n.startswith("word/") for n in names[:200]):
            return "docx"
        if any(n.startswith("xl/") for n in names[:200]):
            return "xlsx"
        if any(n.startswith("ppt/") for n in names[:200]):
            return "pptx"
        if "content.xml" in names and "META-INF/manifest.xml" in names:
            return "odf"
    return "zip"


def _is_encrypted_office(stream: BinaryIO) -> bool:
    """Password-protected DOCX/XLSX are OLE files holding an ``EncryptedPackage`` stream."""
    stream.seek(0)
    head = stream.read(1024 * 1024)
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(max(0, size - 1024 * 1024))
    tail = stream.read()
    return _ENCRYPTED_PACKAGE in head or _ENCRYPTED_PACKAGE in tail


def detect_kind(stream: BinaryIO, *, filename: str, limits: Limits = Limits()) -> str:
    """What the bytes are: ``empty``, one of :data:`FORMATS` (``text`` for any readable text;
    the name decides Markdown) or a key of :data:`KIND_NAMES`."""
    stream.seek(0)
    head = stream.read(HEAD_SIZE)
    if not head:
        return "empty"
    if _PDF_HEADER.search(head, 0, 1024):
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(stream, filename, limits)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            if kind == "ole" and _is_encrypted_office(stream):
                return "encrypted_office"
            return kind
    encoding = sample_encoding(head)
    if encoding is None:
        return "binary"
    text = head[:4096].decode(encoding, "ignore").lstrip("\ufeff")
    if _HTML_START.match(text):
        return "html"
    return "text"


def resolve_format(kind: str, expected: str, *, filename: str, label: str) -> str:
    """The parser to use when the bytes are ``kind`` and the name or caller says ``expected``."""
    if kind == "empty":
        raise IngestError.of("empty", filename)
    if kind == expected:
        return expected
    if expected in TEXT_FORMATS and kind in ("text", "html"):
        # Text-like content: the name decides how to read it (Markdown may hold HTML).
        return expected
    if expected == "docx" and kind == "encrypted_office":
        raise IngestError.of("encrypted", filename)
    raise IngestError.of("type_mismatch", filename, extension=label,
                         actual=KIND_NAMES.get(kind, kind), expected=expected, kind=kind)


def expected_format(filename: str, declared_format: str | None) -> tuple[str, str]:
    """``(format, label)`` the caller or file name promises; ``unsupported`` if neither does."""
    if declared_format is not None:
        if declared_format not in FORMATS:
            raise ValueError(f"unknown format {declared_format!r}; use one of {FORMATS}")
        ext = os.path.splitext(filename)[1].lower()
        label = ext if EXTENSIONS.get(ext) == declared_format else declared_format.upper()
        return declared_format, label
    ext = os.path.splitext(filename)[1].lower()
    fmt = EXTENSIONS.get(ext)
    if fmt is None:
        raise IngestError.of("unsupported", filename, extension=ext or "(no extension)")
    return fmt, ext


def sniff_stream(stream: BinaryIO, filename: str, *, declared_format: str | None = None,
                 limits: Limits = Limits()) -> str:
    """:func:`sniff_format` for an open binary file."""
    expected, label = expected_format(filename, declared_format)
    kind = detect_kind(stream, filename=filename, limits=limits)
    return resolve_format(kind, expected, filename=filename, label=label)


def sniff_format(data: bytes, filename: str, *, declared_format: str | None = None,
                 limits: Limits = Limits()) -> str:
    """The format to parse ``data`` with (one of :data:`FORMATS`).

    Raises :class:`IngestError` ``empty``, ``unsupported`` (unknown extension),
    ``type_mismatch`` (the name says one thing and the bytes another), ``encrypted``,
    ``zip_bomb`` or ``corrupt`` (a ZIP whose directory cannot be read).
    """
    return sniff_stream(io.BytesIO(data), filename, declared_format=declared_format,
                        limits=limits)

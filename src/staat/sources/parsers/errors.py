# SPDX-License-Identifier: EUPL-1.2
"""The one exception the parsers raise, with a machine-readable code and a user-facing message.

Messages are plain English with the file name filled in. They double as message ids: the
Django layer translates by ``code`` (``MESSAGES[code]`` is the msgid) and formats the
translation with ``params``, so nothing here imports Django.
"""

from __future__ import annotations

from typing import Any

#: One English template per error code. Every template names the file.
MESSAGES: dict[str, str] = {
    "not_found": "{filename}: the file does not exist or cannot be read.",
    "empty": "{filename}: the file is empty.",
    "unsupported": (
        "{filename}: files of type {extension} are not supported. "
        "Upload a PDF, DOCX, ODT, HTML, Markdown or plain-text file."
    ),
    "type_mismatch": "{filename}: the file is named {extension} but its content is {actual}.",
    "too_large": "{filename}: the file is {size_mb} MB, more than the limit of {limit_mb} MB.",
    "too_many_pages": "{filename}: the document has {pages} pages, more than the limit of {limit}.",
    "encrypted": (
        "{filename}: the document is protected with a password. "
        "Remove the password and upload it again."
    ),
    "corrupt": "{filename}: the file is damaged or is not a valid {format_name} ({detail}).",
    "no_text_layer": (
        "{filename}: the PDF has no text layer: it is probably a scan. "
        "Run OCR first or upload the original document."
    ),
    "no_text": "{filename}: the file contains no text.",
    "zip_bomb": (
        "{filename}: the file would unpack to far more data than it holds ({detail}); "
        "it was not opened, to protect the server."
    ),
    "timeout": (
        "{filename}: reading the file took longer than {seconds} seconds and was stopped."
    ),
    "memory": (
        "{filename}: reading the file needed more than {memory_mb} MB of memory and was stopped."
    ),
    "parse_failed": "{filename}: the file could not be read ({detail}).",
}


class _Params(dict):
    """Leaves an unknown placeholder visible instead of failing to format."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def format_message(code: str, params: dict[str, Any]) -> str:
    """Fill the template for ``code`` with ``params`` (unknown codes fall back to parse_failed)."""
    template = MESSAGES.get(code, MESSAGES["parse_failed"])
    return template.format_map(_Params(params))


class IngestError(Exception):
    """A file could not be read. ``code`` is for machines, ``message`` for people.

    The constructor takes a ready message (other layers raise their own codes this way);
    parsers use :meth:`of`, which fills the template from :data:`MESSAGES`.
    """

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, message, params)
        self.code = code
        self.message = message
        self.params: dict[str, Any] = dict(params or {})

    @classmethod
    def of(cls, code: str, filename: str, **params: Any) -> IngestError:
        """The error ``code`` for ``filename`` with its message from :data:`MESSAGES`."""
        params = {"filename": filename, **params}
        return cls(code, format_message(code, params), params)

    @property
    def filename(self) -> str:
        return str(self.params.get("filename", ""))

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"IngestError({self.code!r}, {self.message!r})"

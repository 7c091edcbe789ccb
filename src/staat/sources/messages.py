# SPDX-License-Identifier: EUPL-1.2
"""Ingest errors in the user's language.

``staat.sources.parsers.errors`` keeps one English message per error code and knows nothing
of Django. Here each code gets a translatable template (English message id, Dutch in the
catalogue) filled with the error's ``params``. An unknown code falls back to the error's
own English message, so a new code never hides what went wrong.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR_TEMPLATES: dict[str, Any] = {
    "not_found": _("%(filename)s: the file does not exist or cannot be read."),
    "empty": _("%(filename)s: the file is empty."),
    "unsupported": _(
        "%(filename)s: files of type %(extension)s are not supported. "
        "Upload a PDF, DOCX, ODT, HTML, Markdown or plain-text file."
    ),
    "type_mismatch": _(
        "%(filename)s: the file is named %(extension)s but its content is %(actual)s."
    ),
    "too_large": _(
        "%(filename)s: the file is %(size_mb)s MB, more than the limit of %(limit_mb)s MB."
    ),
    "too_many_pages": _(
        "%(filename)s: the document has %(pages)s pages, more than the limit of %(limit)s."
    ),
    "encrypted": _(
        "%(filename)s: the document is protected with a password. "
        "Remove the password and upload it again."
    ),
    "corrupt": _(
        "%(filename)s: the file is damaged or is not a valid %(format_name)s (%(detail)s)."
    ),
    "no_text_layer": _(
        "%(filename)s: the PDF has no text layer: it is probably a scan. "
        "Run OCR first or upload the original document."
    ),
    "no_text": _("%(filename)s: the file contains no text."),
    "zip_bomb": _(
        "%(filename)s: the file would unpack to far more data than it holds (%(detail)s); "
        "it was not opened, to protect the server."
    ),
    "timeout": _(
        "%(filename)s: reading the file took longer than %(seconds)s seconds and was stopped."
    ),
    "memory": _(
        "%(filename)s: reading the file needed more than %(memory_mb)s MB of memory "
        "and was stopped."
    ),
    "parse_failed": _("%(filename)s: the file could not be read (%(detail)s)."),
    "unknown_organisation": _("%(filename)s: unknown organisation code(s): %(codes)s"),
    "invalid_kind": _("%(filename)s: unknown kind '%(kind)s'"),
}


class _Params(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def ingest_error_message(error) -> str:
    """The error's message in the active language; its English message if we cannot do better."""
    template = ERROR_TEMPLATES.get(getattr(error, "code", ""))
    params = dict(getattr(error, "params", {}) or {})
    if template is None:
        return str(getattr(error, "message", error))
    try:
        return str(template) % _Params(params)
    except (KeyError, TypeError, ValueError):
        return str(getattr(error, "message", error))

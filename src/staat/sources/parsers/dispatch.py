# SPDX-License-Identifier: EUPL-1.2
"""What runs inside the sandbox: sniff the bytes, then call the parser for the format.

The fork server imports this module (and with it every parser and its libraries) once, so
each sandboxed parse starts with everything loaded.
"""

from __future__ import annotations

from collections.abc import Callable

from staat.nlp.document import ParsedDocument

from .docx import parse_docx
from .html import parse_html
from .limits import Limits
from .markdown import parse_markdown
from .odt import parse_odt
from .pdf import parse_pdf
from .sniff import sniff_stream
from .text import parse_text

Parser = Callable[[str, str, Limits], ParsedDocument]
PARSERS: dict[str, Parser] = {
    "pdf": parse_pdf,
    "docx": parse_docx,
    "odt": parse_odt,
    "html": parse_html,
    "markdown": parse_markdown,
    "text": parse_text,
}


def parse_path(path: str, filename: str, declared_format: str | None,
               limits: Limits) -> ParsedDocument:
    """Sniff and parse ``path`` in this process (the sandbox calls this in its child)."""
    with open(path, "rb") as fh:
        fmt = sniff_stream(fh, filename, declared_format=declared_format, limits=limits)
    document = PARSERS[fmt](path, filename, limits)
    document.metadata.setdefault("format", fmt)
    return document

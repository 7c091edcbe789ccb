# SPDX-License-Identifier: EUPL-1.2
"""File parsers that are safe against hostile input (no Django in this package).

``parse_file`` checks a file's size, works out its real type from the bytes, checks ZIP
packages for bombs, and parses it in a sandboxed child process with a time and memory
limit. The result is a :class:`staat.nlp.document.ParsedDocument`; every failure is an
:class:`~staat.sources.parsers.errors.IngestError` with a ``code`` and a message that names
the file.
"""

from __future__ import annotations

import os
from pathlib import Path

from staat.nlp.document import Block, ParsedDocument

from .errors import MESSAGES, IngestError
from .limits import MB, Limits
from .sandbox import run_sandboxed
from .sniff import EXTENSIONS, FORMATS, expected_format, sniff_format

__all__ = [
    "EXTENSIONS", "FORMATS", "MESSAGES", "Block", "IngestError", "Limits", "ParsedDocument",
    "parse_file", "sniff_format",
]


def parse_file(path: str | os.PathLike[str], *, declared_format: str | None = None,
               filename: str | None = None, limits: Limits = Limits()) -> ParsedDocument:
    """Parse one file into blocks, in a sandboxed child process.

    ``filename`` is the name shown in messages and whose extension says what the file
    should be (default: the name of ``path``, useful when ``path`` is a temporary upload);
    ``declared_format`` (one of :data:`FORMATS`) overrides the extension. Cheap checks
    (existence, emptiness, size, extension) run here; sniffing, ZIP checks and parsing run
    in the child. Raises :class:`IngestError`.
    """
    path = Path(path)
    filename = filename or path.name
    expected_format(filename, declared_format)  # unsupported extension: fail before forking
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise OSError("not a regular file")
    except OSError:
        raise IngestError.of("not_found", filename) from None
    if size == 0:
        raise IngestError.of("empty", filename)
    if size > limits.max_bytes:
        raise IngestError.of("too_large", filename, size_mb=_mb(size),
                             limit_mb=_mb(limits.max_bytes), size=size)
    from .dispatch import parse_path

    return run_sandboxed(parse_path, str(path), filename, declared_format, limits,
                         filename=filename, limits=limits)


def _mb(size: int) -> str:
    return f"{size / MB:.1f}".rstrip("0").rstrip(".")

# SPDX-License-Identifier: EUPL-1.2
"""Deciding whether bytes are text, and decoding them: UTF-8 (BOM or not), UTF-16 with a BOM,
and cp1252 (then Latin-1) for legacy Windows files."""

from __future__ import annotations

import codecs

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters that never occur in text (tab, LF, CR, form feed and ESC-free).
_ALLOWED_CONTROLS = frozenset("\t\n\r\f\v")
MAX_CONTROL_SHARE = 0.01


def bom_encoding(data: bytes) -> str | None:
    for bom, name in BOMS:
        if data.startswith(bom):
            return name
    return None


def _decode_sample(sample: bytes, encoding: str) -> str | None:
    """Decode a possibly truncated sample; None if it is not valid in ``encoding``."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        return decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def sample_encoding(sample: bytes) -> str | None:
    """The encoding the sample decodes with, or None if it does not look like text."""
    encoding = bom_encoding(sample)
    if encoding is None and b"\x00" in sample:
        return None
    candidates = [encoding] if encoding else ["utf-8", "cp1252", "latin-1"]
    for candidate in candidates:
        text = _decode_sample(sample, candidate)
        if text is None:
            continue
        if looks_like_text(text):
            return candidate
        return None
    return None


def looks_like_text(text: str) -> bool:
    """No NUL characters and hardly any other control characters."""
    if "\x00" in text:
        return False
    if not text:
        return True
    controls = sum(1 for ch in text if ch < " " and ch not in _ALLOWED_CONTROLS)
    controls += text.count("\x7f")
    return controls / len(text) <= MAX_CONTROL_SHARE


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole file: ``(text, encoding name)``. Never fails (Latin-1 is the last resort)."""
    encoding = bom_encoding(data)
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            pass
    for candidate in ("utf-8", "cp1252"):
        try:
            return data.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"

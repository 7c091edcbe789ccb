# SPDX-License-Identifier: EUPL-1.2
"""Language identification with py3langid, restricted to the languages our sources use.

py3langid ships its model inside the package (no download). Frisian (``fy``) is in the
model; Papiamento is not, so Papiamento text comes out as the closest listed language.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["LANGUAGES", "MAX_SAMPLE", "MIN_LETTERS", "detect_language"]

#: Languages we distinguish (ISO 639-1). Afrikaans is left out on purpose: short Dutch
#: passages are too easily taken for it.
LANGUAGES: tuple[str, ...] = ("nl", "en", "de", "fr", "fy", "es", "it", "pt", "pl", "tr", "ar")
#: At most this many characters are sampled (spread over the text).
MAX_SAMPLE = 20_000
#: Fewer letters than this gives ``"und"``.
MIN_LETTERS = 20

_LETTER_RE = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE)
    ident.set_languages(list(LANGUAGES))
    return ident


def _sample(text: str, size: int) -> str:
    """Up to ``size`` characters: four evenly spaced windows, cut at spaces."""
    if len(text) <= size:
        return text
    parts, window = [], size // 4
    step = (len(text) - window) // 3
    for i in range(4):
        a = i * step
        chunk = text[a : a + window]
        first, last = chunk.find(" "), chunk.rfind(" ")
        if 0 <= first < last:
            chunk = chunk[first + 1 : last]
        parts.append(chunk)
    return "\n".join(parts)


def detect_language(text: str) -> str:
    """ISO 639-1 code of the language of ``text`` (one of :data:`LANGUAGES`), or ``"und"``
    when it holds fewer than :data:`MIN_LETTERS` letters."""
    if not text:
        return "und"
    sample = _sample(text, MAX_SAMPLE)
    letters = 0
    for _ in _LETTER_RE.finditer(sample):
        letters += 1
        if letters >= MIN_LETTERS:
            break
    if letters < MIN_LETTERS:
        return "und"
    lang, _score = _identifier().classify(sample)
    return str(lang)

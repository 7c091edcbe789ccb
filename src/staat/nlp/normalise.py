# SPDX-License-Identifier: EUPL-1.2
"""Character and line repair for text as PDF, DOCX and ODT parsers deliver it.

Everything here is a pure function of its input. The rules, in order:

1. **Characters** (:func:`normalise_chars`): Unicode NFC; typographic ligatures expanded
   (``ﬁ`` → ``fi``, the Dutch ``ĳ`` → ``ij``); private-use bullet glyphs of the Symbol and
   Wingdings fonts mapped to ``•``; non-breaking and other wide spaces become a plain
   space; zero-width characters, control characters and soft hyphens (U+00AD) are removed;
   a soft hyphen at the end of a line joins the two halves of the word; all line breaks
   become ``\\n``. Quotes and dashes are left as they are.
2. **Lines** (:func:`join_lines`): the lines of one paragraph are joined with one space,
   runs of whitespace collapse to one space. A line that ends in a hyphen directly after a
   letter is a candidate for hyphenation repair (:func:`join_hyphenated`):

   - the part after the break is ``en``, ``of``, ``tot``, ``als``, ``noch``, ``and`` or
     ``or``: a suspended hyphen, kept with a space (``zorg-`` + ``en`` → ``zorg- en``);
   - the part after the break starts with a capital or digit, or the part before is an
     acronym (two or more capitals, e.g. ``ICT``), contains a digit or is a single letter:
     a real hyphen, kept without a space (``Noord-Holland``, ``ICT-systemen``, ``e-mail``);
   - otherwise, if simplemma's Dutch dictionary knows the joined word (lowercased), join
     (``uitvoe-`` + ``ring`` → ``uitvoering``);
   - otherwise, if the two halves meet in a vowel clash that Dutch spelling separates with a
     hyphen (``zee-egel``, ``auto-ongeluk``), keep the hyphen;
   - otherwise join: in Dutch, compounds are written as one word, so a lowercase
     continuation after a line-end hyphen is nearly always a hyphenation break
     (``uitvoerings-`` + ``organisaties`` → ``uitvoeringsorganisaties``). Known limitation:
     a rare genuinely hyphenated lowercase compound broken exactly at its hyphen
     (``minister-president``) is joined.
3. **Bullets** (:func:`strip_bullet`): a leading bullet glyph (``•``, ``▪``, ``●``, ``◦``,
   ``■``, ``‣``, ``⁃``, ``*``, or ``-``/``–``/``—`` followed by a space) is removed from
   the text; the segmenter records the item as a passage of kind ``list_item`` instead.
   Numbered markers (``1.``, ``a)``) are content and stay.
4. **Running headers and footers** (:func:`find_running_lines`): a line is running when,
   after masking digits, it occurs among the first or last few lines of at least half of the
   pages (and of at least two). That catches ``Pagina 3 van 12``, ``- 3 -``, a bare ``3`` and
   ``Stand van de Uitvoering 2024 | LVU 7`` alike. The segmenter drops every occurrence but
   the first of a running line that holds a letter (so the ``FICTIEF
   DEMONSTRATIEMATERIAAL`` marking stays visible once) and every bare page number.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "BULLET_GLYPHS",
    "SUSPENDED_HYPHEN_WORDS",
    "clean_text",
    "find_running_lines",
    "is_page_number",
    "join_hyphenated",
    "join_lines",
    "line_key",
    "normalise_chars",
    "split_lines",
    "starts_with_bullet",
    "strip_bullet",
]

# --------------------------------------------------------------------------------------------
# Data

_CHAR_MAP: dict[int, str] = {
    # ligatures (NFC keeps them; NFKC would also rewrite ½, ² and the like, which we keep)
    0xFB00: "ff",
    0xFB01: "fi",
    0xFB02: "fl",
    0xFB03: "ffi",
    0xFB04: "ffl",
    0xFB05: "st",
    0xFB06: "st",
    0x0132: "IJ",
    0x0133: "ij",
    # hyphens that are not the ASCII one but mean it
    0x2010: "-",
    0x2011: "-",
    # private-use bullet glyphs (Symbol / Wingdings fonts in Word-made PDFs)
    0xF0B7: "•",
    0xF0A7: "▪",
    0xF0A8: "▪",
    0xF06E: "▪",
    0xF0D8: "•",
    0xF0FC: "•",
    0xF076: "•",
    # spaces
    0x00A0: " ",
    0x1680: " ",
    **{cp: " " for cp in range(0x2000, 0x200B)},
    0x202F: " ",
    0x205F: " ",
    0x3000: " ",
    0x0009: " ",
    # line breaks
    0x000B: "\n",
    0x000C: "\n",
    0x0085: "\n",
    0x2028: "\n",
    0x2029: "\n",
    # removed: zero-width space, word joiner, byte-order mark, soft hyphen
    0x200B: None,  # type: ignore[dict-item]
    0x2060: None,  # type: ignore[dict-item]
    0xFEFF: None,  # type: ignore[dict-item]
    0x00AD: None,  # type: ignore[dict-item]
    # C0 and C1 control characters other than \t and \n
    **{cp: None for cp in range(0x00, 0x20) if cp not in (0x09, 0x0A, 0x0B, 0x0C)},  # type: ignore
    **{cp: None for cp in range(0x7F, 0xA0) if cp != 0x85},  # type: ignore[misc]
}
_CHAR_MAP[0x0D] = "\n"  # a lone CR is a line break (CRLF is folded before translation)

#: Glyphs that mark a list item at the start of a line. ``-``, ``–`` and ``—`` count only
#: when a space follows them.
BULLET_GLYPHS = "•▪●◦■□▫‣⁃∙·○◆◇►▸➢➤✓✔*"
_BULLET_RE = re.compile(r"^[ \t]*(?:[" + re.escape(BULLET_GLYPHS) + r"]|[-–—](?=[ \t]))[ \t]*")

#: Words after a line-end hyphen that make it a suspended hyphen ("zorg- en welzijn").
SUSPENDED_HYPHEN_WORDS = frozenset({"en", "of", "tot", "als", "noch", "and", "or", "dan"})

_VOWELS = "aeiouyàáâäèéêëìíîïòóôöùúûü"
# Letter pairs across a compound seam that Dutch spelling separates with a hyphen.
_VOWEL_CLASH = frozenset(
    a + b
    for a, b in (
        "aa ae ai au ee ei eu ie ii oe oi oo ou ui uu "
        "ao ea eo io ia ua uo".split()
    )
)

_PAGE_NUMBER_RE = re.compile(
    r"""^[\s\-–—|·•(\[]*
        (?:(?:pagina|page|pag\.|blz\.|p\.|bladzijde)\s*)?
        (?:\d{1,4}|[ivxlc]{1,7})
        (?:\s*(?:/|van|of|uit)\s*\d{1,4})?
        [\s\-–—|·•)\]]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_DIGITS_RE = re.compile(r"\d+")
_SPACES_RE = re.compile(r"[ \t]+")
_WS_RE = re.compile(r"\s+")
_SOFT_BREAK_RE = re.compile("\u00ad[ \t]*(?:\r\n|[\r\n\u2028\u2029\x0b\x0c\x85])[ \t]*")
_TRAILING_HYPHEN_WORD_RE = re.compile(r"(\S*?)([^\W\d_][\w'’]*)-")
_LEADING_WORD_RE = re.compile(r"^[^\W_][\w'’]*")


# --------------------------------------------------------------------------------------------
# Characters


def normalise_chars(text: str) -> str:
    """Return ``text`` in NFC with ligatures expanded, odd spaces, soft hyphens and control
    characters cleaned and every line break as ``\\n``. Line structure is kept."""
    if not text:
        return ""
    if "\u00ad" in text:
        text = _SOFT_BREAK_RE.sub("", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    text = unicodedata.normalize("NFC", text)
    return text.translate(_CHAR_MAP)


def split_lines(text: str) -> list[str]:
    """Normalise characters and return the non-empty lines, each stripped and with runs of
    spaces collapsed."""
    out = []
    for line in normalise_chars(text).split("\n"):
        line = _SPACES_RE.sub(" ", line).strip()
        if line:
            out.append(line)
    return out


# --------------------------------------------------------------------------------------------
# Hyphenation and line joining


@lru_cache(maxsize=65536)
def _known_nl(word: str) -> bool:
    import simplemma

    return bool(simplemma.is_known(word, lang="nl"))


def _is_acronym(part: str) -> bool:
    return sum(1 for c in part if c.isupper()) >= 2 and part.upper() == part


def join_hyphenated(left: str, right: str) -> str:
    """Join two lines where ``left`` ends in a hyphen directly after a letter.

    Returns the joined text; see the module docstring for the rule.
    """
    m = _TRAILING_HYPHEN_WORD_RE.fullmatch(left, left.rfind(" ") + 1)
    n = _LEADING_WORD_RE.match(right)
    if m is None or n is None:
        return left + (" " if right else "") + right
    head = m.group(2)  # letters before the hyphen (last hyphen-free part)
    word = n.group(0)
    if word.lower() in SUSPENDED_HYPHEN_WORDS:
        return left + " " + right
    first = word[0]
    if (
        first.isupper()
        or first.isdigit()
        or _is_acronym(head)
        or len(head) == 1
        or any(c.isdigit() for c in m.group(0))
    ):
        return left + right
    whole_word = (m.group(1) + head).rsplit("-", 1)[-1] + word
    if _known_nl(whole_word.lower()):
        return left[:-1] + right
    if (head[-1] + first).lower() in _VOWEL_CLASH and head[-1].lower() in _VOWELS:
        return left + right
    return left[:-1] + right


def join_lines(lines: Sequence[str]) -> str:
    """Join the lines of one paragraph into a single line, repairing hyphenation."""
    out = ""
    for raw in lines:
        line = _SPACES_RE.sub(" ", raw).strip()
        if not line:
            continue
        if not out:
            out = line
        elif out[-1] == "-" and len(out) >= 2 and out[-2].isalpha():
            out = join_hyphenated(out, line)
        elif out[-1] == "-" and len(out) >= 2 and out[-2].isdigit() and line[0].isdigit():
            out = out + line  # a range broken at its hyphen: "2023-" + "2024"
        else:
            out = out + " " + line
    return out


def clean_text(text: str) -> str:
    """Normalise characters, join lines with hyphenation repair, collapse whitespace."""
    return join_lines(normalise_chars(text).split("\n"))


# --------------------------------------------------------------------------------------------
# Bullets


def starts_with_bullet(line: str) -> bool:
    """Whether ``line`` starts with a bullet glyph (see :data:`BULLET_GLYPHS`)."""
    return _BULLET_RE.match(line) is not None and bool(_BULLET_RE.sub("", line, count=1))


def strip_bullet(line: str) -> tuple[str, bool]:
    """Remove a leading bullet glyph; return the rest and whether there was one."""
    m = _BULLET_RE.match(line)
    if m is None or m.end() == len(line):
        return line, False
    return line[m.end() :], True


# --------------------------------------------------------------------------------------------
# Running headers, footers and page numbers


def line_key(line: str) -> str:
    """A comparison key for a layout line: case-folded, digits masked as ``#``, spaces
    collapsed."""
    return _WS_RE.sub(" ", _DIGITS_RE.sub("#", line)).strip().casefold()


def is_page_number(line: str) -> bool:
    """Whether ``line`` is only a page number: ``3``, ``- 3 -``, ``Pagina 3 van 12``, ``3/12``,
    ``iv``."""
    return len(line) <= 40 and _PAGE_NUMBER_RE.match(line) is not None


def find_running_lines(
    pages: Sequence[Sequence[str]],
    *,
    edge: int = 3,
    min_share: float = 0.5,
    max_length: int = 160,
) -> frozenset[str]:
    """Keys (:func:`line_key`) of lines that repeat at the top or bottom of pages.

    ``pages`` holds the lines of each page in reading order (empty pages allowed). A line
    counts when it is among the first or last ``edge`` lines of a page; a key is running
    when it occurs on at least ``max(2, ceil(min_share * pages with text))`` pages. Lines
    longer than ``max_length`` are never running. With fewer than two pages with text
    nothing is running.
    """
    filled = [p for p in pages if p]
    if len(filled) < 2:
        return frozenset()
    counts: dict[str, int] = {}
    for lines in filled:
        seen = set()
        for line in (*lines[:edge], *lines[-edge:]):
            if len(line) <= max_length:
                seen.add(line_key(line))
        for key in seen:
            counts[key] = counts.get(key, 0) + 1
    needed = max(2, math.ceil(min_share * len(filled)))
    return frozenset(k for k, c in counts.items() if c >= needed and k)

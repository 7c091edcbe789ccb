# SPDX-License-Identifier: EUPL-1.2
"""PDF parser on pypdfium2: text per page, split into blocks by line geometry.

Per page we take PDFium's text (lines separated by CR LF) and query a few character
properties per *line* (baseline origin, font size, weight, right edge), never per character,
so parsing stays close to raw extraction speed. From those:

* running headers and footers (lines in the top or bottom band that repeat on many pages,
  and bare page numbers there) are dropped;
* a new block starts at a vertical gap over ~1.25 line pitches, a change of font size or
  weight, a bullet or list number, or after a short line that ends a sentence;
* a short block set larger than body text, or bold, or numbered like "2.1 Gegevens" without
  a final period, is a heading; its level comes from the numbering depth or the size rank.

PDFium joins a word hyphenated at a line end into one line with U+FFFE where the hyphen
was; we split it back into two lines ending in "-", so a block's text stays raw (the
segmenter repairs hyphenation).
"""

from __future__ import annotations

import ctypes
import math
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits

FORMAT_NAME = "PDF file"
_LINE = re.compile(r"[^\r\n]+")
_HYPHEN_MARKS = re.compile("[\ufffe\x02]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
BULLET = re.compile(r"^(?:[•◦▪▫‣⁃●○■□►▸➢✓–—*·-]|\(?\d{1,3}[.)]|\(?[a-z][.)])\s+\S")
BULLET_SYMBOL = re.compile(r"^[•◦▪▫‣⁃●○■□►▸➢✓–—*·-]\s+")
NUMBERED_HEADING = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})\.?\s+\S")
PAGE_NUMBER = re.compile(
    r"^(?:(?:pagina|page|blz\.?|p\.)\s*)?[-–—]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?"
    r"(?:\s*(?:/|van|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)
BAND = 0.12  # top and bottom share of the page where running heads live
GAP_FACTOR = 1.25
HEADING_SIZE_FACTOR = 1.15
BOLD_WEIGHT = 600
MIN_CHARS_PER_PAGE = 10  # below this on average, the PDF has no text layer


@dataclass(slots=True)
class Line:
    """One printed line and the geometry we use to group lines into blocks."""

    text: str
    page: int
    x: float
    y: float  # baseline, PDF units from the bottom
    right: float
    size: float
    bold: bool
    height: float  # page height, for the header/footer bands


def _corrupt(filename: str, detail: str) -> IngestError:
    return IngestError.of("corrupt", filename, format_name=FORMAT_NAME, detail=detail)


def _open(path: str, filename: str) -> pdfium.PdfDocument:
    try:
        return pdfium.PdfDocument(path)
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise IngestError.of("encrypted", filename) from None
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise IngestError.of("encrypted", filename) from None
        raise _corrupt(filename, str(exc).rstrip(".")) from None


class _PageReader:
    """Extracts the lines of one page with a handful of PDFium calls per line."""

    def __init__(self) -> None:
        self._x = ctypes.c_double()
        self._y = ctypes.c_double()
        self._l = ctypes.c_double()
        self._r = ctypes.c_double()
        self._b = ctypes.c_double()
        self._t = ctypes.c_double()

    def lines(self, page: pdfium.PdfPage, number: int) -> list[Line]:
        height = page.get_height()
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            if count <= 0:
                return []
            text = textpage.get_text_range()
            index_of = None if len(text) == count else _IndexMap(textpage, text)
            out: list[Line] = []
            for match in _LINE.finditer(text):
                start = match.start()
                raw = match.group()
                pieces = _HYPHEN_MARKS.split(raw)
                offset = start
                for k, piece in enumerate(pieces):
                    last = k == len(pieces) - 1
                    line = self._line(textpage, piece, offset, index_of, number, height,
                                      hyphen=not last)
                    if line is not None:
                        out.append(line)
                    offset += len(piece) + 1
            return out
        finally:
            textpage.close()

    def _line(self, textpage: pdfium.PdfTextPage, piece: str, offset: int, index_of,
              number: int, height: float, *, hyphen: bool) -> Line | None:
        stripped = piece.strip()
        if not stripped:
            return None
        lead = len(piece) - len(piece.lstrip())
        first = offset + lead
        last = first + len(stripped) - 1
        mid = first + len(stripped) // 2
        if index_of is not None:
            first, last, mid = index_of(first), index_of(last), index_of(mid)
        tp = textpage.raw
        pdfium_c.FPDFText_GetCharOrigin(tp, first, self._x, self._y)
        pdfium_c.FPDFText_GetCharBox(tp, last, self._l, self._r, self._b, self._t)
        size = pdfium_c.FPDFText_GetFontSize(tp, mid)
        weight = pdfium_c.FPDFText_GetFontWeight(tp, mid)
        text = _CONTROL.sub("", stripped)
        if hyphen:
            text += "-"
        return Line(text=text, page=number, x=self._x.value, y=self._y.value,
                    right=self._r.value, size=round(size, 1), bold=weight >= BOLD_WEIGHT,
                    height=height)


class _IndexMap:
    """Text index to char index, for the rare pages where PDFium's two views differ."""

    def __init__(self, textpage: pdfium.PdfTextPage, text: str) -> None:
        self._tp = textpage.raw
        self._utf16: list[int] = []
        units = 0
        for ch in text:
            self._utf16.append(units)
            units += 2 if ord(ch) > 0xFFFF else 1

    def __call__(self, index: int) -> int:
        units = self._utf16[min(index, len(self._utf16) - 1)] if self._utf16 else 0
        char = pdfium_c.FPDFText_GetCharIndexFromTextIndex(self._tp, units)
        return max(char, 0)


def _strip_running_heads(pages: list[list[Line]]) -> int:
    """Drop repeated header/footer lines and bare page numbers in the page bands."""
    with_text = sum(1 for lines in pages if lines)
    needed = max(2, math.ceil(0.5 * with_text))
    seen: dict[tuple[str, str, int], set[int]] = defaultdict(set)
    for lines in pages:
        for line in lines:
            band = _band(line)
            if band:
                seen[(band, _shape(line.text), round(line.size))].add(line.page)
    removed = 0
    for i, lines in enumerate(pages):
        kept = []
        for line in lines:
            band = _band(line)
            if band and (PAGE_NUMBER.match(line.text.strip())
                         or len(seen[(band, _shape(line.text), round(line.size))]) >= needed):
                removed += 1
                continue
            kept.append(line)
        pages[i] = kept
    return removed


def _band(line: Line) -> str:
    if line.y >= line.height * (1 - BAND):
        return "top"
    if line.y <= line.height * BAND:
        return "bottom"
    return ""


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


class _Style:
    """Document-wide typography: body size, line pitch and right margin of body text."""

    def __init__(self, pages: list[list[Line]]) -> None:
        sizes: Counter[float] = Counter()
        for lines in pages:
            for line in lines:
                sizes[round(line.size * 2) / 2] += len(line.text)
        self.body = sizes.most_common(1)[0][0] if sizes else 10.0
        pitches: list[float] = []
        rights: list[float] = []
        for lines in pages:
            for prev, line in zip(lines, lines[1:]):
                if self.is_body(prev) and self.is_body(line):
                    dy = prev.y - line.y
                    if 0 < dy < 3 * self.body:
                        pitches.append(dy)
            rights.extend(line.right for line in lines if self.is_body(line))
        self.pitch = statistics.median(pitches) if pitches else 1.2 * self.body
        rights.sort()
        self.right = rights[int(0.9 * (len(rights) - 1))] if rights else 0.0

    def is_body(self, line: Line) -> bool:
        return abs(line.size - self.body) <= 0.6

    def is_short(self, line: Line) -> bool:
        return bool(self.right) and line.right < self.right - 3 * self.body


def _breaks(prev: Line, line: Line, first: Line, style: _Style) -> bool:
    """Does ``line`` start a new block after ``prev`` (``first`` opened the current one)?"""
    if BULLET.match(line.text):
        return True
    if abs(line.size - prev.size) > 0.6 or line.bold != prev.bold:
        return True
    dy = prev.y - line.y
    scale = max(line.size, prev.size) / style.body if style.body else 1.0
    if dy > GAP_FACTOR * style.pitch * max(scale, 1.0) or dy < -0.5 * line.size:
        return True
    if BULLET.match(first.text) and line.x <= first.x + 0.5:
        return True  # back at the margin of the bullet: the list item has ended
    if (style.is_short(prev) and prev.text[-1:] in ".!?:"
            and (line.text[:1].isupper() or line.text[:1].isdigit())):
        return True
    return False


def _group(pages: list[list[Line]], style: _Style) -> list[list[Line]]:
    groups: list[list[Line]] = []
    for lines in pages:
        current: list[Line] = []
        for line in lines:
            if current and not _breaks(current[-1], line, current[0], style):
                current.append(line)
                continue
            if current:
                groups.append(current)
            current = [line]
        if current:
            groups.append(current)
    return groups


def _classify(groups: list[list[Line]], style: _Style) -> list[Block]:
    big = HEADING_SIZE_FACTOR * style.body
    heading_sizes = sorted({max(ln.size for ln in g) for g in groups
                            if _heading_candidate(g) and max(ln.size for ln in g) >= big},
                           reverse=True)
    size_rank = {size: i + 1 for i, size in enumerate(heading_sizes)}
    blocks: list[Block] = []
    for group in groups:
        text = "\n".join(line.text for line in group)
        page = group[0].page
        size = max(line.size for line in group)
        bullet = bool(BULLET.match(group[0].text))
        level = 0
        if _heading_candidate(group):
            numbered = NUMBERED_HEADING.match(group[0].text)
            final = text.rstrip()[-1:]
            bold = all(ln.bold for ln in group)
            if size >= big or (bold and not bullet and final not in ".,;"):
                level = _numbered_level(numbered) or size_rank.get(size, len(size_rank) + 1)
            elif (numbered and len(group) == 1 and final not in ".,;:" and len(text) <= 100
                  and not bullet and _starts_word(text[numbered.end() - 1:])):
                level = _numbered_level(numbered)
        if level:
            blocks.append(Block(text=text, page=page, kind="heading", level=min(level, 6)))
        elif bullet:
            blocks.append(Block(text=BULLET_SYMBOL.sub("", text, count=1), page=page,
                                kind="list_item"))
        else:
            blocks.append(Block(text=text, page=page, kind="paragraph"))
    return blocks


def _heading_candidate(group: list[Line]) -> bool:
    return len(group) <= 3 and sum(len(line.text) for line in group) <= 200


def _numbered_level(match: re.Match | None) -> int:
    return match.group(1).count(".") + 1 if match else 0


def _starts_word(text: str) -> bool:
    return text[:1].isalpha() and text[:1].upper() == text[:1]


def parse_pdf(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse a PDF into blocks; raise ``encrypted``, ``corrupt``, ``too_many_pages`` or
    ``no_text_layer`` for ``filename``."""
    pdf = _open(path, filename)
    try:
        page_count = len(pdf)
        if page_count <= 0:
            raise _corrupt(filename, "it has no pages")
        if page_count > limits.max_pages:
            raise IngestError.of("too_many_pages", filename, pages=page_count,
                                 limit=limits.max_pages)
        try:
            meta = pdf.get_metadata_dict(skip_empty=True)
        except pdfium.PdfiumError:
            meta = {}
        reader = _PageReader()
        pages: list[list[Line]] = []
        for index in range(page_count):
            try:
                page = pdf[index]
            except pdfium.PdfiumError as exc:
                raise _corrupt(filename, f"page {index + 1} cannot be read: {exc}") from None
            try:
                pages.append(reader.lines(page, index + 1))
            finally:
                page.close()
    finally:
        pdf.close()

    chars = [sum(len(line.text) for line in lines) for lines in pages]
    if sum(chars) < MIN_CHARS_PER_PAGE * page_count:
        raise IngestError.of("no_text_layer", filename, pages=page_count)
    removed = _strip_running_heads(pages)
    style = _Style(pages)
    blocks = _classify(_group(pages, style), style)
    return ParsedDocument(
        blocks=tuple(blocks),
        page_count=page_count,
        title=str(meta.get("Title", "")).strip(),
        authors=str(meta.get("Author", "")).strip(),
        metadata={
            "format": "pdf",
            "producer": str(meta.get("Producer", "")),
            "creator": str(meta.get("Creator", "")),
            "pages_without_text": [i + 1 for i, n in enumerate(chars) if n < MIN_CHARS_PER_PAGE],
            "running_lines_removed": removed,
            "body_font_size": style.body,
        },
    )

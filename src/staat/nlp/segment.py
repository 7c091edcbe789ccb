# SPDX-License-Identifier: EUPL-1.2
"""Turn a parser's :class:`ParsedDocument` into a :class:`SegmentedDocument`.

The rules, applied in this order (all deterministic; the same input gives the same text and
offsets):

1. **Clean lines.** Each block's text is split into lines with characters normalised
   (:func:`staat.nlp.normalise.split_lines`); tabs in table rows become ``" | "`` cell
   separators first.
2. **Running headers and footers.** Lines that repeat at the top or bottom of at least half
   of the pages (digits masked) are running (:func:`staat.nlp.normalise.find_running_lines`).
   Each is dropped wherever it is among a page's edge lines, with one exception: the first
   occurrence of a running *header* (a top-of-page line that holds a letter) is kept, as a
   paragraph of its own, so the ``FICTIEF DEMONSTRATIEMATERIAAL`` marking stays visible once.
   Footers and bare page numbers are dropped everywhere.
3. **Blocks to items.** A heading becomes one line of text and updates the heading path (a
   stack by level: a heading of level *n* pops the levels >= *n*); it is not a passage.
   A paragraph, list item or table row becomes one passage, its lines joined with
   hyphenation repair. A paragraph whose lines start with bullet glyphs is split into its
   lead-in and one ``list_item`` passage per bullet (``-``/``–`` count as bullets only if
   the paragraph starts with one or at least two lines do); the glyph is removed from the
   text. List items always stay separate passages, however short: each can be cited alone.
4. **Page breaks.** A paragraph that is the first item on its page continues the previous
   paragraph or list item (from an earlier page, with no heading between) when it starts
   with a lowercase letter or the previous one did not end with ``. ! ? … :`` (closing quotes
   and brackets allowed). The passage then has ``page_start < page_end``.
5. **Text.** Headings and passages are separated by ``"\\n\\n"``.
6. **Long passages.** A passage over :data:`MAX_PASSAGE_CHARS` characters is split at
   sentence boundaries into passages of at most that size (a single longer sentence stays
   whole). The parts keep the text as it is, so they are separated by the single space
   between two sentences, not by ``"\\n\\n"``.
7. **Pages** cover the text contiguously: page *N* runs from its first character to the start
   of page *N + 1*; a page without text has an empty span at that point.
8. **Sentences** are split within each passage (never across passages) and carry the page
   of their first character.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from .document import (
    BLOCK_KINDS,
    Block,
    PageSpan,
    ParsedDocument,
    PassageSpan,
    SegmentedDocument,
    SentenceSpan,
)
from .normalise import (
    BULLET_GLYPHS,
    find_running_lines,
    is_page_number,
    join_hyphenated,
    join_lines,
    line_key,
    split_lines,
    strip_bullet,
)
from .sentences import split_sentences

__all__ = ["EDGE_LINES", "MAX_PASSAGE_CHARS", "segment"]

#: Passages longer than this are split at sentence boundaries.
MAX_PASSAGE_CHARS = 1500
#: How many lines at the top and the bottom of a page may be running headers or footers.
EDGE_LINES = 3

_DIGITS_RE = re.compile(r"\d+")
_TABS_RE = re.compile(r"[ ]*\t[ ]*")
_TRAILING_CLOSERS = "\"'”’»)]} "
_FINAL = ".!?…:"
_HARD_BULLETS = frozenset(BULLET_GLYPHS)


@dataclass(slots=True)
class _Item:
    kind: str
    page: int
    lines: list[str]
    level: int = 0


@dataclass(slots=True)
class _Draft:
    """A heading (``path`` unused) or a passage made of one or more page pieces."""

    kind: str
    path: tuple[str, ...]
    pieces: list[tuple[int, str]] = field(default_factory=list)


def _block_lines(block: Block) -> list[str]:
    text = block.text
    if block.kind == "table_row" and "\t" in text:
        text = _TABS_RE.sub(" | ", text.strip("\t"))
    return split_lines(text)


def _is_hard_bullet(line: str) -> bool:
    return line[0] in _HARD_BULLETS and strip_bullet(line)[1]


def _is_dash_bullet(line: str) -> bool:
    return line[0] in "-–—" and strip_bullet(line)[1]


def _split_bullets(kind: str, page: int, lines: list[str]) -> list[_Item]:
    """Split a run of lines of a paragraph or list item at bullet lines."""
    if kind not in ("paragraph", "list_item"):
        return [_Item(kind, page, lines)]
    dash_ok = _is_dash_bullet(lines[0]) or sum(1 for ln in lines if _is_dash_bullet(ln)) >= 2
    items: list[_Item] = []
    current = _Item(kind, page, [])
    for line in lines:
        bullet = _is_hard_bullet(line) or (dash_ok and _is_dash_bullet(line))
        if bullet:
            if current.lines:
                items.append(current)
            current = _Item("list_item", page, [strip_bullet(line)[0]])
        else:
            current.lines.append(line)
    if current.lines:
        items.append(current)
    return items


def _block_items(kind: str, block: Block, lines: list[str]) -> list[_Item]:
    if not lines:
        return []
    if kind == "heading":
        return [_Item("heading", block.page, lines, max(block.level, 1))]
    return _split_bullets(kind, block.page, lines)


def _items(parsed: ParsedDocument) -> list[_Item]:
    """Blocks to items, with running headers and footers removed."""
    blocks = [(b, _block_lines(b)) for b in parsed.blocks]
    n_pages = max([parsed.page_count, 1, *(b.page for b in parsed.blocks)])
    # lines per page, with their position, to find edge lines
    per_page: dict[int, list[tuple[int, int]]] = {}
    for bi, (b, lines) in enumerate(blocks):
        per_page.setdefault(b.page, []).extend((bi, li) for li in range(len(lines)))
    page_lines = [
        [blocks[bi][1][li] for bi, li in per_page.get(p, [])] for p in range(1, n_pages + 1)
    ]
    running = find_running_lines(page_lines, edge=EDGE_LINES)
    top: set[tuple[int, int]] = set()
    edge: set[tuple[int, int]] = set()
    if n_pages > 1:
        for positions in per_page.values():
            top.update(positions[:EDGE_LINES])
            edge.update(positions[:EDGE_LINES])
            edge.update(positions[-EDGE_LINES:])

    kept_keys: set[str] = set()
    items: list[_Item] = []
    for bi, (b, lines) in enumerate(blocks):
        kind = b.kind if b.kind in BLOCK_KINDS else "paragraph"
        run: list[str] = []
        for li, line in enumerate(lines):
            if (bi, li) in edge:
                key = line_key(line)
                if is_page_number(line) and (key in running or _numbers(line)[:1] == [b.page]):
                    continue
                if key in running:
                    keep = (
                        (bi, li) in top
                        and key not in kept_keys
                        and not is_page_number(line)
                        and any(c.isalpha() for c in line)
                    )
                    kept_keys.add(key)
                    if keep:
                        items.extend(_block_items(kind, b, run))
                        run = []
                        items.append(_Item("paragraph", b.page, [line]))
                    continue
            run.append(line)
        items.extend(_block_items(kind, b, run))
    return items


def _numbers(line: str) -> list[int]:
    return [int(n) for n in _DIGITS_RE.findall(line)]


def _ends_final(text: str) -> bool:
    stripped = text.rstrip(_TRAILING_CLOSERS)
    return bool(stripped) and stripped[-1] in _FINAL


def _drafts(items: list[_Item]) -> list[_Draft]:
    drafts: list[_Draft] = []
    stack: list[tuple[int, str]] = []
    last_page_seen = 0
    for item in items:
        text = join_lines(item.lines)
        if not text:
            continue
        first_on_page = item.page != last_page_seen
        last_page_seen = item.page
        if item.kind == "heading":
            while stack and stack[-1][0] >= item.level:
                stack.pop()
            stack.append((item.level, text))
            drafts.append(_Draft("heading", (), [(item.page, text)]))
            continue
        prev = drafts[-1] if drafts else None
        if (
            item.kind == "paragraph"
            and first_on_page
            and prev is not None
            and prev.kind in ("paragraph", "list_item")
            and prev.pieces[-1][0] < item.page
            and (text[0].islower() or not _ends_final(prev.pieces[-1][1]))
        ):
            prev.pieces.append((item.page, text))
            continue
        drafts.append(_Draft(item.kind, tuple(t for _, t in stack), [(item.page, text)]))
    return drafts


def _group_sentences(
    spans: list[tuple[int, int]], limit: int
) -> list[list[tuple[int, int]]]:
    groups: list[list[tuple[int, int]]] = []
    for s in spans:
        if groups and s[1] - groups[-1][0][0] <= limit:
            groups[-1].append(s)
        else:
            groups.append([s])
    return groups


def segment(parsed: ParsedDocument) -> SegmentedDocument:
    """Normalise and segment a parsed document; see the module docstring for the rules."""
    drafts = _drafts(_items(parsed))
    n_pages = max([parsed.page_count, 1, *(b.page for b in parsed.blocks)])

    parts: list[str] = []
    pos = 0
    first_offset: dict[int, int] = {}
    raw_passages: list[tuple[int, int, str, tuple[str, ...]]] = []
    for draft in drafts:
        if parts:
            parts.append("\n\n")
            pos += 2
        start = pos
        text = ""
        for page, piece in draft.pieces:
            if not text:
                text = piece
                piece_start = start
            else:
                joined = (
                    join_hyphenated(text, piece)
                    if text[-1] == "-" and len(text) > 1 and text[-2].isalpha()
                    else text + " " + piece
                )
                piece_start = start + len(joined) - len(piece)
                text = joined
            first_offset.setdefault(page, piece_start)
        parts.append(text)
        pos += len(text)
        if draft.kind != "heading":
            raw_passages.append((start, pos, draft.kind, draft.path))
    full = "".join(parts)

    # page starts: a page's first character, or the next page's start if it has none
    starts = [0] * (n_pages + 2)
    starts[n_pages + 1] = len(full)
    for p in range(n_pages, 0, -1):
        starts[p] = first_offset.get(p, starts[p + 1])
    starts[1] = 0
    for p in range(2, n_pages + 1):
        if starts[p] < starts[p - 1]:
            starts[p] = starts[p - 1]
    page_starts = starts[1 : n_pages + 1]
    pages = tuple(PageSpan(p, starts[p], starts[p + 1]) for p in range(1, n_pages + 1))

    def page_of(offset: int) -> int:
        return bisect.bisect_right(page_starts, offset)

    passages: list[PassageSpan] = []
    sentences: list[SentenceSpan] = []
    for a, b, kind, path in raw_passages:
        spans = split_sentences(full, a, b)
        too_long = b - a > MAX_PASSAGE_CHARS
        groups = _group_sentences(spans, MAX_PASSAGE_CHARS) if too_long else [spans]
        for group in groups:
            ga, gb = (group[0][0], group[-1][1]) if len(groups) > 1 else (a, b)
            pi = len(passages)
            passages.append(PassageSpan(pi, path, page_of(ga), page_of(gb - 1), ga, gb, kind))
            for s, e in group:
                sentences.append(SentenceSpan(len(sentences), pi, page_of(s), s, e))
    return SegmentedDocument(full, pages, tuple(passages), tuple(sentences))

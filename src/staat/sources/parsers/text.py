# SPDX-License-Identifier: EUPL-1.2
"""Plain-text parser: paragraphs separated by blank lines, headings by their look.

A form feed starts a new page. A block is a heading when it is one short line without a
final period and it is numbered ("1.", "2.3 Toezicht"), in capitals, underlined with "==="
or "---", or followed by an ordinary paragraph. Lines starting with a bullet or a list
number are list items. Lines are kept as they are (the segmenter joins them).
"""

from __future__ import annotations

import re

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits
from .textcodec import decode_text

FORMAT_NAME = "text file"
_BLANK = re.compile(r"\n[ \t]*\n+")
_BULLET = re.compile(r"^\s*(?:[-*•–·]|\d{1,3}[.)]|[a-z][.)])\s+\S")
_BULLET_SYMBOL = re.compile(r"^\s*[-*•–·]\s+")
_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,5})\.?\s+\S")
_UNDERLINE = re.compile(r"^(=+|-+)\s*$")
MAX_HEADING = 80


def _heading_level(lines: list[str], next_block: list[str] | None) -> int:
    """The level if the block is a heading, else 0."""
    if len(lines) == 2 and _UNDERLINE.match(lines[1]) and len(lines[0]) <= MAX_HEADING:
        return 1 if lines[1].startswith("=") else 2
    if len(lines) != 1:
        return 0
    line = lines[0].strip()
    if not line or len(line) > MAX_HEADING or line[-1] in ".,;:!" or not line[0].isalnum():
        return 0
    numbered = _NUMBERED.match(line)
    if numbered and not line[numbered.end() - 1].isdigit():
        return numbered.group(1).count(".") + 1
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return 1
    if (line[0].isupper() and next_block is not None and len(next_block) >= 1
            and sum(len(x) for x in next_block) > len(line) and not _BULLET.match(line)):
        return 2
    return 0


def _split_items(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split a block at bullet lines: text before the first bullet is a paragraph, each
    bullet line (with the lines after it) a list item."""
    items: list[tuple[str, list[str]]] = []
    for line in lines:
        if _BULLET.match(line) or not items:
            items.append(("list_item" if _BULLET.match(line) else "paragraph", [line]))
        else:
            items[-1][1].append(line)
    return items


def text_to_blocks(text: str) -> tuple[list[Block], int]:
    """Blocks and page count of a decoded plain text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    blocks: list[Block] = []
    for number, page in enumerate(pages, start=1):
        chunks = [[ln.rstrip() for ln in c.split("\n") if ln.strip()] for c in _BLANK.split(page)]
        chunks = [c for c in chunks if c]
        for i, lines in enumerate(chunks):
            following = chunks[i + 1] if i + 1 < len(chunks) else None
            level = _heading_level(lines, following)
            if level:
                blocks.append(Block(text=lines[0].strip(), page=number, kind="heading",
                                    level=level))
                continue
            for kind, item in _split_items(lines):
                text_ = "\n".join(item).strip()
                if kind == "list_item":
                    text_ = _BULLET_SYMBOL.sub("", text_, count=1)
                blocks.append(Block(text=text_, page=number, kind=kind))
    levels = [b.level for b in blocks if b.kind == "heading"]
    shift = min(levels) - 1 if levels else 0
    if shift:
        blocks = [Block(b.text, b.page, b.kind, b.level - shift) if b.kind == "heading" else b
                  for b in blocks]
    return blocks, len(pages)


def parse_text(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse a plain-text file; the encoding found is in ``metadata["encoding"]``."""
    with open(path, "rb") as fh:
        text, encoding = decode_text(fh.read())
    blocks, page_count = text_to_blocks(text.lstrip("\ufeff"))
    if not blocks:
        raise IngestError.of("no_text", filename)
    return ParsedDocument(blocks=tuple(blocks), page_count=page_count,
                          metadata={"format": "text", "encoding": encoding})

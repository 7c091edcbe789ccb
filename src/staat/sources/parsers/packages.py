# SPDX-License-Identifier: EUPL-1.2
"""Shared helpers for the ZIP+XML formats (DOCX, ODT): split a paragraph at page breaks and
turn its pieces into blocks."""

from __future__ import annotations

from collections.abc import Iterable

from staat.nlp.document import Block

#: A marker in a list of text pieces: the text after it is on the next page.
PAGE_BREAK = object()


class PageCounter:
    """The page the walker is on; ``page_count`` is the highest page that holds any block."""

    def __init__(self) -> None:
        self.page = 1
        self.last_with_text = 1

    def next_page(self) -> None:
        self.page += 1


def emit(pieces: Iterable[object], pages: PageCounter, blocks: list[Block], *, kind: str,
         level: int = 0) -> None:
    """Append the text in ``pieces`` as blocks, one per page it spans."""
    buffer: list[str] = []

    def flush() -> None:
        text = "".join(buffer).strip()
        buffer.clear()
        if text:
            blocks.append(Block(text=text, page=pages.page, kind=kind, level=level))
            pages.last_with_text = max(pages.last_with_text, pages.page)

    for piece in pieces:
        if piece is PAGE_BREAK:
            flush()
            pages.next_page()
        else:
            buffer.append(piece)  # type: ignore[arg-type]
    flush()


def join_pieces(pieces: list[object]) -> tuple[str, int]:
    """The text of ``pieces`` on one line (for a table cell) and how many breaks it held."""
    breaks = sum(1 for p in pieces if p is PAGE_BREAK)
    text = "".join(p for p in pieces if p is not PAGE_BREAK)  # type: ignore[misc]
    return text, breaks

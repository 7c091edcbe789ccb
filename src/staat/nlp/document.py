# SPDX-License-Identifier: EUPL-1.2
"""Plain data classes that carry a document from a parser to the segmenter.

A parser (``staat.sources.parsers``) turns a file into a :class:`ParsedDocument`: an ordered
list of :class:`Block` objects, each on one page. The segmenter (``staat.nlp.segment``) turns
that into a :class:`SegmentedDocument`: one normalised plain text plus pages, passages and
sentences as character offsets into that text. Offsets are Python string indices
(code points), half-open ``[start, end)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

BLOCK_KINDS = ("heading", "paragraph", "list_item", "table_row")


@dataclass(frozen=True, slots=True)
class Block:
    """A piece of a document as a parser found it.

    ``text`` may still hold line breaks, hyphenated line ends and similar debris of layout;
    the segmenter repairs those. ``page`` is 1-based. ``level`` is the heading level (1 is
    the top) for headings and 0 otherwise.
    """

    text: str
    page: int = 1
    kind: str = "paragraph"
    level: int = 0


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What a parser returns: blocks in reading order plus what the file says of itself."""

    blocks: tuple[Block, ...]
    page_count: int
    title: str = ""
    authors: str = ""
    metadata: dict = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PageSpan:
    number: int
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class PassageSpan:
    """A passage: a paragraph-sized unit under a heading path."""

    index: int
    heading_path: tuple[str, ...]
    page_start: int
    page_end: int
    char_start: int
    char_end: int
    kind: str = "paragraph"


@dataclass(frozen=True, slots=True)
class SentenceSpan:
    index: int
    passage_index: int
    page: int
    char_start: int
    char_end: int


@dataclass(frozen=True, slots=True)
class SegmentedDocument:
    """The normalised text of a document and its pages, passages and sentences."""

    text: str
    pages: tuple[PageSpan, ...]
    passages: tuple[PassageSpan, ...]
    sentences: tuple[SentenceSpan, ...]

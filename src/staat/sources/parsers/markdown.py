# SPDX-License-Identifier: EUPL-1.2
"""Markdown parser on markdown-it-py tokens (CommonMark plus tables).

Headings, paragraphs, list items (a list item's paragraphs form one block) and table rows;
code blocks are paragraphs; inline markup is dropped and links keep their text. A leading
YAML front-matter block gives ``title`` and ``author`` and is not part of the text.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits
from .textcodec import decode_text

FORMAT_NAME = "Markdown file"
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_FIELD = re.compile(r"^(title|author|authors)\s*:\s*(.+?)\s*$", re.I | re.M)


def _front_matter(text: str) -> tuple[str, dict[str, str]]:
    match = _FRONT_MATTER.match(text)
    if not match:
        return text, {}
    fields = {k.lower(): v.strip().strip("'\"") for k, v in _FIELD.findall(match.group(1))}
    return text[match.end():], fields


def _inline_text(token: Token) -> str:
    out: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type == "image":
            out.append(child.content or "")
        elif child.type == "html_inline":
            continue
    return "".join(out)


def _strip_tags(html: str) -> str:
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div").text_content()
    except (etree.ParserError, ValueError):
        return re.sub(r"<[^>]+>", " ", html)


def tokens_to_blocks(tokens: list[Token]) -> list[Block]:
    blocks: list[Block] = []
    list_depth = 0
    item: list[str] | None = None
    heading_level = 0
    row: list[str] | None = None
    stack: list[list[str] | None] = []

    def add(text: str, kind: str, level: int = 0) -> None:
        if text.strip():
            blocks.append(Block(text=text.strip(), page=1, kind=kind, level=level))

    for token in tokens:
        kind = token.type
        if kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "heading_close":
            heading_level = 0
        elif kind in ("bullet_list_open", "ordered_list_open"):
            stack.append(item)
            if item is not None:
                add("\n".join(item), "list_item")
            item = None
            list_depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            item = stack.pop() if stack else None
            if item is not None:
                item = []  # the parent item's text was emitted before the nested list
        elif kind == "list_item_open":
            item = []
        elif kind == "list_item_close":
            if item is not None:
                add("\n".join(item), "list_item")
            item = None
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if row is not None and any(cell.strip() for cell in row):
                add(" | ".join(row), "table_row")
            row = None
        elif kind == "inline":
            text = _inline_text(token)
            if row is not None:
                row.append(" ".join(text.split()))
            elif heading_level:
                add(text, "heading", heading_level)
            elif item is not None:
                item.append(text)
            else:
                add(text, "paragraph")
        elif kind in ("fence", "code_block"):
            if item is not None:
                item.append(token.content.rstrip("\n"))
            else:
                add(token.content.rstrip("\n"), "paragraph")
        elif kind == "html_block":
            add(_strip_tags(token.content), "paragraph")
    return blocks


def parse_markdown(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse a Markdown file into blocks; raise ``no_text`` if nothing is left."""
    with open(path, "rb") as fh:
        text, encoding = decode_text(fh.read())
    text, fields = _front_matter(text.lstrip("\ufeff"))
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    blocks = tokens_to_blocks(md.parse(text))
    if not blocks:
        raise IngestError.of("no_text", filename)
    return ParsedDocument(
        blocks=tuple(blocks),
        page_count=1,
        title=fields.get("title", ""),
        authors=fields.get("author", fields.get("authors", "")),
        metadata={"format": "markdown", "encoding": encoding},
    )

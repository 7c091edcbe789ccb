# SPDX-License-Identifier: EUPL-1.2
"""HTML parser on lxml.html: headings, paragraphs, list items and table rows in page order.

Navigation, page headers and footers, scripts and styles are dropped; if the page has one
``<main>`` (or else one ``<article>``), only that is read. Whitespace is collapsed as a
browser would, ``<br>`` becomes a line break and ``<pre>`` keeps its lines.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits
from .textcodec import decode_text

FORMAT_NAME = "HTML page"
DROP = frozenset({
    "script", "style", "nav", "header", "footer", "noscript", "template", "iframe", "svg",
    "math", "button", "select", "option", "form", "aside", "head", "object", "embed",
    "canvas", "map", "dialog",
})
HEADINGS = {f"h{i}": i for i in range(1, 7)}
LEAF_BLOCKS = {"p": "paragraph", "li": "list_item", "dt": "paragraph", "dd": "paragraph",
               "figcaption": "paragraph", "caption": "paragraph", "pre": "paragraph",
               "address": "paragraph", "summary": "heading"}
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hr", "html", "li", "main", "nav", "ol", "p", "pre", "section",
    "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
NESTED_STRUCTURES = frozenset({"ul", "ol", "table", "dl"})
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SPACE = re.compile(r"[ \t\r\n\f\u00a0]+")


def decode_html(data: bytes) -> tuple[str, str]:
    """Decode by BOM, then a ``<meta charset>`` near the top, then UTF-8 / cp1252."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        match = _META_CHARSET.search(data[:4096])
        if match:
            name = match.group(1).decode("ascii").lower()
            if name in ("iso-8859-1", "latin-1", "latin1", "us-ascii", "ascii"):
                name = "cp1252"  # what browsers do
            try:
                return data.decode(name), name
            except (LookupError, UnicodeDecodeError):
                pass
    return decode_text(data)


def _collapse(text: str) -> str:
    lines = [(_SPACE.sub(" ", part)).strip() for part in text.split("\n")]
    return "\n".join(line for line in lines if line)


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []

    def text(self, el: etree._Element, pre: bool = False,
             skip: frozenset[str] = NESTED_STRUCTURES) -> str:
        out: list[str] = []
        self._inline(el, out, pre, skip)
        joined = "".join(out)
        if pre:
            return joined.strip("\n")
        return _collapse(joined)

    def _inline(self, el: etree._Element, out: list[str], pre: bool,
                skip: frozenset[str] = NESTED_STRUCTURES) -> None:
        if el.text:
            out.append(el.text if pre else el.text.replace("\n", " "))
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if tag in DROP or not tag:
                pass
            elif tag == "br":
                out.append("\n")
            elif tag == "img":
                out.append(child.get("alt", ""))
            elif tag in skip:
                pass  # nested lists and tables become blocks of their own
            elif tag in BLOCK_TAGS:
                out.append("\n")
                self._inline(child, out, pre or tag == "pre", skip)
                out.append("\n")
            else:
                self._inline(child, out, pre or tag == "pre", skip)
            if child.tail:
                out.append(child.tail if pre else child.tail.replace("\n", " "))

    def add(self, text: str, kind: str, level: int = 0) -> None:
        if text.strip():
            self.blocks.append(Block(text=text, page=1, kind=kind, level=level))

    def walk(self, el: etree._Element) -> None:
        loose: list[str] = []

        def flush() -> None:
            self.add(_collapse("".join(loose)), "paragraph")
            loose.clear()

        if el.text:
            loose.append(el.text.replace("\n", " "))
        for child in el:
            tag = child.tag if isinstance(child.tag, str) else ""
            if not tag or tag in DROP:
                if child.tail:
                    loose.append(child.tail.replace("\n", " "))
                continue
            if tag in BLOCK_TAGS or tag in HEADINGS:
                flush()
                self.block(child, tag)
            elif tag == "br":
                loose.append("\n")
            else:
                inline: list[str] = []
                self._inline(child, inline, False)
                loose.append("".join(inline))
            if child.tail:
                loose.append(child.tail.replace("\n", " "))
        flush()

    def block(self, el: etree._Element, tag: str) -> None:
        if tag in HEADINGS:
            self.add(self.text(el), "heading", HEADINGS[tag])
        elif tag == "li":
            self.add(self.text(el), "list_item")
            for nested in el.iter("ul", "ol"):
                if _nearest(nested, ("li",)) is el:
                    self.walk(nested)
        elif tag == "tr":
            cells = [self.text(c, skip=frozenset({"table"})).replace("\n", " ")
                     for c in el if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if any(cells):
                self.add(" | ".join(cells), "table_row")
        elif tag in ("table", "thead", "tbody", "tfoot"):
            table = el if tag == "table" else _nearest(el, ("table",))
            for row in el.iter("tr"):
                if _nearest(row, ("table",)) is table:
                    self.block(row, "tr")
        elif tag in LEAF_BLOCKS and not _has_block_child(el):
            self.add(self.text(el, pre=tag == "pre"), LEAF_BLOCKS[tag],
                     2 if LEAF_BLOCKS[tag] == "heading" else 0)
        elif tag == "hr":
            return
        else:
            self.walk(el)


def _has_block_child(el: etree._Element) -> bool:
    return any(isinstance(c.tag, str) and c.tag in BLOCK_TAGS for c in el)


def _nearest(el: etree._Element, tags: tuple[str, ...]) -> etree._Element | None:
    """The closest ancestor of ``el`` (not ``el`` itself) with one of ``tags``."""
    parent = el.getparent()
    while parent is not None and parent.tag not in tags:
        parent = parent.getparent()
    return parent


def parse_html(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse an HTML page into blocks; raise ``corrupt`` or ``no_text``."""
    with open(path, "rb") as fh:
        data = fh.read()
    text, encoding = decode_html(data)
    text = _XML_DECL.sub("", text.lstrip("\ufeff"), count=1)
    if not text.strip():
        raise IngestError.of("empty", filename)
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise IngestError.of("corrupt", filename, format_name=FORMAT_NAME,
                             detail=str(exc)) from None
    title = " ".join((root.findtext(".//title") or "").split())
    authors = ""
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        content = " ".join((meta.get("content") or "").split())
        if name in ("author", "dc.creator", "dcterms.creator") and not authors:
            authors = content
        elif name in ("dc.title", "dcterms.title", "og:title") and not title:
            title = content
    body = root.find("body")
    start = body if body is not None else root
    mains = list(start.iter("main")) or list(start.iter("article"))
    walker = _Walker()
    if len(mains) == 1:
        walker.block(mains[0], "main")
    else:
        walker.walk(start)
    if not walker.blocks:
        raise IngestError.of("no_text", filename)
    return ParsedDocument(blocks=tuple(walker.blocks), page_count=1, title=title,
                          authors=authors, metadata={"format": "html", "encoding": encoding})

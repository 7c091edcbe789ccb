# SPDX-License-Identifier: EUPL-1.2
"""ODT parser: ``content.xml`` (and ``styles.xml``, ``meta.xml``) read with a safe lxml parser.

odfpy parses with a SAX parser whose entity handling we cannot pin down per call, and
builds a heavy object tree; lxml with :mod:`.safexml` refuses DTDs and is much faster.

``text:h`` is a heading (``text:outline-level``), ``text:p`` a paragraph, a paragraph in a
``text:list-item`` a list item, a ``table:table-row`` a table row. Pages follow
``text:soft-page-break`` (written by LibreOffice when it laid the document out) or, when
there are none, paragraph styles with ``fo:break-before="page"``.
"""

from __future__ import annotations

from lxml import etree

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits
from .packages import PAGE_BREAK, PageCounter, emit, join_pieces
from .safexml import parse_xml
from .zipguard import has_member, open_zip, read_member

FORMAT_NAME = "OpenDocument text (ODT)"
TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
STYLE = "urn:oasis:names:tc:opendocument:xmlns:style:1.0"
FO = "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
DC = "http://purl.org/dc/elements/1.1/"
META = "urn:oasis:names:tc:opendocument:xmlns:meta:1.0"
DRAW = "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"


def t(tag: str) -> str:
    return f"{{{TEXT}}}{tag}"


T_H, T_P, T_LIST, T_ITEM, T_HEADER = t("h"), t("p"), t("list"), t("list-item"), t("list-header")
T_S, T_TAB, T_LB, T_SOFT = t("s"), t("tab"), t("line-break"), t("soft-page-break")
T_SECTION, T_STYLE_NAME = t("section"), t("style-name")
TB_TABLE, TB_ROW, TB_CELL = f"{{{TABLE}}}table", f"{{{TABLE}}}table-row", f"{{{TABLE}}}table-cell"
# Not body text: notes, annotations, tracked deletions, frames and index marks.
SKIP = frozenset({
    t("note"), f"{{{OFFICE}}}annotation", f"{{{OFFICE}}}annotation-end", t("tracked-changes"),
    t("bookmark"), t("bookmark-start"), t("bookmark-end"), t("reference-mark"),
    t("alphabetical-index-mark"), t("toc-mark"), f"{{{DRAW}}}frame",
})
HEADING_PARAGRAPH_STYLES = frozenset({"title", "titel"})


class _Styles:
    """Paragraph styles that break the page before them, and title styles."""

    def __init__(self, *roots: etree._Element | None) -> None:
        self.page_break: set[str] = set()
        self.parent: dict[str, str] = {}
        self.display: dict[str, str] = {}
        for root in roots:
            if root is None:
                continue
            for style in root.iter(f"{{{STYLE}}}style"):
                name = style.get(f"{{{STYLE}}}name", "")
                self.parent[name] = style.get(f"{{{STYLE}}}parent-style-name", "")
                self.display[name] = style.get(f"{{{STYLE}}}display-name", name)
                props = style.find(f"{{{STYLE}}}paragraph-properties")
                if props is not None and props.get(f"{{{FO}}}break-before") == "page":
                    self.page_break.add(name)

    def _chain(self, name: str):
        seen: set[str] = set()
        while name and name not in seen and len(seen) < 20:
            seen.add(name)
            yield name
            name = self.parent.get(name, "")

    def breaks_page(self, name: str) -> bool:
        return any(n in self.page_break for n in self._chain(name))

    def is_title(self, name: str) -> bool:
        return any(self.display.get(n, n).lower() in HEADING_PARAGRAPH_STYLES
                   for n in self._chain(name))


class _Walker:
    def __init__(self, styles: _Styles, soft_breaks: bool) -> None:
        self.styles = styles
        self.soft = soft_breaks
        self.pages = PageCounter()
        self.blocks: list[Block] = []
        self.started = False

    def pieces(self, el: etree._Element, out: list[object]) -> list[object]:
        if el.text:
            out.append(el.text)
        for child in el:
            tag = child.tag
            if not isinstance(tag, str):
                pass
            elif tag in SKIP:
                pass
            elif tag == T_S:
                try:
                    count = int(child.get(t("c"), "1"))
                except ValueError:
                    count = 1
                out.append(" " * max(1, min(count, 1000)))
            elif tag == T_TAB:
                out.append("\t")
            elif tag == T_LB:
                out.append("\n")
            elif tag == T_SOFT:
                if self.soft:
                    out.append(PAGE_BREAK)
            else:
                self.pieces(child, out)
            if child.tail:
                out.append(child.tail)
        return out

    def container(self, el: etree._Element, in_list: bool = False) -> None:
        for child in el:
            tag = child.tag
            if tag == T_H:
                self.paragraph(child, "heading", _level(child))
            elif tag == T_P:
                if self.styles.is_title(child.get(T_STYLE_NAME, "")):
                    self.paragraph(child, "heading", 1)
                else:
                    self.paragraph(child, "list_item" if in_list else "paragraph", 0)
            elif tag in (T_LIST, T_ITEM, T_HEADER):
                self.container(child, in_list=True)
            elif tag == TB_TABLE:
                self.table(child)
            elif tag == T_SOFT:
                if self.soft and self.started:
                    self.pages.next_page()
            elif tag in SKIP:
                continue
            elif isinstance(tag, str):
                self.container(child, in_list)  # sections, table headers, index bodies

    def paragraph(self, el: etree._Element, kind: str, level: int) -> None:
        if not self.soft and self.started and self.styles.breaks_page(el.get(T_STYLE_NAME, "")):
            self.pages.next_page()
        before = len(self.blocks)
        emit(self.pieces(el, []), self.pages, self.blocks, kind=kind, level=level)
        self.started = self.started or len(self.blocks) > before

    def table(self, table: etree._Element) -> None:
        for row in table.iter(TB_ROW):
            if _nested(row, table):
                continue
            if self.soft and row.getprevious() is not None and row.getprevious().tag == T_SOFT:
                self.pages.next_page()
            cells: list[str] = []
            breaks = 0
            for cell in row.iterchildren(TB_CELL):
                pieces: list[object] = []
                for p in cell.iter(T_P, T_H):
                    if pieces:
                        pieces.append(" ")
                    self.pieces(p, pieces)
                text, n = join_pieces(pieces)
                breaks += n
                cells.append(" ".join(text.split()))
            if any(cells):
                emit([" | ".join(cells)], self.pages, self.blocks, kind="table_row")
                self.started = True
            for _ in range(breaks):
                self.pages.next_page()


def _nested(row: etree._Element, table: etree._Element) -> bool:
    parent = row.getparent()
    while parent is not None and parent is not table:
        if parent.tag == TB_TABLE:
            return True
        parent = parent.getparent()
    return False


def _level(el: etree._Element) -> int:
    try:
        return max(1, min(int(el.get(t("outline-level"), "1")), 6))
    except ValueError:
        return 1


def parse_odt(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse an ODT into blocks; raise ``zip_bomb``, ``corrupt`` or ``no_text``."""

    def read(name: str) -> etree._Element | None:
        if not has_member(archive, name):
            if name == "content.xml":
                raise IngestError.of("corrupt", filename, format_name=FORMAT_NAME,
                                     detail="content.xml is missing")
            return None
        data = read_member(archive, name, filename=filename, limits=limits,
                           format_name=FORMAT_NAME)
        return parse_xml(data, filename=filename, part=name, format_name=FORMAT_NAME)

    with open(path, "rb") as fh, open_zip(fh, filename=filename, limits=limits,
                                          format_name=FORMAT_NAME) as archive:
        content = read("content.xml")
        styles = read("styles.xml")
        meta = read("meta.xml")

    body = content.find(f"{{{OFFICE}}}body/{{{OFFICE}}}text") if content is not None else None
    if body is None:
        raise IngestError.of("corrupt", filename, format_name=FORMAT_NAME,
                             detail="the document has no text body")
    soft = next(body.iter(T_SOFT), None) is not None
    walker = _Walker(_Styles(content, styles), soft_breaks=soft)
    walker.container(body)
    if not walker.blocks:
        raise IngestError.of("no_text", filename)
    title = authors = ""
    if meta is not None:
        title = " ".join((meta.findtext(f".//{{{DC}}}title") or "").split())
        authors = " ".join((meta.findtext(f".//{{{META}}}initial-creator")
                            or meta.findtext(f".//{{{DC}}}creator") or "").split())
    return ParsedDocument(
        blocks=tuple(walker.blocks),
        page_count=walker.pages.page,
        title=title,
        authors=authors,
        metadata={"format": "odt", "page_breaks": "soft" if soft else "explicit"},
    )

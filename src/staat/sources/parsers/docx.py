# SPDX-License-Identifier: EUPL-1.2
"""DOCX parser: WordprocessingML read with a safe lxml parser.

We read the package ourselves rather than through python-docx: python-docx's parser does
not expand entities (``resolve_entities=False``) but silently accepts DTDs, reads every part
of the package, and does not expose body order with page breaks; here each part we need is
read through the ZIP guard and parsed by :mod:`.safexml`, which refuses DTDs outright.

Pages: if Word saved rendering hints (``w:lastRenderedPageBreak``) those mark the pages;
otherwise explicit breaks count (``w:br w:type="page"``, "page break before" and section
breaks). Headers, footers, footnotes, comments and text boxes are not part of the body.
"""

from __future__ import annotations

import posixpath
import re

from lxml import etree

from staat.nlp.document import Block, ParsedDocument

from .errors import IngestError
from .limits import Limits
from .packages import PAGE_BREAK, PageCounter, emit, join_pieces
from .safexml import parse_xml
from .zipguard import has_member, open_zip, read_member

FORMAT_NAME = "Word document (DOCX)"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
REL = "http://schemas.openxmlformats.org/package/2006/relationships"
DC = "http://purl.org/dc/elements/1.1/"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


W_P, W_TBL, W_TR, W_TC, W_T, W_TAB = w("p"), w("tbl"), w("tr"), w("tc"), w("t"), w("tab")
W_BR, W_CR, W_LRPB = w("br"), w("cr"), w("lastRenderedPageBreak")
W_NBH, W_PPR, W_SDT, W_SDTCONTENT = w("noBreakHyphen"), w("pPr"), w("sdt"), w("sdtContent")
W_VAL, W_TYPE = w("val"), w("type")
# Subtrees whose text is not body text (or is a duplicate of it).
SKIP = frozenset({
    f"{{{MC}}}Fallback", w("delText"), w("instrText"), w("pPr"), w("rPr"), w("drawing"),
    w("pict"), w("object"), w("footnoteReference"), w("endnoteReference"),
    w("commentReference"), w("fldData"), w("delInstrText"), w("softHyphen"), w("sym"),
})
HEADING_STYLE = re.compile(r"^(?:heading|kop)\s*(\d)$")
TITLE_STYLES = frozenset({"title", "titel"})
LIST_STYLE = re.compile(r"^(?:list|lijst)")


class Styles:
    """Paragraph styles: heading level, list-ness and page-break-before, following basedOn."""

    def __init__(self, root: etree._Element | None) -> None:
        self._styles: dict[str, dict] = {}
        if root is None:
            return
        for style in root.iter(w("style")):
            if style.get(W_TYPE, "paragraph") != "paragraph":
                continue
            sid = style.get(w("styleId"), "")
            name_el = style.find(w("name"))
            ppr = style.find(W_PPR)
            self._styles[sid] = {
                "name": (name_el.get(W_VAL, "") if name_el is not None else sid).lower(),
                "based_on": _val(style.find(w("basedOn"))),
                "outline": _outline(ppr),
                "numbered": _numbered(ppr),
                "break_before": _on(ppr, "pageBreakBefore"),
            }

    def _chain(self, sid: str):
        seen = set()
        while sid and sid in self._styles and sid not in seen and len(seen) < 20:
            seen.add(sid)
            yield sid, self._styles[sid]
            sid = self._styles[sid]["based_on"]

    def heading_level(self, sid: str) -> int:
        for key, style in self._chain(sid):
            name = style["name"]
            match = HEADING_STYLE.match(name) or HEADING_STYLE.match(key.lower())
            if match:
                return max(1, int(match.group(1)))
            if name in TITLE_STYLES or key.lower() in TITLE_STYLES:
                return 1
            if style["outline"] is not None:
                return style["outline"]
        return 0

    def is_list(self, sid: str) -> bool:
        for key, style in self._chain(sid):
            if style["numbered"] is not None:
                return style["numbered"]
            if LIST_STYLE.match(style["name"]) or LIST_STYLE.match(key.lower()):
                return True
        return False

    def break_before(self, sid: str) -> bool:
        for _key, style in self._chain(sid):
            if style["break_before"] is not None:
                return style["break_before"]
        return False


def _val(el: etree._Element | None) -> str:
    return el.get(W_VAL, "") if el is not None else ""


def _outline(ppr: etree._Element | None) -> int | None:
    if ppr is None:
        return None
    el = ppr.find(w("outlineLvl"))
    if el is None:
        return None
    try:
        level = int(el.get(W_VAL, "9"))
    except ValueError:
        return None
    return level + 1 if 0 <= level < 9 else 0


def _numbered(ppr: etree._Element | None) -> bool | None:
    if ppr is None:
        return None
    numpr = ppr.find(w("numPr"))
    if numpr is None:
        return None
    return _val(numpr.find(w("numId"))) not in ("", "0")


def _on(ppr: etree._Element | None, name: str) -> bool | None:
    if ppr is None:
        return None
    el = ppr.find(w(name))
    if el is None:
        return None
    return el.get(W_VAL, "true").lower() not in ("0", "false", "off")


class _Walker:
    def __init__(self, styles: Styles, rendered: bool) -> None:
        self.styles = styles
        self.rendered = rendered
        self.pages = PageCounter()
        self.blocks: list[Block] = []
        self.started = False

    def pieces(self, el: etree._Element, out: list[object]) -> list[object]:
        for child in el:
            tag = child.tag
            if tag in SKIP or not isinstance(tag, str):
                continue
            if tag == W_T:
                out.append(child.text or "")
            elif tag == W_TAB:
                out.append("\t")
            elif tag == W_BR:
                kind = child.get(W_TYPE, "textWrapping")
                if kind == "page":
                    if not self.rendered:
                        out.append(PAGE_BREAK)
                else:
                    out.append("\n")
            elif tag == W_CR:
                out.append("\n")
            elif tag == W_LRPB:
                if self.rendered:
                    out.append(PAGE_BREAK)
            elif tag == W_NBH:
                out.append("-")
            else:
                self.pieces(child, out)
        return out

    def body(self, container: etree._Element) -> None:
        for child in container:
            if child.tag == W_P:
                self.paragraph(child)
            elif child.tag == W_TBL:
                self.table(child)
            elif child.tag in (W_SDT, W_SDTCONTENT, w("customXml")):
                self.body(child.find(W_SDTCONTENT) if child.tag == W_SDT
                          and child.find(W_SDTCONTENT) is not None else child)

    def paragraph(self, p: etree._Element) -> None:
        ppr = p.find(W_PPR)
        sid = _val(ppr.find(w("pStyle"))) if ppr is not None else ""
        if not self.rendered and self.started and (
                _on(ppr, "pageBreakBefore") or (_on(ppr, "pageBreakBefore") is None
                                                and self.styles.break_before(sid))):
            self.pages.next_page()
        pieces = self.pieces(p, [])
        level = _outline(ppr)
        if level is None:
            level = self.styles.heading_level(sid)
        numbered = _numbered(ppr)
        is_list = numbered if numbered is not None else self.styles.is_list(sid)
        if level:
            kind = "heading"
        elif is_list:
            kind = "list_item"
        else:
            kind = "paragraph"
        before = len(self.blocks)
        emit(pieces, self.pages, self.blocks, kind=kind, level=min(level, 6) if level else 0)
        self.started = self.started or len(self.blocks) > before
        if not self.rendered and ppr is not None:
            sect = ppr.find(w("sectPr"))
            if sect is not None and _val(sect.find(w("type"))) != "continuous":
                self.pages.next_page()

    def table(self, tbl: etree._Element) -> None:
        for tr in tbl.iter(W_TR):
            if _inside_nested_table(tr, tbl):
                continue
            cells: list[str] = []
            breaks = 0
            for tc in tr.findall(W_TC):
                pieces: list[object] = []
                for p in tc.iter(W_P):
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


def _inside_nested_table(tr: etree._Element, tbl: etree._Element) -> bool:
    parent = tr.getparent()
    while parent is not None and parent is not tbl:
        if parent.tag == W_TBL:
            return True
        parent = parent.getparent()
    return False


def _relationship(data: bytes | None, kind: str, filename: str) -> str | None:
    if not data:
        return None
    root = parse_xml(data, filename=filename, part="relationships", format_name=FORMAT_NAME)
    for rel in root.iter(f"{{{REL}}}Relationship"):
        if rel.get("Type", "").endswith("/" + kind) and rel.get("TargetMode") != "External":
            return rel.get("Target", "")
    return None


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def parse_docx(path: str, filename: str, limits: Limits = Limits()) -> ParsedDocument:
    """Parse a DOCX into blocks; raise ``zip_bomb``, ``corrupt`` or ``no_text``."""

    def read(name: str, required: bool = False) -> bytes | None:
        if not required and not has_member(archive, name):
            return None
        return read_member(archive, name, filename=filename, limits=limits,
                           format_name=FORMAT_NAME)

    def xml(data: bytes | None, part: str) -> etree._Element | None:
        if data is None:
            return None
        return parse_xml(data, filename=filename, part=part, format_name=FORMAT_NAME)

    with open(path, "rb") as fh, open_zip(fh, filename=filename, limits=limits,
                                          format_name=FORMAT_NAME) as archive:
        package_rels = read("_rels/.rels")
        main = _resolve("", _relationship(package_rels, "officeDocument", filename)
                        or "word/document.xml")
        core = _resolve("", _relationship(package_rels, "core-properties", filename)
                        or "docProps/core.xml")
        document_data = read(main, required=True)
        rels_name = posixpath.join(posixpath.dirname(main), "_rels",
                                   posixpath.basename(main) + ".rels")
        styles_target = _relationship(read(rels_name), "styles", filename)
        styles_data = read(_resolve(main, styles_target) if styles_target else "word/styles.xml")
        core_data = read(core)

    document = xml(document_data, main)
    body = document.find(w("body")) if document is not None else None
    if body is None:
        raise IngestError.of("corrupt", filename, format_name=FORMAT_NAME,
                             detail="the document has no body")
    walker = _Walker(Styles(xml(styles_data, "styles")),
                     rendered=b"lastRenderedPageBreak" in document_data)
    walker.body(body)
    if not walker.blocks:
        raise IngestError.of("no_text", filename)
    title, authors = _core_properties(xml(core_data, "core properties"))
    page_count = walker.pages.page
    return ParsedDocument(
        blocks=tuple(walker.blocks),
        page_count=page_count,
        title=title,
        authors=authors,
        metadata={"format": "docx",
                  "page_breaks": "rendered" if walker.rendered else "explicit"},
    )


def _core_properties(root: etree._Element | None) -> tuple[str, str]:
    if root is None:
        return "", ""
    title = root.findtext(f"{{{DC}}}title") or ""
    creator = root.findtext(f"{{{DC}}}creator") or ""
    return " ".join(title.split()), " ".join(creator.split())

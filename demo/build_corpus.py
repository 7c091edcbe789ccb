# SPDX-License-Identifier: EUPL-1.2
"""Build the fictional demo corpus from its Markdown sources.

Reads every ``demo/manifest/*.yaml`` (in name order), validates the entries and
renders each authored Markdown text into ``demo/corpus/<year>/<id>.<ext>`` in the
format the manifest asks for (pdf, docx, odt, html, md or txt).

Everything in the corpus is invented (see ``demo/STORYLINE.md``). The output is
deterministic: rebuilding without changes gives byte-identical files, so the
generated corpus can be committed.

Usage::

    .venv/bin/python demo/build_corpus.py            # validate and build everything
    .venv/bin/python demo/build_corpus.py --check    # validate only
    .venv/bin/python demo/build_corpus.py --only 2023-lvu-stand
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import re
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

DEMO_DIR = Path(__file__).resolve().parent
MANIFEST_DIR = DEMO_DIR / "manifest"
CORPUS_DIR = DEMO_DIR / "corpus"

NOTICE = "FICTIEF DEMONSTRATIEMATERIAAL – verzonnen organisatie en inhoud"

# The fictional cast of demo/STORYLINE.md: code -> (name, short name, type).
ORGANISATIONS: dict[str, tuple[str, str, str]] = {
    "fic-lvu": ("Landelijke Voorzieningendienst Uitkeringen", "LVU", "zbo"),
    "fic-dvt": ("Dienst Vergunningen en Toezicht", "DVT", "agentschap"),
    "fic-rid": ("Rijksinningsdienst", "RID", "dienst"),
    "fic-uisf": ("Uitvoeringsinstituut Studiefinanciering", "UISF", "zbo"),
    "fic-arg": ("Agentschap Registratie en Gegevens", "ARG", "agentschap"),
    "fic-lindeveen": ("Gemeente Lindeveen", "Lindeveen", "gemeente"),
    "fic-zuidermark": ("Provincie Zuidermark", "Zuidermark", "provincie"),
    "fic-lagelanden": ("Waterschap Lage Landen", "WLL", "waterschap"),
    "fic-cbz": ("Centraal Bureau Zorgtoewijzing", "CBZ", "zbo"),
    "fic-din": ("Dienst Inburgering en Naturalisatie", "DIN", "dienst"),
    "fic-lcji": ("Landelijk Centrum Justitiële Inning", "LCJI", "agentschap"),
}

FORMATS = ("pdf", "docx", "odt", "html", "md", "txt")
KINDS = ("stand", "knelpuntenbrief", "onderzoek", "advies", "sessieverslag", "overig")
REQUIRED = ("id", "source", "format", "kind", "organisations", "year", "title", "publication_date")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# Fixed timestamp for zip members, so that DOCX and ODT files are reproducible.
ZIP_EPOCH = (2020, 1, 1, 0, 0, 0)

MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


# --------------------------------------------------------------------------- manifest


class ManifestError(Exception):
    pass


@dataclass
class Entry:
    id: str
    source: Path
    format: str
    kind: str
    organisations: list[str]
    year: int
    title: str
    authors: str
    institution: str
    publication_date: dt.date
    published: bool
    manifest: str
    short_title: str = ""

    @property
    def output(self) -> Path:
        return CORPUS_DIR / str(self.year) / f"{self.id}.{self.format}"

    @property
    def author(self) -> str:
        """Author for document metadata: the persons if named, else the institution."""
        return self.authors or self.institution

    @property
    def header_title(self) -> str:
        """Short title for running page headers."""
        if self.short_title:
            return self.short_title
        title = self.title
        if self.kind == "stand" and len(self.organisations) == 1:
            name, short, _ = ORGANISATIONS[self.organisations[0]]
            title = title.replace(name, short)
            if not re.search(rf"\b{re.escape(short)}\b", title):
                title = f"{short} – {title}"
        return title if len(title) <= 60 else title[:57].rstrip() + "…"


def load_manifests(manifest_dir: Path = MANIFEST_DIR) -> list[Entry]:
    entries: list[Entry] = []
    errors: list[str] = []
    seen: dict[str, str] = {}
    files = sorted(manifest_dir.glob("*.yaml"))
    if not files:
        raise ManifestError(f"geen manifesten gevonden in {manifest_dir}")
    for path in files:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        docs = data.get("documents")
        if not isinstance(docs, list):
            errors.append(f"{path.name}: sleutel 'documents' ontbreekt of is geen lijst")
            continue
        for i, raw in enumerate(docs):
            where = f"{path.name}[{i}]"
            if not isinstance(raw, dict):
                errors.append(f"{where}: geen mapping")
                continue
            missing = [k for k in REQUIRED if raw.get(k) in (None, "")]
            if missing:
                errors.append(f"{where}: ontbrekende velden {missing}")
                continue
            doc_id = str(raw["id"])
            where = f"{path.name}:{doc_id}"
            if not ID_RE.match(doc_id):
                errors.append(f"{where}: id moet uit kleine letters, cijfers en '-' bestaan")
            if doc_id in seen:
                errors.append(f"{where}: id komt ook voor in {seen[doc_id]}")
            seen[doc_id] = path.name
            fmt, kind = raw["format"], raw["kind"]
            if fmt not in FORMATS:
                errors.append(f"{where}: onbekend format {fmt!r} (toegestaan: {FORMATS})")
            if kind not in KINDS:
                errors.append(f"{where}: onbekende kind {kind!r} (toegestaan: {KINDS})")
            orgs = raw["organisations"] or []
            if not isinstance(orgs, list):
                errors.append(f"{where}: organisations moet een lijst zijn")
                orgs = []
            for org in orgs:
                if org not in ORGANISATIONS:
                    errors.append(f"{where}: onbekende organisatie {org!r}")
            if kind == "stand" and len(orgs) != 1:
                errors.append(f"{where}: een stand hoort bij precies één organisatie")
            source = DEMO_DIR / str(raw["source"])
            if not source.is_file():
                errors.append(f"{where}: bronbestand {raw['source']} bestaat niet")
            else:
                first = source.read_text(encoding="utf-8").lstrip("\ufeff").splitlines()[:1]
                if first != [NOTICE]:
                    errors.append(f"{where}: eerste regel van de bron moet '{NOTICE}' zijn")
            pub = raw["publication_date"]
            if isinstance(pub, str):
                try:
                    pub = dt.date.fromisoformat(pub)
                except ValueError:
                    errors.append(f"{where}: ongeldige publication_date {pub!r}")
                    continue
            if not isinstance(pub, dt.date):
                errors.append(f"{where}: ongeldige publication_date {pub!r}")
                continue
            try:
                year = int(raw["year"])
            except (TypeError, ValueError):
                errors.append(f"{where}: ongeldig jaar {raw['year']!r}")
                continue
            if year != pub.year:
                errors.append(f"{where}: jaar {year} past niet bij publication_date {pub}")
            published = raw.get("published", True)
            if not isinstance(published, bool):
                errors.append(f"{where}: published moet true of false zijn")
            entries.append(
                Entry(
                    id=doc_id,
                    source=source,
                    format=fmt,
                    kind=kind,
                    organisations=list(orgs),
                    year=year,
                    title=str(raw["title"]),
                    authors=str(raw.get("authors") or ""),
                    institution=str(raw.get("institution") or ""),
                    publication_date=pub,
                    published=bool(published),
                    manifest=path.name,
                    short_title=str(raw.get("short_title") or ""),
                )
            )
    if errors:
        raise ManifestError("\n".join(errors))
    return entries


# --------------------------------------------------------------------------- Markdown model
# A deliberately small document model: what the authoring guide allows, nothing more.

Inline = tuple[str, bool, bool]  # text, bold, italic


@dataclass
class Block:
    type: str  # heading | para | list | table
    level: int = 0  # heading level
    inlines: list[Inline] = field(default_factory=list)
    ordered: bool = False
    start: int = 1
    items: list[list[Inline]] = field(default_factory=list)
    header: list[list[Inline]] = field(default_factory=list)
    rows: list[list[list[Inline]]] = field(default_factory=list)


_MD = MarkdownIt("commonmark").enable("table")


def _inlines(token) -> list[Inline]:
    out: list[Inline] = []
    bold = italic = False
    for child in token.children or []:
        t = child.type
        if t == "strong_open":
            bold = True
        elif t == "strong_close":
            bold = False
        elif t == "em_open":
            italic = True
        elif t == "em_close":
            italic = False
        elif t in ("text", "code_inline", "html_inline"):
            out.append((child.content, bold, italic))
        elif t in ("softbreak", "hardbreak"):
            out.append((" ", bold, italic))
    # merge neighbours with equal formatting
    merged: list[Inline] = []
    for text, b, i in out:
        if merged and merged[-1][1:] == (b, i):
            merged[-1] = (merged[-1][0] + text, b, i)
        else:
            merged.append((text, b, i))
    return merged


def parse_markdown(text: str) -> list[Block]:
    tokens = _MD.parse(text)
    blocks: list[Block] = []
    i = 0
    current_list: Block | None = None
    item: list[Inline] | None = None
    table: Block | None = None
    row: list[list[Inline]] | None = None
    in_head = False
    while i < len(tokens):
        tok = tokens[i]
        t = tok.type
        if t == "heading_open":
            blocks.append(Block("heading", level=int(tok.tag[1]), inlines=_inlines(tokens[i + 1])))
            i += 3
            continue
        if t in ("bullet_list_open", "ordered_list_open"):
            if current_list is not None:  # nested lists are flattened
                i += 1
                continue
            current_list = Block("list", ordered=t == "ordered_list_open",
                                 start=int(tok.attrGet("start") or 1))
        elif t in ("bullet_list_close", "ordered_list_close"):
            if current_list is not None and tok.level == 0:
                blocks.append(current_list)
                current_list = None
        elif t == "list_item_open":
            item = []
        elif t == "list_item_close":
            if current_list is not None and item is not None and tok.level <= 1:
                current_list.items.append(item)
                item = None
        elif t == "table_open":
            table = Block("table")
        elif t == "table_close":
            blocks.append(table)
            table = None
        elif t == "thead_open":
            in_head = True
        elif t == "thead_close":
            in_head = False
        elif t == "tr_open":
            row = []
        elif t == "tr_close":
            if in_head:
                table.header = row
            else:
                table.rows.append(row)
            row = None
        elif t in ("th_open", "td_open"):
            row.append(_inlines(tokens[i + 1]))
            i += 3
            continue
        elif t == "inline":
            if item is not None:
                if item:
                    item.append((" ", False, False))
                item.extend(_inlines(tok))
            else:
                blocks.append(Block("para", inlines=_inlines(tok)))
        i += 1
    return blocks


def plain(inlines: list[Inline]) -> str:
    return "".join(text for text, _, _ in inlines)


# --------------------------------------------------------------------------- Typst / PDF

# Quotes are left alone: Typst turns them into typographic quotes ("auto's" -> auto’s).
_TYPST_SPECIAL = set("\\#$*_@<>[]`~/=-+")


def typst_escape(text: str) -> str:
    out = "".join("\\" + c if c in _TYPST_SPECIAL else c for c in text)
    # "1. " at the start of a line would become an enumeration
    return re.sub(r"^(\d+)\.", r"\1\\.", out)


def typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def typst_inlines(inlines: list[Inline]) -> str:
    parts: list[str] = []
    after_call = False
    for text, bold, italic in inlines:
        body = typst_escape(text)
        if after_call and body[:1] in ".([":
            body = "\\" + body
        if bold or italic:
            if italic:
                body = f"#emph[{body}]"
            if bold:
                body = f"#strong[{body}]"
            after_call = True
        else:
            after_call = False
        parts.append(body)
    return "".join(parts)


def to_typst(entry: Entry, blocks: list[Block]) -> str:
    d = entry.publication_date
    lines = [
        f"// Gegenereerd door demo/build_corpus.py uit {entry.source.relative_to(DEMO_DIR)}",
        f"#set document(title: {typst_string(entry.title)}, "
        f"author: {typst_string(entry.author)}, "
        f"date: datetime(year: {d.year}, month: {d.month}, day: {d.day}))",
        "#set text(font: \"Libertinus Serif\", lang: \"nl\", region: \"NL\", hyphenate: true, size: 10.5pt)",
        "#set par(justify: true, leading: 0.62em, spacing: 1.05em)",
        "#set page(paper: \"a4\", margin: (x: 2.4cm, top: 2.8cm, bottom: 2.6cm),",
        "  header: context {",
        "    set text(size: 8pt, fill: luma(80), hyphenate: false)",
        "    grid(columns: (auto, 1fr), column-gutter: 1.5em,",
        f"      [{typst_escape(NOTICE)}], align(right)[{typst_escape(entry.header_title)}])",
        "    v(-0.5em)",
        "    line(length: 100%, stroke: 0.4pt + luma(150))",
        "  },",
        "  footer: context {",
        "    set text(size: 8pt, fill: luma(80))",
        "    align(center)[Pagina #counter(page).display() van #counter(page).final().first()]",
        "  },",
        ")",
        "#show heading: set text(hyphenate: false)",
        "#show heading: set par(justify: false)",
        "#show heading.where(level: 1): set text(size: 19pt)",
        "#show heading.where(level: 1): set block(above: 1.2em, below: 1.0em)",
        "#show heading.where(level: 2): set text(size: 13pt)",
        "#show heading.where(level: 2): set block(above: 1.5em, below: 0.8em)",
        "#show heading.where(level: 3): set text(size: 11pt, style: \"italic\")",
        "#set list(indent: 0.8em)",
        "#set enum(indent: 0.8em)",
        "#set table(stroke: 0.5pt + luma(120), inset: 5pt)",
        "#show table: set text(size: 9.5pt)",
        "#show table: set par(justify: false)",
        "",
    ]
    for b in blocks:
        if b.type == "heading":
            lines.append("=" * min(b.level, 3) + " " + typst_inlines(b.inlines))
            lines.append("")
        elif b.type == "para":
            lines.append(typst_inlines(b.inlines))
            lines.append("")
        elif b.type == "list":
            for n, it in enumerate(b.items, start=b.start):
                marker = f"{n}." if b.ordered else "-"
                lines.append(f"{marker} {typst_inlines(it)}")
            lines.append("")
        elif b.type == "table":
            ncols = max([len(b.header)] + [len(r) for r in b.rows])
            cells = ", ".join(f"[#strong[{typst_inlines(c)}]]" for c in b.header)
            lines.append(f"#table(columns: {ncols}, align: left,")
            lines.append(f"  table.header({cells}),")
            for r in b.rows:
                lines.append("  " + ", ".join(f"[{typst_inlines(c)}]" for c in r) + ",")
            lines.append(")")
            lines.append("")
    return "\n".join(lines) + "\n"


def write_pdf(entry: Entry, blocks: list[Block], out: Path) -> None:
    import typst

    source = to_typst(entry, blocks)
    with tempfile.TemporaryDirectory() as tmp:
        typ = Path(tmp) / f"{entry.id}.typ"
        typ.write_text(source, encoding="utf-8")
        pdf = Path(tmp) / f"{entry.id}.pdf"
        typst.compile(str(typ), output=str(pdf))
        shutil.copyfile(pdf, out)


# --------------------------------------------------------------------------- zip normalising


def normalise_zip(data: bytes, first: str | None = None) -> bytes:
    """Rewrite a zip archive with fixed timestamps (and ``first`` stored uncompressed first)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    if first and first in names:
        names.remove(first)
        names.insert(0, first)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_STORED if name == first else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return buf.getvalue()


# --------------------------------------------------------------------------- DOCX


def write_docx(entry: Entry, blocks: list[Block], out: Path) -> None:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)
    rpr = normal.element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:val"), "nl-NL")

    section = doc.sections[0]
    section.page_height, section.page_width = 10692130, 7560310  # A4 in EMU
    header = section.header.paragraphs[0]
    header.text = f"{NOTICE} — {entry.header_title}"
    header.runs[0].font.size = Pt(8)

    def add_runs(par, inlines):
        for text, bold, italic in inlines:
            run = par.add_run(text)
            run.bold = bold or None
            run.italic = italic or None

    for b in blocks:
        if b.type == "heading":
            par = doc.add_heading(level=min(b.level, 3))
            add_runs(par, b.inlines)
        elif b.type == "para":
            add_runs(doc.add_paragraph(), b.inlines)
        elif b.type == "list":
            style = "List Number" if b.ordered else "List Bullet"
            for it in b.items:
                add_runs(doc.add_paragraph(style=style), it)
        elif b.type == "table":
            ncols = max([len(b.header)] + [len(r) for r in b.rows])
            table = doc.add_table(rows=1 + len(b.rows), cols=ncols)
            table.style = "Table Grid"
            for r_idx, row in enumerate([b.header] + b.rows):
                for c_idx in range(ncols):
                    cell = table.cell(r_idx, c_idx)
                    inl = row[c_idx] if c_idx < len(row) else []
                    par = cell.paragraphs[0]
                    if r_idx == 0:
                        inl = [(t, True, i) for t, _, i in inl]
                    add_runs(par, inl)
            doc.add_paragraph()

    created = dt.datetime.combine(entry.publication_date, dt.time(9, 0), tzinfo=dt.timezone.utc)
    cp = doc.core_properties
    cp.title = entry.title
    cp.author = entry.author
    cp.created = created
    cp.modified = created
    cp.last_modified_by = entry.author
    cp.revision = 1
    cp.language = "nl-NL"
    cp.subject = entry.institution
    cp.comments = NOTICE
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(normalise_zip(buf.getvalue()))


# --------------------------------------------------------------------------- ODT


def write_odt(entry: Entry, blocks: list[Block], out: Path) -> None:
    from odf import dc, meta
    from odf.opendocument import OpenDocumentText
    from odf.style import (
        FontFace, Footer, Header, ListLevelProperties, MasterPage, PageLayout,
        PageLayoutProperties, ParagraphProperties, Style, TableCellProperties,
        TableColumnProperties, TableProperties, TextProperties,
    )
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import (
        H, List, ListItem, ListLevelStyleBullet, ListLevelStyleNumber, ListStyle, P,
        PageCount, PageNumber, Span,
    )

    doc = OpenDocumentText()
    doc.fontfacedecls.addElement(FontFace(name="Liberation Sans", fontfamily="'Liberation Sans'",
                                          fontfamilygeneric="swiss", fontpitch="variable"))
    doc.fontfacedecls.addElement(FontFace(name="Liberation Serif", fontfamily="'Liberation Serif'",
                                          fontfamilygeneric="roman", fontpitch="variable"))

    standard = Style(name="Standard", family="paragraph")
    standard.addElement(TextProperties(fontname="Liberation Serif", fontsize="11pt",
                                       language="nl", country="NL"))
    doc.styles.addElement(standard)
    body_style = Style(name="Text_20_body", displayname="Text body", family="paragraph",
                       parentstylename="Standard")
    body_style.addElement(ParagraphProperties(margintop="0cm", marginbottom="0.21cm",
                                              textalign="justify"))
    doc.styles.addElement(body_style)
    heading = Style(name="Heading", family="paragraph", parentstylename="Standard",
                    nextstylename="Text_20_body")
    heading.addElement(ParagraphProperties(margintop="0.42cm", marginbottom="0.21cm",
                                           keepwithnext="always"))
    heading.addElement(TextProperties(fontname="Liberation Sans", fontweight="bold"))
    doc.styles.addElement(heading)
    hstyles = {}
    for level, size in ((1, "18pt"), (2, "14pt"), (3, "12pt")):
        s = Style(name=f"Heading_20_{level}", displayname=f"Heading {level}", family="paragraph",
                  parentstylename="Heading", nextstylename="Text_20_body",
                  defaultoutlinelevel=str(level))
        s.addElement(TextProperties(fontsize=size, fontweight="bold"))
        doc.styles.addElement(s)
        hstyles[level] = s
    header_style = Style(name="Header", family="paragraph", parentstylename="Standard")
    header_style.addElement(TextProperties(fontsize="8pt", color="#555555"))
    doc.styles.addElement(header_style)
    footer_style = Style(name="Footer", family="paragraph", parentstylename="Standard")
    footer_style.addElement(ParagraphProperties(textalign="center"))
    footer_style.addElement(TextProperties(fontsize="8pt"))
    doc.styles.addElement(footer_style)
    cell_par = Style(name="Table_20_Contents", displayname="Table Contents", family="paragraph",
                     parentstylename="Standard")
    doc.styles.addElement(cell_par)

    bold = Style(name="Strong", family="text")
    bold.addElement(TextProperties(fontweight="bold"))
    italic = Style(name="Emphasis", family="text")
    italic.addElement(TextProperties(fontstyle="italic"))
    bolditalic = Style(name="StrongEmphasis", family="text")
    bolditalic.addElement(TextProperties(fontweight="bold", fontstyle="italic"))
    for s in (bold, italic, bolditalic):
        doc.styles.addElement(s)

    bullets = ListStyle(name="Bullets")
    bl = ListLevelStyleBullet(level=1, bulletchar="•")
    bl.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.5cm"))
    bullets.addElement(bl)
    doc.styles.addElement(bullets)
    numbers = ListStyle(name="Numbering")
    nl = ListLevelStyleNumber(level=1, numformat="1", numsuffix=".")
    nl.addElement(ListLevelProperties(spacebefore="0.4cm", minlabelwidth="0.6cm"))
    numbers.addElement(nl)
    doc.styles.addElement(numbers)

    layout = PageLayout(name="A4")
    layout.addElement(PageLayoutProperties(pagewidth="21cm", pageheight="29.7cm",
                                           margintop="2cm", marginbottom="2cm",
                                           marginleft="2.5cm", marginright="2.5cm",
                                           printorientation="portrait"))
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    hdr = Header()
    hdr.addElement(P(stylename=header_style, text=f"{NOTICE} — {entry.header_title}"))
    master.addElement(hdr)
    ftr = Footer()
    fp = P(stylename=footer_style, text="Pagina ")
    fp.addElement(PageNumber(selectpage="current", text="1"))
    fp.addText(" van ")
    fp.addElement(PageCount(text="1"))
    ftr.addElement(fp)
    master.addElement(ftr)
    doc.masterstyles.addElement(master)

    table_style = Style(name="Tabel", family="table")
    table_style.addElement(TableProperties(width="16cm", align="left"))
    doc.automaticstyles.addElement(table_style)
    col_style = Style(name="TabelKolom", family="table-column")
    col_style.addElement(TableColumnProperties(useoptimalcolumnwidth="true"))
    doc.automaticstyles.addElement(col_style)
    cell_style = Style(name="TabelCel", family="table-cell")
    cell_style.addElement(TableCellProperties(border="0.5pt solid #777777", padding="0.1cm"))
    doc.automaticstyles.addElement(cell_style)

    def fill(par, inlines):
        for text, b, i in inlines:
            if b and i:
                par.addElement(Span(stylename=bolditalic, text=text))
            elif b:
                par.addElement(Span(stylename=bold, text=text))
            elif i:
                par.addElement(Span(stylename=italic, text=text))
            else:
                par.addText(text)
        return par

    n_tables = 0
    for b in blocks:
        if b.type == "heading":
            level = min(b.level, 3)
            doc.text.addElement(fill(H(outlinelevel=level, stylename=hstyles[level]), b.inlines))
        elif b.type == "para":
            doc.text.addElement(fill(P(stylename=body_style), b.inlines))
        elif b.type == "list":
            lst = List(stylename=numbers if b.ordered else bullets)
            for it in b.items:
                li = ListItem()
                li.addElement(fill(P(stylename=body_style), it))
                lst.addElement(li)
            doc.text.addElement(lst)
        elif b.type == "table":
            ncols = max([len(b.header)] + [len(r) for r in b.rows])
            n_tables += 1
            tbl = Table(name=f"Tabel{n_tables}", stylename=table_style)
            tbl.addElement(TableColumn(numbercolumnsrepeated=ncols, stylename=col_style))
            for r_idx, row in enumerate([b.header] + b.rows):
                tr = TableRow()
                for c_idx in range(ncols):
                    inl = row[c_idx] if c_idx < len(row) else []
                    if r_idx == 0:
                        inl = [(t, True, i) for t, _, i in inl]
                    tc = TableCell(valuetype="string", stylename=cell_style)
                    tc.addElement(fill(P(stylename=cell_par), inl))
                    tr.addElement(tc)
                tbl.addElement(tr)
            doc.text.addElement(tbl)

    stamp = dt.datetime.combine(entry.publication_date, dt.time(9, 0)).isoformat()
    doc.meta.addElement(dc.Title(text=entry.title))
    doc.meta.addElement(dc.Creator(text=entry.author))
    doc.meta.addElement(meta.InitialCreator(text=entry.author))
    doc.meta.addElement(dc.Subject(text=entry.institution))
    doc.meta.addElement(dc.Description(text=NOTICE))
    doc.meta.addElement(dc.Language(text="nl-NL"))
    doc.meta.addElement(meta.CreationDate(text=stamp))
    doc.meta.addElement(dc.Date(text=stamp))
    buf = io.BytesIO()
    doc.write(buf)
    out.write_bytes(normalise_zip(buf.getvalue(), first="mimetype"))


# --------------------------------------------------------------------------- HTML


def html_inlines(inlines: list[Inline]) -> str:
    parts = []
    for text, b, i in inlines:
        s = html.escape(text, quote=False)
        if i:
            s = f"<em>{s}</em>"
        if b:
            s = f"<strong>{s}</strong>"
        parts.append(s)
    return "".join(parts)


def write_html(entry: Entry, blocks: list[Block], out: Path) -> None:
    e = html.escape
    d = entry.publication_date
    body: list[str] = []
    for b in blocks:
        if b.type == "heading":
            lvl = min(b.level, 3)
            body.append(f"<h{lvl}>{html_inlines(b.inlines)}</h{lvl}>")
        elif b.type == "para":
            body.append(f"<p>{html_inlines(b.inlines)}</p>")
        elif b.type == "list":
            tag = "ol" if b.ordered else "ul"
            start = f' start="{b.start}"' if b.ordered and b.start != 1 else ""
            body.append(f"<{tag}{start}>")
            body.extend(f"  <li>{html_inlines(it)}</li>" for it in b.items)
            body.append(f"</{tag}>")
        elif b.type == "table":
            body.append("<table>")
            body.append("  <thead><tr>" + "".join(f"<th>{html_inlines(c)}</th>" for c in b.header)
                        + "</tr></thead>")
            body.append("  <tbody>")
            for r in b.rows:
                body.append("    <tr>" + "".join(f"<td>{html_inlines(c)}</td>" for c in r) + "</tr>")
            body.append("  </tbody>")
            body.append("</table>")
    page = f"""<!DOCTYPE html>
<html lang="nl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(entry.title)} – {e(entry.institution)}</title>
<meta name="author" content="{e(entry.author)}">
<meta name="description" content="{e(NOTICE)}">
<meta name="dcterms.date" content="{d.isoformat()}">
<style>
body {{ font-family: Georgia, 'Times New Roman', serif; max-width: 46em; margin: 0 auto; padding: 1em 1.5em 3em; line-height: 1.5; color: #1a1a1a; }}
header.notice {{ font-family: Arial, sans-serif; font-size: 0.8em; color: #555; border-bottom: 1px solid #bbb; padding: 0.4em 0; margin-bottom: 1.5em; }}
h1, h2, h3 {{ font-family: Arial, sans-serif; line-height: 1.25; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #888; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }}
footer {{ font-size: 0.8em; color: #555; border-top: 1px solid #bbb; margin-top: 3em; padding-top: 0.5em; }}
</style>
</head>
<body>
<header class="notice">
<p>{e(NOTICE)} · {e(entry.header_title)}</p>
</header>
<main>
{chr(10).join(body)}
</main>
<footer>
<p>{e(entry.institution)} · gepubliceerd op <time datetime="{d.isoformat()}">{d.day} {MONTHS_NL[d.month - 1]} {d.year}</time> · {e(NOTICE)}</p>
</footer>
</body>
</html>
"""
    out.write_text(page, encoding="utf-8")


# --------------------------------------------------------------------------- TXT / MD


def to_text(blocks: list[Block]) -> str:
    chunks: list[str] = []
    for b in blocks:
        if b.type == "heading":
            text = plain(b.inlines)
            if b.level == 1:
                text = f"{text}\n{'=' * len(text)}"
            chunks.append(text)
        elif b.type == "para":
            chunks.append(plain(b.inlines))
        elif b.type == "list":
            if b.ordered:
                chunks.append("\n".join(f"{n}. {plain(it)}"
                                        for n, it in enumerate(b.items, start=b.start)))
            else:
                chunks.append("\n".join(f"- {plain(it)}" for it in b.items))
        elif b.type == "table":
            rows = [[plain(c) for c in b.header]] + [[plain(c) for c in r] for r in b.rows]
            ncols = max(len(r) for r in rows)
            rows = [r + [""] * (ncols - len(r)) for r in rows]
            widths = [max(len(r[c]) for r in rows) for c in range(ncols)]
            lines = ["  ".join(r[c].ljust(widths[c]) for c in range(ncols)).rstrip() for r in rows]
            lines.insert(1, "  ".join("-" * w for w in widths))
            chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


def write_txt(entry: Entry, blocks: list[Block], out: Path) -> None:
    out.write_text(to_text(blocks), encoding="utf-8")


def write_md(entry: Entry, blocks: list[Block], out: Path) -> None:
    shutil.copyfile(entry.source, out)


WRITERS = {
    "pdf": write_pdf,
    "docx": write_docx,
    "odt": write_odt,
    "html": write_html,
    "md": write_md,
    "txt": write_txt,
}


# --------------------------------------------------------------------------- main


def build(entries: list[Entry], only: set[str] | None = None) -> list[Path]:
    written = []
    for entry in entries:
        if only and entry.id not in only:
            continue
        blocks = parse_markdown(entry.source.read_text(encoding="utf-8"))
        entry.output.parent.mkdir(parents=True, exist_ok=True)
        WRITERS[entry.format](entry, blocks, entry.output)
        written.append(entry.output)
        print(f"  {entry.output.relative_to(DEMO_DIR)}  ({entry.output.stat().st_size:,} bytes)")
    return written


def remove_stale(entries: list[Entry]) -> list[Path]:
    expected = {e.output for e in entries}
    stale = []
    if CORPUS_DIR.is_dir():
        for path in sorted(CORPUS_DIR.glob("*/*")):
            if path.suffix.lstrip(".") in FORMATS and path not in expected:
                path.unlink()
                stale.append(path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="alleen de manifesten valideren")
    parser.add_argument("--only", action="append", metavar="ID", help="alleen dit document bouwen")
    parser.add_argument("--keep-stale", action="store_true",
                        help="bestanden in corpus/ zonder manifestregel niet verwijderen")
    args = parser.parse_args(argv)
    try:
        entries = load_manifests()
    except ManifestError as exc:
        print(f"Manifest ongeldig:\n{exc}", file=sys.stderr)
        return 1
    print(f"{len(entries)} documenten in {len({e.manifest for e in entries})} manifest(en) zijn geldig.")
    if args.check:
        return 0
    build(entries, set(args.only) if args.only else None)
    if not args.only and not args.keep_stale:
        for path in remove_stale(entries):
            print(f"  verwijderd (geen manifestregel): {path.relative_to(DEMO_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

# SPDX-License-Identifier: EUPL-1.2
"""The PDF of an edition, typeset with Typst (the ``typst`` package bundles the compiler).

``typst/edition.typ`` reads everything from a ``data.json`` this module writes, next to the
chart SVGs, in a temporary folder. The body (between the cover and the appendix) must fit
in ``PAGE_BUDGET`` A4 pages: :func:`write_pdf` compiles, reads the body's length from the
``<body-end>`` metadata, and while it is too long drops the lowest-ranked threads of the
*rode draden* section from the PDF (they stay on the website), naming them in the log and in
the appendix. Only the fonts embedded in the compiler are used (no system fonts) and the
document date is left out, so the same data give a byte-identical PDF on any machine. That is
also why a rebuild may reuse the earlier PDF: :func:`input_key` digests everything the PDF is
made from, and an earlier PDF with the same key (kept in ``build-info.json``) is the PDF this
build would typeset.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from staat.editions import content as c
from staat.editions import selection
from staat.editions.output import Tree

TEMPLATE = Path(__file__).resolve().parent / "typst" / "edition.typ"
PAGE_BUDGET = 15
QUOTES_PER_THREAD = 2
FICTION_TEXT = ("De organisaties en documenten in deze editie zijn verzonnen voor een "
                "demonstratie. Ze beschrijven geen echte organisaties of mensen.")


@dataclass
class PdfResult:
    path: str  # inside the build
    body_pages: int
    total_pages: int
    trimmed: list[str]
    compiles: int
    cache: dict = field(default_factory=dict)  # kept in build-info.json for the next build
    reused: bool = False  # the earlier build's PDF, same input


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


def _quote(ev: c.Evidence) -> dict:
    return {"text": ev.text, "kind_label": ev.kind_label, "reference": ev.reference}


def _history_text(t: c.ThreadView) -> str:
    rows = t.history_rows
    if len(rows) < 2:
        return ""
    return "organisaties per jaar: " + ", ".join(
        f"{r['year']}: {r['organisations']}" + _sourceless(r) for r in rows)


def _sourceless(row: dict) -> str:
    extra = row["sourceless"]
    if not extra:
        return ""
    return f" (+{extra} {'bron' if extra == 1 else 'bronnen'} zonder organisatie)"


def _item(item: c.Item, charts: dict[str, dict]) -> dict:
    out = {"kind": item.kind, "heading": item.heading, "text": item.text,
           "paragraphs": _paragraphs(item.text)}
    if item.thread is not None:
        t = item.thread
        out["thread"] = {
            "title": t.title, "trend_label": t.trend_label or "—",
            "organisations": t.organisation_count, "findings": t.count("findings"),
            "history_text": _history_text(t), "text": t.text, "description": t.description,
            "quotes": [_quote(e) for e in t.evidence[:QUOTES_PER_THREAD]],
        }
    if item.call is not None:
        call = item.call
        out["call"] = {
            "title": call.heading or call.title, "wording": call.wording, "year": call.year,
            "original": call.original, "audience": call.audience_label, "text": call.text,
            "versions": call.versions,
            "follow_ups": [
                {"year": f["year"], "status_label": f["status_label"], "response": f["response"],
                 "steps": f["steps"],
                 "refs": "; ".join(r["title"] + (f", p. {r['page']}" if r.get("page") else "")
                                   for r in f["citations"])}
                for f in call.follow_ups
            ],
            "uptake": "; ".join(u["title"] + (f", p. {u['page']}" if u.get("page") else "")
                                for u in call.uptake),
        }
    if item.evidence is not None:
        out["quote"] = _quote(item.evidence)
    if item.result is not None:
        # the PDF shows an instrument result as its published table in text lines
        result = item.result
        labels = [label for _field, label in result.columns]
        lines = [" · ".join(labels)] + [" · ".join(row) for row in result.cells()]
        notes = [str(result.notes.get(k) or "") for k in ("measured", "method", "suppression")]
        out["paragraphs"] = _paragraphs(item.text) + lines + [n for n in notes if n]
    if item.kind == "chart":
        info = charts[item.chart]
        out["chart"] = {"svg": f"charts/{item.chart}.svg", "title": info["title"],
                        "description": info["description"],
                        "width_pct": min(100, round(100 * info["width"] / 620))}
    return out


def typst_data(data: c.EditionData, sections: list[c.SectionView], charts: dict[str, dict],
               trimmed: list[str]) -> dict:
    m = data.methodology
    cited = sorted(data.sources.values(), key=lambda s: (s.title, s.id))
    return {
        "year": data.year,
        "title": data.title,
        "subtitle": "Wat goed gaat, rode draden en oproepen",
        "publication_date": data.publication_date,
        "fictional": data.fictional,
        "fiction_text": FICTION_TEXT,
        "intro": _paragraphs(data.intro),
        "closing": _paragraphs(data.closing),
        "sections": [{"code": s.code, "label": s.label,
                      "items": [_item(i, charts) for i in s.items]} for s in sections],
        "methodology": {
            **{k: m.get(k, 0) for k in ("sources_year", "pages_year", "organisations_year",
                                        "sources_total", "findings_year", "findings_machine",
                                        "findings_person", "findings_published",
                                        "findings_needs_review")},
            "years": [str(y) for y in m.get("years", [])],
            "kind_rows": [{"kind": k, "counts": v} for k, v in m.get("by_kind_year", {}).items()],
            "status_rows": [{"status": k, "count": v} for k, v in m.get("by_status", {}).items()],
            "extractor_versions": list(m.get("extractor_versions", [])),
        },
        "trimmed": trimmed,
        "sources": [{"title": s.title, "kind": s.kind_label, "year": s.year or "",
                     "organisations": ", ".join(name for _code, name in s.organisations)}
                    for s in cited],
    }


def _compile(workdir: Path, payload: dict) -> tuple[bytes, int]:
    import typst

    (workdir / "data.json").write_text(json.dumps(payload, ensure_ascii=False, sort_keys=True),
                                       encoding="utf-8")
    main = workdir / "edition.typ"
    compiler = typst.Compiler(main, root=workdir, ignore_system_fonts=True)
    pdf = compiler.compile(format="pdf")
    body = json.loads(compiler.query("<body-end>", field="value"))
    return pdf, int(body[0])


def page_count(pdf: bytes) -> int:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return len(doc)
    finally:
        doc.close()


def input_key(data: c.EditionData, charts: dict[str, dict], out: Tree, budget: int) -> str:
    """A digest of everything the PDF is made from: the template, the compiler's version, the
    page budget, the data of the first compile and the chart pictures. The same key gives the
    same PDF (Typst's output is deterministic), so an earlier PDF with this key can be reused."""
    import typst

    h = hashlib.sha256()
    h.update(f"staat-pdf/1|typst {getattr(typst, '__version__', '?')}|{budget}|"
             f"{QUOTES_PER_THREAD}\n".encode())
    h.update(TEMPLATE.read_bytes())
    h.update(json.dumps(typst_data(data, data.sections, charts, []), ensure_ascii=False,
                        sort_keys=True).encode())
    for rel in out.names():
        if rel.startswith("charts/") and rel.endswith(".svg"):
            h.update(f"\n{rel}\n".encode())
            h.update(out.read(rel))
    return h.hexdigest()


def write_pdf(data: c.EditionData, out: Tree, *, charts: dict[str, dict], name: str,
              budget: int = PAGE_BUDGET, log: Callable[[str], None] = lambda _m: None,
              previous: dict | None = None, previous_pdf: bytes | None = None) -> PdfResult:
    """Typeset ``data`` into ``out`` as ``name``; trim threads until the body fits ``budget``.

    ``previous`` is the ``cache`` of an earlier :class:`PdfResult` and ``previous_pdf`` that
    build's PDF: when the input key is the same and the PDF is the one that was written, it is
    reused (and its log lines repeated) instead of compiling again."""
    key = input_key(data, charts, out, budget)
    if (previous and previous_pdf is not None and previous.get("key") == key
            and previous.get("sha256") == hashlib.sha256(previous_pdf).hexdigest()):
        for line in previous.get("log") or []:
            log(line)
        out.write(name, previous_pdf)
        return PdfResult(name, int(previous["body_pages"]), int(previous["total_pages"]),
                         list(previous.get("trimmed") or []), 0, cache=dict(previous),
                         reused=True)
    sections = data.sections
    trimmed: list[str] = []
    lines: list[str] = []

    def say(line: str) -> None:
        lines.append(line)
        log(line)

    compiles = 0
    with tempfile.TemporaryDirectory(prefix="staat-pdf-") as tmp:
        work = Path(tmp)
        shutil.copyfile(TEMPLATE, work / "edition.typ")
        (work / "charts").mkdir()
        for rel in out.names():
            if rel.startswith("charts/") and rel.endswith(".svg"):
                (work / rel).write_bytes(out.read(rel))
        while True:
            pdf, body = _compile(work, typst_data(data, sections, charts, trimmed))
            compiles += 1
            if body <= budget:
                break
            threads_left = len([i for s in sections if s.code == "rode-draden"
                                for i in s.items if i.kind == "thread"])
            if threads_left == 0:
                say(f"PDF: the body has {body} pages (budget {budget}) and there are no more "
                    "threads to leave out; shorten the texts in the editor")
                break
            # drop about as many threads as the overflow suggests, at least one
            per_page = max(1, threads_left / max(body, 1))
            drop = min(threads_left, max(1, math.ceil((body - budget) * per_page)))
            sections, dropped = selection.trim(sections, drop)
            trimmed.extend(dropped)
            say(f"PDF: body was {body} pages (budget {budget}); left out of the PDF "
                f"(still on the website): {'; '.join(dropped)}")
    out.write(name, pdf)
    total = page_count(pdf)
    cache = {"key": key, "sha256": hashlib.sha256(pdf).hexdigest(), "body_pages": body,
             "total_pages": total, "trimmed": trimmed, "log": lines}
    return PdfResult(name, body, total, trimmed, compiles, cache=cache)

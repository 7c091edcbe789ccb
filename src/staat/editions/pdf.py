# SPDX-License-Identifier: EUPL-1.2
"""The PDF of an edition, typeset with Typst (the ``typst`` package bundles the compiler).

``typst/edition.typ`` reads everything from a ``data.json`` this module writes, next to the
chart SVGs, in a temporary folder. The body (between the cover and the appendix) must fit
in ``PAGE_BUDGET`` A4 pages: :func:`write_pdf` compiles, reads the body's length from the
``<body-end>`` metadata, and while it is too long drops the lowest-ranked threads of the
*rode draden* section from the PDF (they stay on the website), naming them in the log and in
the appendix. Only the fonts embedded in the compiler are used (no system fonts) and the
document date is left out, so the same data give a byte-identical PDF on any machine.
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from staat.editions import content as c
from staat.editions import selection

TEMPLATE = Path(__file__).resolve().parent / "typst" / "edition.typ"
PAGE_BUDGET = 15
QUOTES_PER_THREAD = 2
FICTION_TEXT = ("De organisaties en documenten in deze editie zijn verzonnen voor een "
                "demonstratie. Ze beschrijven geen echte organisaties of mensen.")


@dataclass
class PdfResult:
    path: Path
    body_pages: int
    total_pages: int
    trimmed: list[str]
    compiles: int


def _paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in (text or "").split("\n\n") if p.strip()]


def _quote(ev: c.Evidence) -> dict:
    return {"text": ev.text, "kind_label": ev.kind_label, "reference": ev.reference}


def _history_text(t: c.ThreadView) -> str:
    rows = t.history_rows
    if len(rows) < 2:
        return ""
    return "organisaties per jaar: " + ", ".join(f"{r['year']}: {r['organisations']}" for r in rows)


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


def write_pdf(data: c.EditionData, out: Path, *, chart_dir: Path, charts: dict[str, dict],
              name: str, budget: int = PAGE_BUDGET,
              log: Callable[[str], None] = lambda _m: None) -> PdfResult:
    """Typeset ``data`` into ``out/name``; trim threads until the body fits ``budget``."""
    sections = data.sections
    trimmed: list[str] = []
    compiles = 0
    with tempfile.TemporaryDirectory(prefix="staat-pdf-") as tmp:
        work = Path(tmp)
        shutil.copyfile(TEMPLATE, work / "edition.typ")
        (work / "charts").mkdir()
        for svg in sorted(chart_dir.glob("*.svg")):
            shutil.copyfile(svg, work / "charts" / svg.name)
        while True:
            pdf, body = _compile(work, typst_data(data, sections, charts, trimmed))
            compiles += 1
            if body <= budget:
                break
            threads_left = len([i for s in sections if s.code == "rode-draden"
                                for i in s.items if i.kind == "thread"])
            if threads_left == 0:
                log(f"PDF: the body has {body} pages (budget {budget}) and there are no more "
                    "threads to leave out; shorten the texts in the editor")
                break
            # drop about as many threads as the overflow suggests, at least one
            per_page = max(1, threads_left / max(body, 1))
            drop = min(threads_left, max(1, math.ceil((body - budget) * per_page)))
            sections, dropped = selection.trim(sections, drop)
            trimmed.extend(dropped)
            log(f"PDF: body was {body} pages (budget {budget}); left out of the PDF "
                f"(still on the website): {'; '.join(dropped)}")
    target = out / name
    target.write_bytes(pdf)
    return PdfResult(target, body, page_count(pdf), trimmed, compiles)

# SPDX-License-Identifier: EUPL-1.2
"""Build an edition: :func:`build_edition` writes the static site, the PDF, the charts and
the open data of one year into a folder.

The build reads the database once (:func:`collect`, through :mod:`staat.editions.inputs`),
then only writes files from plain data. It writes into a fresh folder next to the target and
swaps it in at the end, so a site being served is never half-built, and it refuses to
replace a folder that is not an earlier build (one without ``build-info.json``).

Same data, same files: every file is written from sorted data with fixed line ends; the build
time is kept in ``build-info.json`` only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

from staat.editions import charts as ch
from staat.editions import content as c
from staat.editions import inputs, opendata, pdf, selection
from staat.editions.site import SiteWriter, copy_assets

Progress = Callable[[int, str], None]
BUILD_INFO = "build-info.json"


class BuildError(RuntimeError):
    pass


@dataclass
class BuildResult:
    year: int
    out: Path
    files: list[str]
    pdf_path: Path
    pdf_body_pages: int
    pdf_total_pages: int
    trimmed: list[str]
    log: list[str] = field(default_factory=list)
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)  # the selection used (default or given)


def default_title(year: int) -> str:
    return f"Staat van de Uitvoering {year}"


def collect(year: int, *, items: list[dict] | None = None, title: str = "",
            publication_date: str = "", intro: str = "", closing: str = "") -> c.EditionData:
    """Everything the build needs, from the database, as plain data."""
    data_log: list[str] = []
    evidence = inputs.evidence_for(inputs.published_findings(year))
    threads = inputs.thread_views(year, evidence, data_log)
    calls = inputs.call_views(year, evidence, data_log)
    if items is None:
        items = selection.default_selection(
            year, threads, calls,
            lichtpunten=[e for e in evidence.values() if e.kind == "lichtpunt"],
        )
    chart_keys = [i["key"] for i in items if i["kind"] == "thread" and i["section"] == "rode-draden"]
    chart_data = inputs.chart_data(year, threads, chart_keys)
    chart_codes = [code for code, rows in chart_data.items() if rows]
    by_key = {t.key: t for t in threads}
    sections, missing = selection.resolve(items, threads=by_key, calls=calls, evidence=evidence,
                                          chart_codes=chart_codes)
    data_log.extend(missing)
    organisations = inputs.organisation_views(year, evidence, threads)
    cited = [e for t in threads for e in t.evidence]
    cited += [i.evidence for s in sections for i in s.items if i.evidence is not None]
    cited += [e for o in organisations for e in o.evidence]
    extra: dict[int, set] = {}
    for call in calls:
        for ref in [r for f in call.follow_ups for r in f["citations"]] + call.uptake:
            extra.setdefault(ref["source_id"], set()).add(ref.get("passage_index"))
    sources = inputs.source_views(cited, extra)
    for call in calls:
        for ref in [r for f in call.follow_ups for r in f["citations"]] + call.uptake:
            ref["linked"] = ref["source_id"] in sources
    return c.EditionData(
        year=year,
        title=title or default_title(year),
        publication_date=publication_date,
        intro=intro,
        closing=closing,
        sections=sections,
        threads=by_key,
        calls=calls,
        organisations=organisations,
        sources=sources,
        findings=inputs.finding_rows(year),
        codebook=inputs.codebook_rows(),
        methodology=inputs.methodology(year),
        chart_data={k: v for k, v in chart_data.items() if v},
        fictional=inputs.is_fictional(year),
        log=data_log,
        items=items,
    )


_SVG_SIZE = re.compile(r'<svg[^>]*?\swidth="([\d.]+)"[^>]*?\sheight="([\d.]+)"')


def write_charts(data: c.EditionData, out: Path) -> dict[str, dict]:
    """``charts/<code>.vl.json`` and ``charts/<code>.svg`` for every chart with data."""
    folder = out / "charts"
    folder.mkdir(parents=True, exist_ok=True)
    info = {}
    for code, rows in sorted(data.chart_data.items()):
        chart = ch.CHARTS[code]
        spec = chart.build(rows)
        (folder / f"{code}.vl.json").write_text(ch.spec_json(spec), encoding="utf-8", newline="\n")
        svg = ch.render_svg(spec)
        (folder / f"{code}.svg").write_text(svg, encoding="utf-8", newline="\n")
        size = _SVG_SIZE.search(svg)
        header, table = ch.table_rows(rows)
        info[code] = {
            "code": code, "title": chart.title, "description": chart.description,
            "svg": f"charts/{code}.svg", "spec": f"charts/{code}.vl.json",
            "width": round(float(size.group(1))) if size else 600,
            "height": round(float(size.group(2))) if size else 400,
            "header": header, "rows": table,
        }
    return info


def write_qdc(out: Path) -> dict | None:
    """The codebook as REFI-QDA ``.qdc`` when the findings app offers it."""
    try:
        from staat.findings import qda
    except ImportError:
        return None
    if not hasattr(qda, "codebook_bytes"):
        return None
    path = out / "data" / "codeboek.qdc"
    path.write_bytes(qda.codebook_bytes())
    return {"path": "data/codeboek.qdc", "label": "Codeboek als REFI-QDA (.qdc)", "rows": None}


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                                and not (out / BUILD_INFO).exists())):
        raise BuildError(f"{out} exists and is not an earlier edition build (no {BUILD_INFO}); "
                         "choose an empty or new folder")


def _swap_in(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    tmp.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def pdf_name(year: int) -> str:
    return f"staat-van-de-uitvoering-{year}.pdf"


def build_edition(year: int, out_dir: Path | str, *, progress: Progress | None = None,
                  items: list[dict] | None = None, title: str = "", publication_date: str = "",
                  intro: str = "", closing: str = "", page_budget: int = pdf.PAGE_BUDGET
                  ) -> BuildResult:
    """Build edition ``year`` into ``out_dir`` (replacing an earlier build there).

    ``items`` are the editor's choices (dicts with kind, key, section, order, heading, text,
    params); ``None`` uses the default selection. ``progress(percent, step)`` is called as
    the build goes.
    """
    out = Path(out_dir).resolve()
    _check_target(out)
    report = progress or (lambda _p, _s: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    log: list[str] = []

    def mark(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        return now

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.build-", dir=out.parent))
    try:
        with translation.override("nl"):
            t = time.perf_counter()
            report(5, "reading findings, threads and calls")
            data = collect(year, items=items, title=title, publication_date=publication_date,
                           intro=intro, closing=closing)
            log.extend(data.log)
            t = mark("collect", t)
            report(30, "charts")
            chart_info = write_charts(data, tmp)
            t = mark("charts", t)
            report(45, "open data")
            downloads = opendata.write_all(data, tmp)
            qdc = write_qdc(tmp)
            if qdc:
                downloads.append(qdc)
            t = mark("open data", t)
            report(55, "site")
            copy_assets(tmp)
            name = pdf_name(year)
            writer = SiteWriter(data, tmp, pdf_name=name, downloads=downloads,
                                chart_files=chart_info)
            for section in data.sections:
                for item in section.items:
                    item.chart_info = chart_info.get(item.chart) if item.chart else None
            writer.write(progress=lambda step: report(60, step))
            t = mark("site", t)
            report(75, "PDF")
            result = pdf.write_pdf(data, tmp, chart_dir=tmp / "charts", charts=chart_info,
                                   name=name, budget=page_budget, log=log.append)
            t = mark("pdf", t)
            if result.trimmed:
                # the site's methodology page names what the PDF left out
                data.log.append("De PDF laat deze rode draden weg om binnen "
                                f"{page_budget} pagina's te blijven (ze staan wel op de website): "
                                + "; ".join(result.trimmed))
                writer.page("methode.html", "methodology.html")
            files = sorted(str(p.relative_to(tmp)) for p in tmp.rglob("*") if p.is_file())
            info = {
                "year": year,
                "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
                "pdf": name,
                "pdf_body_pages": result.body_pages,
                "pdf_total_pages": result.total_pages,
                "pdf_page_budget": page_budget,
                "files": len(files) + 1,
                "note": "The build time above is the only value that differs between builds "
                        "of the same data.",
            }
            (tmp / BUILD_INFO).write_text(json.dumps(info, indent=1, sort_keys=True) + "\n",
                                          encoding="utf-8")
            report(95, "publishing the folder")
            _swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.append(f"PDF: {result.body_pages} body pages (budget {page_budget}), "
               f"{result.total_pages} pages with cover and appendix")
    report(100, "done")
    return BuildResult(
        year=year, out=out, files=[*files, BUILD_INFO], pdf_path=out / name,
        pdf_body_pages=result.body_pages, pdf_total_pages=result.total_pages,
        trimmed=result.trimmed, log=log, seconds=round(time.perf_counter() - started, 3),
        timings=timings, items=data.items,
    )

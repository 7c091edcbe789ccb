# SPDX-License-Identifier: EUPL-1.2
"""Build an edition: :func:`build_edition` writes the static site, the PDF, the charts and
the open data of one year into a folder.

The build reads the database once (:func:`collect`, through :mod:`staat.editions.inputs`),
then makes every file in memory from plain data (:class:`staat.editions.output.Tree`) and
only then puts them on disk (:func:`staat.editions.output.publish`): a new folder is written
next to the target and renamed into place; over an earlier build only the files whose bytes
changed are replaced (each atomically) and files no longer part of the edition are removed.
It refuses to replace a folder that is not an earlier build (one without ``build-info.json``).

Same data, same files: every file is written from sorted data with fixed line ends; the build
time is kept in ``build-info.json`` only. ``build-info.json`` also keeps the input key of each
chart picture and of the PDF: when the next build's input is the same, the earlier SVG or PDF
is reused instead of rendering it again (a changed spec, template, payload, picture or
renderer version gives another key and a fresh render).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.utils import translation

from staat.editions import charts as ch
from staat.editions import content as c
from staat.editions import inputs, opendata, pdf, selection
from staat.editions.output import Tree, publish
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
    written: list[str] = field(default_factory=list)  # files new or changed in the folder
    removed: list[str] = field(default_factory=list)  # files of the earlier build now gone
    reused: list[str] = field(default_factory=list)  # charts and PDF from the earlier build
    pages_reused: int = 0  # thread pages taken from the earlier build


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


def chart_key(spec_text: str) -> str:
    """A digest of a chart's input: its spec and the renderer (vl-convert) and its settings."""
    try:
        import vl_convert as vlc

        version = getattr(vlc, "__version__", "?")
    except ImportError:  # pragma: no cover - a dependency
        version = "-"
    return hashlib.sha256(f"vl-convert {version}|nl-NL\n{spec_text}".encode()).hexdigest()


def write_charts(data: c.EditionData, out: Tree, *, previous: dict | None = None,
                 earlier: Path | None = None
                 ) -> tuple[dict[str, dict], dict[str, dict], list[str]]:
    """``charts/<code>.vl.json`` and ``charts/<code>.svg`` for every chart with data; returns
    the charts' information for the pages, the input key and digest of each SVG and the SVGs
    reused.

    ``previous`` maps an earlier build's SVGs to their input key and digest
    (``build-info.json``) and ``earlier`` is that build's folder: an SVG whose spec and
    renderer are unchanged, and whose file is the one that build wrote, is taken from there
    instead of rendering it again."""
    previous = previous or {}
    info, keys, reused = {}, {}, []
    for code, rows in sorted(data.chart_data.items()):
        chart = ch.CHARTS[code]
        spec = chart.build(rows)
        spec_text = ch.spec_json(spec)
        out.write(f"charts/{code}.vl.json", spec_text)
        rel = f"charts/{code}.svg"
        key = chart_key(spec_text)
        svg = None
        before = previous.get(rel)
        if earlier is not None and isinstance(before, dict) and before.get("input") == key:
            try:
                raw = (earlier / rel).read_bytes()
                if hashlib.sha256(raw).hexdigest() == before.get("sha256"):
                    svg = raw.decode("utf-8")
                    reused.append(rel)
            except (OSError, UnicodeDecodeError):
                svg = None
        if svg is None:
            svg = ch.render_svg(spec)
        out.write(rel, svg)
        keys[rel] = {"input": key, "sha256": hashlib.sha256(out.read(rel)).hexdigest()}
        size = _SVG_SIZE.search(svg)
        header, table = ch.table_rows(rows)
        info[code] = {
            "code": code, "title": chart.title, "description": chart.description,
            "svg": rel, "spec": f"charts/{code}.vl.json",
            "width": round(float(size.group(1))) if size else 600,
            "height": round(float(size.group(2))) if size else 400,
            "header": header, "rows": table,
        }
    return info, keys, reused


def write_qdc(out: Tree) -> dict | None:
    """The codebook as REFI-QDA ``.qdc`` when the findings app offers it."""
    try:
        from staat.findings import qda
    except ImportError:
        return None
    if not hasattr(qda, "codebook_bytes"):
        return None
    out.write("data/codeboek.qdc", qda.codebook_bytes())
    return {"path": "data/codeboek.qdc", "label": "Codeboek als REFI-QDA (.qdc)", "rows": None}


def _check_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or (any(out.iterdir())
                                                and not (out / BUILD_INFO).exists())):
        raise BuildError(f"{out} exists and is not an earlier edition build (no {BUILD_INFO}); "
                         "choose an empty or new folder")


def _earlier_build(out: Path) -> dict:
    """The build information of the earlier build in ``out`` (empty when there is none or it
    cannot be read: then everything is made afresh)."""
    try:
        info = json.loads((out / BUILD_INFO).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


@contextlib.contextmanager
def _gc_paused():
    """Pause Python's cycle collector while the build runs: a build makes millions of small
    objects (rows, views, template contexts) and almost no reference cycles, and the
    collector would otherwise walk them all over and over (a fifth of a large build's time).
    Everything is freed by reference counting as usual; cycles wait until the build ends.
    Resumed only once the build's data are freed, so that its first round has little to
    walk."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


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
    # the collector is paused until the build's data are freed (on leaving _build)
    with _gc_paused():
        return _build(year, out_dir, progress=progress, items=items, title=title,
                      publication_date=publication_date, intro=intro, closing=closing,
                      page_budget=page_budget)


def _build(year: int, out_dir: Path | str, *, progress: Progress | None, items: list[dict] | None,
           title: str, publication_date: str, intro: str, closing: str, page_budget: int
           ) -> BuildResult:
    out = Path(out_dir).resolve()
    _check_target(out)
    earlier = _earlier_build(out) if out.exists() else {}
    cache = earlier.get("cache") if isinstance(earlier.get("cache"), dict) else {}
    report = progress or (lambda _p, _s: None)
    started = time.perf_counter()
    timings: dict[str, float] = {}
    log: list[str] = []

    def mark(name: str, t0: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - t0, 3)
        return now

    tree = Tree()
    with translation.override("nl"):
        t = time.perf_counter()
        report(5, "reading findings, threads and calls")
        data = collect(year, items=items, title=title, publication_date=publication_date,
                       intro=intro, closing=closing)
        log.extend(data.log)
        t = mark("collect", t)
        copy_assets(tree)
        name = pdf_name(year)
        writer = SiteWriter(data, tree, pdf_name=name, downloads=[], chart_files={},
                            earlier=out if earlier else None,
                            page_keys=cache.get("pages") if isinstance(cache.get("pages"), dict)
                            else None)
        charts: dict = {}

        def charts_and_open_data() -> None:
            # while other processes render the thread, organisation and source pages
            t0 = time.perf_counter()
            report(50, "charts")
            info, keys, reused = write_charts(data, tree, previous=cache.get("charts"),
                                              earlier=out if earlier else None)
            charts.update(info=info, keys=keys, reused=reused)
            t1 = mark("charts", t0)
            report(55, "open data")
            downloads = opendata.write_all(data, tree)
            qdc = write_qdc(tree)
            if qdc:
                downloads.append(qdc)
            mark("open data", t1)
            writer.charts, writer.downloads = info, downloads
            for section in data.sections:
                for item in section.items:
                    item.chart_info = info.get(item.chart) if item.chart else None

        report(30, "site")
        writer.write(progress=lambda step: report(40, step), meanwhile=charts_and_open_data)
        chart_info, chart_keys, reused = charts["info"], charts["keys"], charts["reused"]
        t = mark("site", t)
        # the site's own time: without the charts and open data made meanwhile
        timings["site"] = round(timings["site"] - timings["charts"] - timings["open data"], 3)
        report(75, "PDF")
        previous_pdf = None
        if earlier and isinstance(cache.get("pdf"), dict) and earlier.get("pdf") == name:
            try:
                previous_pdf = (out / name).read_bytes()
            except OSError:
                previous_pdf = None
        result = pdf.write_pdf(data, tree, charts=chart_info, name=name, budget=page_budget,
                               log=log.append, previous=cache.get("pdf"),
                               previous_pdf=previous_pdf)
        t = mark("pdf", t)
        if result.trimmed:
            # the site's methodology page names what the PDF left out
            data.log.append("De PDF laat deze rode draden weg om binnen "
                            f"{page_budget} pagina's te blijven (ze staan wel op de website): "
                            + "; ".join(result.trimmed))
            writer.page("methode.html", "methodology.html")
        files = tree.names()
        info = {
            "year": year,
            "built_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
            "pdf": name,
            "pdf_body_pages": result.body_pages,
            "pdf_total_pages": result.total_pages,
            "pdf_page_budget": page_budget,
            "files": len(files) + 1,
            # what the next build may reuse: the input key of each chart picture and of the PDF
            "cache": {"charts": chart_keys, "pdf": result.cache, "pages": writer.page_keys},
            "note": "The build time above is the only value that differs between builds "
                    "of the same data.",
        }
        tree.write(BUILD_INFO, json.dumps(info, indent=1, sort_keys=True) + "\n")
        report(95, "publishing the folder")
        published = publish(tree, out, last=BUILD_INFO)
        t = mark("write", t)
    log.append(f"PDF: {result.body_pages} body pages (budget {page_budget}), "
               f"{result.total_pages} pages with cover and appendix")
    report(100, "done")
    return BuildResult(
        year=year, out=out, files=[*files, BUILD_INFO], pdf_path=out / name,
        pdf_body_pages=result.body_pages, pdf_total_pages=result.total_pages,
        trimmed=result.trimmed, log=log, seconds=round(time.perf_counter() - started, 3),
        timings=timings, items=data.items, written=published.written,
        removed=published.removed, reused=[*reused, *([name] if result.reused else [])],
        pages_reused=writer.reused,
    )

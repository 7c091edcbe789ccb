# SPDX-License-Identifier: EUPL-1.2
"""Build an edition: :func:`build_edition` writes the static site, the PDF, the charts and
the open data of one year into a folder.

The build reads the database once (:func:`collect`, through :mod:`staat.editions.inputs`;
what does not depend on the threads is read in a thread beside the main one, and the charts
are rendered in another as soon as their data are known: :mod:`staat.editions.aside`), then
makes every file in memory from plain data (:class:`staat.editions.output.Tree`; the pages
and the open data in two processes: :func:`staat.editions.site.render_all`) and only then
puts them on disk (:func:`staat.editions.output.publish`): a new folder is written
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
from staat.editions.aside import Aside, can_read_aside
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
    #: seconds of each step: collect (reading), charts (waiting for the pictures rendered
    #: meanwhile), open data (making it, in whichever process), site (the pages and the open
    #: data), pdf, write (publishing the folder)
    timings: dict[str, float] = field(default_factory=dict)
    items: list[dict] = field(default_factory=list)  # the selection used (default or given)
    written: list[str] = field(default_factory=list)  # files new or changed in the folder
    removed: list[str] = field(default_factory=list)  # files of the earlier build now gone
    reused: list[str] = field(default_factory=list)  # charts and PDF from the earlier build
    pages_reused: int = 0  # thread pages taken from the earlier build


def default_title(year: int) -> str:
    return f"Staat van de Uitvoering {year}"


def collect(year: int, *, items: list[dict] | None = None, title: str = "",
            publication_date: str = "", intro: str = "", closing: str = "",
            on_chart_data: Callable[[dict[str, list[dict]]], None] | None = None
            ) -> c.EditionData:
    """Everything the build needs, from the database, as plain data.

    What does not depend on the threads and is mostly the database's work (the counts of the
    charts, the open-data rows, the methodology, the codebook) is read in a thread of its own
    while this one reads the findings and the threads, when that thread's connection sees
    the same data (:func:`aside.can_read_aside`). The open-data rows (``findings``) are made
    of what was read when they are first used. ``on_chart_data`` is called with the charts'
    rows as soon as they are known (the build renders the charts meanwhile)."""
    later = Aside([lambda: inputs.chart_counts(year), lambda: inputs.read_finding_rows(year),
                   lambda: (inputs.codebook_rows(), inputs.methodology(year),
                            inputs.is_fictional(year))],
                  database=True, run=can_read_aside(), name="edition-collect")
    try:
        return _collect(year, later, items=items, title=title,
                        publication_date=publication_date, intro=intro, closing=closing,
                        on_chart_data=on_chart_data)
    finally:
        later.join()


def _collect(year: int, later: Aside, *, items: list[dict] | None, title: str,
             publication_date: str, intro: str, closing: str,
             on_chart_data: Callable[[dict[str, list[dict]]], None] | None) -> c.EditionData:
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
    chart_data = {k: v for k, v in inputs.chart_data(year, threads, chart_keys,
                                                     counts=later.result(0)).items() if v}
    if on_chart_data is not None:
        on_chart_data(chart_data)
    chart_codes = list(chart_data)
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
    # the rows are made from what was read by whichever process writes the open data
    read = later.result(1)
    findings = c.LazyList(lambda: inputs.finding_rows_of(read))
    codebook, methodology, fictional = later.result(2)
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
        findings=findings,
        codebook=codebook,
        methodology=methodology,
        chart_data=chart_data,
        fictional=fictional,
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


def make_charts(chart_data: dict[str, list[dict]], *, previous: dict | None = None,
                earlier: Path | None = None) -> list[tuple[str, str, str, bool]]:
    """Each chart with data as ``(code, spec text, SVG, reused)``, by code.

    ``previous`` maps an earlier build's SVGs to their input key and digest
    (``build-info.json``) and ``earlier`` is that build's folder: an SVG whose spec and
    renderer are unchanged, and whose file is the one that build wrote, is taken from there
    instead of rendering it again. Plain data in and out, no Django: the build runs it in a
    thread while it reads the database (the renderer works without Python's lock)."""
    previous = previous or {}
    made = []
    for code, rows in sorted(chart_data.items()):
        if not rows:
            continue
        spec = ch.CHARTS[code].build(rows)
        spec_text = ch.spec_json(spec)
        rel = f"charts/{code}.svg"
        key = chart_key(spec_text)
        svg = None
        before = previous.get(rel)
        if earlier is not None and isinstance(before, dict) and before.get("input") == key:
            try:
                raw = (earlier / rel).read_bytes()
                if hashlib.sha256(raw).hexdigest() == before.get("sha256"):
                    svg = raw.decode("utf-8")
            except (OSError, UnicodeDecodeError):
                svg = None
        made.append((code, spec_text, svg if svg is not None else ch.render_svg(spec),
                     svg is not None))
    return made


def write_charts(data: c.EditionData, out: Tree, *, previous: dict | None = None,
                 earlier: Path | None = None, made: list | None = None
                 ) -> tuple[dict[str, dict], dict[str, dict], list[str]]:
    """``charts/<code>.vl.json`` and ``charts/<code>.svg`` for every chart with data; returns
    the charts' information for the pages, the input key and digest of each SVG and the SVGs
    reused (see :func:`make_charts`; ``made`` is what it gave, else it is called here)."""
    if made is None:
        made = make_charts(data.chart_data, previous=previous, earlier=earlier)
    info, keys, reused = {}, {}, []
    for code, spec_text, svg, was_reused in made:
        chart = ch.CHARTS[code]
        rows = data.chart_data[code]
        out.write(f"charts/{code}.vl.json", spec_text)
        rel = f"charts/{code}.svg"
        out.write(rel, svg)
        if was_reused:
            reused.append(rel)
        keys[rel] = {"input": chart_key(spec_text),
                     "sha256": hashlib.sha256(out.read(rel)).hexdigest()}
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


class _Charts:
    """The chart pictures, made beside the build's main thread (:class:`Aside`): Altair and
    the renderer are started at once (an error shows when a chart is rendered), the charts
    rendered as soon as :func:`collect` knows their data (:meth:`start`)."""

    def __init__(self, *, previous: dict | None, earlier: Path | None) -> None:
        self.previous, self.earlier = previous, earlier
        self._warm_up = Aside([ch.warm_up], name="edition-charts")
        self._job: Aside | None = None
        self._data: dict | None = None

    def start(self, chart_data: dict[str, list[dict]]) -> None:
        def make() -> list:
            self._warm_up.join()
            return make_charts(chart_data, previous=self.previous, earlier=self.earlier)

        self._data, self._job = chart_data, Aside([make], name="edition-charts")

    def made(self, chart_data: dict[str, list[dict]]) -> list | None:
        """What :func:`make_charts` gave for ``chart_data`` (``None`` if not started on it)."""
        if self._job is None or self._data is not chart_data:
            return None
        return self._job.result()

    def join(self) -> None:
        self._warm_up.join()
        if self._job is not None:
            self._job.join()


def _open_data_files(data: c.EditionData) -> Callable[[], tuple[dict, list, float]]:
    """The open data as a job for :meth:`SiteWriter.write`: made from ``data`` alone (no
    database: it may be made in another process, with the pages); gives the files, the
    download list and the seconds it took."""

    def make() -> tuple[dict, list, float]:
        t0 = time.perf_counter()
        files = Tree()
        downloads = opendata.write_all(data, files)
        return files.files, downloads, time.perf_counter() - t0

    return make


def _open_data_done(tree: Tree, writer: SiteWriter, timings: dict[str, float]
                    ) -> Callable[[tuple[dict, list, float]], None]:
    # the codebook as .qdc is read from the database: made here
    qdc = write_qdc(tree)

    def done(made: tuple[dict, list, float]) -> None:
        files, downloads, seconds = made
        for rel, content in files.items():
            tree.write(rel, content)
        writer.downloads = [*downloads, *([qdc] if qdc else [])]
        timings["open data"] = round(seconds, 3)

    return done


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
        charts = _Charts(previous=cache.get("charts"), earlier=out if earlier else None)
        try:
            data = collect(year, items=items, title=title, publication_date=publication_date,
                           intro=intro, closing=closing, on_chart_data=charts.start)
            t = mark("collect", t)
            # rendered while the rest was read: what is left is waiting for the renderer
            report(25, "charts")
            chart_info, chart_keys, reused = write_charts(
                data, tree, previous=cache.get("charts"), earlier=out if earlier else None,
                made=charts.made(data.chart_data))
        finally:
            charts.join()
        log.extend(data.log)
        t = mark("charts", t)
        for section in data.sections:
            for item in section.items:
                item.chart_info = chart_info.get(item.chart) if item.chart else None
        copy_assets(tree)
        name = pdf_name(year)
        writer = SiteWriter(data, tree, pdf_name=name, downloads=[], chart_files=chart_info,
                            earlier=out if earlier else None,
                            page_keys=cache.get("pages") if isinstance(cache.get("pages"), dict)
                            else None)

        report(30, "site")
        writer.write(progress=lambda step: report(40, step),
                     extra=[(_open_data_files(data), _open_data_done(tree, writer, timings))])
        t = mark("site", t)
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

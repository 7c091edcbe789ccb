# SPDX-License-Identifier: EUPL-1.2
"""The whole pipeline on a large generated corpus, against the targets of the edition issue.

1. Corpus: 200 FICTIONAL Standen of about 40 pages over 2023-2025 (``bench/corpus.py``,
   cached in ``bench/out/``), plus three extra 2025 Standen for the incremental step;
   ``--density dense`` (default; finding-rich paragraphs only) or ``realistic`` (mostly
   descriptive prose and tables, a fifth finding-rich paragraphs).
2. Baseline: raw PDF text extraction of the corpus with pypdfium2 (``get_text_range`` on every
   page), median of ``--repeat`` runs.
3. Whole pipeline, once, on a fresh SQLite database: ingest every PDF, extract findings,
   compute threads, build the 2025 edition (site, PDF, charts, open data).
   Target: at most 120 s on the 2-core machine.
4. Incremental: add one new Stand, extract, recompute threads and rebuild 2025; median over the
   three extra Standen. Target: at most 10 s.
5. Peak memory: the resident memory of this process and all its descendants (worker
   processes, the parser sandbox) summed, sampled every 0.2 s from ``/proc``; the max RSS of
   this process and of its largest child (``resource.getrusage``) are shown beside it.
   Target: under 2 GB.

Prints a Markdown table, writes ``bench/out/pipeline.json`` and, with ``--write-readme``,
replaces the marked section of ``bench/README.md`` (one per density).

    .venv/bin/python bench/bench_pipeline.py [--docs 200] [--pages 40] [--density realistic]
                                             [--write-readme]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import OUT, ROOT, django_setup, median_time  # noqa: E402
from corpus import DENSITIES, generate  # noqa: E402

TARGETS = {"pipeline": 120.0, "incremental": 10.0, "memory_mb": 2048.0}
README = ROOT / "bench" / "README.md"


def markers(density: str) -> tuple[str, str]:
    """The comments around the README section of a density."""
    name = "bench_pipeline" if density == "dense" else f"bench_pipeline:{density}"
    return f"<!-- {name}:start -->", f"<!-- {name}:end -->"


def max_rss_mb() -> tuple[float, float]:
    """(self, children) peak resident set size in MB (Linux reports kilobytes)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


class TreeMemory:
    """Samples the resident memory of this process and all its descendants together (worker
    processes, the parser sandbox and its children), from ``/proc``, every ``interval``
    seconds in a background thread; ``peak_mb`` is the largest sum seen."""

    def __init__(self, interval: float = 0.2) -> None:
        import threading

        self.interval = interval
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _tree_rss_mb(root: int) -> float:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        page = os.sysconf("SC_PAGE_SIZE")
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    fields = fh.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(entry), int(fields[1])
            children.setdefault(ppid, []).append(pid)
            rss[pid] = int(fields[21]) * page  # field 24 of stat: resident pages
        total, todo = 0, [root]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, ()))
        return total / 2**20

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, self._tree_rss_mb(os.getpid()))

    def __enter__(self) -> TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} CPUs ({cpu or platform.processor()}), {mem:.0f} GB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def _setup_in(data_dir: Path) -> Path:
    """Like ``common.django_setup`` but in a given folder that is kept."""
    os.environ["STAAT_DATA_DIR"] = str(data_dir)
    os.environ["STAAT_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staat.settings.dev")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return data_dir


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--pages", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3, help="runs of the raw baseline")
    parser.add_argument("--incremental", type=int, default=3,
                        help="new Standen added one at a time (median reported)")
    parser.add_argument("--jobs", type=int, default=None,
                        help="worker processes for ingest and extraction (default STAAT_JOBS)")
    parser.add_argument("--density", choices=DENSITIES, default="dense",
                        help="corpus density (see bench/corpus.py)")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--keep", type=Path, default=None, metavar="DIR",
                        help="use DIR as the data folder and keep it (for profiling the build "
                             "afterwards with STAAT_DATA_DIR=DIR staat build …)")
    args = parser.parse_args()

    suffix = "" if args.density == "dense" else f"-{args.density}"
    corpus_dir = OUT / f"pipeline-{args.docs}x{args.pages}{suffix}"
    manifest = generate(corpus_dir, docs=args.docs, pages=args.pages, density=args.density)
    extra_dir = OUT / f"pipeline-extra-{args.pages}{suffix}"
    extra = generate(extra_dir, docs=9, pages=args.pages, seed=7777, density=args.density)
    extra_files = [extra_dir / d["path"] for d in extra["documents"]
                   if d["year"] == 2025][:args.incremental]
    files = [corpus_dir / d["path"] for d in manifest["documents"]]

    if args.keep:
        if args.keep.exists():
            sys.exit(f"{args.keep} exists: give a new folder")
        args.keep.mkdir(parents=True)
        os.environ["STAAT_DATA_DIR"] = str(args.keep)
    data_dir = _setup_in(args.keep) if args.keep else django_setup()
    os.environ["STAAT_EXTRACT_AFTER_INGEST"] = "off"
    import pypdfium2 as pdfium
    from django.conf import settings

    settings.EXTRACT_AFTER_INGEST = "off"
    from staat.core.models import Organisation
    from staat.editions import services as editions
    from staat.findings.models import Finding
    from staat.findings.services import run_extraction
    from staat.sources.services import SourceMetadata, ingest_files
    from staat.threads.services import compute_threads

    for org in {o["code"]: o for o in manifest["organisations"] + extra["organisations"]}.values():
        Organisation.objects.update_or_create(code=org["code"], defaults={
            "name": org["name"], "short_name": org["short_name"], "type": org["type"],
            "is_fictional": True})
    year_of = {corpus_dir / d["path"]: (d["year"], d["organisation"]) for d in manifest["documents"]}
    year_of.update({extra_dir / d["path"]: (d["year"], d["organisation"])
                    for d in extra["documents"]})
    pages = 0
    for f in files:
        doc = pdfium.PdfDocument(f)
        pages += len(doc)
        doc.close()

    def raw():
        for f in files:
            doc = pdfium.PdfDocument(f)
            for page in doc:
                page.get_textpage().get_text_range()
            doc.close()

    t_raw, raw_runs = median_time(raw, repeat=args.repeat)

    def ingest(paths):
        items = []
        for f in paths:
            year, org = year_of[f]
            items.append((f, SourceMetadata(kind="stand", year=year, organisations=[org],
                                            status="published")))
        for result in ingest_files(items, jobs=args.jobs):
            assert result.ok, result.error

    steps: dict[str, float] = {}

    def timed(name, func):
        start = time.perf_counter()
        value = func()
        steps[name] = time.perf_counter() - start
        print(f"  {name}: {steps[name]:.1f} s", file=sys.stderr, flush=True)
        return value

    memory = TreeMemory().__enter__()
    out_dir = data_dir / "editions" / "2025"
    print(f"pipeline on {len(files)} PDFs, {pages} pages …", file=sys.stderr, flush=True)
    start = time.perf_counter()
    timed("ingest", lambda: ingest(files))
    timed("extract", lambda: run_extraction(jobs=args.jobs))
    timed("threads", lambda: compute_threads())
    edition = editions.ensure_edition(2025)
    build = timed("build 2025", lambda: editions.build(edition, out_dir))
    t_pipeline = time.perf_counter() - start
    findings = Finding.objects.count()

    incremental, incremental_steps = [], []
    for f in extra_files:
        t0 = time.perf_counter()
        parts = {}
        for name, func in (("ingest", lambda: ingest([f])),
                           ("extract", lambda: run_extraction(jobs=args.jobs)),
                           ("threads", compute_threads),
                           ("build", lambda: editions.build(editions.ensure_edition(2025),
                                                            out_dir))):
            s0 = time.perf_counter()
            func()
            parts[name] = round(time.perf_counter() - s0, 1)
        incremental.append(time.perf_counter() - t0)
        incremental_steps.append(parts)
        print(f"  incremental: {incremental[-1]:.1f} s {parts}", file=sys.stderr, flush=True)
    t_incremental = statistics.median(incremental) if incremental else float("nan")
    own_mb, children_mb = max_rss_mb()
    memory.__exit__(None, None, None)

    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine(),
        "jobs": args.jobs or settings.JOBS,
        "density": args.density,
        "documents": len(files),
        "pages": pages,
        "findings": findings,
        "raw_seconds": round(t_raw, 2),
        "raw_runs": [round(t, 2) for t in raw_runs],
        "pipeline_seconds": round(t_pipeline, 1),
        "steps": {k: round(v, 1) for k, v in steps.items()},
        "build_timings": build.timings,
        "incremental_seconds": round(t_incremental, 1),
        "incremental_runs": [round(t, 1) for t in incremental],
        "incremental_steps": incremental_steps,
        "max_rss_self_mb": round(own_mb),
        "max_rss_children_mb": round(children_mb),
        "peak_tree_mb": round(memory.peak_mb),
        "pdf_body_pages": build.pdf_body_pages,
        "ratio": round(t_pipeline / t_raw, 1),
    }
    (OUT / f"pipeline{suffix}.json").write_text(json.dumps(result, indent=1) + "\n",
                                                encoding="utf-8")
    table = render(result)
    print(table)
    if args.write_readme:
        write_readme(table, args.density)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)


def _verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def render(r: dict) -> str:
    # the sampler can miss a short peak of this process that getrusage does not
    peak = max(r.get("peak_tree_mb", 0), r["max_rss_self_mb"], r["max_rss_children_mb"])
    steps = ", ".join(f"{k} {v} s" for k, v in r["steps"].items())
    build = ", ".join(f"{k} {v} s" for k, v in r["build_timings"].items())
    return "\n".join([
        f"Measured {r['date']} on {r['machine']}.",
        f"Corpus ({r.get('density', 'dense')}): {r['documents']} generated fictional Standen, "
        f"{r['pages']} pages; {r['findings']} findings extracted.",
        "",
        "| measure | value | target | |",
        "|---|---|---|---|",
        f"| raw pypdfium2 text extraction (median of {len(r['raw_runs'])}) | {r['raw_seconds']} s "
        f"({r['pages'] / r['raw_seconds']:.0f} pages/s) | baseline | |",
        f"| whole pipeline: ingest, extract, threads, build 2025 (one run) | "
        f"{r['pipeline_seconds']} s | ≤ {TARGETS['pipeline']:.0f} s | "
        f"{_verdict(r['pipeline_seconds'], TARGETS['pipeline'])} |",
        f"| add one Stand and rebuild (median of {len(r['incremental_runs'])}) | "
        f"{r['incremental_seconds']} s | ≤ {TARGETS['incremental']:.0f} s | "
        f"{_verdict(r['incremental_seconds'], TARGETS['incremental'])} |",
        f"| peak memory, this process and all its worker and sandbox processes together "
        f"(sampled every 0.2 s: {r.get('peak_tree_mb', 0)} MB; max RSS of this process alone: "
        f"{r['max_rss_self_mb']} MB) | {peak} MB | < {TARGETS['memory_mb']:.0f} MB | "
        f"{_verdict(peak, TARGETS['memory_mb'])} |",
        f"| ratio whole pipeline / raw extraction | {r['ratio']}× | | |",
        "",
        f"Pipeline steps ({r.get('jobs', 1)} worker processes for ingest and extraction): "
        f"{steps}. Build: {build}; PDF body {r['pdf_body_pages']} pages. "
        f"Incremental steps: {r['incremental_steps']}.",
    ])


def write_readme(table: str, density: str = "dense") -> None:
    start, end = markers(density)
    text = README.read_text(encoding="utf-8") if README.exists() else ""
    block = f"{start}\n{table}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    README.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()

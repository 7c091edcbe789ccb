# SPDX-License-Identifier: EUPL-1.2
"""``staat ingest PATH...``: add documents as sources (folders are read recursively)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staat.core.progress import tqdm
from staat.sources.models import SourceKind, SourceStatus
from staat.sources.parsers import EXTENSIONS
from staat.sources.services import SourceMetadata, ingest_files


def expand(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXTENSIONS
            )
        else:
            files.append(path)
    return files


class Command(BaseCommand):
    help = "Add documents (PDF, DOCX, ODT, HTML, Markdown, text) as sources."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--kind", choices=SourceKind.values, default=SourceKind.STAND)
        parser.add_argument("--organisation", action="append", default=[], metavar="CODE",
                            help="organisation code; repeat for several")
        parser.add_argument("--year", type=int)
        parser.add_argument("--title", default="")
        parser.add_argument("--authors", default="")
        parser.add_argument("--institution", default="")
        parser.add_argument("--publication-date", type=dt.date.fromisoformat)
        parser.add_argument("--published", action="store_true",
                            help="mark as published (visible to the public)")
        parser.add_argument("--jobs", type=int, default=None, metavar="N",
                            help="worker processes reading files side by side "
                                 "(default: the STAAT_JOBS setting)")

    def handle(self, *args, **opts):
        files = expand(opts["paths"])
        if not files:
            raise CommandError("no files to ingest")
        for path in files:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
        meta = SourceMetadata(
            kind=opts["kind"],
            organisations=opts["organisation"],
            year=opts["year"],
            title=opts["title"] if len(files) == 1 else "",
            authors=opts["authors"],
            institution=opts["institution"],
            publication_date=opts["publication_date"],
            status=SourceStatus.PUBLISHED if opts["published"] else SourceStatus.DRAFT,
        )
        if opts["jobs"] is not None and opts["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        added = duplicates = 0
        failures = []
        bar = tqdm(total=len(files), desc="ingest", unit="file", disable=len(files) < 2,
                   file=self.stderr)
        paths = iter(files)

        def report(result):
            nonlocal added, duplicates
            path = next(paths)
            bar.update(1)
            if result.error:
                failures.append(result)
                bar.write(self.style.ERROR(f"FAILED {result.error.message}"))
            elif result.duplicate:
                duplicates += 1
                bar.write(f"skipped {path}: same file as source {result.source.pk} "
                          f"({result.source.title})")
            else:
                added += 1
                s = result.source
                bar.write(f"added {path} as source {s.pk}: {s.title} "
                          f"({s.page_count} p., {s.passages.count()} passages)")

        try:
            results = ingest_files([(path, meta) for path in files], jobs=opts["jobs"],
                                   progress=report, extract=False)
        finally:
            bar.close()
        self.extract([r.source for r in results if r.ok and not r.duplicate], opts["jobs"])
        summary = f"{added} added, {duplicates} already present, {len(failures)} failed"
        if failures:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def extract(self, sources, jobs) -> None:
        """Draw findings from the new sources at once (in worker processes), with progress,
        unless ``STAAT_EXTRACT_AFTER_INGEST`` is off. A failure is reported; the sources stay."""
        from django.conf import settings

        from staat.findings.services import run_extraction

        if not sources or settings.EXTRACT_AFTER_INGEST == "off":
            return
        bar = tqdm(total=len(sources), desc="findings", unit="source", file=self.stderr,
                   disable=len(sources) < 2)

        def progress(run, source):
            bar.n = run.sources_done + run.sources_skipped
            bar.refresh()

        try:
            run = run_extraction([s.pk for s in sources], jobs=jobs, progress=progress)
        except Exception as exc:  # noqa: BLE001 - the sources stay; the run records the error
            self.stderr.write(self.style.ERROR(
                f"finding extraction failed ({exc}); the sources are stored, run "
                f"'staat extract' to try again"))
            return
        finally:
            bar.close()
        self.stdout.write(f"findings: {run.findings_created} drawn from {run.sources_done} "
                          f"sources")

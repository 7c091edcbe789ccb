# SPDX-License-Identifier: EUPL-1.2
"""``staat extract``: draw findings from every source not yet extracted with this extractor."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from staat.core.progress import tqdm
from staat.findings import services
from staat.sources.models import Source


class Command(BaseCommand):
    help = ("Draw knelpunten, lichtpunten, oproepen and dilemma's from the sources not yet "
            "extracted with the current extractor version. Decisions of people are never changed.")

    def add_arguments(self, parser):
        parser.add_argument("--source", type=int, action="append", default=[], metavar="ID",
                            help="only this source (repeat for several)")
        parser.add_argument("--force", action="store_true",
                            help="extract again even if this extractor version already ran")
        parser.add_argument("--jobs", type=int, default=None, metavar="N",
                            help="worker processes running the extractor side by side "
                                 "(default: the STAAT_JOBS setting)")

    def handle(self, *args, **opts):
        if opts["jobs"] is not None and opts["jobs"] < 1:
            raise CommandError("--jobs must be at least 1")
        sources = None
        if opts["source"]:
            found = set(Source.objects.filter(pk__in=opts["source"]).values_list("pk", flat=True))
            missing = sorted(set(opts["source"]) - found)
            if missing:
                raise CommandError(f"no source with id {', '.join(map(str, missing))}")
            sources = sorted(found)
        bar = None

        def progress(run, source):
            nonlocal bar
            if bar is None:
                bar = tqdm(total=run.sources_total, desc="extract", unit="source",
                           file=self.stderr, disable=run.sources_total < 2)
            elif source is not None:
                bar.update(1)

        try:
            run = services.run_extraction(sources, force=opts["force"], progress=progress,
                                          jobs=opts["jobs"])
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"{run.extractor_version}: {run.sources_done} sources extracted "
            f"({run.sentences} sentences): {run.findings_created} findings added, "
            f"{run.findings_updated} updated, {run.findings_removed} removed, "
            f"{run.findings_linked} proposals matched decisions that were kept"
        ))

# SPDX-License-Identifier: EUPL-1.2
"""``staat demo``: load the fictional demo, run the whole pipeline and serve the 2025 edition.

Steps: organisations and demo users, the corpus (ingest), extraction of findings, common
threads, and the build of the 2025 edition into the data folder. Then it serves: opening
http://127.0.0.1:8000 shows the built edition (``/editie/2025/``); the workshop is at
``/werkplaats/``. Every step is idempotent, so running it again only does what is missing.
"""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from staat.core import demo
from staat.core.progress import tqdm
from staat.sources.models import SourceStatus
from staat.sources.services import SourceMetadata, ingest_files

DEMO_EDITION = 2025


class Command(BaseCommand):
    help = ("Load the fictional demo corpus, extract findings, compute threads, build the "
            f"{DEMO_EDITION} edition and serve it on http://127.0.0.1:8000.")

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load and build only, do not serve")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, **opts):
        call_command("migrate", verbosity=0)
        demo.load_organisations()
        users = demo.ensure_users()
        self.load_corpus()
        self.extract()
        self.threads()
        result = self.build()
        addr = opts["addrport"]
        self.stdout.write("Demo logins (password for all: %s):" % demo.DEMO_PASSWORD)
        for username, role in users:
            self.stdout.write(f"  {username:22} {role}")
        self.stdout.write(
            f"The {DEMO_EDITION} edition (fictional data) is built in {result.out}:\n"
            f"  http://{addr}/                 the edition (redirects to /editie/{DEMO_EDITION}/)\n"
            f"  http://{addr}/werkplaats/      the workshop: sources, findings, threads, editor\n"
            f"  http://{addr}/edities/{DEMO_EDITION}/  the editor and the build button (researchers)\n"
            f"  {result.pdf_path}"
        )
        if not opts["no_serve"]:
            self.stdout.write(f"Serving on http://{addr}/ (Ctrl+C stops)")
            call_command("runserver", addr, use_reloader=False)

    def load_corpus(self) -> None:
        documents = demo.read_manifests()
        items = [(doc.path, SourceMetadata(
            kind=doc.kind,
            organisations=doc.organisations,
            year=doc.year,
            title=doc.title,
            authors=doc.authors,
            institution=doc.institution,
            publication_date=doc.publication_date,
            status=SourceStatus.PUBLISHED if doc.published else SourceStatus.DRAFT,
        )) for doc in documents]
        bar = tqdm(total=len(items), desc="demo corpus", unit="doc", file=self.stderr)
        # extraction follows as its own step (in worker processes), not file by file
        results = ingest_files(items, progress=lambda result: bar.update(1), extract=False)
        bar.close()
        failures = [r.error.message for r in results if r.error]
        if failures:
            raise CommandError("demo corpus failed to load:\n" + "\n".join(failures))
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(documents)} fictional documents."))

    def extract(self) -> None:
        from staat.findings.services import run_extraction

        bar = tqdm(desc="findings", unit="source", file=self.stderr)

        def progress(run, source):
            bar.total = run.sources_total
            bar.n = run.sources_done + run.sources_skipped
            bar.refresh()

        run = run_extraction(progress=progress)
        bar.close()
        self.stdout.write(self.style.SUCCESS(
            f"Findings: {run.sources_done} sources extracted now, {run.findings_created} findings "
            f"created (extractor {run.extractor_version})."))

    def threads(self) -> None:
        from staat.threads.services import compute_threads

        bar = tqdm(total=100, desc="threads", unit="%", file=self.stderr)

        def progress(run, step, percent):
            bar.set_postfix_str(step)
            bar.update(max(0, int(percent) - bar.n))

        run = compute_threads(progress=progress)
        bar.close()
        from staat.editions.demo import seed_demo_calls

        made = seed_demo_calls()
        if made:
            self.stdout.write(f"Calls: {made} fictional calls with follow-up added.")
        self.stdout.write(self.style.SUCCESS(f"Threads: {getattr(run, 'threads_total', '?')} "
                                             f"threads ({getattr(run, 'status', '')})."))

    def build(self):
        from staat.editions import services

        edition = services.ensure_edition(DEMO_EDITION)
        bar = tqdm(total=100, desc=f"edition {DEMO_EDITION}", unit="%", file=self.stderr)

        def progress(percent, step):
            bar.set_postfix_str(step)
            bar.update(max(0, percent - bar.n))

        result = services.build(edition, progress=progress)
        bar.close()
        for line in result.log:
            self.stdout.write(f"  {line}")
        return result

# SPDX-License-Identifier: EUPL-1.2
"""``staat demo``: load the fictional demo, run the pipeline as far as it exists, and serve."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from staat.core import demo
from staat.sources.models import SourceStatus
from staat.sources.services import SourceMetadata, ingest_file


class Command(BaseCommand):
    help = "Load the fictional demo corpus, run the pipeline and serve it on http://127.0.0.1:8000."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="load only, do not serve")
        parser.add_argument("--addrport", default="127.0.0.1:8000")

    def handle(self, *args, **opts):
        call_command("migrate", verbosity=0)
        demo.load_organisations()
        users = demo.ensure_users()
        documents = demo.read_manifests()
        failures = []
        for doc in tqdm(documents, desc="demo corpus", unit="doc", file=self.stderr):
            meta = SourceMetadata(
                kind=doc.kind,
                organisations=doc.organisations,
                year=doc.year,
                title=doc.title,
                authors=doc.authors,
                institution=doc.institution,
                publication_date=doc.publication_date,
                status=SourceStatus.PUBLISHED if doc.published else SourceStatus.DRAFT,
            )
            result = ingest_file(doc.path, meta)
            if result.error:
                failures.append(result.error.message)
        if failures:
            raise CommandError("demo corpus failed to load:\n" + "\n".join(failures))
        self.stdout.write(self.style.SUCCESS(f"Demo loaded: {len(documents)} fictional documents."))
        self.stdout.write("Demo logins (password for all: %s):" % demo.DEMO_PASSWORD)
        for username, role in users:
            self.stdout.write(f"  {username:22} {role}")
        if not opts["no_serve"]:
            self.stdout.write(f"Serving on http://{opts['addrport']}/ (Ctrl+C stops)")
            call_command("runserver", opts["addrport"], use_reloader=False)

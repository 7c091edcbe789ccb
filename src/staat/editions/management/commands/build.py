# SPDX-License-Identifier: EUPL-1.2
"""``staat build --edition YYYY --out DIR``: write an edition's site, PDF, charts and open data."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staat.core.progress import tqdm
from staat.editions import services
from staat.editions.builder import BuildError


class Command(BaseCommand):
    help = ("Build the edition of a year: static site, PDF (at most 15 body pages), charts and "
            "open data. Without --out it goes to the data folder (served under /editie/YYYY/).")

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, required=True, metavar="YYYY",
                            help="the edition's year")
        parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                            help="output folder (default: DATA_DIR/editions/YYYY)")

    def handle(self, *args, **opts):
        year = opts["edition"]
        edition = services.ensure_edition(year)
        bar = tqdm(total=100, desc=f"edition {year}", unit="%", file=self.stderr,
                   disable=opts["verbosity"] == 0)

        def progress(percent: int, step: str) -> None:
            bar.set_postfix_str(step)
            bar.update(max(0, percent - bar.n))

        try:
            result = services.build(edition, opts["out"], progress=progress)
        except BuildError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for line in result.log:
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(
            f"Edition {year} built in {result.seconds:.1f} s: {len(result.files)} files in "
            f"{result.out} (open {result.out / 'index.html'}); PDF {result.pdf_path.name}: "
            f"{result.pdf_body_pages} body pages, {result.pdf_total_pages} in all."))

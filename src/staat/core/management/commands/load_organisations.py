# SPDX-License-Identifier: EUPL-1.2
"""``staat load_organisations [FILE]``: load the reference register (or another register file)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staat.core.register import REFERENCE_FILE, RegisterError, load_register


class Command(BaseCommand):
    help = "Create organisations from a register file (default: the shipped reference register)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, default=REFERENCE_FILE)
        parser.add_argument("--fictional", action="store_true")
        parser.add_argument("--overwrite", action="store_true",
                            help="let the file's values replace edits made in the app")

    def handle(self, *args, **opts):
        try:
            created, updated = load_register(
                opts["file"], fictional=opts["fictional"], overwrite=opts["overwrite"]
            )
        except (RegisterError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{created} created, {updated} updated")

# SPDX-License-Identifier: EUPL-1.2
"""``staat config_docs``: write docs/configuration.md from the declared environment variables."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from staat.settings.environment import markdown_reference

TARGET = Path(settings.PROJECT_DIR) / "docs" / "configuration.md"


class Command(BaseCommand):
    help = "Generate docs/configuration.md from the settings' environment declarations."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="fail if the file is stale")

    def handle(self, *args, **opts):
        text = markdown_reference()
        if opts["check"]:
            if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
                raise SystemExit("docs/configuration.md is stale: run `staat config_docs`")
            return
        TARGET.parent.mkdir(exist_ok=True)
        TARGET.write_text(text, encoding="utf-8")
        self.stdout.write(f"wrote {TARGET}")

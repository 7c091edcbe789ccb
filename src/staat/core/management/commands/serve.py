# SPDX-License-Identifier: EUPL-1.2
"""``staat serve``: migrate and serve the app on http://127.0.0.1:8000."""

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Apply migrations and serve the app (development server)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **opts):
        call_command("migrate", verbosity=0)
        call_command("runserver", opts["addrport"], use_reloader=False)

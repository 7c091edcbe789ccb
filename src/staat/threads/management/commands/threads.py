# SPDX-License-Identifier: EUPL-1.2
"""``staat threads``: compute the common threads from the current findings (with progress)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Group the findings into common threads over the years, keeping the researchers' "
            "decisions. Does nothing when findings and decisions did not change (--force: "
            "compute anyway). When few findings were added or removed since the last run, "
            "only those are placed (--full: group everything again).")

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true",
                            help="compute even if nothing changed since the last run")
        parser.add_argument("--full", action="store_true",
                            help="group every finding again instead of placing only the "
                                 "findings added or removed since the last run")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, force=False, full=False, no_progress=False, **options):
        from staat.core.progress import tqdm

        from staat.threads import services

        bar = None if no_progress else tqdm(total=100, desc="threads", unit="%",
                                            file=self.stderr._out)

        def progress(run, step, percent):
            if bar is not None:
                bar.set_postfix_str(step[:40])
                bar.update(max(0, percent - bar.n))

        try:
            run = services.compute_threads(progress=progress, force=force, full=full)
        except Exception as exc:  # noqa: BLE001 - reported as a command error, run records it
            raise CommandError(f"threads run failed: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            f"{run.get_status_display()}"
            f"{' (incremental)' if run.incremental else ''}: {run.threads_total} threads, "
            f"{run.assigned} of {run.findings_total} findings in a thread, "
            f"{run.decisions_applied} decisions applied "
            f"({run.threads_created} new, {run.threads_changed} changed, "
            f"{run.threads_dropped} no longer found)."
        )

# SPDX-License-Identifier: EUPL-1.2
"""``staat eval LABELS``: precision, recall and F1 per kind and theme accuracy on a labelled set."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = ("Measure the extractor on a labelled set (JSON Lines of labelled sentences): "
            "precision, recall and F1 per kind, and theme accuracy.")

    def add_arguments(self, parser):
        parser.add_argument("labels", metavar="LABELS", help="labelled sentences (.jsonl)")
        parser.add_argument("--cross-validate", action="store_true",
                            help="k-fold cross-validation on LABELS instead (train on the other folds)")
        parser.add_argument("--folds", type=int, default=5)
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **opts):
        from staat.analysis import findings as pure

        path = Path(opts["labels"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        labels = list(pure.read_labels(path))
        if not labels:
            raise CommandError(f"{path}: no labelled sentences")
        from staat.findings import services

        if opts["cross_validate"]:
            report = pure.cross_validate(labels, services.theme_defs(), folds=opts["folds"])
        else:
            report = pure.evaluate(services.get_extractor(), labels)
        if opts["json"]:
            self.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
        else:
            self.stdout.write(report.to_text())


# SPDX-License-Identifier: EUPL-1.2
"""``staat findings export|add-corrections``: findings out as data, decisions in as training data."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staat.findings import exports, qda, services


class Command(BaseCommand):
    help = "Export findings (JSON Lines, CSV, REFI-QDA) or add curators' corrections to the training data."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="write findings as jsonl, csv, qdpx or qdc")
        export.add_argument("--format", choices=("jsonl", "csv", "qdpx", "qdc"), default="jsonl")
        export.add_argument("--out", metavar="FILE", help="file to write (default: standard output; "
                            "required for qdpx and qdc)")
        export.add_argument("--status", action="append", default=[], choices=exports.STATUS_CHOICES,
                            help="only findings with this status (repeat for several; default: all)")
        corrections = sub.add_parser(
            "add-corrections",
            help="write confirmed, edited, rejected and person-made findings as labelled "
                 "sentences that the extractor's training includes",
        )
        corrections.add_argument("--out", metavar="PATH",
                                 help=f"default: {services.corrections_path()}")

    def handle(self, *args, **opts):
        if opts["action"] == "export":
            return self.export(opts)
        path, count = services.write_corrections(opts.get("out"))
        self.stdout.write(self.style.SUCCESS(f"{count} labelled sentences written to {path}"))
        if not opts.get("out"):
            version = services.get_extractor().version
            self.stdout.write(f"the extractor now trains with them: version {version}")

    def export(self, opts):
        fmt, out = opts["format"], opts.get("out")
        qs = exports.export_queryset(statuses=opts["status"])
        if fmt in ("qdpx", "qdc"):
            if not out:
                raise CommandError(f"--out FILE is required for {fmt}")
            data = qda.project_bytes(qs) if fmt == "qdpx" else qda.codebook_bytes()
            Path(out).write_bytes(data)
            self.stderr.write(f"{fmt} written to {out} ({len(data)} bytes)")
            return
        if out:
            with open(out, "w", encoding="utf-8", newline="") as fh:
                n = (exports.write_jsonl if fmt == "jsonl" else exports.write_csv)(fh, qs)
            self.stderr.write(f"{n} findings written to {out}")
        else:
            (exports.write_jsonl if fmt == "jsonl" else exports.write_csv)(_Out(self.stdout), qs)


class _Out:
    """A file-like view of the command's stdout (no extra line endings)."""

    def __init__(self, wrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> int:
        self.wrapper.write(text, ending="")
        return len(text)

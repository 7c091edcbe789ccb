# SPDX-License-Identifier: EUPL-1.2
"""``staat instruments load|score|import|purge``: definitions in, scores out, microdata in and
out of retention. Thin: the work is in ``staat.instruments.services`` and ``definitions``."""

from __future__ import annotations

import datetime as dt
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from staat.analysis import microdata
from staat.analysis.instrument_schema import InstrumentError


class Command(BaseCommand):
    help = "Load instrument definitions, score a response file, import or purge microdata."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="store the shipped definitions (and/or YAML files)")
        load.add_argument("paths", nargs="*", metavar="FILE.yaml",
                          help="definition files to store as well (default: only the shipped)")
        score = sub.add_parser(
            "score", help="scale scores, reliability and group comparisons for a file, as JSON")
        score.add_argument("instrument", metavar="INSTRUMENT",
                           help="code of a shipped or loaded instrument, or a YAML file")
        score.add_argument("data", metavar="DATA", help=".csv, .xlsx or .sav; columns named "
                           "by item codes, one row per respondent")
        score.add_argument("--group-by", metavar="COLUMN", help="compare the groups of this column")
        score.add_argument("--format", choices=("json",), default="json")
        score.add_argument("--no-pairwise", action="store_true",
                           help="leave out the Games-Howell pairs (faster with many groups)")
        imp = sub.add_parser("import", help="import microdata into a wave")
        imp.add_argument("instrument", metavar="INSTRUMENT", help="code of a loaded instrument")
        imp.add_argument("file", metavar="FILE", help=".csv, .xlsx or .sav")
        imp.add_argument("--wave", required=True, help="name (or id) of the wave")
        imp.add_argument("--mapping", metavar="JSON",
                         help='column mapping as JSON ({"file column": "code"}) or a path to a '
                              "JSON file (default: columns named like the codes)")
        imp.add_argument("--organisation", metavar="CODE",
                         help="organisation of every row without an organisation column")
        imp.add_argument("--valid-only", action="store_true",
                         help="import the valid rows when some rows have problems "
                              "(default: import nothing then)")
        purge = sub.add_parser("purge", help="delete the microdata of waves that ended before DATE")
        purge.add_argument("--before", required=True, metavar="YYYY-MM-DD")
        purge.add_argument("--dry-run", action="store_true")

    def handle(self, *args, **opts):
        return getattr(self, f"do_{opts['action']}")(opts)

    def do_load(self, opts):
        from pathlib import Path

        from staat.instruments import definitions

        try:
            done = definitions.load_shipped()
            for path in opts["paths"]:
                p = Path(path)
                done.append(definitions.store(p.read_text(encoding="utf-8"), p.name,
                                              origin="uploaded"))
        except InstrumentError as exc:
            raise CommandError(str(exc)) from exc
        except definitions.DefinitionConflict as exc:
            raise CommandError(str(exc)) from exc
        for inst, created in done:
            state = "stored" if created else "unchanged"
            self.stdout.write(f"{inst.code} {inst.version}: {state}")

    def do_score(self, opts):
        from staat.instruments import services

        try:
            out = services.score_file(opts["instrument"], opts["data"], opts.get("group_by"),
                                      pairwise=not opts["no_pairwise"])
        except (KeyError, ValueError, InstrumentError, microdata.MappingError) as exc:
            raise CommandError(str(exc).strip("'\"")) from exc
        except FileNotFoundError as exc:
            raise CommandError(f"{opts['data']}: file not found") from exc
        stream = self.stdout._out if hasattr(self.stdout, "_out") else sys.stdout
        json.dump(out, stream, ensure_ascii=False, indent=2, allow_nan=False)
        stream.write("\n")

    def do_import(self, opts):
        from pathlib import Path

        from staat.core.models import Organisation
        from staat.instruments import services

        mapping = None
        if opts.get("mapping"):
            raw = opts["mapping"]
            if not raw.lstrip().startswith("{") and Path(raw).is_file():
                raw = Path(raw).read_text(encoding="utf-8")
            try:
                mapping = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise CommandError(f"--mapping is not valid JSON: {exc}") from exc
        org = None
        if opts.get("organisation"):
            org = Organisation.objects.filter(code=opts["organisation"]).first()
            if org is None:
                raise CommandError(f"unknown organisation {opts['organisation']!r}")
        try:
            wave = services._wave(opts["instrument"], opts["wave"])
        except services.ResultUnavailable as exc:
            raise CommandError(str(exc)) from exc
        try:
            batch, checked = services.import_path(wave, opts["file"], mapping=mapping,
                                                  valid_only=opts["valid_only"],
                                                  organisation=org, user="command line")
        except microdata.MappingError as exc:
            raise CommandError("column mapping: " + "; ".join(exc.problems)) from exc
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        for p in checked.problems:
            self.stderr.write(str(p))
        self.stdout.write(f"{batch.n_rows} rows, {batch.n_valid} valid, "
                          f"{batch.n_imported} imported into {wave.name} "
                          f"({batch.get_decision_display()})")
        if checked.problems and not opts["valid_only"]:
            raise CommandError(f"{len(checked.problems)} problem(s): nothing imported "
                               "(use --valid-only to import the valid rows)")

    def do_purge(self, opts):
        from staat.instruments import services

        try:
            before = dt.date.fromisoformat(opts["before"])
        except ValueError as exc:
            raise CommandError(f"--before: {exc}") from exc
        summary = services.purge(before, actor="command line", dry_run=opts["dry_run"])
        verb = "would delete" if opts["dry_run"] else "deleted"
        self.stdout.write(f"{verb} {summary['responses']} responses and "
                          f"{summary['submissions']} submissions of {len(summary['waves'])} "
                          f"wave(s): {', '.join(summary['waves']) or '-'}")

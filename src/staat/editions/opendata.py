# SPDX-License-Identifier: EUPL-1.2
"""Open data of an edition: findings, threads, calls and the codebook as CSV and JSON.

Files are written with sorted keys, ``\\n`` line ends and no timestamps, so equal data give
byte-identical files. CSV cells that hold lists are joined with ``;``.
"""

from __future__ import annotations

import csv
import io
import json

from staat.editions import content as c
from staat.editions.output import Tree

THREAD_FIELDS = ("key", "label", "kind", "trend", "rank", "description", "organisations",
                 "sources", "findings", "history", "evidence")
CODEBOOK_FIELDS = ("code", "label", "label_en", "description", "parent", "retired")


def _cell(value):
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if value is None:
        return ""
    return value


def write_json(out: Tree, rel: str, data) -> None:
    out.write(rel, json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1) + "\n")


_RECORD = json.JSONEncoder(ensure_ascii=False, sort_keys=True)


def write_records(out: Tree, rel: str, rows: list[dict]) -> None:
    """A list of records as JSON with one record per line (a diff shows the records that
    changed; and written by the C encoder, some ten times faster than indented JSON)."""
    if not rows:
        out.write(rel, "[]\n")
        return
    out.write(rel, "[\n" + ",\n".join(map(_RECORD.encode, rows)) + "\n]\n")


def write_csv(out: Tree, rel: str, rows: list[dict], fields: tuple[str, ...] | list[str]
              ) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields)
    plain = (str, int, float, bool)
    writer.writerows([v if type(v) in plain else _cell(v) for v in map(row.get, fields)]
                     for row in rows)
    out.write(rel, buffer.getvalue())


def thread_row(t: c.ThreadView) -> dict:
    return {
        "key": t.key, "label": t.label, "kind": t.kind, "trend": t.trend, "rank": t.rank,
        "description": t.description,
        "organisations": t.count("organisations"), "reporters": t.reporters(),
        "sources": t.count("sources"),
        "findings": t.count("findings"),
        "history": {str(r["year"]): {k: v for k, v in r.items() if k != "year"}
                    for r in t.history_rows},
        "evidence": [e.finding_id for e in t.evidence],
    }


def call_row(call: c.CallView) -> dict:
    return {"id": call.id, "year": call.year, "title": call.title, "original": call.original,
            "wording": call.wording, "audience": call.audience, "threads": call.threads,
            "versions": call.versions, "follow_ups": call.follow_ups}


def write_all(data: c.EditionData, out: Tree) -> list[dict]:
    """Write ``data/`` and return the download list (path, label, rows) for the site."""
    downloads = []

    def add(rel: str, label: str, rows: int | None) -> None:
        downloads.append({"path": f"data/{rel}", "label": label, "rows": rows})

    findings = data.findings
    fields = list(findings[0]) if findings else ["id"]
    write_records(out, "data/bevindingen.json", findings)
    write_csv(out, "data/bevindingen.csv", findings, fields)
    add("bevindingen.csv", "Bevindingen van dit jaar (CSV)", len(findings))
    add("bevindingen.json", "Bevindingen van dit jaar (JSON)", len(findings))
    threads = [thread_row(t) for t in data.thread_list()]
    write_records(out, "data/rode-draden.json", threads)
    write_csv(out, "data/rode-draden.csv", threads, THREAD_FIELDS)
    add("rode-draden.csv", "Rode draden met cijfers per jaar (CSV)", len(threads))
    add("rode-draden.json", "Rode draden met cijfers per jaar (JSON)", len(threads))
    calls = [call_row(call) for call in data.calls]
    write_records(out, "data/oproepen.json", calls)
    add("oproepen.json", "Oproepen, hun formuleringen en opvolging (JSON)", len(calls))
    write_records(out, "data/codeboek.json", data.codebook)
    write_csv(out, "data/codeboek.csv", data.codebook, CODEBOOK_FIELDS)
    add("codeboek.csv", "Codeboek: thema's (CSV)", len(data.codebook))
    add("codeboek.json", "Codeboek: thema's (JSON)", len(data.codebook))
    for code, rows in sorted(data.chart_data.items()):
        write_records(out, f"data/grafiek-{code}.json", rows)
    return downloads

# SPDX-License-Identifier: EUPL-1.2
"""Exports of findings: JSON Lines and CSV (one finding a row), REFI-QDA project and codebook.

The row fields (``EXPORT_FIELDS``) are the interface other tools rely on; ``text`` is always
``Source.text[char_start:char_end]``.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from django.db.models import Prefetch, QuerySet

from staat.findings.models import Finding, FindingTheme, Status
from staat.findings.services import law_label

EXPORT_FIELDS = (
    "id", "source_id", "source_title", "organisation", "year", "kind", "text", "page",
    "char_start", "char_end", "themes", "laws", "confidence", "origin", "status",
    "organisations_named", "needs_review", "codebook_version", "extractor_version", "passage",
    "sentence_first", "sentence_last",
)
STATUS_CHOICES = (*Status.values, "all")


def export_queryset(qs: QuerySet[Finding] | None = None, statuses: Iterable[str] = ()) -> QuerySet:
    qs = Finding.objects.all() if qs is None else qs
    statuses = [s for s in statuses if s and s != "all"]
    if statuses:
        qs = qs.filter(status__in=statuses)
    return (
        qs.select_related("source", "codebook_version", "passage")
        .prefetch_related(
            "source__organisations", "organisations",
            Prefetch("finding_themes", queryset=FindingTheme.objects.select_related("theme")),
        )
        .order_by("source_id", "char_start", "pk")
    )


def export_row(f: Finding) -> dict:
    orgs = sorted(o.code for o in f.source.organisations.all())
    return {
        "id": f.pk,
        "source_id": f.source_id,
        "source_title": f.source.title,
        "organisation": ";".join(orgs),
        "year": f.source.year,
        "kind": f.kind,
        "text": f.text,
        "page": f.page,
        "char_start": f.char_start,
        "char_end": f.char_end,
        "themes": sorted(ft.theme.code for ft in f.finding_themes.all()),
        "laws": [law_label(m) for m in f.laws],
        "confidence": f.confidence,
        "origin": f.origin,
        "status": f.status,
        "organisations_named": sorted(o.code for o in f.organisations.all()),
        "needs_review": f.needs_review,
        "codebook_version": f.codebook_version.number if f.codebook_version_id else None,
        "extractor_version": f.extractor_version,
        "passage": f.passage.index if f.passage_id else None,
        "sentence_first": f.sentence_first,
        "sentence_last": f.sentence_last,
    }


def rows(qs: QuerySet[Finding]) -> Iterator[dict]:
    for f in qs:
        yield export_row(f)


def write_jsonl(out, qs: QuerySet[Finding]) -> int:
    n = 0
    for row in rows(qs):
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        n += 1
    return n


def csv_value(value):
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if value is None:
        return ""
    return value


def write_csv(out, qs: QuerySet[Finding]) -> int:
    writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows(qs):
        writer.writerow({k: csv_value(v) for k, v in row.items()})
        n += 1
    return n


def as_text(fmt: str, qs: QuerySet[Finding]) -> str:
    buffer = io.StringIO()
    (write_jsonl if fmt == "jsonl" else write_csv)(buffer, qs)
    return buffer.getvalue()

# SPDX-License-Identifier: EUPL-1.2
"""Sources: the functions other apps, views and commands use.

Ingest is one transaction per document: a file that cannot be read leaves nothing behind
(no source row, no passages, no stored original).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction

from staat.core import audit
from staat.core.models import Organisation
from staat.nlp import lemmas, segment as segmenter
from staat.nlp.language import detect_language
from staat.sources import storage
from staat.sources.models import (
    Page,
    Passage,
    Sentence,
    Source,
    SourceKind,
    SourceStatus,
)
from staat.sources.parsers import Limits, parse_file
from staat.sources.parsers.errors import IngestError

SEGMENTER_VERSION = getattr(segmenter, "VERSION", "1")
EDITABLE_FIELDS = (
    "title", "kind", "year", "authors", "institution", "publication_date", "summary",
    "status", "organisations",
)
YEAR_PATTERN = re.compile(r"(?<!\d)(20[0-9]{2})(?!\d)")


@dataclass(frozen=True)
class SourceMetadata:
    """What a person tells us about a file; empty values are filled from the file itself."""

    kind: str = SourceKind.STAND
    organisations: Sequence[str] = ()
    year: int | None = None
    title: str = ""
    authors: str = ""
    institution: str = ""
    publication_date: dt.date | None = None
    summary: str = ""
    status: str = SourceStatus.DRAFT


@dataclass(frozen=True)
class IngestResult:
    filename: str
    source: Source | None = None
    duplicate: bool = False
    error: IngestError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def current_limits() -> Limits:
    return Limits(
        max_bytes=settings.MAX_UPLOAD_MB * 1024 * 1024,
        timeout_seconds=settings.PARSE_TIMEOUT_SECONDS,
        memory_mb=settings.PARSE_MEMORY_MB,
    )


def resolve_organisations(codes: Iterable[str], filename: str) -> list[Organisation]:
    codes = [c.strip() for c in codes if c and c.strip()]
    found = {o.code: o for o in Organisation.objects.filter(code__in=codes)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise IngestError(
            "unknown_organisation",
            f"{filename}: unknown organisation code(s): {', '.join(missing)}",
            params={"filename": filename, "codes": ", ".join(missing)},
        )
    return [found[c] for c in codes]


def infer_year(meta: SourceMetadata, title: str, filename: str) -> int | None:
    if meta.year:
        return meta.year
    if meta.publication_date:
        return meta.publication_date.year
    for text in (title, filename):
        match = YEAR_PATTERN.search(text or "")
        if match:
            return int(match.group(1))
    return None


def _title_from(parsed, filename: str) -> str:
    if parsed.title.strip():
        return parsed.title.strip()[:500]
    for block in parsed.blocks:
        if block.kind == "heading" and block.text.strip():
            return " ".join(block.text.split())[:500]
    return Path(filename).stem.replace("_", " ").replace("-", " ")[:500]


def ingest_file(
    path: Path,
    meta: SourceMetadata,
    *,
    user=None,
    original_filename: str | None = None,
    limits: Limits | None = None,
) -> IngestResult:
    """Read, parse, segment and store one file. Never raises for bad input: see ``error``."""
    path = Path(path)
    filename = original_filename or path.name
    try:
        if meta.kind not in SourceKind.values:
            raise IngestError(
                "invalid_kind",
                f"{filename}: unknown kind '{meta.kind}'",
                params={"filename": filename, "kind": meta.kind},
            )
        organisations = resolve_organisations(meta.organisations, filename)
        sha = storage.sha256_of(path)
        existing = Source.objects.filter(sha256=sha).first()
        if existing is not None:
            return IngestResult(filename, existing, duplicate=True)
        parsed = parse_file(path, filename=filename, limits=limits or current_limits())
        document = segmenter.segment(parsed)
        source = _store(path, sha, filename, parsed, document, meta, organisations, user)
    except IngestError as error:
        return IngestResult(filename, error=error)
    _after_ingest(source)
    return IngestResult(filename, source)


def _after_ingest(source: Source) -> None:
    """Hand a newly stored source to the steps that follow (finding extraction)."""
    from staat.findings.services import after_ingest

    after_ingest(source)


def _store(path, sha, filename, parsed, document, meta, organisations, user) -> Source:
    title = meta.title.strip() or _title_from(parsed, filename)
    fmt = parsed.metadata.get("format", "")
    written = False
    try:
        with transaction.atomic():
            source = Source.objects.create(
                sha256=sha,
                original_filename=filename[:255],
                file_format=fmt,
                size_bytes=path.stat().st_size,
                kind=meta.kind,
                title=title,
                authors=(meta.authors or parsed.authors)[:500],
                institution=meta.institution[:300],
                publication_date=meta.publication_date,
                year=infer_year(meta, title, filename),
                language=detect_language(document.text),
                summary=meta.summary,
                status=meta.status,
                page_count=parsed.page_count,
                text=document.text,
                segmenter_version=SEGMENTER_VERSION,
                metadata={k: v for k, v in parsed.metadata.items() if _jsonable(v)},
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            source.organisations.set(organisations)
            save_segments(source, document)
            audit.record(
                user or "system",
                "create",
                source,
                changes={
                    "file": [None, filename],
                    "sha256": [None, sha],
                    **{k: [None, v] for k, v in audit.snapshot(source, EDITABLE_FIELDS).items()},
                },
            )
            _, written = storage.store(path, sha)
    except BaseException:
        if written:
            storage.remove(sha)
        raise
    return source


def _jsonable(value) -> bool:
    return isinstance(value, (str, int, float, bool, type(None), list, dict))


def save_segments(source: Source, document) -> None:
    """Replace the pages, passages and sentences of ``source`` with those of ``document``."""
    text = document.text
    source.pages.all().delete()
    source.sentences.all().delete()
    source.passages.all().delete()
    Page.objects.bulk_create(
        Page(source=source, number=p.number, char_start=p.char_start, char_end=p.char_end)
        for p in document.pages
    )
    passages = Passage.objects.bulk_create(
        [
            Passage(
                source=source,
                index=p.index,
                heading_path=list(p.heading_path),
                kind=p.kind,
                page_start=p.page_start,
                page_end=p.page_end,
                char_start=p.char_start,
                char_end=p.char_end,
                text=text[p.char_start:p.char_end],
                search_terms=index_terms(text[p.char_start:p.char_end], p.heading_path),
            )
            for p in document.passages
        ],
        batch_size=500,
    )
    if not all(p.pk for p in passages):  # backends that do not return ids on bulk insert
        passages = list(source.passages.order_by("index"))
    passage_ids = {p.index: p.pk for p in passages}
    _insert_sentences(source.pk, passage_ids, document.sentences)


def _insert_sentences(source_id: int, passage_ids: dict[int, int], sentences) -> None:
    """Insert sentence rows with one prepared statement (the ORM costs ~0.3 ms a row).

    A large corpus has hundreds of thousands of sentences; this keeps ingest close to the
    speed of parsing. The columns are those of :class:`Sentence`; a test compares the rows
    with the segmenter's output.
    """
    table = connection.ops.quote_name(Sentence._meta.db_table)
    columns = ("source_id", "passage_id", "index", "page", "char_start", "char_end")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        table,
        ", ".join(connection.ops.quote_name(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    rows = [
        (source_id, passage_ids[s.passage_index], s.index, s.page, s.char_start, s.char_end)
        for s in sentences
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start:start + 5000])


def index_terms(text: str, heading_path: Sequence[str] = ()) -> str:
    """The search index of a passage: its lemmas (and its headings'), space-padded."""
    terms = lemmas.search_terms(" ".join([*heading_path, text]))
    return f" {' '.join(terms)} " if terms else ""


def search_passages(query: str, passages=None):
    """Passages that contain every lemma of ``query``, best first.

    The same lemmatiser is applied to the query and to the indexed passages, and the match is
    a plain substring test on space-padded terms, so results are identical on SQLite and
    PostgreSQL.
    """
    terms = list(dict.fromkeys(lemmas.search_terms(query)))
    qs = passages if passages is not None else Passage.objects.all()
    if not terms:
        return qs.none(), terms
    for term in terms:
        qs = qs.filter(search_terms__contains=f" {term} ")
    return qs, terms


def update_metadata(source: Source, values: dict, *, user, reason: str = "") -> dict:
    """Change a source's metadata and record the change; returns ``{field: [old, new]}``."""
    with transaction.atomic():
        before = audit.snapshot(source, EDITABLE_FIELDS)
        organisations = values.pop("organisations", None)
        for key, value in values.items():
            if key not in EDITABLE_FIELDS:
                raise ValueError(f"field '{key}' cannot be edited")
            setattr(source, key, value)
        source.full_clean(exclude=["text"])
        source.save()
        if organisations is not None:
            source.organisations.set(organisations)
        changes = audit.diff(before, audit.snapshot(source, EDITABLE_FIELDS))
        if changes:
            audit.record(user, "update", source, changes=changes, reason=reason)
    return changes


def delete_source(source: Source, *, user, reason: str = "") -> None:
    """Delete a source with its passages and stored original, and record who did it and why."""
    sha = source.sha256
    with transaction.atomic():
        snapshot = audit.snapshot(source, EDITABLE_FIELDS)
        audit.record(
            user, "delete", source,
            changes={k: [v, None] for k, v in snapshot.items()},
            reason=reason,
        )
        source.delete()
        transaction.on_commit(lambda: storage.remove(sha))

# SPDX-License-Identifier: EUPL-1.2
"""Sources: the functions other apps, views and commands use.

Ingest is one transaction per document: a file that cannot be read leaves nothing behind
(no source row, no passages, no stored original).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Avg, Count, ExpressionWrapper, F, FloatField, Q, Value
from django.db.models.functions import Cast, Greatest, Length, Replace

from staat.core import audit
from staat.core.models import Organisation
from staat.nlp import lemmas, segment as segmenter
from staat.nlp.document import SegmentedDocument
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
from staat.sources.parsers.sandbox import worker_context

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


@dataclass(frozen=True)
class _Prepared:
    """What the pure part of ingest makes of a file: everything ``_store`` needs."""

    title: str  # from the file (used when the person gave none)
    authors: str
    file_format: str
    metadata: dict
    page_count: int
    document: SegmentedDocument
    search_terms: tuple[str, ...]  # one per passage of ``document``
    language: str


#: With the default number of jobs, worker processes are used from this many items (files,
#: sources) on: starting a worker (a fresh interpreter loading its libraries) costs a few
#: seconds of CPU, about as much as reading a few files. An explicit ``jobs`` always counts.
MIN_ITEMS_FOR_WORKERS = 8


def jobs_setting(jobs: int | None = None, items: int | None = None) -> int:
    """How many worker processes to use: ``jobs`` if given, else ``STAAT_JOBS`` (then 1 for
    fewer than :data:`MIN_ITEMS_FOR_WORKERS` ``items``); at least 1, at most ``items``."""
    if jobs is None:
        jobs = getattr(settings, "JOBS", 1)
        if items is not None and items < MIN_ITEMS_FOR_WORKERS:
            jobs = 1
    jobs = max(1, int(jobs))
    return jobs if items is None else max(1, min(jobs, items))


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
    after: Callable[[Source], None] | None = None,
) -> IngestResult:
    """Read, parse, segment and store one file. Never raises for bad input: see ``error``.

    A new source is handed to the steps that follow (finding extraction, see
    ``STAAT_EXTRACT_AFTER_INGEST``), or to ``after`` instead when given."""
    path = Path(path)
    filename = original_filename or path.name
    try:
        organisations, sha = _check(path, filename, meta)
        existing = Source.objects.filter(sha256=sha).first()
        if existing is not None:
            return IngestResult(filename, existing, duplicate=True)
        prepared = _prepare(path, filename, limits or current_limits())
        source = _store(path, sha, filename, prepared, meta, organisations, user)
    except IngestError as error:
        return IngestResult(filename, error=error)
    (after or _after_ingest)(source)
    return IngestResult(filename, source)


def ingest_files(
    items: Sequence[tuple[Path, SourceMetadata]],
    *,
    jobs: int | None = None,
    user=None,
    progress: Callable[[IngestResult], None] | None = None,
    extract: bool = True,
) -> list[IngestResult]:
    """:func:`ingest_file` for many files, with ``jobs`` worker processes (default
    ``STAAT_JOBS``, then only from :data:`MIN_ITEMS_FOR_WORKERS` files on) parsing,
    segmenting and indexing files ahead of the one being stored.

    The new sources are handed to finding extraction together at the end (when
    ``STAAT_EXTRACT_AFTER_INGEST`` is ``sync``: one extraction run over all of them, with
    ``jobs`` worker processes), not one by one; with ``extract=False`` they are not handed on
    at all (the caller runs the extraction, for example with its own progress bar).

    The results (and the stored sources, their ids included) are those of calling
    :func:`ingest_file` on each item in turn: this process stores each file in its own
    transaction, in the order given, and reports each (``progress(result)``) in that order.
    Bad input never raises (see ``IngestResult.error``); the workers are forked from the
    parser sandbox's fork server, so they inherit no database connection or thread.
    """
    items = [(Path(p), meta) for p, meta in items]
    requested = jobs
    jobs = jobs_setting(jobs, len(items))
    batch: list[Source] = []  # new sources, handed on together at the end
    if jobs <= 1:
        results = []
        for path, meta in items:
            results.append(ingest_file(path, meta, user=user, after=batch.append))
            if progress:
                progress(results[-1])
        if extract:
            _after_ingest_many(batch, requested)
        return results
    import django

    limits = current_limits()
    window = 2 * jobs  # files parsed ahead of the one being stored
    results: list[IngestResult] = []
    ahead: dict[int, Future | IngestResult] = {}
    checked: dict[int, tuple[list[Organisation], str]] = {}
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=worker_context(),
                               initializer=django.setup)
    try:
        submitted = 0
        for i, (path, meta) in enumerate(items):
            while submitted < len(items) and submitted < i + window:
                sub_path, sub_meta = items[submitted]
                try:
                    checked[submitted] = _check(sub_path, sub_path.name, sub_meta)
                    if Source.objects.filter(sha256=checked[submitted][1]).exists():
                        ahead[submitted] = IngestResult(sub_path.name)  # decided when stored
                    else:
                        ahead[submitted] = pool.submit(_prepare, sub_path, sub_path.name, limits)
                except IngestError as error:
                    ahead[submitted] = IngestResult(sub_path.name, error=error)
                submitted += 1
            result = _store_prepared(path, meta, ahead.pop(i), checked.pop(i, None), user,
                                     batch.append)
            results.append(result)
            if progress:
                progress(result)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    if extract:
        _after_ingest_many(batch, requested)
    return results


def _store_prepared(path: Path, meta: SourceMetadata, ahead: Future | IngestResult,
                    checked: tuple[list[Organisation], str] | None, user,
                    after: Callable[[Source], None] | None = None) -> IngestResult:
    """The second half of :func:`ingest_file` for a file prepared by a worker."""
    filename = path.name
    if isinstance(ahead, IngestResult) and ahead.error is not None:
        return ahead
    organisations, sha = checked
    existing = Source.objects.filter(sha256=sha).first()
    if existing is not None:  # stored before, or earlier in this batch
        if isinstance(ahead, Future):
            ahead.cancel()
        return IngestResult(filename, existing, duplicate=True)
    try:
        if not isinstance(ahead, Future):  # was present when checked, deleted since
            ahead = None
        prepared = ahead.result() if ahead else _prepare(path, filename, current_limits())
        source = _store(path, sha, filename, prepared, meta, organisations, user)
    except IngestError as error:
        return IngestResult(filename, error=error)
    (after or _after_ingest)(source)
    return IngestResult(filename, source)


def _check(path: Path, filename: str, meta: SourceMetadata) -> tuple[list[Organisation], str]:
    """The checks before parsing: kind, organisations; returns those and the file's hash."""
    if meta.kind not in SourceKind.values:
        raise IngestError(
            "invalid_kind",
            f"{filename}: unknown kind '{meta.kind}'",
            params={"filename": filename, "kind": meta.kind},
        )
    organisations = resolve_organisations(meta.organisations, filename)
    return organisations, storage.sha256_of(path)


def _prepare(path: Path, filename: str, limits: Limits) -> _Prepared:
    """The part of ingest that needs no database: parse (sandboxed), segment, index.

    Runs in this process (:func:`ingest_file`) or in a worker (:func:`ingest_files`).
    """
    parsed = parse_file(path, filename=filename, limits=limits)
    document = segmenter.segment(parsed)
    text = document.text
    return _Prepared(
        title=_title_from(parsed, filename),
        authors=parsed.authors,
        file_format=parsed.metadata.get("format", ""),
        metadata={k: v for k, v in parsed.metadata.items() if _jsonable(v)},
        page_count=parsed.page_count,
        document=document,
        search_terms=tuple(index_terms(text[p.char_start:p.char_end], p.heading_path)
                           for p in document.passages),
        language=detect_language(text),
    )


def _after_ingest(source: Source) -> None:
    """Hand a newly stored source to the steps that follow (finding extraction)."""
    from staat.findings.services import after_ingest

    after_ingest(source)


def _after_ingest_many(sources: list[Source], jobs: int | None) -> None:
    """Hand the sources stored by one :func:`ingest_files` call to the steps that follow, at
    once, so that extraction can use its worker processes too."""
    from staat.findings.services import after_ingest_many

    after_ingest_many(sources, jobs=jobs)


def _store(path, sha, filename, prepared: _Prepared, meta, organisations, user) -> Source:
    title = meta.title.strip() or prepared.title
    document = prepared.document
    written = False
    try:
        with transaction.atomic():
            source = Source.objects.create(
                sha256=sha,
                original_filename=filename[:255],
                file_format=prepared.file_format,
                size_bytes=path.stat().st_size,
                kind=meta.kind,
                title=title,
                authors=(meta.authors or prepared.authors)[:500],
                institution=meta.institution[:300],
                publication_date=meta.publication_date,
                year=infer_year(meta, title, filename),
                language=prepared.language,
                summary=meta.summary,
                status=meta.status,
                page_count=prepared.page_count,
                text=document.text,
                segmenter_version=SEGMENTER_VERSION,
                metadata=prepared.metadata,
                uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            source.organisations.set(organisations)
            save_segments(source, document, prepared.search_terms)
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


def save_segments(source: Source, document, search_terms: Sequence[str] | None = None) -> None:
    """Replace the pages, passages and sentences of ``source`` with those of ``document``
    (``search_terms``: the passages' :func:`index_terms`, if already computed)."""
    text = document.text
    if search_terms is None:
        search_terms = [index_terms(text[p.char_start:p.char_end], p.heading_path)
                        for p in document.passages]
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
                search_terms=terms,
            )
            for p, terms in zip(document.passages, search_terms, strict=True)
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
    return lemmas.search_text(" ".join([*heading_path, text]))


def search_passages(query: str, passages=None):
    """Passages that contain every lemma of ``query`` (unordered), and those lemmas.

    The same lemmatiser is applied to the query and to the indexed passages, and the match is
    a plain substring test on space-padded terms, so results are identical on SQLite and
    PostgreSQL. :func:`rank_passages` orders them by relevance.
    """
    terms = list(dict.fromkeys(lemmas.search_terms(query)))
    qs = passages if passages is not None else Passage.objects.all()
    if not terms:
        return qs.none(), terms
    for term in terms:
        qs = qs.filter(search_terms__contains=f" {term} ")
    return qs, terms


# BM25 parameters (Robertson and Zaragoza's usual values, as in Lucene)
BM25_K1 = 1.2
BM25_B = 0.75
#: search results without ranking, and the tie-break of ranked ones: newest source first,
#: then by title and position in the source
NEWEST_FIRST = ("-source__year", "source__title", "source_id", "index")


def _term_count(term: str):
    """SQL: how often ``term`` occurs in a passage's search terms (a float)."""
    # every term between two spaces of its own, so that adjacent repeats of a term are
    # all counted by one REPLACE (" t  t " holds " t " twice; " t t " only once)
    doubled = Replace(F("search_terms"), Value(" "), Value("  "))
    removed = Length(doubled) - Length(Replace(doubled, Value(f" {term} "), Value("")))
    return Cast(removed, FloatField()) / float(len(term) + 2)


def _passage_length():
    """SQL: the length of a passage's search terms in characters (a float): BM25 needs only
    its ratio to the average, which characters give as well as words, for less work."""
    return Cast(Length(F("search_terms")), FloatField())


def bm25_idf(passages: int, with_term: int) -> float:
    """Inverse document frequency as BM25 uses it, in the form that is never negative:
    ``ln(1 + (N - n + 0.5) / (n + 0.5))`` for ``n`` of ``N`` passages holding the term."""
    return math.log(1.0 + (passages - with_term + 0.5) / (with_term + 0.5))


def rank_passages(matches, terms: Sequence[str], collection):
    """``matches`` annotated with ``relevance`` (Okapi BM25 of ``terms``) and ordered by it,
    best first; ties newest source first, then by title and position.

    ``collection`` is the set of passages searched in (the passages the user may see, within
    the chosen filters): how rare a term is and how long a passage usually is are counted
    there, in one query. The score is computed by the database, so results page as before and
    are the same on SQLite and PostgreSQL. docs/user-guide.md (Zoeken) explains the rule.
    """
    stats = collection.aggregate(
        passages=Count("pk"),
        average_length=Avg(_passage_length()),
        **{f"with_{i}": Count("pk", filter=Q(search_terms__contains=f" {t} "))
           for i, t in enumerate(terms)},
    )
    total = stats["passages"] or 0
    average = stats["average_length"] or 1.0
    # a passage shorter than average counts as average: a table row or a one-line fragment
    # under a matching heading should not outrank the paragraph that discusses the words
    length = Greatest(_passage_length(), Value(float(average), output_field=FloatField()))
    norm = BM25_K1 * (1.0 - BM25_B) + BM25_K1 * BM25_B * length / float(average)
    relevance = Value(0.0, output_field=FloatField())
    for i, term in enumerate(terms):
        idf = bm25_idf(total, stats[f"with_{i}"] or 0)
        tf = _term_count(term)
        relevance = relevance + idf * (BM25_K1 + 1.0) * tf / (tf + norm)
    return matches.annotate(relevance=ExpressionWrapper(relevance, output_field=FloatField())
                            ).order_by("-relevance", *NEWEST_FIRST)


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

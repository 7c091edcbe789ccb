# SPDX-License-Identifier: EUPL-1.2
"""Findings: the functions commands, views and other apps use.

- :func:`run_extraction` draws findings from sources with the pure extractor
  (``staat.analysis.findings``) and stores them, one transaction per source. It is keyed by
  (source content, extractor version): a second run with the same version does nothing, a run
  with a new version replaces the machine suggestions no person touched and never changes a
  finding a person decided on (confirmed, edited, rejected, created, or with a memo).
- :func:`confirm`, :func:`edit`, :func:`reject` and :func:`create_finding` are the human
  decisions; each keeps the machine's suggestion, adds a :class:`FindingDecision` (who, when,
  why, before and after) and an audit event.
- :func:`corrections` turns those decisions into labelled sentences that the extractor's
  training includes (``staat findings add-corrections``).
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import logging
import pickle
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.db import models
from django.db.models import Q
from django.utils import timezone

from staat.core import audit
from staat.core.models import Organisation
from staat.findings import codebook as cb
from staat.findings.models import (
    DECIDED,
    CodebookVersion,
    ExtractionRun,
    Finding,
    FindingDecision,
    FindingTheme,
    Kind,
    Memo,
    Origin,
    SourceExtraction,
    Status,
    Theme,
)
from staat.sources.models import Page, Passage, Sentence, Source
from staat.sources.parsers.sandbox import worker_context
from staat.sources.services import jobs_setting

if TYPE_CHECKING:
    from staat.analysis.findings.types import StoredCandidate

log = logging.getLogger(__name__)

FINDING_FIELDS = ("kind", "char_start", "char_end", "text", "status", "page")


class FindingError(ValueError):
    pass


# --- the extractor --------------------------------------------------------------------------

_EXTRACTORS: dict[str, object] = {}
_EXTRACTOR_LOCK = threading.Lock()


def corrections_path() -> Path:
    return Path(settings.DATA_DIR) / "labels" / "corrections.jsonl"


def read_corrections(path: Path | None = None) -> list:
    from staat.analysis.findings import read_labels

    path = path or corrections_path()
    return list(read_labels(path)) if path.exists() else []


def theme_defs(codebook=None) -> list:
    """The codebook's active themes as the extractor needs them."""
    from staat.analysis.findings.types import ThemeDef

    return [
        ThemeDef(code=t.code, label=t.label_nl, description=t.description,
                 cues=tuple(t.cues or ()), parent=t.parent.code if t.parent_id else None)
        for t in cb.active_themes(codebook)
    ]


def organisation_defs() -> list:
    from staat.analysis.findings.types import OrganisationDef

    return [
        OrganisationDef(code=o.code, names=tuple(n for n in (o.name, o.short_name) if n))
        for o in Organisation.objects.order_by("code")
    ]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


def get_extractor():
    """The extractor trained on the shipped labels plus the curators' corrections, with the
    codebook's active themes.

    Cached per process (training takes a while); a new corrections file or codebook version
    gives a new extractor, and so a new extractor version. Organisations are not part of the
    training: :func:`run_extraction` passes the register at extraction time.
    """
    from staat.analysis import findings as pure

    key = _extractor_key()
    with _EXTRACTOR_LOCK:
        extractor = _EXTRACTORS.get(key)
        if extractor is None:
            extra = tuple(read_corrections())
            params = inspect.signature(pure.default_extractor).parameters
            kwargs = {"codebook": theme_defs()} if "codebook" in params else {}
            extractor = pure.default_extractor(extra_labels=extra, **kwargs)
            _EXTRACTORS.clear()  # keep one trained model in memory
            _EXTRACTORS[key] = extractor
    return extractor


def _extractor_key() -> str:
    version = cb.current_version()
    return (f"{_file_digest(corrections_path())}|"
            f"{hashlib.sha256(repr(version.snapshot).encode()).hexdigest()}")


def _extractor_cached() -> bool:
    """Whether :func:`get_extractor` would answer at once (no training)."""
    return _extractor_key() in _EXTRACTORS


def extractor_name() -> str:
    from staat.analysis import findings as pure

    return getattr(pure, "EXTRACTOR_NAME", "staat-findings")


# --- from the database to the extractor and back ---------------------------------------------


def content_key(source: Source) -> str:
    return f"{source.sha256}:{source.segmenter_version}"


def document_input(source: Source):
    from staat.analysis.findings.types import DocumentInput, PassageInput, SentenceInput

    passages = list(
        source.passages.order_by("index").values_list(
            "pk", "index", "heading_path", "page_start", "char_start", "char_end"
        )
    )
    index_of = {pk: index for pk, index, *_ in passages}
    sentences = source.sentences.order_by("index").values_list(
        "index", "passage_id", "page", "char_start", "char_end"
    )
    return DocumentInput(
        key=source.sha256,
        text=source.text,
        passages=tuple(
            PassageInput(index=i, heading_path=tuple(h or ()), page_start=p,
                         char_start=s, char_end=e)
            for _, i, h, p, s, e in passages
        ),
        sentences=tuple(
            SentenceInput(index=i, passage_index=index_of[pid], page=p, char_start=s, char_end=e)
            for i, pid, p, s, e in sentences
        ),
        kind=source.kind,
    )


def law_label(mention) -> str:
    label = mention.get("canonical") or mention.get("text", "")
    return f"{label}, artikel {mention['article']}" if mention.get("article") else label


def threshold() -> float:
    return float(settings.REVIEW_THRESHOLD)


def _overlap(a0: int, a1: int, b0: int, b1: int) -> int:
    return max(0, min(a1, b1) - max(a0, b0))


def _spans_of(finding: Finding) -> list[tuple[int, int]]:
    spans = [(finding.char_start, finding.char_end)]
    ms = finding.machine_suggestion or {}
    if "char_start" in ms and "char_end" in ms:
        spans.append((ms["char_start"], ms["char_end"]))
    return spans


def _match_decided(start: int, end: int, decided: list[Finding]) -> Finding | None:
    """The decided finding a proposal is about: overlapping at least half of the shorter span
    (its current span, or the span the machine first proposed)."""
    best, best_overlap = None, 0
    for finding in decided:
        for s, e in _spans_of(finding):
            overlap = _overlap(start, end, s, e)
            if overlap and overlap * 2 >= min(end - start, e - s) and overlap > best_overlap:
                best, best_overlap = finding, overlap
    return best


def _touched_ids(source: Source) -> set[int]:
    decided = source.findings.filter(Q(status__in=DECIDED) | Q(origin=Origin.PERSON))
    ids = set(decided.values_list("pk", flat=True))
    ids |= set(Memo.objects.filter(finding__source=source).values_list("finding_id", flat=True))
    ids |= set(
        FindingDecision.objects.filter(finding__source=source).values_list("finding_id", flat=True)
    )
    return ids


def store_candidates(source: Source, candidates: Sequence[StoredCandidate], *, version: str,
                     run: ExtractionRun | None = None,
                     codebook_version: CodebookVersion | None = None) -> dict[str, int]:
    """Store the extractor's proposals for one source; decisions of people are kept as they are.

    ``candidates``: in the form :func:`staat.analysis.findings.model.stored_candidate` makes
    (JSON already encoded, by the worker process that extracted them or by this one). Call
    inside a transaction. Returns counts: created, updated, removed, linked.
    """
    codebook_version = codebook_version or cb.current_version()
    themes = {t.code: t for t in cb.active_themes(codebook_version.codebook)}
    organisations = {o.code: o for o in Organisation.objects.all()}
    passages = dict(source.passages.values_list("index", "pk"))
    limit = threshold()
    text = source.text
    touched = _touched_ids(source)
    existing = list(source.findings.all())
    decided = [f for f in existing if f.pk in touched]
    untouched = {(f.char_start, f.char_end): f for f in existing if f.pk not in touched}
    counts = {"created": 0, "updated": 0, "removed": 0, "linked": 0}
    kinds = set(Kind.values)
    to_create: list[tuple[dict, StoredCandidate]] = []  # (field values, candidate)
    to_update: list[tuple[Finding, StoredCandidate]] = []
    linked: list[Finding] = []
    run_id = run.pk if run is not None else None
    for c in candidates:
        if not (0 <= c.char_start < c.char_end <= len(text)) or c.kind not in kinds:
            log.warning("skipped an invalid proposal for source %s: %r", source.pk, c)
            continue
        target = _match_decided(c.char_start, c.char_end, decided)
        if target is not None:
            target.latest_suggestion = json.loads(c.suggestion)
            target.seen_in_version = version
            linked.append(target)
            continue
        values = {
            "kind": c.kind,
            "char_start": c.char_start,
            "char_end": c.char_end,
            "page": c.page,
            "passage_id": passages.get(c.passage_index),
            "sentence_first": min(c.sentence_indices) if c.sentence_indices else None,
            "sentence_last": max(c.sentence_indices) if c.sentence_indices else None,
            "text": text[c.char_start:c.char_end],
            "confidence": c.confidence,
            "laws": c.laws,
            "mentions": c.mentions,
            "explanation": c.explanation,
            "needs_review": c.confidence < limit,
            "machine_suggestion": c.suggestion,
            "latest_suggestion": {},
            "codebook_version_id": codebook_version.pk,
            "extractor_version": version,
            "seen_in_version": version,
            "run_id": run_id,
        }
        finding = untouched.pop((c.char_start, c.char_end), None)
        if finding is None:
            to_create.append((values, c))
        else:
            # the ORM encodes JSON itself: give it the decoded values
            for name in ("laws", "mentions", "explanation", "machine_suggestion"):
                values[name] = json.loads(values[name])
            for name, value in values.items():
                setattr(finding, name, value)
            to_update.append((finding, c))
    # what no person touched and the extractor no longer proposes goes
    stale = [f.pk for f in untouched.values()]
    if stale:
        Finding.objects.filter(pk__in=stale).delete()
    counts["removed"] = len(stale)
    if linked:
        Finding.objects.bulk_update(linked, ["latest_suggestion", "seen_in_version"])
    counts["linked"] = len(linked)
    if to_update:
        Finding.objects.bulk_update(
            [f for f, _ in to_update],
            ["kind", "page", "passage", "sentence_first", "sentence_last", "text", "confidence",
             "laws", "mentions", "explanation", "needs_review", "machine_suggestion",
             "latest_suggestion", "codebook_version", "extractor_version", "seen_in_version",
             "run", "updated_at"],
        )
        FindingTheme.objects.filter(finding__in=[f for f, _ in to_update]).delete()
        Finding.organisations.through.objects.filter(
            finding_id__in=[f.pk for f, _ in to_update]
        ).delete()
    counts["updated"] = len(to_update)
    created_ids = _insert_findings(source, [v for v, _ in to_create]) if to_create else []
    counts["created"] = len(to_create)
    theme_rows, org_rows = [], []
    org_codes = set(organisations)
    pairs = [*zip(created_ids, (c for _, c in to_create)), *((f.pk, c) for f, c in to_update)]
    for finding_id, c in pairs:
        seen = set()
        for code, score, cues in c.themes:
            theme = themes.get(code)
            if theme is None or code in seen:
                continue
            seen.add(code)
            theme_rows.append((finding_id, theme.pk, score, cues))
        for code in sorted(set(c.organisations) & org_codes):
            org_rows.append((finding_id, organisations[code].pk))
    _insert_rows(FindingTheme, ("finding_id", "theme_id", "score", "evidence"), theme_rows)
    _insert_rows(Finding.organisations.through, ("finding_id", "organisation_id"), org_rows)
    return counts


class _EncodedJSON(json.JSONEncoder):
    """The encoder for a :class:`~staat.analysis.findings.types.JSONText`: it is JSON
    already, and goes in as it is."""

    def encode(self, o):
        return str(o)


def _insert_rows(model, columns: Sequence[str], rows: list[tuple]) -> None:
    """Insert rows with one prepared statement: what ``bulk_create`` stores, without the
    ORM's cost per row (large corpora have hundreds of thousands of findings). JSON and
    date-time values are adapted as the ORM adapts them; a :class:`JSONText` goes in as the
    JSON text it is."""
    from staat.analysis.findings.types import JSONText

    if not rows:
        return
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    fields = [by_attname[c] for c in columns]
    ops = connection.ops
    adapt = []
    for i, f in enumerate(fields):
        if isinstance(f, models.JSONField):
            adapt.append((i, lambda v, e=f.encoder, a=ops.adapt_json_value:
                          a(v, _EncodedJSON if type(v) is JSONText else e)))
        elif isinstance(f, models.DateTimeField):
            adapt.append((i, functools.cache(lambda v, f=f: f.get_db_prep_value(v, connection))))
    if adapt:
        rows = [list(r) for r in rows]
        for r in rows:
            for i, convert in adapt:
                r[i] = convert(r[i])
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        ops.quote_name(model._meta.db_table),
        ", ".join(ops.quote_name(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 2000):
            cursor.executemany(sql, rows[start:start + 2000])


def _insert_findings(source: Source, values: list[dict]) -> list[int]:
    """Insert new machine findings (field values by attribute name); their ids in order."""
    template = Finding(source=source, origin=Origin.MACHINE, status=Status.SUGGESTED)
    now = timezone.now()
    template.created_at = template.updated_at = now
    fields = [f for f in Finding._meta.concrete_fields if not f.primary_key]
    base = {f.attname: getattr(template, f.attname) for f in fields}
    columns = [f.attname for f in fields]
    _insert_rows(Finding, columns, [tuple({**base, **v}[c] for c in columns) for v in values])
    # ids grow in the order of insertion; ``now`` tells this batch from earlier ones
    ids = list(source.findings.filter(origin=Origin.MACHINE, created_at=now)
               .order_by("pk").values_list("pk", flat=True))
    if len(ids) != len(values):
        raise RuntimeError(f"stored {len(values)} findings of source {source.pk} "
                           f"but found {len(ids)}")
    return ids


def _requested(sources=None) -> list[Source]:
    qs = Source.objects.all() if sources is None else sources
    if not hasattr(qs, "filter"):  # a list of sources or ids
        ids = [getattr(s, "pk", s) for s in qs]
        qs = Source.objects.filter(pk__in=ids)
    return list(qs.exclude(text="").order_by("pk").only("pk", "sha256", "segmenter_version"))


def sources_to_extract(sources=None, *, version: str, force: bool = False) -> list[Source]:
    """The sources (default: all with text) not yet read with ``version`` (all with ``force``)."""
    chosen = _requested(sources)
    if force:
        return chosen
    done = set(
        SourceExtraction.objects.filter(extractor_version=version, source__in=[s.pk for s in chosen])
        .values_list("source_id", "content_key")
    )
    return [s for s in chosen if (s.pk, content_key(s)) not in done]


def run_extraction(sources=None, *, force: bool = False,
                   progress: Callable[[ExtractionRun, Source | None], None] | None = None,
                   user=None, run: ExtractionRun | None = None,
                   jobs: int | None = None) -> ExtractionRun:
    """Extract findings from ``sources`` (default: every source) that were not yet extracted
    with the current extractor version (all of them with ``force``).

    ``jobs`` (default ``STAAT_JOBS``, then only from ``MIN_ITEMS_FOR_WORKERS`` sources on):
    with more than one, and more than one source to do, worker processes run the (pure)
    extractor, trained once here and copied to each, on sources read from the database here,
    while this process stores each source's findings in its own transaction, in the order of
    the source ids; the result is the same as with ``jobs=1``, which does everything in this
    process (as the web app's background run and the extraction after an upload do: a web
    server should not start worker processes).
    """
    run = run or ExtractionRun.objects.create(force=force, started_by=_user(user))
    run.status = ExtractionRun.RunStatus.RUNNING
    run.started_at = timezone.now()
    run.save()
    pool, used = None, False
    try:
        requested = len(_requested(sources))
        if jobs_setting(jobs, requested) > 1 and not _extractor_cached():
            pool = _start_workers(jobs_setting(jobs, requested))  # start while it trains
        extractor = get_extractor()
        version = str(extractor.version)
        run.extractor_name = extractor_name()
        run.extractor_version = version
        todo = sources_to_extract(sources, version=version, force=force)
        run.sources_total = len(todo)
        run.sources_skipped = len(_requested(sources)) - len(todo)
        run.save()
        if progress:
            progress(run, None)
        from staat.analysis.findings.model import stored_candidate

        codebook_version = cb.current_version()
        orgs = organisation_defs()
        jobs = jobs_setting(jobs, len(todo))
        if jobs <= 1:
            for stub in todo:
                source = Source.objects.get(pk=stub.pk)
                doc = document_input(source)
                candidates = [stored_candidate(c, version)
                              for c in extractor.extract(doc, organisations=orgs)]
                _store_source(run, source, doc, candidates, version, codebook_version)
                if progress:
                    progress(run, source)
        else:
            pool, used = pool or _start_workers(jobs), True
            _extract_in_workers(run, todo, extractor, orgs, pool, jobs, version,
                                codebook_version, progress)
        refresh_review_flags()
        run.status = ExtractionRun.RunStatus.DONE
    except Exception as exc:
        run.status = ExtractionRun.RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    finally:
        if pool is not None:  # not waiting for workers started in vain
            pool.shutdown(wait=used, cancel_futures=True)
    run.finished_at = timezone.now()
    run.save()
    return run


def _store_source(run: ExtractionRun, source: Source, doc, candidates: list, version: str,
                  codebook_version: CodebookVersion) -> None:
    """Store one source's proposals and its idempotency key in one transaction."""
    with transaction.atomic():
        counts = store_candidates(source, candidates, version=version, run=run,
                                  codebook_version=codebook_version)
        SourceExtraction.objects.update_or_create(
            source=source, extractor_version=version,
            defaults={"content_key": content_key(source), "run": run,
                      "candidates": len(candidates)},
        )
        run.sources_done += 1
        run.sentences += len(doc.sentences)
        run.findings_created += counts["created"]
        run.findings_updated += counts["updated"]
        run.findings_removed += counts["removed"]
        run.findings_linked += counts["linked"]
        run.save()


def _start_workers(jobs: int) -> ProcessPoolExecutor:
    """A pool of ``jobs`` extraction workers, started now (they take a few seconds to load
    their libraries). They are forked from the parser sandbox's fork server (a fresh
    interpreter): they share no database connection or thread with this process and need
    no database."""
    from staat.analysis.findings import model

    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=worker_context(),
                               initializer=model.warm_up_worker)
    for _ in range(jobs):  # a pool starts a worker per task submitted while none is idle
        pool.submit(model.warm_up_worker)
    return pool


def _extract_in_workers(run, todo, extractor, orgs, pool, jobs, version, codebook_version,
                        progress) -> None:
    """The loop of :func:`run_extraction` with the extractor in ``jobs`` worker processes.

    Sources are read here and handed to the workers a few ahead of the one being stored;
    results are stored in the order of ``todo``.
    """
    from staat.analysis.findings import model

    window = 2 * jobs
    ahead: dict[int, tuple[Source, object, Future]] = {}
    # the trained model goes to the workers through a file, read once by each
    handover = tempfile.NamedTemporaryFile(prefix="staat-extractor-", suffix=".pickle")
    pickle.dump((extractor, orgs), handover, protocol=pickle.HIGHEST_PROTOCOL)
    handover.flush()
    try:
        submitted = 0
        for i in range(len(todo)):
            while submitted < len(todo) and submitted < i + window:
                source = Source.objects.get(pk=todo[submitted].pk)
                doc = document_input(source)
                ahead[submitted] = (source, doc,
                                    pool.submit(model.extract_in_worker, handover.name, doc))
                submitted += 1
            source, doc, future = ahead.pop(i)
            _store_source(run, source, doc, future.result(), version, codebook_version)
            if progress:
                progress(run, source)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        handover.close()


def refresh_review_flags() -> int:
    """Apply the current threshold to machine suggestions nobody decided on yet."""
    undecided = Finding.objects.filter(origin=Origin.MACHINE, status=Status.SUGGESTED)
    limit = threshold()
    changed = undecided.filter(confidence__lt=limit, needs_review=False).update(needs_review=True)
    changed += undecided.filter(confidence__gte=limit, needs_review=True).update(needs_review=False)
    return changed


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def start_background_run(*, user=None, force: bool = False, sources=None) -> ExtractionRun:
    """Start an extraction run in a thread and return it at once (the web page polls it)."""
    run = ExtractionRun.objects.create(force=force, started_by=_user(user))
    ids = None if sources is None else [getattr(s, "pk", s) for s in sources]

    def work():
        close_old_connections()
        try:
            # jobs=1: no worker processes from inside the web server
            run_extraction(ids, force=force, run=ExtractionRun.objects.get(pk=run.pk), jobs=1)
        except Exception:  # noqa: BLE001 - recorded on the run; nothing else to tell
            log.exception("extraction run %s failed", run.pk)
        finally:
            connection.close()

    transaction.on_commit(lambda: threading.Thread(
        target=work, daemon=True, name=background_thread_name(run)).start())
    return run


def background_thread_name(run: ExtractionRun) -> str:
    """The name of the thread that does ``run`` in the background (to find it, e.g. to wait)."""
    return f"staat-extraction-run-{run.pk}"


def after_ingest(source: Source) -> None:
    """Called by ``staat.sources.services.ingest_file`` after a new source is stored.

    Extraction runs once the source's transaction is committed, in this process; a failure
    here is logged and never undoes the upload (``staat extract`` can run it again).
    """
    after_ingest_many([source], jobs=1)


def after_ingest_many(sources, *, jobs: int | None = None) -> None:
    """Called by ``staat.sources.services.ingest_files`` with the sources it stored: one
    extraction run over all of them, in ``jobs`` worker processes (default ``STAAT_JOBS``),
    once the transaction is committed, unless ``STAAT_EXTRACT_AFTER_INGEST`` is off."""
    if getattr(settings, "EXTRACT_AFTER_INGEST", "sync") == "off" or not sources:
        return
    pks = [s.pk for s in sources]

    def extract():
        try:
            run_extraction(pks, jobs=jobs)
        except Exception:  # noqa: BLE001 - the uploads stand; the run records the error
            log.exception("automatic extraction of sources %s failed", pks)

    transaction.on_commit(extract)


# --- human decisions ---------------------------------------------------------------------------


def state_of(finding: Finding) -> dict:
    return {
        "kind": finding.kind,
        "char_start": finding.char_start,
        "char_end": finding.char_end,
        "text": finding.text,
        "page": finding.page,
        "status": finding.status,
        "themes": sorted(finding.finding_themes.values_list("theme__code", flat=True))
        if finding.pk else [],
    }


def trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def locate(source: Source, start: int, end: int) -> dict:
    """Page, passage and sentence range of a span of ``source.text``."""
    page = (Page.objects.filter(source=source, char_start__lte=start, char_end__gt=start)
            .values_list("number", flat=True).first())
    passage = (Passage.objects.filter(source=source, char_start__lte=start, char_end__gt=start)
               .first())
    sentences = list(
        Sentence.objects.filter(source=source, char_start__lt=end, char_end__gt=start)
        .order_by("index").values_list("index", "page")
    )
    if page is None and sentences:
        page = sentences[0][1]
    if page is None and passage is not None:
        page = passage.page_start
    return {
        "page": page,
        "passage": passage,
        "sentence_first": sentences[0][0] if sentences else None,
        "sentence_last": sentences[-1][0] if sentences else None,
    }


def _check_span(source: Source, start: int, end: int) -> tuple[int, int]:
    if start is None or end is None:
        raise FindingError("a finding needs a start and an end")
    start, end = int(start), int(end)
    if not (0 <= start < end <= len(source.text)):
        raise FindingError(f"the span {start}-{end} lies outside the text of the source")
    start, end = trim_span(source.text, start, end)
    if start >= end:
        raise FindingError("the selected text is empty")
    return start, end


def _check_themes(themes) -> list[Theme]:
    themes = list(themes or [])
    version = cb.current_version()
    for t in themes:
        if t.codebook_id != version.codebook_id:
            raise FindingError(f"theme {t.code} is not in the current codebook")
        if t.retired:
            raise FindingError(f"theme {t.code} is retired")
    return themes


def _set_themes(finding: Finding, themes: list[Theme]) -> None:
    keep = {t.pk for t in themes}
    finding.finding_themes.exclude(theme_id__in=keep).delete()
    have = set(finding.finding_themes.values_list("theme_id", flat=True))
    FindingTheme.objects.bulk_create(
        FindingTheme(finding=finding, theme=t, score=None, evidence=[])
        for t in themes if t.pk not in have
    )


def _decide(finding: Finding, user, action: str, *, status: str, reason: str = "",
            before: dict | None = None) -> FindingDecision:
    version = cb.current_version()
    finding.status = status
    finding.needs_review = False
    finding.decided_by = _user(user)
    finding.decided_at = timezone.now()
    finding.codebook_version = version
    finding.save()
    after = state_of(finding)
    decision = FindingDecision.objects.create(
        finding=finding, action=action, by=_user(user),
        by_name=user.get_username() if _user(user) else str(user or "system"),
        reason=reason, before=before or {}, after=after, codebook_version=version,
    )
    audit.record(user or "system", "create" if action == "create" else "update", finding,
                 changes=audit.diff(before or {}, after), reason=reason)
    return decision


def confirm(finding: Finding, *, user, reason: str = "") -> FindingDecision:
    with transaction.atomic():
        before = state_of(finding)
        return _decide(finding, user, FindingDecision.Action.CONFIRM,
                       status=Status.CONFIRMED, reason=reason, before=before)


def reject(finding: Finding, *, user, reason: str) -> FindingDecision:
    if not (reason or "").strip():
        raise FindingError("give a reason for rejecting a finding")
    with transaction.atomic():
        before = state_of(finding)
        return _decide(finding, user, FindingDecision.Action.REJECT,
                       status=Status.REJECTED, reason=reason.strip(), before=before)


def edit(finding: Finding, *, user, reason: str = "", kind: str | None = None,
         char_start: int | None = None, char_end: int | None = None,
         themes=None) -> FindingDecision:
    """Change span, kind and/or themes. ``themes=None`` keeps them; a list replaces them."""
    source = finding.source
    if kind is not None and kind not in Kind.values:
        raise FindingError(f"unknown kind '{kind}'")
    start = finding.char_start if char_start is None else char_start
    end = finding.char_end if char_end is None else char_end
    start, end = _check_span(source, start, end)
    new_themes = None if themes is None else _check_themes(themes)
    with transaction.atomic():
        before = state_of(finding)
        if kind is not None:
            finding.kind = kind
        if (start, end) != (finding.char_start, finding.char_end):
            finding.char_start, finding.char_end = start, end
            finding.text = source.text[start:end]
            where = locate(source, start, end)
            finding.page = where["page"]
            finding.passage = where["passage"]
            finding.sentence_first = where["sentence_first"]
            finding.sentence_last = where["sentence_last"]
        if new_themes is not None:
            _set_themes(finding, new_themes)
        return _decide(finding, user, FindingDecision.Action.EDIT, status=Status.EDITED,
                       reason=reason, before=before)


def create_finding(source: Source, *, user, char_start: int, char_end: int, kind: str,
                   themes=(), reason: str = "", coder=None) -> Finding:
    """A finding a person draws from a source (by selecting text in the passage view)."""
    if kind not in Kind.values:
        raise FindingError(f"unknown kind '{kind}'")
    start, end = _check_span(source, char_start, char_end)
    themes = _check_themes(themes)
    with transaction.atomic():
        where = locate(source, start, end)
        finding = Finding.objects.create(
            source=source, kind=kind, char_start=start, char_end=end,
            text=source.text[start:end], page=where["page"], passage=where["passage"],
            sentence_first=where["sentence_first"], sentence_last=where["sentence_last"],
            origin=Origin.PERSON, status=Status.CONFIRMED, coder=_user(coder or user),
            codebook_version=cb.current_version(),
        )
        _set_themes(finding, themes)
        _decide(finding, user, FindingDecision.Action.CREATE, status=Status.CONFIRMED,
                reason=reason, before={})
    return finding


def add_memo(*, user, text: str, source: Source | None = None, finding: Finding | None = None,
             theme: Theme | None = None) -> Memo:
    if sum(x is not None for x in (source, finding, theme)) != 1:
        raise FindingError("a memo belongs to exactly one source, finding or theme")
    if not text.strip():
        raise FindingError("a memo needs text")
    with transaction.atomic():
        memo = Memo.objects.create(author=_user(user), text=text.strip(), source=source,
                                   finding=finding, theme=theme)
        audit.record(user, "create", memo, changes={"text": [None, memo.text],
                                                     "on": [None, str(source or finding or theme)]})
    return memo


# --- corrections: decisions become training data ---------------------------------------------


def corrections() -> list:
    """Labelled sentences from every decided finding, in a stable order.

    Confirmed, edited and person-made findings label each sentence they cover with their kind
    and themes; a rejected finding labels its sentences "not a finding"; sentences the
    machine proposed but a person cut out of an edited span are "not a finding" too.
    """
    from staat.analysis.findings import LabelledSentence
    from staat.analysis.findings.types import NONE

    decided = (
        Finding.objects.filter(Q(status__in=DECIDED) | Q(origin=Origin.PERSON))
        .select_related("source").prefetch_related("finding_themes__theme")
        .order_by("source_id", "char_start", "pk")
    )
    labels: dict[tuple[int, int], object] = {}
    sentence_cache: dict[int, list[tuple[int, int, int]]] = {}

    def sentences_of(source: Source, start: int, end: int):
        if source.pk not in sentence_cache:
            sentence_cache[source.pk] = list(
                source.sentences.order_by("index").values_list("index", "char_start", "char_end")
            )
        out = []
        for index, s, e in sentence_cache[source.pk]:
            if _overlap(s, e, start, end) * 2 >= min(e - s, end - start):
                out.append((index, s, e))
        return out or [(-1, start, end)]

    for f in decided:
        source = f.source
        text = source.text
        doc = source.sha256[:12]
        accepted = f.status != Status.REJECTED
        kind = f.kind if accepted else NONE
        themes = tuple(sorted(ft.theme.code for ft in f.finding_themes.all())) if accepted else ()
        spans = sentences_of(source, f.char_start, f.char_end)
        if f.status == Status.EDITED and f.machine_suggestion.get("char_end"):
            ms = f.machine_suggestion
            inside = {i for i, _, _ in spans}
            for index, s, e in sentences_of(source, ms["char_start"], ms["char_end"]):
                if index not in inside and index >= 0:
                    labels.setdefault((source.pk, s), LabelledSentence(
                        text=" ".join(text[s:e].split()), kind=NONE, themes=(), doc=doc,
                        context=" ".join(text[max(0, s - 200):s].split()[-30:])))
        for index, s, e in spans:
            labels[(source.pk, s)] = LabelledSentence(
                text=" ".join(text[s:e].split()), kind=kind, themes=themes, doc=doc,
                context=" ".join(text[max(0, s - 200):s].split()[-30:]),
            )
    return [labels[k] for k in sorted(labels)]


def write_corrections(path: Path | None = None) -> tuple[Path, int]:
    from staat.analysis.findings import write_labels

    path = Path(path) if path else corrections_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = corrections()
    write_labels(path, labels)
    return path, len(labels)

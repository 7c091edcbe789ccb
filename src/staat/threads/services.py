# SPDX-License-Identifier: EUPL-1.2
"""Threads and calls: the functions commands, views and other apps (the edition) use.

Which findings feed threads
    Every finding that is not rejected and whose source has a year: confirmed, edited and
    person-created findings and the machine's suggestions alike. Each finding's status is
    carried into the summaries (``FindingSummary.status``) so a page can show it.

Computing (:func:`compute_threads`)
    Gathers every finding as the core reads it (the attributes of its ``FindingInput``, in a
    named tuple), builds the previous ``ThreadState`` of every stored
    thread from the database *and the researchers' decisions*, calls the pure core
    (``staat.analysis.threads.compute_threads``), applies the decisions again to its result
    (:mod:`staat.threads.replay`), and stores everything in one transaction, writing only rows
    that changed. The run is keyed by what its result depends on (what the core reads of each
    finding, where each finding is, the decisions, the core version): a second run with the
    same input does nothing (status ``unchanged``). The core's state is kept for the next
    run (:class:`ThreadCoreState`): whole after a full run, as changes to that after an
    incremental one.

Deciding (:func:`merge_threads`, :func:`split_thread`, :func:`rename_thread`,
:func:`pin_thread`, :func:`pin_finding`, :func:`add_finding`, :func:`remove_finding`)
    Each stores a :class:`ThreadDecision` (who, when, why, what) and an audit event, and applies
    at once to the stored threads; every later run replays it. Decisions name findings by id
    *and* by anchor (source, character span), so a finding that extraction re-created under a
    new id is found again.

Reading for the edition (:func:`edition_threads`, :func:`thread_history`,
:func:`calls_for_edition`)
    Plain, frozen dataclasses; no model instances leave this module. Keep these signatures
    stable: the edition builder depends on them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import hashlib
import itertools
import json
import logging
import operator
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from django.core.exceptions import EmptyResultSet
from django.db import close_old_connections, connection, transaction
from django.db.models import Q
from django.utils import timezone

from staat.core import audit
from staat.core.models import Organisation
from staat.findings.models import Finding, FindingTheme, Status
from staat.sources.models import Passage, Source, SourceStatus
from staat.threads import replay as rp
from staat.threads.models import (
    MembershipOrigin,
    Thread,
    ThreadCoreState,
    ThreadDecision,
    ThreadMembership,
    ThreadRun,
    ThreadYear,
    Trend,
)

log = logging.getLogger(__name__)

REPRESENTATIVES_PER_YEAR = 3
Progress = Callable[[ThreadRun, str, int], None]


class ThreadError(ValueError):
    """A decision or call change that cannot be made (shown to the user as is)."""


# --- the pure core --------------------------------------------------------------------------


def _core():
    from staat.analysis import threads as core

    return core


@functools.cache
def _finding_input_class():
    return _core().FindingInput


def core_version() -> str:
    core = _core()
    return str(getattr(core, "VERSION", getattr(core, "__version__", "1")))


def trend_rules() -> list[tuple[str, str, str]]:
    """``(status, Dutch label, Dutch rule)`` in the order the rules are checked."""
    from staat.analysis import trends

    return trends.trend_rules()


# --- inputs -----------------------------------------------------------------------------------


def thread_findings():
    """The findings that feed threads: not rejected, with a source year."""
    return Finding.objects.exclude(status=Status.REJECTED).filter(source__year__isnull=False)


def _law_name(mention: Any) -> str:
    if isinstance(mention, dict):
        return str(mention.get("canonical") or mention.get("text") or "").strip()
    return str(mention or "").strip()


class _Row(NamedTuple):
    """What this app needs of one finding, gathered in a few queries."""

    id: int
    year: int
    kind: str
    text: str
    status: str
    origin: str
    source_id: int
    page: int | None
    passage_id: int | None
    char_start: int
    char_end: int
    organisation_codes: tuple[str, ...]
    organisation_types: tuple[str, ...]
    themes: tuple[str, ...]
    laws: tuple[str, ...]


class _Input(NamedTuple):
    """A finding as the core reads it: the attributes of its ``FindingInput``, in a tuple
    (cheaper to build a hundred thousand times; the core only reads attributes)."""

    id: str
    year: int
    kind: str
    text: str
    source_id: str
    organisation_codes: tuple[str, ...]
    organisation_types: tuple[str, ...]
    themes: tuple[str, ...]
    laws: tuple[str, ...]


def _rows(qs=None, *, inputs: list | None = None) -> dict[int, _Row]:
    """The rows of these findings (default: all that feed threads), by id, in id order.
    ``inputs`` (a list) receives every row as the core reads it (an :class:`_Input`), in
    the same order."""
    everything = qs is None
    qs = thread_findings() if qs is None else qs
    # the query Django builds, run on the cursor: no per-value converters (they cost more
    # than the query); ``laws`` (JSON) is decoded here, once per distinct value
    base = _fetch_rows(qs.order_by("pk").values_list(
        "pk", "source__year", "kind", "text", "status", "origin", "source_id", "page",
        "passage_id", "char_start", "char_end", "laws", "source__kind",
    ))
    if not base:
        return {}
    source_ids = sorted({b[6] for b in base})
    org_type = dict(Organisation.objects.values_list("code", "type"))
    source_orgs: dict[int, list[str]] = defaultdict(list)
    for sid, code in (Source.organisations.through.objects.filter(source_id__in=source_ids)
                      .values_list("source_id", "organisation__code")
                      .order_by("source_id", "organisation__code")):
        source_orgs[sid].append(code)
    theme_rows: list[tuple] = []
    if everything:  # all themes (those of the few other findings cost less than a filter)
        chunks: Iterable = [FindingTheme.objects.all()]
    elif len(base) > 5000:  # the findings as a subquery (thousands of bound ids cost more)
        chunks = [FindingTheme.objects.filter(finding_id__in=qs.order_by().values("pk"))]
    else:
        chunks = (FindingTheme.objects.filter(finding_id__in=chunk)
                  for chunk in _chunks([b[0] for b in base], 5000))
    for themes_qs in chunks:
        theme_rows += _fetch_rows(themes_qs.values_list("finding_id", "theme__code")
                                  .order_by("finding_id", "theme__code"))
    themes: dict[int, tuple[str, ...]] = {}
    for fid, group in itertools.groupby(theme_rows, key=operator.itemgetter(0)):
        themes[fid] = tuple(code for _, code in group)
    out: dict[int, _Row] = {}
    law_names: dict[Any, tuple[str, ...]] = {}
    # per source: its reporting organisations, their types, its id as text
    orgs_of: dict[int, tuple[tuple[str, ...], tuple[str, ...], str]] = {}
    no_themes: tuple[str, ...] = ()
    make, make_input = _Row._make, _Input._make
    add_input = inputs.append if inputs is not None else None
    get_themes = themes.get
    for (pk, year, kind, text, status, origin, sid, page, passage_id, cs, ce, laws,
         source_kind) in base:
        try:
            names = law_names[laws]
        except (KeyError, TypeError):  # (TypeError: decoded JSON, on PostgreSQL)
            value = json.loads(laws) if isinstance(laws, str) else laws
            names = tuple(sorted({n for n in (_law_name(m) for m in (value or [])) if n}))
            if isinstance(laws, (str, type(None))):
                law_names[laws] = names
        org = orgs_of.get(sid)
        if org is None:
            codes = reporting_organisations(source_kind, source_orgs.get(sid) or ())
            org = orgs_of[sid] = (codes, tuple(org_type.get(c, "") for c in codes), str(sid))
        year = int(year)
        theme_codes = get_themes(pk, no_themes)
        out[pk] = make((pk, year, kind, text, status, origin, sid, page, passage_id, cs, ce,
                        org[0], org[1], theme_codes, names))
        if add_input is not None:
            add_input(make_input((str(pk), year, kind, text, org[2], org[0], org[1],
                                  theme_codes, names)))
    return out


def _fetch_rows(qs) -> list[tuple]:
    """The rows of a ``values_list`` queryset, run on the cursor: without Django's
    per-value converters, which cost more than the query on large results (JSON comes
    back as text on SQLite, booleans as 0/1)."""
    from django.db import connections

    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


#: Kinds of source in which the listed organisations speak for themselves.
OWN_VOICE_KINDS = frozenset({"stand", "knelpuntenbrief"})


def reporting_organisations(source_kind: str, source_organisations) -> tuple[str, ...]:
    """The organisations a finding counts for in a thread's figures and trend.

    A Stand or a bottleneck letter speaks for the organisations that wrote it. A study, an
    advisory report or the notes of a session that lists several organisations does not
    speak for each of them: it counts as one reporter (the source itself), so that one
    session with ten participating organisations does not make a thread "named by ten
    organisations". A source of any kind with exactly one organisation counts for it.
    """
    codes = tuple(source_organisations)
    if source_kind in OWN_VOICE_KINDS or len(codes) == 1:
        return codes
    return ()


def _chunks(seq: Sequence, size: int):
    for i in range(0, len(seq), size):
        yield seq[i:i + size]


def finding_input(row: _Row):
    return _finding_input_class()(
        str(row.id), row.year, row.kind, row.text, str(row.source_id),
        row.organisation_codes, row.organisation_types, row.themes, row.laws)


# --- decisions -----------------------------------------------------------------------------


def _anchor(f: Finding | _Row) -> dict:
    return {"id": f.pk if isinstance(f, Finding) else f.id, "source_id": f.source_id,
            "char_start": f.char_start, "char_end": f.char_end}


def _resolve(anchors: Iterable[dict], rows: dict[int, _Row],
             by_source: dict[int, list[_Row]]) -> list[int]:
    """Current finding ids for stored anchors: the same id, else the finding of the same source
    overlapping at least half of the shorter span (extraction may re-create findings)."""
    out: list[int] = []
    for a in anchors:
        if a.get("id") in rows:
            out.append(a["id"])
            continue
        best, best_overlap = None, 0
        for r in by_source.get(a.get("source_id"), ()):
            overlap = min(a["char_end"], r.char_end) - max(a["char_start"], r.char_start)
            shorter = min(a["char_end"] - a["char_start"], r.char_end - r.char_start)
            if overlap > 0 and 2 * overlap >= shorter and overlap > best_overlap:
                best, best_overlap = r.id, overlap
        if best is not None:
            out.append(best)
    return out


def _decision_dicts(rows: dict[int, _Row]) -> list[dict]:
    by_source: dict[int, list[_Row]] = defaultdict(list)
    for r in rows.values():
        by_source[r.source_id].append(r)
    out = []
    for d in ThreadDecision.objects.filter(active=True).order_by("at", "id"):
        payload = dict(d.payload or {})
        if "findings" in payload:
            payload["finding_ids"] = _resolve(payload["findings"], rows, by_source)
        out.append({"id": d.pk, "action": d.action, "thread_key": d.thread_key,
                    "payload": payload})
    return out


def _replayed(rows: dict[int, _Row]) -> tuple[rp.Replayed, list[dict]]:
    decisions = _decision_dicts(rows)
    return rp.replay(decisions), decisions


# --- computing ------------------------------------------------------------------------------


#: Bump when what :func:`_input_key` digests changes.
_INPUT_FORMAT = "2"


def _input_key(fingerprints, rows: dict[int, _Row], decisions: list[dict]) -> str:
    """Digest of everything a run's result depends on: the core version, the findings (the
    core's fingerprints of what it reads of them, in id order), where each finding is (a
    decision names findings by place too) and the decisions. (A finding's status, origin
    and page do not change a run's result.)"""
    import numpy as np

    h = hashlib.sha256(f"{_INPUT_FORMAT}|{core_version()}|".encode())
    h.update(np.asarray(fingerprints, dtype="<u8").tobytes())
    h.update(np.fromiter(itertools.chain.from_iterable((r.char_start, r.char_end)
                                                       for r in rows.values()),
                         dtype="<i8", count=2 * len(rows)).tobytes())
    h.update(_decisions_key(decisions).encode())
    return h.hexdigest()


def _decisions_key(decisions: list[dict]) -> str:
    return hashlib.sha256(json.dumps(decisions, sort_keys=True, default=str).encode()
                          ).hexdigest()


@dataclasses.dataclass(frozen=True)
class _StoredThread:
    pk: int
    key: str
    label: str
    machine_label: str
    merged_into_key: str | None
    centroid_terms: dict | None


def _previous_states(rows: dict[int, _Row], replayed: rp.Replayed, *,
                     stored: dict[int, set[int]] | None = None) -> list:
    """The core's ``ThreadState`` of every stored thread and decision; ``stored`` (if given)
    receives the stored members of every thread (by thread id), current findings or not."""
    core = _core()
    states: dict[str, Any] = {}
    members: dict[int, dict[int, list[int]]] = {}
    get = rows.get
    for tid, group in itertools.groupby(
            _fetch_rows(ThreadMembership.objects.filter(excluded=False)
                        .values_list("thread_id", "finding_id")
                        .order_by("thread_id", "finding_id")),
            key=operator.itemgetter(0)):
        fids = [fid for _, fid in group]
        if stored is not None:
            stored[tid] = set(fids)
        by_year: dict[int, list[int]] = defaultdict(list)
        for fid in fids:
            r = get(fid)
            if r is not None:
                by_year[r.year].append(fid)
        members[tid] = by_year
    # plain values, not model instances (thousands of threads)
    threads = {t.key: t for t in (
        _StoredThread(*v) for v in Thread.objects.order_by("key").values_list(
            "pk", "key", "label", "machine_label", "merged_into__key", "centroid_terms"))}
    keys = sorted(set(threads) | set(replayed.overrides))
    for key in keys:
        t = threads.get(key)
        ov = replayed.overrides.get(key) or rp.Override(key=key)
        by_year = ({y: tuple(map(str, ids)) for y, ids in sorted(members.get(t.pk, {}).items())}
                   if t else {})
        merged = ov.merged_into or (t.merged_into_key if t else None)
        label = ov.label or (t.label if t else key)
        states[key] = core.ThreadState(
            key=key,
            # The lock is applied here, not in the core, so the machine's own proposal stays
            # fresh and both are kept (``Thread.machine_label`` beside ``Thread.label``).
            label=t.machine_label if t and t.machine_label else label,
            label_locked=False,
            finding_ids_by_year=by_year,
            pinned_finding_ids=frozenset(str(i) for i in ov.held if i in rows),
            excluded_finding_ids=frozenset(str(i) for i in ov.excluded if i in rows),
            merged_into=merged,
            centroid_terms=dict(t.centroid_terms or {}) if t else {},
        )
    return list(states.values())


@dataclasses.dataclass
class _Draft:
    """A thread as it will be stored: the core's proposal plus people's decisions."""

    key: str
    machine_label: str
    description: str
    kind: str
    key_phrases: list
    centroid_terms: dict
    representatives: dict[int, list[int]]
    person_created: bool = False
    related_keys: list = dataclasses.field(default_factory=list)
    # the core's figures and trends, valid while the members are ``figure_members``
    figures: dict | None = None
    trends: dict | None = None
    figure_members: frozenset[int] | None = None


def _draft_from_core(t) -> _Draft:
    reps = {int(y): [int(i) for i in ids] for y, ids in t.representative_ids_by_year.items()}
    return _Draft(
        key=t.key, machine_label=t.label, description=t.description, kind=t.kind,
        key_phrases=_plain(t.key_phrases), centroid_terms=_plain(dict(t.centroid_terms)),
        representatives=reps, related_keys=list(t.related_keys),
        figures=dict(t.figures_by_year), trends=dict(t.trend_by_year),
        figure_members=frozenset(int(f) for ids in t.finding_ids_by_year.values() for f in ids),
    )


def _draft_from_db(t: Thread, years: dict[int, ThreadYear] | None = None) -> _Draft:
    reps = {ty.year: list(ty.representative_ids)
            for ty in (years.values() if years is not None else t.years.all())}
    return _Draft(key=t.key, machine_label=t.machine_label or t.label,
                  description=t.description, kind=t.kind, key_phrases=list(t.key_phrases),
                  centroid_terms=dict(t.centroid_terms or {}), representatives=reps,
                  person_created=t.person_created, related_keys=list(t.related_keys))


def _plain(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 4)
    return value


def _monitored_years(rows: dict[int, _Row]) -> list[int]:
    return sorted({r.year for r in rows.values()})


def _years_of(by_year: dict[int, list[int]], rows: dict[int, _Row], monitored: list[int],
              draft: _Draft, pinned: set[int], kind: str, *,
              theme_labels: dict[str, str] | None = None) -> tuple[list[dict], str]:
    """ThreadYear values for one thread (every monitored year from its first mention on) and
    its description, from its final members. Figures, trend and description come from the
    pure core's own functions, so they match what the core reports for the same members
    (and the core's own figures are taken when the members are the core's)."""
    from staat.analysis import trends

    if not by_year:
        return [], draft.description
    core = _core()
    first = min(by_year)
    years = [y for y in monitored if y >= first]
    reuse = (draft.figures is not None and draft.trends is not None
             and draft.figure_members is not None
             and set(draft.figures) == set(years)
             and sum(len(v) for v in by_year.values()) == len(draft.figure_members)
             and all(i in draft.figure_members for ids in by_year.values() for i in ids))
    if reuse:
        figures = draft.figures
    else:
        figures = {y: core._figures([finding_input(rows[i]) for i in by_year.get(y, ())])
                   for y in years}
    out = []
    for y in years:
        status = draft.trends[y] if reuse else trends.trend_status(figures, y)
        ids = by_year.get(y, [])
        member = set(ids)
        reps = sorted(pinned & member)
        reps += [i for i in draft.representatives.get(y, []) if i in member and i not in reps]
        for i in ids:  # fill up in a stable order when the core gave too few
            if len(reps) >= REPRESENTATIVES_PER_YEAR:
                break
            if i not in reps:
                reps.append(i)
        out.append({
            "year": y, "trend": status.status, "trend_reasons": [status.reason],
            "trend_detail": status.to_dict(), "figures": figures[y].to_dict(),
            "representative_ids": reps[:max(REPRESENTATIVES_PER_YEAR, len(pinned & member))],
            "finding_count": len(ids),
        })
    description = core.describe(
        kind, figures, theme_labels=_theme_labels() if theme_labels is None else theme_labels,
        latest_year=monitored[-1] if monitored else None)
    return out, description


def _theme_labels() -> dict[str, str]:
    from staat.findings.models import Theme

    return {code: label for code, label in Theme.objects.values_list("code", "label_nl")}


def _kind_of(draft: _Draft, ids: Iterable[int], rows: dict[int, _Row]) -> str:
    if draft.kind:
        return draft.kind
    counts: dict[str, int] = defaultdict(int)
    for i in ids:
        counts[rows[i].kind] += 1
    return max(sorted(counts), key=lambda k: counts[k]) if counts else "knelpunt"


def _store(drafts: dict[str, _Draft], homes: dict[int, tuple[str, str]], rows: dict[int, _Row],
           replayed: rp.Replayed, run: ThreadRun | None, *, only: set[str] | None = None
           ) -> dict[str, int]:
    """Write the threads, their years and memberships; only rows that changed, in bulk.

    ``only``: limit the writing to these thread keys (a single decision, an incremental
    run); ``None``: all, and stored threads that are not in ``drafts`` are marked as no
    longer found.
    """
    counts = {"created": 0, "changed": 0, "dropped": 0}
    monitored = _monitored_years(rows)
    placed = homes if only is None else {f: h for f, h in homes.items() if h[0] in only}
    by_key = rp.members_by_year(placed, {i: rows[i].year for i in placed})
    qs = Thread.objects.all() if only is None else Thread.objects.filter(key__in=only)
    existing = {t.key: t for t in qs}
    have_years: dict[int, dict[int, ThreadYear]] = defaultdict(dict)
    for ty in ThreadYear.objects.filter(thread__in=qs):
        have_years[ty.thread_id][ty.year] = ty
    labels = _theme_labels()
    ovs = replayed.overrides
    keys = set(drafts) | {k for k in by_key}
    if only is not None:
        keys &= only
    saved: dict[str, Thread] = {}
    years_of: dict[str, list[dict]] = {}
    to_create: list[Thread] = []
    to_update: list[Thread] = []
    now = timezone.now()
    fields = ["label", "machine_label", "label_locked", "description", "kind", "pinned",
              "removed", "person_created", "key_phrases", "centroid_terms", "related_keys",
              "first_year", "last_year", "finding_count"]
    for key in sorted(keys):
        ov = ovs.get(key) or rp.Override(key=key)
        draft = drafts.get(key)
        if draft is None:
            t = existing.get(key)
            draft = _draft_from_db(t, have_years.get(t.pk)) if t else _Draft(
                key=key, machine_label=ov.label or key, description="", kind="", key_phrases=[],
                centroid_terms={}, representatives={}, person_created=True)
        if ov.split_from:
            draft.person_created = True
        by_year = by_key.get(key, {})
        ids = [i for y in sorted(by_year) for i in by_year[y]]
        if not ids:
            continue  # nothing in it (merged, or no findings left): handled below
        kind = _kind_of(draft, ids, rows)
        years, description = _years_of(by_year, rows, monitored, draft, ov.pinned, kind,
                                       theme_labels=labels)
        t = existing.get(key)
        values = {
            "label": ov.label if ov.label_locked and ov.label else draft.machine_label,
            "machine_label": draft.machine_label,
            "label_locked": bool(ov.label_locked and ov.label),
            "description": description,
            "kind": kind,
            "pinned": bool(ov.thread_pinned),
            "removed": False,
            "person_created": draft.person_created,
            "key_phrases": draft.key_phrases,
            "centroid_terms": draft.centroid_terms,
            "related_keys": draft.related_keys,
            "first_year": min(by_year) if by_year else None,
            "last_year": max(by_year) if by_year else None,
            "finding_count": len(ids),
        }
        if t is None:
            t = Thread(key=key, run=run, **values)
            to_create.append(t)
            counts["created"] += 1
        elif any(getattr(t, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(t, k, v)
            if run is not None:
                t.run = run
            t.updated_at = now
            to_update.append(t)
            counts["changed"] += 1
        saved[key] = t
        years_of[key] = years
    if to_create:
        if connection.features.can_return_rows_from_bulk_insert:
            Thread.objects.bulk_create(to_create, batch_size=500)
        else:  # pragma: no cover - every supported database returns the keys
            for t in to_create:
                t.save()
    # (bulk_update's CASE expressions cost more than one UPDATE per row; this runs one
    # prepared UPDATE for all rows)
    _update_rows(Thread, to_update, [*fields, "run", "updated_at"])
    _store_all_years(saved, years_of, have_years)
    # merged and dropped threads
    for key, t in existing.items():
        if key in saved or (only is not None and key not in only):
            continue
        ov = ovs.get(key)
        into_key = rp.canonical(key, ovs) if ov and ov.merged_into else None
        into = (saved.get(into_key) or existing.get(into_key)
                or (Thread.objects.filter(key=into_key).first() if into_key else None))
        values = {"merged_into_id": into.pk if into and into.key != key else None,
                  "removed": into is None, "finding_count": 0}
        if any(getattr(t, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(t, k, v)
            t.save()
            counts["dropped"] += 1
        t.memberships.filter(excluded=False).delete()
    reps = {key: {i for y in years for i in y["representative_ids"]}
            for key, years in years_of.items()}
    _store_memberships(saved, homes, rows, replayed, only=only, reps=reps)
    return counts


def _store_years(t: Thread, years: list[dict]) -> None:
    have = {ty.year: ty for ty in t.years.all()}
    _store_all_years({t.key: t}, {t.key: years}, {t.pk: have})


def _store_all_years(saved: dict[str, Thread], years_of: dict[str, list[dict]],
                     have_years: dict[int, dict[int, ThreadYear]]) -> None:
    """The ThreadYear rows of the saved threads: created, updated and deleted in bulk."""
    fields = ["trend", "trend_reasons", "figures", "representative_ids", "finding_count"]
    create, update, stale = [], [], []
    for key, t in saved.items():
        have = have_years.get(t.pk, {})
        years = years_of.get(key, [])
        wanted = {y["year"] for y in years}
        for y in years:
            values = {"trend": y["trend"], "trend_reasons": y["trend_reasons"],
                      "figures": {**y["figures"], "trend": y["trend_detail"]},
                      "representative_ids": y["representative_ids"],
                      "finding_count": y["finding_count"]}
            ty = have.get(y["year"])
            if ty is None:
                create.append(ThreadYear(thread=t, year=y["year"], **values))
            elif any(getattr(ty, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(ty, k, v)
                update.append(ty)
        stale += [ty.pk for year, ty in have.items() if year not in wanted]
    for chunk in _chunks(stale, 5000):
        ThreadYear.objects.filter(pk__in=chunk).delete()
    if create:
        ThreadYear.objects.bulk_create(create, batch_size=1000)
    _update_rows(ThreadYear, update, fields)


def _update_rows(model, objs: Sequence, fields: Sequence[str]) -> None:
    """``objs.save(update_fields=fields)`` for every object, as one prepared ``UPDATE`` run
    for all rows (``executemany``); the values are prepared by the fields as ``save`` does."""
    if not objs:
        return
    meta = model._meta
    cols = [meta.get_field(f) for f in fields]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(
        qn(meta.db_table), ", ".join(f"{qn(f.column)} = %s" for f in cols), qn(meta.pk.column))
    params = [[f.get_db_prep_save(f.pre_save(o, False), connection) for f in cols] + [o.pk]
              for o in objs]
    with connection.cursor() as cursor:
        for chunk in _chunks(params, 1000):
            cursor.executemany(sql, chunk)


def _store_memberships(saved: dict[str, Thread], homes: dict[int, tuple[str, str]],
                       rows: dict[int, _Row], replayed: rp.Replayed, *,
                       only: set[str] | None, reps: dict[str, set[int]] | None = None) -> None:
    ovs = replayed.overrides
    # (thread, finding) -> (year, origin, pinned, excluded, representative)
    wanted: dict[tuple[int, int], tuple] = {}
    if reps is None:
        reps = {key: {i for ty in t.years.all() for i in ty.representative_ids}
                for key, t in saved.items()}
    per_key = {key: (t.pk, ovs[key].pinned if key in ovs else frozenset(),
                     reps.get(key, frozenset())) for key, t in saved.items()}
    for fid, (key, origin) in homes.items():
        this = per_key.get(key)
        if this is None:
            continue
        tid, pinned, representative = this
        wanted[(tid, fid)] = (rows[fid].year, origin, fid in pinned, False,
                              fid in representative)
    for key, t in saved.items():  # findings a person took out: kept visible, marked so
        ov = ovs.get(key)
        for fid in sorted(ov.excluded if ov else ()):
            if fid in rows and (t.pk, fid) not in wanted and homes.get(fid, ("",))[0] != key:
                wanted[(t.pk, fid)] = (rows[fid].year, MembershipOrigin.PERSON, False, True,
                                       False)
    qs = ThreadMembership.objects.all()
    if only is not None:
        qs = qs.filter(thread_id__in=[t.pk for t in saved.values()])
    fields = ("year", "origin", "pinned", "excluded", "representative")
    # (the cursor, not the queryset: no per-value converters; booleans may come back as 0/1,
    # which compare equal to False/True)
    have = {(tid, fid): (pk, tuple(vals)) for pk, tid, fid, *vals in
            _fetch_rows(qs.values_list("pk", "thread_id", "finding_id", *fields))}
    create, update = [], []
    for k, v in wanted.items():
        m = have.get(k)
        if m is None:
            create.append(ThreadMembership(thread_id=k[0], finding_id=k[1],
                                           **dict(zip(fields, v))))
        elif m[1] != v:
            update.append((m[0], v))
    gone = [m[0] for k, m in have.items() if k not in wanted]
    if gone:
        for chunk in _chunks(gone, 5000):
            ThreadMembership.objects.filter(pk__in=chunk).delete()
    if create:
        ThreadMembership.objects.bulk_create(create, batch_size=2000)
    # few distinct value combinations: one UPDATE per combination
    by_values: dict[tuple, list[int]] = defaultdict(list)
    for pk, v in update:
        by_values[v].append(pk)
    for vals, pks in sorted(by_values.items(), key=lambda kv: repr(kv[0])):
        for chunk in _chunks(pks, 5000):
            ThreadMembership.objects.filter(pk__in=chunk).update(**dict(zip(fields, vals)))


_gc_lock = threading.Lock()
_gc_pauses = 0  # runs under way that paused the collector
_gc_was_enabled = False


@contextlib.contextmanager
def _gc_paused():
    """Python's cyclic garbage collector paused for the duration (the process's, so for the
    outermost of runs that overlap): a run holds hundreds of thousands of small objects, and
    each full collection walks all of them again (about a sixth of a run's time on a large
    corpus). What a run leaves in reference cycles is collected after it."""
    global _gc_pauses, _gc_was_enabled
    with _gc_lock:
        if _gc_pauses == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pauses += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pauses -= 1
            if _gc_pauses == 0 and _gc_was_enabled:
                gc.enable()


@_gc_paused()
def compute_threads(*, progress: Progress | None = None, force: bool = False, user=None,
                    run: ThreadRun | None = None, full: bool = False) -> ThreadRun:
    """Compute the threads from the current findings and decisions and store them.

    Idempotent: with the same findings, decisions and core version as the last finished run,
    nothing is written and the run's status is ``unchanged`` (``force`` computes anyway; the
    store still writes only rows that differ). ``progress(run, step, percent)`` is called at
    each step.

    Incremental (``docs/threads.md``): when the last finished run kept its core state and
    few findings were added, removed or changed since the last full run, only those are
    placed and only the threads that changed are described and written again
    (``run.incremental``). ``full`` groups everything again (and computes even if nothing
    changed).
    """
    run = run or ThreadRun.objects.create(force=force, full=full, started_by=_user(user))
    run.status = ThreadRun.RunStatus.RUNNING
    run.started_at = timezone.now()
    run.full = full
    run.save()

    def step(name: str, percent: int) -> None:
        run.step, run.progress = name, percent
        ThreadRun.objects.filter(pk=run.pk).update(step=name, progress=percent)
        if progress:
            progress(run, name, percent)

    try:
        step("gathering findings", 5)
        inputs: list[_Input] = []
        rows = _rows(inputs=inputs)
        fingerprints = _core().fingerprints(inputs)
        replayed, decisions = _replayed(rows)
        run.findings_total = len(rows)
        run.decisions_applied = replayed.applied
        run.core_version = core_version()
        run.input_key = _input_key(fingerprints, rows, decisions)
        last = (ThreadRun.objects.exclude(pk=run.pk)
                .filter(status__in=[ThreadRun.RunStatus.DONE, ThreadRun.RunStatus.UNCHANGED])
                .order_by("-finished_at", "-id").first())
        if not (force or full) and last is not None and last.input_key == run.input_key:
            run.status = ThreadRun.RunStatus.UNCHANGED
            run.threads_total = Thread.objects.current().count()
            run.assigned, run.unassigned = last.assigned, last.unassigned
            step("nothing changed", 100)
            run.finished_at = timezone.now()
            run.save()
            return run
        step("building previous threads", 15)
        stored: dict[int, set[int]] = {}
        previous = _previous_states(rows, replayed, stored=stored)
        decisions_key = _decisions_key(decisions)
        kept = None if full else _last_core_state(run)
        step("grouping findings", 30)
        core = _core()

        def core_progress(stage: str, done: int, total: int) -> None:
            step(f"grouping findings: {stage}", 30 + (40 * done) // max(total, 1))

        result = core.compute_threads(inputs, previous, theme_labels=_theme_labels(),
                                      progress=core_progress,
                                      state=kept.state if kept else None,
                                      input_fingerprints=fingerprints)
        run.incremental = bool(result.incremental)
        step("applying decisions", 70)
        drafts = {t.key: _draft_from_core(t) for t in result.threads}
        assignments = {int(f): k for f, k in dict(result.assignments).items()}
        homes = rp.enforce(assignments, replayed, rows)
        only = None
        if result.incremental and kept and kept.decisions_key == decisions_key:
            # write only the threads described again or whose final members changed
            key_of = dict(Thread.objects.values_list("pk", "key"))
            before: dict[str, set[int]] = {key_of[tid]: fids for tid, fids in stored.items()}
            now: dict[str, set[int]] = defaultdict(set)
            for fid, (key, _) in homes.items():
                now[key].add(fid)
            only = set(drafts) | set(result.dissolved) | {
                k for k in set(before) | set(now) if before.get(k, set()) != now.get(k, set())}
        step("storing", 80)
        with transaction.atomic():
            counts = _store(drafts, homes, rows, replayed, run, only=only)
            run.threads_total = Thread.objects.current().count()
            run.assigned = len(homes)
            run.unassigned = len(rows) - len(homes)
            run.threads_created = counts["created"]
            run.threads_changed = counts["changed"]
            run.threads_dropped = counts["dropped"]
            run.status = ThreadRun.RunStatus.DONE
            run.finished_at = timezone.now()
            run.progress = 100
            run.step = "done"
            run.save()
            if result.state is not None:
                _keep_state(run, result.state, decisions_key, kept)
        if progress:
            progress(run, "done", 100)
    except Exception as exc:
        run.status = ThreadRun.RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    return run


@dataclasses.dataclass
class _Kept:
    """The core state the last run kept, read back, and what the next one is kept against."""

    state: Any  # ClusterState
    decisions_key: str
    base: ThreadCoreState  # the row kept whole that the next run's state is kept against
    base_state: Any  # its ClusterState


def _last_core_state(run: ThreadRun) -> _Kept | None:
    """The core state kept by the last finished run that computed, if it was made by this
    core version; else ``None`` (the next run is a full one)."""
    last_done = (ThreadRun.objects.exclude(pk=run.pk).filter(status=ThreadRun.RunStatus.DONE)
                 .order_by("-finished_at", "-id").first())
    if last_done is None:
        return None
    row = (ThreadCoreState.objects.filter(run=last_done, core_version=core_version())
           .select_related("base").first())
    if row is None:
        return None
    core = _core()
    try:
        base = core.ClusterState.from_bytes(row.base.data) if row.base else None
        state = core.ClusterState.from_bytes(row.data, base=base)
        if state.base_rows is None:  # kept whole: the next run's state refers to it
            return _Kept(state, row.decisions_key, row, state)
        return _Kept(state, row.decisions_key, row.base, base)
    except Exception:  # noqa: BLE001 - an unreadable state only costs a full run
        log.warning("threads: the kept core state of run %s cannot be read; full run",
                    last_done.pk, exc_info=True)
        return None


def _keep_state(run: ThreadRun, state, decisions_key: str, kept: _Kept | None) -> None:
    """Keep the core's state of ``run``: whole after a full run, else as changes to the
    state whose rows it refers to (kept whole, written once per full run)."""
    base = kept.base if kept is not None and state.base_rows is not None else None
    if base is None:
        ThreadCoreState.objects.all().delete()
        data = state.to_bytes()
    else:
        if base.base_id is not None:  # (written whole although kept against another)
            ThreadCoreState.objects.filter(pk=base.pk).update(base=None)
        ThreadCoreState.objects.exclude(pk=base.pk).delete()
        data = state.to_bytes(base=kept.base_state)
    ThreadCoreState.objects.create(run=run, core_version=run.core_version,
                                   decisions_key=decisions_key, data=data, base=base)


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None


def active_run() -> ThreadRun | None:
    return ThreadRun.objects.filter(
        status__in=[ThreadRun.RunStatus.QUEUED, ThreadRun.RunStatus.RUNNING]
    ).order_by("-created_at").first()


def latest_run() -> ThreadRun | None:
    return ThreadRun.objects.order_by("-created_at", "-id").first()


def start_background_run(*, user=None, force: bool = False) -> ThreadRun:
    """Start a run in a thread once the request's transaction commits (the page polls it).
    A run that is already going is returned instead of starting a second one."""
    current = active_run()
    if current is not None:
        return current
    run = ThreadRun.objects.create(force=force, started_by=_user(user))

    def work():
        close_old_connections()
        try:
            compute_threads(force=force, run=ThreadRun.objects.get(pk=run.pk))
        except Exception:  # noqa: BLE001 - recorded on the run
            log.exception("threads run %s failed", run.pk)
        finally:
            connection.close()

    transaction.on_commit(lambda: threading.Thread(target=work, daemon=True).start())
    return run


# --- decisions ----------------------------------------------------------------------------


def _decide(thread: Thread, action: str, *, user, reason: str, payload: dict,
            also: Iterable[str] = ()) -> ThreadDecision:
    """Store a decision, record it in the audit history and apply it to the stored threads."""
    with transaction.atomic():
        decision = ThreadDecision.objects.create(
            action=action, thread_key=thread.key, payload=payload, by=_user(user),
            by_name=_name(user), reason=reason or "",
        )
        audit.record(user, "update", thread, reason=reason or "",
                     changes={"decision": [None, {"action": action, **payload}]})
        _apply_stored({thread.key, *also})
    return decision


def _name(user) -> str:
    if getattr(user, "is_authenticated", False):
        return user.get_username()
    return str(user) if isinstance(user, str) else "system"


def _apply_stored(keys: set[str]) -> None:
    """Apply all decisions to the stored result for ``keys`` (no new grouping by the core)."""
    rows = _rows()
    replayed, _ = _replayed(rows)
    ovs = replayed.overrides
    keys = set(keys) | {rp.canonical(k, ovs) for k in keys}
    for k in list(keys):  # threads merged into these
        keys |= {o.key for o in ovs.values() if rp.canonical(o.key, ovs) == k}
    assignments = {fid: key for fid, key in ThreadMembership.objects.filter(excluded=False)
                   .values_list("finding_id", "thread__key")}
    homes = rp.enforce(assignments, replayed, rows)
    # a finding moved into one of these threads leaves the thread it came from
    keys |= {assignments[f] for f, (k, _) in homes.items()
             if k in keys and f in assignments and assignments[f] not in keys}
    drafts = {t.key: _draft_from_db(t)
              for t in Thread.objects.filter(key__in=keys).prefetch_related("years")}
    _store(drafts, homes, rows, replayed, None, only=keys)


def _thread_or_error(thread: Thread | str) -> Thread:
    if isinstance(thread, Thread):
        return thread
    try:
        return Thread.objects.get(key=thread)
    except Thread.DoesNotExist as exc:
        raise ThreadError(f"no thread with key {thread!r}") from exc


def merge_threads(a: Thread | str, b: Thread | str, *, user, reason: str = "") -> ThreadDecision:
    """Merge thread ``a`` into ``b``: ``a``'s findings go to ``b``; ``a`` stays as history."""
    a, b = _thread_or_error(a), _thread_or_error(b)
    if a.pk == b.pk:
        raise ThreadError("a thread cannot be merged into itself")
    if b.merged_into_id:
        b = b.merged_into
    return _decide(a, ThreadDecision.Action.MERGE, user=user, reason=reason,
                   payload={"into": b.key}, also={b.key})


def _findings(thread: Thread, finding_ids: Iterable[int], *, members_only: bool = True
              ) -> list[Finding]:
    ids = sorted({int(i) for i in finding_ids})
    if not ids:
        raise ThreadError("choose at least one finding")
    qs = thread_findings().filter(pk__in=ids)
    if members_only:
        qs = qs.filter(thread_memberships__thread=thread, thread_memberships__excluded=False)
    found = list(qs.distinct())
    if len(found) != len(ids):
        raise ThreadError("some of these findings are not in this thread")
    return found


def split_thread(thread: Thread | str, finding_ids: Iterable[int], *, user, reason: str = "",
                 label: str) -> Thread:
    """Move the chosen findings of ``thread`` to a new thread with ``label``; returns it."""
    thread = _thread_or_error(thread)
    label = (label or "").strip()
    if not label:
        raise ThreadError("a split needs a label for the new thread")
    findings = _findings(thread, finding_ids)
    if len(findings) >= thread.memberships.filter(excluded=False).count():
        raise ThreadError("leave at least one finding in the thread")
    digest = hashlib.sha256(
        f"{thread.key}|{sorted(f.pk for f in findings)}|{label}".encode()
    ).hexdigest()[:10]
    new_key = f"p-{digest}"
    if Thread.objects.filter(key=new_key).exists():
        raise ThreadError("this split was already made")
    with transaction.atomic():
        new = Thread.objects.create(key=new_key, label=label, machine_label=label,
                                    label_locked=True, kind=thread.kind, person_created=True,
                                    description="")
        _decide(thread, ThreadDecision.Action.SPLIT, user=user, reason=reason,
                payload={"new_key": new_key, "label": label,
                         "findings": [_anchor(f) for f in findings]},
                also={new_key})
    return Thread.objects.get(pk=new.pk)


def rename_thread(thread: Thread | str, label: str, *, user, reason: str = "") -> ThreadDecision:
    thread = _thread_or_error(thread)
    label = (label or "").strip()
    if not label:
        raise ThreadError("a label cannot be empty")
    return _decide(thread, ThreadDecision.Action.RENAME, user=user, reason=reason,
                   payload={"label": label, "before": thread.label})


def pin_thread(thread: Thread | str, *, user, reason: str = "", pinned: bool = True
               ) -> ThreadDecision:
    """Show the thread first (``pinned=False`` undoes it)."""
    thread = _thread_or_error(thread)
    action = ThreadDecision.Action.PIN if pinned else ThreadDecision.Action.UNPIN
    return _decide(thread, action, user=user, reason=reason, payload={})


def pin_finding(thread: Thread | str, finding: Finding | int, *, user, reason: str = "",
                pinned: bool = True) -> ThreadDecision:
    """Hold ``finding`` in ``thread`` and show it first among its quotes (or undo that)."""
    thread = _thread_or_error(thread)
    f = finding if isinstance(finding, Finding) else Finding.objects.get(pk=finding)
    if pinned:
        _findings(thread, [f.pk], members_only=False)
    action = ThreadDecision.Action.PIN if pinned else ThreadDecision.Action.UNPIN
    previous = list(ThreadMembership.objects.filter(finding=f, excluded=False)
                    .values_list("thread__key", flat=True))
    return _decide(thread, action, user=user, reason=reason,
                   payload={"findings": [_anchor(f)]}, also=previous)


def add_finding(thread: Thread | str, finding: Finding | int, *, user, reason: str = ""
                ) -> ThreadDecision:
    """Put ``finding`` into ``thread`` (out of any other thread)."""
    thread = _thread_or_error(thread)
    f = finding if isinstance(finding, Finding) else Finding.objects.filter(pk=finding).first()
    if f is None or not thread_findings().filter(pk=f.pk).exists():
        raise ThreadError("no such finding (rejected findings and findings without a year "
                          "cannot be in a thread)")
    previous = list(ThreadMembership.objects.filter(finding=f, excluded=False)
                    .values_list("thread__key", flat=True))
    return _decide(thread, ThreadDecision.Action.ADD_FINDING, user=user, reason=reason,
                   payload={"findings": [_anchor(f)]}, also=previous)


def remove_finding(thread: Thread | str, finding: Finding | int, *, user, reason: str = ""
                   ) -> ThreadDecision:
    """Take ``finding`` out of ``thread``; no later run puts it back there."""
    thread = _thread_or_error(thread)
    f = finding if isinstance(finding, Finding) else Finding.objects.get(pk=finding)
    _findings(thread, [f.pk])
    return _decide(thread, ThreadDecision.Action.REMOVE_FINDING, user=user, reason=reason,
                   payload={"findings": [_anchor(f)]})


def undo_decision(decision: ThreadDecision, *, user, reason: str = "") -> None:
    """Stop replaying a decision (kept, marked inactive); applied at once."""
    with transaction.atomic():
        decision.active = False
        decision.save(update_fields=["active"])
        thread = Thread.objects.filter(key=decision.thread_key).first()
        if thread is not None:
            audit.record(user, "update", thread, reason=reason,
                         changes={"undone": [decision.action, None]})
    payload = decision.payload or {}
    _apply_stored({decision.thread_key, *(v for k, v in payload.items()
                                          if k in ("into", "new_key"))})


# --- reading: summaries for pages and the edition ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class EvidenceLink:
    """Where a finding's words are: ``url`` is the app's source page anchor
    (``/bronnen/<source_id>/#passage-<passage_index>``)."""

    source_id: int
    source_title: str
    page: int | None
    passage_index: int | None
    char_start: int
    char_end: int
    url: str


@dataclasses.dataclass(frozen=True)
class FindingSummary:
    id: int
    kind: str
    text: str
    status: str  # suggested | confirmed | edited (never rejected)
    origin: str  # machine | person (of the finding)
    year: int
    source_id: int
    source_title: str
    source_kind: str
    source_published: bool
    organisations: tuple[str, ...]  # display names of the reporting organisations
    organisation_codes: tuple[str, ...]
    page: int | None
    themes: tuple[str, ...]
    laws: tuple[str, ...]
    pinned: bool
    membership_origin: str  # machine | person (who put it in the thread)
    evidence: EvidenceLink


@dataclasses.dataclass(frozen=True)
class YearSummary:
    year: int
    trend: str  # new | persisting | growing | shrinking | returned | no_longer_mentioned
    trend_label: str  # Dutch
    trend_reason: str  # Dutch sentence with the numbers that decided it
    finding_count: int
    # ThreadFigures.to_dict() of the core: findings, reporters, organisations (count),
    # sources (count), organisation_types, themes, laws, organisation_codes, source_ids
    figures: dict
    representative_ids: tuple[int, ...]


@dataclasses.dataclass(frozen=True)
class ThreadSummary:
    key: str
    label: str
    description: str
    kind: str
    pinned: bool
    year: int
    trend: str
    trend_label: str
    trend_reason: str
    figures: dict  # this year
    figures_all_years: dict  # every year up to and including ``year``
    history: tuple[YearSummary, ...]  # every year from the first mention up to ``year``
    representatives: tuple[FindingSummary, ...]  # this year's quotes, pinned first
    finding_ids: tuple[int, ...]  # this year's member findings
    call_ids: tuple[int, ...]
    url: str  # the app's thread page


@dataclasses.dataclass(frozen=True)
class DecisionSummary:
    id: int
    action: str
    thread_key: str
    by: str
    at: str  # ISO 8601
    reason: str
    payload: dict
    active: bool


@dataclasses.dataclass(frozen=True)
class ThreadHistory:
    key: str
    label: str
    machine_label: str
    label_locked: bool
    description: str
    kind: str
    pinned: bool
    removed: bool
    merged_into: str | None
    merged_from: tuple[str, ...]
    key_phrases: tuple
    years: tuple[YearSummary, ...]
    decisions: tuple[DecisionSummary, ...]


def _year_summary(y: dict | ThreadYear) -> YearSummary:
    from staat.analysis.trends import TREND_LABELS

    if isinstance(y, ThreadYear | _StoredYear):
        y = {"year": y.year, "trend": y.trend, "trend_reasons": y.trend_reasons,
             "figures": y.figures, "representative_ids": y.representative_ids,
             "finding_count": y.finding_count}
    figures = {k: v for k, v in (y["figures"] or {}).items() if k != "trend"}
    return YearSummary(
        year=y["year"], trend=y["trend"], trend_label=TREND_LABELS.get(y["trend"], y["trend"]),
        trend_reason=" ".join(y["trend_reasons"] or ()), finding_count=y["finding_count"],
        figures=figures, representative_ids=tuple(y["representative_ids"]),
    )


def finding_summaries(ids: Iterable[int], *, pinned: Iterable[int] = (),
                      person: Iterable[int] = ()) -> dict[int, FindingSummary]:
    ids = sorted(set(ids))
    rows = _rows(Finding.objects.filter(pk__in=ids)) if ids else {}
    return _summaries(ids, rows, pinned=set(pinned), person=set(person))


def _summaries(ids: Sequence[int], rows: dict[int, _Row], *, pinned: set[int] = frozenset(),
               person: set[int] = frozenset()) -> dict[int, FindingSummary]:
    """:class:`FindingSummary` of each of ``ids`` found in ``rows`` (in the order of ``ids``),
    with a few queries for all of them together."""
    present = [i for i in ids if i in rows]
    if not present:
        return {}
    sources = {s.pk: s for s in Source.objects.filter(pk__in={rows[i].source_id for i in present})
               .only("pk", "title", "kind", "status").prefetch_related("organisations")}
    passage_ids = sorted({rows[i].passage_id for i in present if rows[i].passage_id})
    passages: dict[int, int] = {}
    for chunk in _chunks(passage_ids, 5000):
        passages.update(Passage.objects.filter(pk__in=chunk).values_list("pk", "index"))
    per_source = {pk: (s.get_absolute_url(), tuple(o.display_name for o in s.organisations.all()))
                  for pk, s in sources.items()}
    out = {}
    for i in present:
        r = rows[i]
        s = sources[r.source_id]
        base_url, organisations = per_source[r.source_id]
        index = passages.get(r.passage_id)
        url = base_url + (f"#passage-{index}" if index is not None else "")
        out[i] = FindingSummary(
            id=i, kind=r.kind, text=r.text, status=r.status, origin=r.origin, year=r.year,
            source_id=s.pk, source_title=s.title, source_kind=s.kind,
            source_published=s.status == SourceStatus.PUBLISHED,
            organisations=organisations,
            organisation_codes=r.organisation_codes, page=r.page, themes=r.themes, laws=r.laws,
            pinned=i in pinned, membership_origin="person" if i in person else "machine",
            evidence=EvidenceLink(source_id=s.pk, source_title=s.title, page=r.page,
                                  passage_index=index, char_start=r.char_start,
                                  char_end=r.char_end, url=url),
        )
    return out


def _published_monitored() -> list[int]:
    return _monitored(published=True)


def _all_monitored() -> list[int]:
    """The monitored years of the stored threads: every year with a finding that feeds threads
    (what ``_monitored_years(_rows())`` gives, in one small query)."""
    return _monitored(published=False)


def _monitored(*, published: bool) -> list[int]:
    """The years of the (published) sources with a finding that feeds threads: asked of the
    sources (one lookup of a finding each), not of all findings."""
    from django.db.models import Exists, OuterRef

    feeding = thread_findings().filter(source=OuterRef("pk"))
    sources = Source.objects.filter(year__isnull=False).filter(Exists(feeding))
    if published:
        sources = sources.filter(status=SourceStatus.PUBLISHED)
    return sorted({int(y) for y in sources.order_by().values_list("year", flat=True).distinct()})


def _stored_figures(d: dict | None):
    """A year's stored figures (``ThreadYear.figures``) as the core's ``ThreadFigures``, with
    its dictionaries in the core's order (a database may keep JSON keys in another order);
    ``None`` when they are not complete figures."""
    core = _core()
    d = {k: v for k, v in (d or {}).items() if k != "trend"}
    if d.keys() != _figure_fields(core):
        return None
    try:
        return core.ThreadFigures(
            findings=int(d["findings"]), reporters=int(d["reporters"]),
            organisations=int(d["organisations"]), sources=int(d["sources"]),
            organisation_types=dict(sorted(d["organisation_types"].items(),
                                           key=core._type_order)),
            themes=dict(sorted(d["themes"].items(), key=lambda kv: (-kv[1], kv[0]))),
            laws=dict(sorted(d["laws"].items(),
                             key=lambda kv: (-kv[1], core._law_key(kv[0])))),
            organisation_codes=tuple(d["organisation_codes"]),
            source_ids=tuple(d["source_ids"]),
        )
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _figure_fields(core) -> set[str]:
    names = _FIGURE_FIELDS.get(core.ThreadFigures)
    if names is None:
        names = _FIGURE_FIELDS[core.ThreadFigures] = {
            f.name for f in dataclasses.fields(core.ThreadFigures)}
    return names


_FIGURE_FIELDS: dict[type, set[str]] = {}


def _figures_over_years(figures: list, org_type: dict[str, str], sourceless: set[str]):
    """``core.thread_figures`` of the findings of several years, from each year's figures:
    organisations, sources and reporters are the union of the years', counts per theme and
    law their sum. ``sourceless``: sources (ids as text) whose findings count for no
    organisation (each is one reporter). ``None`` when it cannot be told from the years
    alone (a law written differently in different years: the first finding's spelling wins)."""
    core = _core()
    codes = sorted({c for f in figures for c in f.organisation_codes})
    sources = sorted({s for f in figures for s in f.source_ids})
    reporters = set(codes) | {"source:" + s for s in sources if s in sourceless}
    types: dict[str, int] = defaultdict(int)
    for c in codes:
        types[org_type.get(c, "") or core.UNKNOWN_TYPE] += 1
    themes: dict[str, int] = defaultdict(int)
    laws: dict[str, int] = defaultdict(int)
    names: dict[str, str] = {}
    for f in figures:
        for theme, n in f.themes.items():
            themes[theme] += n
        for name, n in f.laws.items():
            key = core._law_key(name)
            if names.setdefault(key, name) != name:
                return None
            laws[key] += n
    return core.ThreadFigures(
        findings=sum(f.findings for f in figures), reporters=len(reporters),
        organisations=len(codes), sources=len(sources),
        organisation_types=dict(sorted(types.items(), key=core._type_order)),
        themes=dict(sorted(themes.items(), key=lambda kv: (-kv[1], kv[0]))),
        laws={names[k]: v for k, v in sorted(laws.items(), key=lambda kv: (-kv[1], kv[0]))},
        organisation_codes=tuple(codes), source_ids=tuple(sources),
    )


def _sourceless() -> set[str]:
    """Sources (ids as text) whose findings count for no organisation in the figures."""
    orgs: dict[int, list[str]] = defaultdict(list)
    for sid, code in (Source.organisations.through.objects.values_list(
            "source_id", "organisation__code").order_by("source_id", "organisation__code")):
        orgs[sid].append(code)
    return {str(sid) for sid, kind in Source.objects.values_list("pk", "kind")
            if not reporting_organisations(kind, orgs.get(sid) or ())}


@dataclasses.dataclass(frozen=True)
class _ThreadRow:
    """The values of a :class:`Thread` the edition's reading needs."""

    pk: int
    key: str
    label: str
    description: str
    kind: str
    pinned: bool


@dataclasses.dataclass(frozen=True)
class _StoredYear:
    """The values of a :class:`ThreadYear` the reading needs."""

    thread_id: int
    year: int
    trend: str
    trend_reasons: list
    figures: dict
    representative_ids: list
    finding_count: int


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def _stored_year_rows(thread_qs) -> dict[int, list[_StoredYear]]:
    """The stored years of these threads by thread id, oldest first (one query)."""
    out: dict[int, list[_StoredYear]] = defaultdict(list)
    for tid, y, trend, reasons, figures, reps, count in _fetch_rows(
            ThreadYear.objects.filter(thread__in=thread_qs).order_by("thread_id", "year")
            .values_list("thread_id", "year", "trend", "trend_reasons", "figures",
                         "representative_ids", "finding_count")):
        out[tid].append(_StoredYear(tid, y, trend, _json(reasons), _json(figures), _json(reps),
                                    count))
    return out


_URL_KEY = "th-0key0"


def thread_url(key: str) -> str:
    """``Thread.get_absolute_url`` for a thread key (the URL pattern is looked up once)."""
    from django.urls import get_script_prefix, reverse

    if not key.replace("-", "").replace("_", "").isalnum() or not key.isascii():
        return reverse("threads:detail", args=[key])
    prefix = get_script_prefix()
    url = _THREAD_URLS.get(prefix)
    if url is None:
        url = _THREAD_URLS[prefix] = reverse("threads:detail", args=[_URL_KEY])
    return url.replace(_URL_KEY, key)


_THREAD_URLS: dict[str, str] = {}  # the thread URL with a stand-in key, by script prefix


def _stored_years(stored_rows: list[_StoredYear], by_year: dict[int, list[int]],
                  monitored: list[int], pinned: set[int]) -> tuple[list[dict], dict] | None:
    """The year values ``_years_of`` gives for ``by_year`` (a thread's findings by year, all of
    them from published sources, every monitored year having a published source), taken from
    the stored :class:`ThreadYear` rows, and the figures per year; ``None`` when the stored
    rows are not those of these findings (other years, other counts, representatives the rule
    would change), so they must be computed.

    The stored figures are those of the last threads run, over the same findings; the trend
    follows from the figures and the years alone."""
    first = min(by_year)
    wanted = [y for y in monitored if y >= first]
    stored = {ty.year: ty for ty in stored_rows if ty.year <= monitored[-1]}
    if sorted(stored) != wanted:
        return None
    out, figures = [], {}
    for y in wanted:
        ty = stored[y]
        ids = by_year.get(y, [])
        member = set(ids)
        fig = _stored_figures(ty.figures)
        if fig is None or ty.finding_count != len(ids) or fig.findings != len(ids):
            return None
        reps = list(ty.representative_ids or ())
        first_reps = sorted(pinned & member)
        if (not set(reps) <= member or len(set(reps)) != len(reps)
                or reps[:len(first_reps)] != first_reps
                or len(reps) < min(REPRESENTATIVES_PER_YEAR, len(member))
                or len(reps) > max(REPRESENTATIVES_PER_YEAR, len(first_reps))):
            return None
        figures[y] = fig
        out.append({"year": y, "trend": ty.trend, "trend_reasons": ty.trend_reasons,
                    "figures": fig.to_dict(), "representative_ids": reps,
                    "finding_count": len(ids)})
    return out, figures


def _rows_of(ids: Iterable[int]) -> dict[int, _Row]:
    """``_rows`` of these findings (by id lists of a size every database takes)."""
    out: dict[int, _Row] = {}
    for chunk in _chunks(sorted(set(ids)), 20000):
        out.update(_rows(Finding.objects.filter(pk__in=chunk)))
    return out


def edition_threads(year: int, *, published_only: bool = True, kinds: Sequence[str] | None = None,
                    quotes: bool = True) -> list[ThreadSummary]:
    """The threads of edition ``year``: every current thread with a status that year
    (including "no longer mentioned"), pinned first, then most reporting organisations.

    ``published_only`` (the default, for what is published): figures, trends, descriptions and
    quotes are computed over findings of published sources only, and a thread with none is
    left out; otherwise the stored figures (over every finding that feeds threads) are used.
    ``figures_all_years`` covers every year up to and including ``year``. Quotes
    (``representatives``) are the year's representative findings, pinned ones first; with
    ``quotes=False`` they are left out (``()``), for a reader that needs only their ids (the
    ``representative_ids`` of the year in ``history``).

    Read in a few queries for all threads together. The stored years of the last threads run
    are the published ones for a thread whose findings up to ``year`` all come from published
    sources, when every monitored year up to ``year`` has a published source: such a thread's
    years are read, not computed (only its description is written again, over these years).
    ``figures_all_years`` is put together from the years' figures. Findings are read one by one
    only for the other threads.
    """
    core = _core()
    thread_qs = Thread.objects.current()
    if kinds:
        thread_qs = thread_qs.filter(kind__in=sorted(set(kinds)))
    threads = [_ThreadRow(*r) for r in _fetch_rows(thread_qs.values_list(
        "pk", "key", "label", "description", "kind", "pinned"))]
    stored_years = _stored_year_rows(thread_qs)
    calls: dict[int, list[int]] = defaultdict(list)
    for tid, cid in _fetch_rows(Thread.calls.through.objects.filter(thread__in=thread_qs)
                           .values_list("thread_id", "call_id")):
        calls[tid].append(cid)
    # findings of unpublished sources (few): asked apart, so that the memberships (hundreds of
    # thousands on a large corpus) are read without a join
    drafts_ = [sid for (sid,) in _fetch_rows(Source.objects.exclude(status=SourceStatus.PUBLISHED)
                                        .order_by().values_list("pk"))] if published_only else []
    unpublished = {fid for chunk in _chunks(drafts_, 500) for (fid,) in _fetch_rows(
        Finding.objects.filter(source_id__in=chunk).order_by().values_list("pk"))}
    # each thread's memberships as (finding, year, pinned, origin, thread) rows, pinned a
    # boolean or 0/1 as the database gives it
    by_thread: dict[int, list[tuple[int, int, Any, str, int]]] = defaultdict(list)
    mixed: set[int] = set()  # threads with a finding of an unpublished source
    for m in _fetch_rows(ThreadMembership.objects.filter(
            excluded=False, year__lte=year, thread__in=thread_qs).values_list(
            "finding_id", "year", "pinned", "origin", "thread_id").order_by("finding_id")):
        if unpublished and m[0] in unpublished:
            mixed.add(m[4])
            continue
        by_thread[m[4]].append(m)
    org_type = dict(Organisation.objects.values_list("code", "type"))
    sourceless = _sourceless()
    if published_only:
        monitored = [y for y in _published_monitored() if y <= year]
        # the stored threads were computed over these years; only where they are the same
        # can a stored year stand for the published one
        same_years = monitored == [y for y in _all_monitored() if y <= year]
        theme_labels = _theme_labels()
    # first the threads whose stored years serve; the findings of the others are read after
    plans: list[list] = []  # [thread, members, years (dicts) | None, figures | None, all years]
    for t in threads:
        ms = by_thread.get(t.pk, [])
        if not ms:
            continue
        by_year: dict[int, list[int]] = defaultdict(list)
        for fid, y, *_ in ms:
            by_year[y].append(fid)
        pinned = {m[0] for m in ms if m[2]}
        year_dicts = figures = None
        if not published_only:
            stored = [ty for ty in stored_years.get(t.pk, ()) if ty.year <= year]
            year_dicts = stored
            figs = [_stored_figures(ty.figures) for ty in stored]
            if all(f is not None and f.findings == ty.finding_count == len(by_year.get(ty.year, []))
                   for f, ty in zip(figs, stored, strict=True)) and set(by_year) <= {
                       ty.year for ty in stored}:
                figures = {ty.year: f for ty, f in zip(stored, figs, strict=True)}
        elif same_years and t.pk not in mixed and monitored:
            found = _stored_years(stored_years.get(t.pk, []), by_year, monitored, pinned)
            if found is not None:
                year_dicts, figures = found
        all_years = (_figures_over_years(list(figures.values()), org_type, sourceless)
                     if figures is not None else None)
        plans.append([t, ms, by_year, year_dicts, figures, all_years])
    rows = _rows_of(m[0] for p in plans if p[3] is None or p[5] is None for m in p[1])
    # the threads whose years are computed again need all of the thread (one query)
    full = Thread.objects.in_bulk([p[0].pk for p in plans if p[3] is None])
    drafts: list[tuple[Thread, list, str, list[YearSummary], dict]] = []
    for t, ms, by_year, year_dicts, figures, all_years in plans:
        pinned = {m[0] for m in ms if m[2]}
        description = t.description
        if all_years is None:
            all_years = core._figures([finding_input(rows[m[0]]) for m in ms])
        if not published_only:
            years = [_year_summary(y) for y in year_dicts]
        elif year_dicts is not None:
            description = core.describe(t.kind, figures, theme_labels=theme_labels,
                                        latest_year=monitored[-1])
            years = [_year_summary(y) for y in year_dicts]
        else:
            year_dicts, description = _years_of(
                dict(by_year), rows, monitored,
                _draft_from_db(full[t.pk], {ty.year: ty for ty in stored_years.get(t.pk, ())}),
                pinned, t.kind)
            years = [_year_summary(y) for y in year_dicts]
        if any(y.year == year for y in years):
            drafts.append((t, ms, description, years, all_years.to_dict()))
    wanted = sorted({i for _t, _ms, _d, years, _a in drafts for y in years if y.year == year
                     for i in y.representative_ids}) if quotes else []
    rows.update(_rows_of(i for i in wanted if i not in rows))
    summaries = _summaries(wanted, rows)
    out: list[ThreadSummary] = []
    for t, ms, description, years, all_years in drafts:
        this = next(y for y in years if y.year == year)
        pinned = {m[0] for m in ms if m[2]}
        person = {m[0] for m in ms if m[3] == MembershipOrigin.PERSON}
        out.append(ThreadSummary(
            key=t.key, label=t.label, description=description, kind=t.kind,
            pinned=bool(t.pinned),
            year=year, trend=this.trend, trend_label=this.trend_label,
            trend_reason=this.trend_reason, figures=this.figures,
            figures_all_years=all_years, history=tuple(years),
            representatives=tuple(
                dataclasses.replace(summaries[i], pinned=i in pinned,
                                    membership_origin="person" if i in person else "machine")
                for i in this.representative_ids if i in summaries),
            finding_ids=tuple(sorted(m[0] for m in ms if m[1] == year)),
            call_ids=tuple(sorted(calls.get(t.pk, ()))),
            url=thread_url(t.key),
        ))
    out.sort(key=lambda s: (not s.pinned, s.trend == Trend.NO_LONGER_MENTIONED,
                            -s.figures.get("reporters", 0), -s.figures.get("findings", 0),
                            s.label, s.key))
    return out


def thread_history(key: str) -> ThreadHistory:
    """A thread's whole history: every year's figures and trend, and every decision about it
    (and about threads merged into it). A merged thread's history is its own; follow
    ``merged_into`` for where its findings went."""
    t = Thread.objects.select_related("merged_into").prefetch_related("years").get(key=key)
    merged_from = tuple(sorted(t.merged_from.values_list("key", flat=True)))
    keys = {t.key, *merged_from}
    decisions = ThreadDecision.objects.filter(
        Q(thread_key__in=keys) | Q(payload__into=t.key) | Q(payload__new_key=t.key)
    ).order_by("at", "id")
    return ThreadHistory(
        key=t.key, label=t.label, machine_label=t.machine_label, label_locked=t.label_locked,
        description=t.description, kind=t.kind, pinned=t.pinned, removed=t.removed,
        merged_into=t.merged_into.key if t.merged_into else None, merged_from=merged_from,
        key_phrases=tuple(t.key_phrases),
        years=tuple(_year_summary(y) for y in t.years.all()),
        decisions=tuple(
            DecisionSummary(id=d.pk, action=d.action, thread_key=d.thread_key, by=d.by_name,
                            at=d.at.isoformat(), reason=d.reason, payload=dict(d.payload),
                            active=d.active)
            for d in decisions
        ),
    )


def visible_threads(user):
    """Current threads a user may see: researchers all; everyone else threads with at least
    one finding they may see (``Finding.objects.visible_to``: confirmed or edited findings of
    published sources)."""
    from staat.core import permissions

    qs = Thread.objects.current()
    if permissions.is_researcher(user):
        return qs
    visible = Finding.objects.visible_to(user).values("pk")
    return qs.filter(pk__in=ThreadMembership.objects.filter(
        excluded=False, finding__in=visible).values("thread_id"))


def thread_years() -> list[int]:
    return sorted(set(ThreadYear.objects.values_list("year", flat=True)), reverse=True)


from staat.threads.calls import (  # noqa: E402  - calls live in their own module
    CallError,
    CallSummary,
    CallVersionSummary,
    CitationSummary,
    FollowUpSummary,
    UptakeSummary,
    add_follow_up,
    add_version,
    calls_for_edition,
    check_call,
    create_call,
    decide_match,
    update_call,
    update_follow_up,
)

__all__ = [
    "CallError", "CallSummary", "CallVersionSummary", "CitationSummary", "DecisionSummary",
    "EvidenceLink",
    "FindingSummary", "FollowUpSummary", "ThreadError", "ThreadHistory", "ThreadSummary",
    "UptakeSummary", "YearSummary", "add_finding", "add_follow_up", "add_version",
    "calls_for_edition", "check_call", "compute_threads", "create_call", "decide_match",
    "edition_threads", "finding_summaries", "merge_threads", "pin_finding", "pin_thread",
    "remove_finding", "rename_thread", "split_thread", "start_background_run",
    "thread_history", "trend_rules", "undo_decision", "update_call", "update_follow_up",
    "visible_threads",
]

# SPDX-License-Identifier: EUPL-1.2
"""Threads and calls: the functions commands, views and other apps (the edition) use.

Which findings feed threads
    Every finding that is not rejected and whose source has a year: confirmed, edited and
    person-created findings and the machine's suggestions alike. Each finding's status is
    carried into the summaries (``FindingSummary.status``) so a page can show it.

Computing (:func:`compute_threads`)
    Gathers a ``FindingInput`` per finding, builds the previous ``ThreadState`` of every stored
    thread from the database *and the researchers' decisions*, calls the pure core
    (``staat.analysis.threads.compute_threads``), applies the decisions again to its result
    (:mod:`staat.threads.replay`), and stores everything in one transaction, writing only rows
    that changed. The run is keyed by its input (findings, decisions, core version): a second
    run with the same input does nothing (status ``unchanged``).

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

import dataclasses
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any

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


@dataclasses.dataclass(frozen=True)
class _Row:
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


def _rows(qs=None) -> dict[int, _Row]:
    qs = thread_findings() if qs is None else qs
    base = list(qs.order_by("pk").values_list(
        "pk", "source__year", "kind", "text", "status", "origin", "source_id", "page",
        "passage_id", "char_start", "char_end", "laws", "source__kind",
    ))
    if not base:
        return {}
    ids = [b[0] for b in base]
    source_ids = sorted({b[6] for b in base})
    org_type = dict(Organisation.objects.values_list("code", "type"))
    source_orgs: dict[int, list[str]] = defaultdict(list)
    for sid, code in (Source.organisations.through.objects.filter(source_id__in=source_ids)
                      .values_list("source_id", "organisation__code")
                      .order_by("source_id", "organisation__code")):
        source_orgs[sid].append(code)
    named: dict[int, list[str]] = defaultdict(list)
    themes: dict[int, list[str]] = defaultdict(list)
    for chunk in _chunks(ids, 5000):
        for fid, code in (Finding.organisations.through.objects.filter(finding_id__in=chunk)
                          .values_list("finding_id", "organisation__code")
                          .order_by("finding_id", "organisation__code")):
            named[fid].append(code)
        for fid, code in (FindingTheme.objects.filter(finding_id__in=chunk)
                          .values_list("finding_id", "theme__code")
                          .order_by("finding_id", "theme__code")):
            themes[fid].append(code)
    out: dict[int, _Row] = {}
    for (pk, year, kind, text, status, origin, sid, page, passage_id, cs, ce, laws,
         source_kind) in base:
        codes = reporting_organisations(source_kind, source_orgs.get(sid) or ())
        out[pk] = _Row(
            id=pk, year=int(year), kind=kind, text=text, status=status, origin=origin,
            source_id=sid, page=page, passage_id=passage_id, char_start=cs, char_end=ce,
            organisation_codes=codes,
            organisation_types=tuple(org_type.get(c, "") for c in codes),
            themes=tuple(themes.get(pk, ())),
            laws=tuple(sorted({n for n in (_law_name(m) for m in (laws or [])) if n})),
        )
    return out


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
    core = _core()
    return core.FindingInput(
        id=str(row.id), year=row.year, kind=row.kind, text=row.text,
        source_id=str(row.source_id),
        organisation_codes=row.organisation_codes, organisation_types=row.organisation_types,
        themes=row.themes, laws=row.laws,
    )


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


def _input_key(rows: dict[int, _Row], decisions: list[dict]) -> str:
    h = hashlib.sha256()
    h.update(core_version().encode())
    for r in rows.values():
        h.update(json.dumps(dataclasses.astuple(r), ensure_ascii=False, default=str).encode())
    h.update(json.dumps(decisions, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _previous_states(rows: dict[int, _Row], replayed: rp.Replayed) -> list:
    core = _core()
    states: dict[str, Any] = {}
    members: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for tid, fid in (ThreadMembership.objects.filter(excluded=False)
                     .values_list("thread_id", "finding_id")
                     .order_by("thread_id", "finding_id")):
        if fid in rows:
            members[tid][rows[fid].year].append(fid)
    threads = {t.key: t for t in Thread.objects.select_related("merged_into").order_by("key")}
    keys = sorted(set(threads) | set(replayed.overrides))
    for key in keys:
        t = threads.get(key)
        ov = replayed.overrides.get(key) or rp.Override(key=key)
        by_year = ({y: tuple(str(i) for i in ids) for y, ids in sorted(members[t.pk].items())}
                   if t else {})
        merged = ov.merged_into or (t.merged_into.key if t and t.merged_into else None)
        label = ov.label or (t.label if t else key)
        states[key] = core.ThreadState(
            key=key,
            # The lock is applied here, not in the core, so the machine's own proposal stays
            # fresh and both are kept (``Thread.machine_label`` beside ``Thread.label``).
            label=t.machine_label if t and t.machine_label else label,
            label_locked=False,
            finding_ids_by_year=by_year,
            pinned_finding_ids=frozenset(str(i) for i in ov.held & set(rows)),
            excluded_finding_ids=frozenset(str(i) for i in ov.excluded & set(rows)),
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


def _draft_from_core(t) -> _Draft:
    reps = {int(y): [int(i) for i in ids] for y, ids in t.representative_ids_by_year.items()}
    return _Draft(
        key=t.key, machine_label=t.label, description=t.description, kind=t.kind,
        key_phrases=_plain(t.key_phrases), centroid_terms=_plain(dict(t.centroid_terms)),
        representatives=reps, related_keys=list(t.related_keys),
    )


def _draft_from_db(t: Thread) -> _Draft:
    reps = {ty.year: list(ty.representative_ids) for ty in t.years.all()}
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
              draft: _Draft, pinned: set[int], kind: str) -> tuple[list[dict], str]:
    """ThreadYear values for one thread (every monitored year from its first mention on) and
    its description, from its final members. Figures, trend and description come from the
    pure core's own functions, so they match what the core reports for the same members."""
    from staat.analysis import trends

    if not by_year:
        return [], draft.description
    core = _core()
    first = min(by_year)
    years = [y for y in monitored if y >= first]
    figures = {y: core._figures([finding_input(rows[i]) for i in by_year.get(y, ())])
               for y in years}
    out = []
    for y in years:
        status = trends.trend_status(figures, y)
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
    description = core.describe(kind, figures, theme_labels=_theme_labels(),
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
    """Write the threads, their years and memberships; only rows that changed.

    ``only``: limit the writing to these thread keys (a single decision); ``None``: all, and
    stored threads that are not in ``drafts`` are marked as no longer found.
    """
    counts = {"created": 0, "changed": 0, "dropped": 0}
    monitored = _monitored_years(rows)
    by_key = rp.members_by_year(homes, {i: r.year for i, r in rows.items()})
    existing = {t.key: t for t in Thread.objects.all()}
    ovs = replayed.overrides
    keys = set(drafts) | {k for k in by_key}
    if only is not None:
        keys &= only
    saved: dict[str, Thread] = {}
    for key in sorted(keys):
        ov = ovs.get(key) or rp.Override(key=key)
        draft = drafts.get(key)
        if draft is None:
            t = existing.get(key)
            draft = _draft_from_db(t) if t else _Draft(
                key=key, machine_label=ov.label or key, description="", kind="", key_phrases=[],
                centroid_terms={}, representatives={}, person_created=True)
        if ov.split_from:
            draft.person_created = True
        by_year = by_key.get(key, {})
        ids = [i for y in sorted(by_year) for i in by_year[y]]
        if not ids:
            continue  # nothing in it (merged, or no findings left): handled below
        kind = _kind_of(draft, ids, rows)
        years, description = _years_of(by_year, rows, monitored, draft, ov.pinned, kind)
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
            t = Thread.objects.create(key=key, run=run, **values)
            counts["created"] += 1
        elif any(getattr(t, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(t, k, v)
            if run is not None:
                t.run = run
            t.save()
            counts["changed"] += 1
        saved[key] = t
        _store_years(t, years)
    # merged and dropped threads
    for key, t in existing.items():
        if key in saved or (only is not None and key not in only):
            continue
        ov = ovs.get(key)
        into_key = rp.canonical(key, ovs) if ov and ov.merged_into else None
        into = saved.get(into_key) or (existing.get(into_key) if into_key else None)
        values = {"merged_into_id": into.pk if into and into.key != key else None,
                  "removed": into is None, "finding_count": 0}
        if any(getattr(t, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(t, k, v)
            t.save()
            counts["dropped"] += 1
        t.memberships.filter(excluded=False).delete()
    _store_memberships(saved, homes, rows, replayed, only=only)
    return counts


def _store_years(t: Thread, years: list[dict]) -> None:
    have = {ty.year: ty for ty in t.years.all()}
    wanted = {y["year"] for y in years}
    for y in years:
        values = {"trend": y["trend"], "trend_reasons": y["trend_reasons"],
                  "figures": {**y["figures"], "trend": y["trend_detail"]},
                  "representative_ids": y["representative_ids"],
                  "finding_count": y["finding_count"]}
        ty = have.get(y["year"])
        if ty is None:
            ThreadYear.objects.create(thread=t, year=y["year"], **values)
        elif any(getattr(ty, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(ty, k, v)
            ty.save()
    stale = [y for y in have if y not in wanted]
    if stale:
        t.years.filter(year__in=stale).delete()


def _store_memberships(saved: dict[str, Thread], homes: dict[int, tuple[str, str]],
                       rows: dict[int, _Row], replayed: rp.Replayed, *,
                       only: set[str] | None) -> None:
    ovs = replayed.overrides
    wanted: dict[tuple[int, int], dict] = {}
    reps: dict[int, set[int]] = {
        t.pk: {i for ty in t.years.all() for i in ty.representative_ids} for t in saved.values()
    }
    for fid, (key, origin) in homes.items():
        t = saved.get(key)
        if t is None:
            continue
        ov = ovs.get(key)
        wanted[(t.pk, fid)] = {
            "year": rows[fid].year, "origin": origin,
            "pinned": bool(ov and fid in ov.pinned), "excluded": False,
            "representative": fid in reps.get(t.pk, ()),
        }
    for key, t in saved.items():  # findings a person took out: kept visible, marked so
        ov = ovs.get(key)
        for fid in sorted(ov.excluded if ov else ()):
            if fid in rows and (t.pk, fid) not in wanted and homes.get(fid, ("",))[0] != key:
                wanted[(t.pk, fid)] = {"year": rows[fid].year, "origin": MembershipOrigin.PERSON,
                                       "pinned": False, "excluded": True,
                                       "representative": False}
    qs = ThreadMembership.objects.all()
    if only is not None:
        qs = qs.filter(thread__in=list(saved.values()))
    have = {(m.thread_id, m.finding_id): m for m in qs}
    fields = ("year", "origin", "pinned", "excluded", "representative")
    create, update = [], []
    for k, v in wanted.items():
        m = have.get(k)
        if m is None:
            create.append(ThreadMembership(thread_id=k[0], finding_id=k[1], **v))
        elif any(getattr(m, f) != v[f] for f in fields):
            for f in fields:
                setattr(m, f, v[f])
            update.append(m)
    gone = [m.pk for k, m in have.items() if k not in wanted]
    if gone:
        for chunk in _chunks(gone, 5000):
            ThreadMembership.objects.filter(pk__in=chunk).delete()
    if create:
        ThreadMembership.objects.bulk_create(create, batch_size=2000)
    if update:
        ThreadMembership.objects.bulk_update(update, fields, batch_size=2000)


def compute_threads(*, progress: Progress | None = None, force: bool = False, user=None,
                    run: ThreadRun | None = None) -> ThreadRun:
    """Compute the threads from the current findings and decisions and store them.

    Idempotent: with the same findings, decisions and core version as the last finished run,
    nothing is written and the run's status is ``unchanged`` (``force`` computes anyway; the
    store still writes only rows that differ). ``progress(run, step, percent)`` is called at
    each step.
    """
    run = run or ThreadRun.objects.create(force=force, started_by=_user(user))
    run.status = ThreadRun.RunStatus.RUNNING
    run.started_at = timezone.now()
    run.save()

    def step(name: str, percent: int) -> None:
        run.step, run.progress = name, percent
        ThreadRun.objects.filter(pk=run.pk).update(step=name, progress=percent)
        if progress:
            progress(run, name, percent)

    try:
        step("gathering findings", 5)
        rows = _rows()
        replayed, decisions = _replayed(rows)
        run.findings_total = len(rows)
        run.decisions_applied = replayed.applied
        run.core_version = core_version()
        run.input_key = _input_key(rows, decisions)
        last = (ThreadRun.objects.exclude(pk=run.pk)
                .filter(status__in=[ThreadRun.RunStatus.DONE, ThreadRun.RunStatus.UNCHANGED])
                .order_by("-finished_at", "-id").first())
        if not force and last is not None and last.input_key == run.input_key:
            run.status = ThreadRun.RunStatus.UNCHANGED
            run.threads_total = Thread.objects.current().count()
            run.assigned, run.unassigned = last.assigned, last.unassigned
            step("nothing changed", 100)
            run.finished_at = timezone.now()
            run.save()
            return run
        step("building previous threads", 15)
        previous = _previous_states(rows, replayed)
        step("grouping findings", 30)
        core = _core()
        inputs = [finding_input(r) for r in rows.values()]

        def core_progress(stage: str, done: int, total: int) -> None:
            step(f"grouping findings: {stage}", 30 + (40 * done) // max(total, 1))

        result = core.compute_threads(inputs, previous, theme_labels=_theme_labels(),
                                      progress=core_progress)
        step("applying decisions", 70)
        drafts = {t.key: _draft_from_core(t) for t in result.threads}
        assignments = {int(f): k for f, k in dict(result.assignments).items()}
        homes = rp.enforce(assignments, replayed, rows)
        step("storing", 80)
        with transaction.atomic():
            counts = _store(drafts, homes, rows, replayed, run)
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
        if progress:
            progress(run, "done", 100)
    except Exception as exc:
        run.status = ThreadRun.RunStatus.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = timezone.now()
        run.save()
        raise
    return run


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

    if isinstance(y, ThreadYear):
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
    pinned, person = set(pinned), set(person)
    rows = _rows(Finding.objects.filter(pk__in=ids)) if ids else {}
    sources = {s.pk: s for s in Source.objects.filter(pk__in={r.source_id for r in rows.values()})
               .prefetch_related("organisations")}
    passages = dict(Passage.objects.filter(pk__in=[r.passage_id for r in rows.values()
                                                   if r.passage_id]).values_list("pk", "index"))
    out = {}
    for i in ids:
        r = rows.get(i)
        if r is None:
            continue
        s = sources[r.source_id]
        index = passages.get(r.passage_id)
        url = s.get_absolute_url() + (f"#passage-{index}" if index is not None else "")
        out[i] = FindingSummary(
            id=i, kind=r.kind, text=r.text, status=r.status, origin=r.origin, year=r.year,
            source_id=s.pk, source_title=s.title, source_kind=s.kind,
            source_published=s.status == SourceStatus.PUBLISHED,
            organisations=tuple(o.display_name for o in s.organisations.all()),
            organisation_codes=r.organisation_codes, page=r.page, themes=r.themes, laws=r.laws,
            pinned=i in pinned, membership_origin="person" if i in person else "machine",
            evidence=EvidenceLink(source_id=s.pk, source_title=s.title, page=r.page,
                                  passage_index=index, char_start=r.char_start,
                                  char_end=r.char_end, url=url),
        )
    return out


def _published_monitored() -> list[int]:
    return sorted(set(thread_findings().filter(source__status=SourceStatus.PUBLISHED)
                      .values_list("source__year", flat=True).distinct()))


def edition_threads(year: int, *, published_only: bool = True, kinds: Sequence[str] | None = None
                    ) -> list[ThreadSummary]:
    """The threads of edition ``year``: every current thread with a status that year
    (including "no longer mentioned"), pinned first, then most reporting organisations.

    ``published_only`` (the default, for what is published): figures, trends, descriptions and
    quotes are computed over findings of published sources only, and a thread with none is
    left out; otherwise the stored figures (over every finding that feeds threads) are used.
    ``figures_all_years`` covers every year up to and including ``year``. Quotes
    (``representatives``) are the year's representative findings, pinned ones first.
    """
    core = _core()
    threads = list(Thread.objects.current().prefetch_related("years", "calls"))
    if kinds:
        threads = [t for t in threads if t.kind in set(kinds)]
    members = ThreadMembership.objects.filter(excluded=False, year__lte=year,
                                              thread__in=threads)
    if published_only:
        members = members.filter(finding__source__status=SourceStatus.PUBLISHED)
    by_thread: dict[int, list[tuple[int, int, bool, str]]] = defaultdict(list)
    for tid, fid, y, pinned, origin in members.values_list(
            "thread_id", "finding_id", "year", "pinned", "origin").order_by("finding_id"):
        by_thread[tid].append((fid, y, pinned, origin))
    rows = _rows(Finding.objects.filter(pk__in={m[0] for ms in by_thread.values() for m in ms}))
    monitored = [y for y in (_published_monitored() if published_only
                             else _monitored_years(_rows())) if y <= year]
    out: list[ThreadSummary] = []
    for t in threads:
        ms = [m for m in by_thread.get(t.pk, []) if m[0] in rows]
        if not ms:
            continue
        pinned = {m[0] for m in ms if m[2]}
        person = {m[0] for m in ms if m[3] == MembershipOrigin.PERSON}
        description = t.description
        if published_only:
            by_year: dict[int, list[int]] = defaultdict(list)
            for fid, y, _, _ in ms:
                by_year[y].append(fid)
            year_dicts, description = _years_of(dict(by_year), rows, monitored,
                                                _draft_from_db(t), pinned, t.kind)
            years = [_year_summary(y) for y in year_dicts]
        else:
            years = [_year_summary(y) for y in t.years.all() if y.year <= year]
        this = next((y for y in years if y.year == year), None)
        if this is None:
            continue
        summaries = finding_summaries(this.representative_ids, pinned=pinned, person=person)
        all_years = core._figures([finding_input(rows[m[0]]) for m in ms]).to_dict()
        out.append(ThreadSummary(
            key=t.key, label=t.label, description=description, kind=t.kind, pinned=t.pinned,
            year=year, trend=this.trend, trend_label=this.trend_label,
            trend_reason=this.trend_reason, figures=this.figures,
            figures_all_years=all_years, history=tuple(years),
            representatives=tuple(summaries[i] for i in this.representative_ids
                                  if i in summaries),
            finding_ids=tuple(sorted(m[0] for m in ms if m[1] == year)),
            call_ids=tuple(sorted(c.pk for c in t.calls.all())),
            url=t.get_absolute_url(),
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

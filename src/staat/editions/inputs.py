# SPDX-License-Identifier: EUPL-1.2
"""From the database to :class:`~staat.editions.content.EditionData`: everything a build reads.

The edition talks to the other apps only through their services (``staat.threads.services``,
``staat.findings.exports``, ``staat.findings.codebook``) and reads sources, passages and
findings to resolve evidence. Nothing here writes.

**Which findings are published.** A finding goes into the edition when its source is
published and belongs to the edition's year, and it is either decided on by a person
(confirmed, edited or created) or a machine suggestion above the review threshold
(``needs_review`` is false). Rejected findings and low-confidence suggestions waiting in the
review queue never appear. The methodology page gives the counts of each group.
"""

from __future__ import annotations

import json
import logging
import operator
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q
from django.utils.text import slugify

from staat.editions import content as c

log = logging.getLogger(__name__)

#: Quotes kept per thread (the site shows them all on the thread's page; the PDF two).
QUOTES_PER_THREAD = 4


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Read ``name`` from a dataclass, object or dict (the other apps' summaries)."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _first(obj: Any, names: Iterable[str], default: Any = None) -> Any:
    for name in names:
        value = _get(obj, name)
        if value not in (None, ""):
            return value
    return default


# --- findings -------------------------------------------------------------------------------


def published_findings_q(year: int | None = None, *, via: str = "") -> Q:
    """The rule above, as a filter on ``Finding`` (or, with ``via="finding__"``, on a model
    that points to a finding)."""
    from staat.findings.models import Origin, Status
    from staat.sources.models import SourceStatus

    q = Q(**{f"{via}source__status": SourceStatus.PUBLISHED}) & ~Q(
        **{f"{via}status": Status.REJECTED})
    q &= (Q(**{f"{via}status__in": (Status.CONFIRMED, Status.EDITED)})
          | Q(**{f"{via}origin": Origin.PERSON}) | Q(**{f"{via}needs_review": False}))
    if year is not None:
        q &= Q(**{f"{via}source__year": year})
    return q


def published_findings(year: int | None = None):
    from staat.findings.models import Finding

    return Finding.objects.filter(published_findings_q(year))


def _fetch(qs) -> list[tuple]:
    """The rows of a ``values_list`` query straight from the database cursor, without Django's
    per-row conversions (several times faster for tens of thousands of rows): for id, number
    and text columns; a boolean may come as 0 or 1, JSON as text."""
    from django.core.exceptions import EmptyResultSet
    from django.db import connections

    try:
        sql, params = qs.query.get_compiler(using=qs.db).as_sql()
    except EmptyResultSet:  # a filter that matches nothing (``pk__in=[]``)
        return []
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _json_value(value):
    """A JSON column's value read with :func:`_fetch` (text on some databases)."""
    return json.loads(value) if isinstance(value, str | bytes) else value


def _source_organisations(source_ids) -> dict[int, list[tuple[str, str, str]]]:
    """(code, name, short name) of each source's organisations, by code."""
    from staat.sources.models import Source

    out: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for sid, code, name, short in _fetch(
            Source.organisations.through.objects.filter(source_id__in=sorted(source_ids))
            .values_list("source_id", "organisation__code", "organisation__name",
                         "organisation__short_name").order_by("source_id", "organisation__code")):
        out[sid].append((code, name, short))
    return out


def evidence_for(findings) -> dict[int, c.Evidence]:
    """Evidence for each finding: the text is always ``Source.text[char_start:char_end]``."""
    from staat.sources.models import Passage, Source

    rows = _fetch(findings.order_by("source_id", "char_start", "pk").values_list(
        "pk", "kind", "text", "source_id", "page", "passage_id", "passage__index",
        "passage__page_start", "char_start", "char_end", "status", "origin"))
    source_ids = sorted({r[3] for r in rows})
    # Source.text is large (a 40-page Stand is some 200 kB): read once per source
    sources = {pk: (title, year, text) for pk, title, year, text in _fetch(
        Source.objects.filter(pk__in=source_ids).values_list("pk", "title", "year", "text"))}
    org_names = {sid: ", ".join(sorted(short or name for _code, name, short in orgs))
                 for sid, orgs in _source_organisations(source_ids).items()}
    located: dict[int, int] = {}
    without = defaultdict(list)  # findings with no passage: found by their offsets
    for r in rows:
        if r[5] is None:
            without[r[3]].append(r)
    for source_id, items in without.items():
        spans = list(Passage.objects.filter(source_id=source_id).order_by("index")
                     .values_list("index", "char_start", "char_end"))
        for r in items:
            for index, start, end in spans:
                if start <= r[8] < end:
                    located[r[0]] = index
                    break
    out = {}
    for (pk, kind, ftext, sid, page, passage_id, p_index, p_page, start, end, status,
         origin) in rows:
        title, year, text = sources[sid]
        out[pk] = c.Evidence(
            finding_id=pk,
            kind=kind,
            text=" ".join((text[start:end] or ftext).split()),
            source_id=sid,
            source_title=title,
            organisation=org_names.get(sid, ""),
            page=page or (p_page if passage_id is not None else None),
            passage_index=p_index if passage_id is not None else located.get(pk),
            char_start=start,
            char_end=end,
            status=status,
            origin=origin,
            year=year,
        )
    return out


# --- threads and calls (adapters over staat.threads.services) ---------------------------------


def threads_service():
    try:
        from staat.threads import services
    except ImportError:
        return None
    return services if hasattr(services, "edition_threads") else None


def _figures(raw: Any) -> dict[str, Any]:
    if raw is None:
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    if hasattr(raw, "__dataclass_fields__"):
        return {k: getattr(raw, k) for k in raw.__dataclass_fields__}
    return dict(vars(raw))


def _count(value: Any) -> int:
    if isinstance(value, list | tuple | set | dict):
        return len(value)
    return int(value or 0)


def thread_views(year: int, published: dict[int, c.Evidence], data_log: list[str]) -> list[c.ThreadView]:
    """The year's threads as views, representative findings resolved to evidence."""
    service = threads_service()
    if service is None:
        data_log.append("De rode draden zijn gegroepeerd naar soort en hoofdthema (de module "
                        "voor rode draden was niet beschikbaar)")
        raw_threads = fallback_threads(year, published)
    else:
        # the quotes are resolved here from the representatives' ids (in ``history``)
        raw_threads = list(service.edition_threads(year, quotes=False))
    views: list[c.ThreadView] = []
    used_slugs: set[str] = set()
    dropped_total = [0]
    for raw in raw_threads:
        key = str(_get(raw, "key"))
        history_raw = _get(raw, "history") or {}
        if isinstance(history_raw, list | tuple):
            history_raw = {int(_get(h, "year")): h for h in history_raw}
        history = {}
        for y, h in history_raw.items():
            inner = _get(h, "figures")
            figures = _figures(inner if inner is not None else h)
            figures["trend"] = _get(h, "trend", "") or figures.get("trend", "")
            history[int(y)] = figures
        figures = _figures(_first(raw, ("figures", "year_figures")))
        if not figures and year in history:
            figures = dict(history[year])
        evidence, seen = [], set()
        reps = _first(raw, ("findings", "representatives", "representative_findings"), [])
        if not reps:
            reps = _get(history_raw.get(year) or {}, "representative_ids") or ()
        for rep in reps or []:
            fid = rep if isinstance(rep, int) else _first(rep, ("finding_id", "id"))
            ev = published.get(int(fid)) if fid is not None else None
            if ev is None:
                dropped_total[0] += 1
            elif ev.finding_id not in seen:
                evidence.append(ev)
                seen.add(ev.finding_id)
        # a representative under review is replaced by another published member, preferring
        # organisations (sources) not quoted yet
        members = [published[i] for i in (_get(raw, "finding_ids") or ()) if i in published]
        quoted_sources = {e.source_id for e in evidence}
        for ev in sorted(members, key=lambda e: (e.source_id in quoted_sources, e.finding_id)):
            if len(evidence) >= QUOTES_PER_THREAD:
                break
            if ev.finding_id not in seen:
                evidence.append(ev)
                seen.add(ev.finding_id)
                quoted_sources.add(ev.source_id)
        slug = slugify(key)[:60] or "draad"
        base, n = slug, 2
        while slug in used_slugs:
            slug, n = f"{base}-{n}", n + 1
        used_slugs.add(slug)
        views.append(c.ThreadView(
            key=key,
            slug=slug,
            label=str(_get(raw, "label") or key),
            description=str(_get(raw, "description") or ""),
            kind=str(_get(raw, "kind") or "knelpunt"),
            trend=str(_get(raw, "trend") or figures.get("trend") or ""),
            figures=figures,
            history=history,
            evidence=evidence,
        ))
    if dropped_total[0]:
        data_log.append(f"{dropped_total[0]} voorgestelde citaten bij rode draden zijn niet "
                        "gepubliceerd (nog te beoordelen of uit een niet-gepubliceerde bron) en "
                        "zijn vervangen door andere gepubliceerde bevindingen van de draad")
    return rank_threads(views)


def rank_threads(views: list[c.ThreadView]) -> list[c.ThreadView]:
    """Lichtpunten first, then by organisations this year, findings, label (deterministic)."""
    kind_order = {"lichtpunt": 0, "knelpunt": 1, "dilemma": 2, "oproep": 3}
    views = sorted(views, key=lambda t: (
        kind_order.get(t.kind, 9), -t.count("organisations"), -t.count("findings"), t.label, t.key,
    ))
    for i, view in enumerate(views, 1):
        view.rank = i
    return views


def fallback_threads(year: int, published: dict[int, c.Evidence]) -> list[dict]:
    """Threads by (kind, main theme) when the threads app is not there: a plain adapter."""
    from staat.findings.models import FindingTheme

    from staat.editions.trend import simple_trend

    rows = (
        FindingTheme.objects.filter(finding__in=published_findings().filter(source__year__lte=year))
        .values_list("finding_id", "theme__code", "theme__label_nl", "score", "finding__kind",
                     "finding__source_id", "finding__source__year")
        .order_by("finding_id", "-score", "theme__code")
    )
    main: dict[int, tuple] = {}
    for fid, code, label, _score, kind, source_id, src_year in rows:
        main.setdefault(fid, (code, label, kind, source_id, src_year))
    org_of = defaultdict(set)
    from staat.sources.models import Source

    src_ids = {v[3] for v in main.values()}
    for sid, code, otype in Source.objects.filter(pk__in=src_ids).values_list(
        "pk", "organisations__code", "organisations__type"
    ):
        if code:
            org_of[sid].add((code, otype))
    groups: dict[str, dict] = {}
    for fid, (code, label, kind, source_id, src_year) in sorted(main.items()):
        if kind not in ("knelpunt", "lichtpunt"):
            continue
        key = f"{kind}-{code}"
        g = groups.setdefault(key, {"key": key, "label": label, "kind": kind,
                                    "description": "", "years": defaultdict(
                                        lambda: {"findings": 0, "sources": set(),
                                                 "organisations": set(), "organisation_types": set()}),
                                    "findings": []})
        y = g["years"][src_year]
        y["findings"] += 1
        y["sources"].add(source_id)
        for org, otype in org_of[source_id]:
            y["organisations"].add(org)
            y["organisation_types"].add((org, otype))
        if src_year == year:
            g["findings"].append(fid)
    out = []
    for key, g in sorted(groups.items()):
        if year not in g["years"]:
            continue
        history = {}
        for y, fig in sorted(g["years"].items()):
            history[y] = {"findings": fig["findings"], "sources": len(fig["sources"]),
                          "organisations": len(fig["organisations"]),
                          "reporters": len(fig["organisations"]) or len(fig["sources"]),
                          "organisation_types": dict(Counter(
                              t for _code, t in fig["organisation_types"])),
                          "organisation_codes": sorted(fig["organisations"]),
                          "source_ids": sorted(fig["sources"])}
        for y in history:
            history[y]["trend"] = simple_trend(
                {yy: h["reporters"] for yy, h in history.items()}, y
            )
        # representative: one finding per organisation first, highest confidence order is
        # unknown here, so the first by id per source
        reps, seen = [], set()
        for fid in g["findings"]:
            ev = published.get(fid)
            if ev and ev.source_id not in seen:
                reps.append({"finding_id": fid})
                seen.add(ev.source_id)
            if len(reps) >= 5:
                break
        out.append({"key": key, "label": g["label"], "kind": g["kind"],
                    "description": g["description"], "trend": history[year]["trend"],
                    "figures": history[year], "history": history, "findings": reps})
    return out


def call_views(year: int, published: dict[int, c.Evidence], data_log: list[str]) -> list[c.CallView]:
    service = threads_service()
    raw_calls: list = []
    if service is not None and hasattr(service, "calls_for_edition"):
        raw_calls = list(service.calls_for_edition(year))
    else:
        data_log.append("Oproepen ontbreken: de module voor oproepen was niet beschikbaar")
    views = []
    for raw in raw_calls:
        call_year = int(_first(raw, ("edition_year", "year"), year))
        original = str(_first(raw, ("original_text", "original", "text"), ""))
        wording = str(_first(raw, ("wording",), original))
        versions = []
        for v in _get(raw, "versions") or []:
            versions.append({"year": int(_first(v, ("edition_year", "year"), call_year)),
                             "text": str(_first(v, ("text", "wording"), "")),
                             "note": str(_get(v, "note") or "")})
        follow_ups = []
        for fu in _first(raw, ("follow_ups", "followups"), []) or []:
            status = str(_get(fu, "status") or "none")
            refs = []
            for cit in _first(fu, ("citations", "sources", "evidence"), []) or []:
                sid = _first(cit, ("source_id", "id"))
                if sid is None:
                    continue
                pidx = _first(cit, ("passage_index", "passage"))
                refs.append({"source_id": int(sid),
                             "title": str(_first(cit, ("source_title", "title"), "")),
                             "page": _get(cit, "page"),
                             "passage_index": int(pidx) if isinstance(pidx, int) else None})
            follow_ups.append({
                "year": int(_first(fu, ("edition_year", "year"), year)),
                "status": status,
                "status_label": c.FOLLOW_UP_LABELS.get(status, status),
                "response": str(_get(fu, "response") or ""),
                "steps": str(_get(fu, "steps") or ""),
                "citations": refs,
            })
        uptake = []
        for u in _get(raw, "uptake") or []:
            pidx = _get(u, "passage_index")
            uptake.append({"source_id": int(_get(u, "source_id")),
                           "title": str(_get(u, "source_title") or ""),
                           "page": _get(u, "page"),
                           "passage_index": int(pidx) if pidx is not None else None})
        threads = [str(_get(t, "key", t)) for t in
                   (_first(raw, ("thread_keys", "threads"), []) or [])]
        views.append(c.CallView(
            id=str(_first(raw, ("id", "pk"))),
            title=str(_first(raw, ("title",), "") or original[:80]),
            wording=wording,
            original=original,
            year=call_year,
            audience=str(_get(raw, "audience") or "allen"),
            versions=sorted(versions, key=lambda v: v["year"]),
            follow_ups=sorted(follow_ups, key=lambda f: f["year"]),
            threads=threads,
            uptake=uptake,
            order=int(_get(raw, "order") or 0),
        ))
    return sorted(views, key=lambda v: (-(v.year == year), -v.year, v.order, v.id.zfill(12)))


# --- sources, organisations, methodology, charts ----------------------------------------------


def source_views(evidence: Iterable[c.Evidence],
                 extra: dict[int, set[int | None]] | None = None) -> dict[int, c.SourceView]:
    """Each cited source with the passages its cited findings stand in, findings marked.
    ``extra`` adds sources (and passages by index) cited otherwise, e.g. by a call's
    follow-up or uptake; ``None`` as an index cites the source as a whole. Unpublished
    sources are never shown."""
    from staat.sources.models import Passage, Source, SourceStatus

    extra = extra or {}
    by_source: dict[int, dict[int, c.Evidence]] = defaultdict(dict)
    for ev in evidence:
        by_source[ev.source_id][ev.finding_id] = ev
    ids = sorted(set(by_source) | set(extra))
    sources = list(Source.objects.filter(pk__in=ids, status=SourceStatus.PUBLISHED)
                   .prefetch_related("organisations").order_by("pk"))
    # the cited passages of all sources in one query, without their text (the source's
    # text holds it)
    wanted: dict[int, set[int]] = defaultdict(set)
    for source in sources:
        wanted[source.pk] = {e.passage_index for e in by_source.get(source.pk, {}).values()
                             if e.passage_index is not None}
        wanted[source.pk] |= {i for i in extra.get(source.pk, ()) if i is not None}
    spans: dict[int, dict[int, tuple]] = defaultdict(dict)
    for sid, index, start, end, first, last, heading in _fetch(
            Passage.objects.filter(source_id__in=[s.pk for s in sources]).values_list(
                "source_id", "index", "char_start", "char_end", "page_start", "page_end",
                "heading_path")):
        if index in wanted[sid]:
            spans[sid][index] = (start, end, first, last, heading)
    out = {}
    for source in sources:
        cited = sorted(by_source.get(source.pk, {}).values(), key=lambda e: (e.char_start, e.finding_id))
        passages = spans[source.pk]
        groups: dict[int, list[c.Evidence]] = {i: [] for i in passages}
        for ev in cited:
            if ev.passage_index in passages:
                groups[ev.passage_index].append(ev)
        blocks = []
        for index in sorted(groups):
            p_start, p_end, page_start, page_end, heading = passages[index]
            items = groups[index]
            start = min([p_start, *(e.char_start for e in items)])
            end = max([p_end, *(e.char_end for e in items)])
            blocks.append(c.Block(
                passage_index=index,
                page=page_start,
                page_end=max(page_end, *(e.page or 0 for e in items), page_start),
                heading=" › ".join(_json_value(heading) or ()),
                segments=segments(source.text, start, end, items),
                finding_ids=[e.finding_id for e in items],
                kind_labels=sorted({e.kind_label for e in items}),
            ))
        orgs = sorted(source.organisations.all(), key=lambda o: o.code)
        out[source.pk] = c.SourceView(
            id=source.pk,
            title=source.title,
            kind=source.kind,
            kind_label=str(source.get_kind_display()),
            year=source.year,
            organisations=[(o.code, o.name) for o in orgs],
            page_count=source.page_count,
            authors=source.authors,
            institution=source.institution,
            publication_date=source.publication_date.isoformat() if source.publication_date else "",
            sha256=source.sha256,
            is_fictional=any(o.is_fictional for o in orgs),
            blocks=blocks,
        )
    return out


def segments(text: str, start: int, end: int, items: list[c.Evidence]) -> list[dict]:
    """Split ``text[start:end]`` at the findings' edges: [{text, marked, starts}], where
    ``starts`` are the findings that begin in that segment (they get the anchors)."""
    cuts = {start, end}
    for e in items:
        cuts.add(max(start, min(end, e.char_start)))
        cuts.add(max(start, min(end, e.char_end)))
    cuts = sorted(cuts)
    spans = [(e.char_start, e.char_end, e.finding_id) for e in items]
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        covering = [i for s, t, i in spans if s <= a and b <= t]
        starts = [i for s, _t, i in spans if s == a]
        out.append({"text": text[a:b], "marked": bool(covering), "ids": covering, "starts": starts})
    return out


def organisation_views(year: int, evidence: dict[int, c.Evidence],
                       threads: list[c.ThreadView]) -> list[c.OrganisationView]:
    from staat.core.models import Organisation
    from staat.sources.models import Source, SourceStatus

    source_orgs = defaultdict(set)
    for sid, code in Source.objects.filter(
        year=year, status=SourceStatus.PUBLISHED
    ).values_list("pk", "organisations__code"):
        if code:
            source_orgs[code].add(sid)
    thread_of = defaultdict(set)
    for t in threads:
        for code in t.figures.get("organisation_codes") or ():
            thread_of[str(code)].add(t.key)
    rank = {t.key: t.rank for t in threads}
    by_source = defaultdict(list)
    for ev in evidence.values():
        by_source[ev.source_id].append(ev)
    out = []
    for org in Organisation.objects.filter(code__in=source_orgs).order_by("code"):
        sids = sorted(source_orgs[org.code])
        evs = sorted((e for s in sids for e in by_source[s]),
                     key=lambda e: (e.source_id, e.char_start, e.finding_id))
        keys = sorted(thread_of[org.code], key=lambda k: rank.get(k, 0))
        out.append(c.OrganisationView(
            code=org.code, name=org.name, short_name=org.short_name, type=org.type,
            is_fictional=org.is_fictional, source_ids=sids, evidence=evs, thread_keys=keys,
        ))
    return out


def methodology(year: int) -> dict[str, Any]:
    from staat.core.models import Organisation
    from staat.findings.models import ExtractionRun, Finding, Origin
    from staat.sources.models import Source, SourceStatus

    sources = Source.objects.filter(status=SourceStatus.PUBLISHED, year__lte=year)
    by_kind_year = defaultdict(dict)
    kind_labels = dict(Source._meta.get_field("kind").flatchoices)
    for kind, y, n in sources.values_list("kind", "year").annotate(n=Count("id")).order_by("kind", "year"):
        by_kind_year[str(kind_labels.get(kind, kind))][y] = n
    years = sorted({y for row in by_kind_year.values() for y in row if y})
    by_type = Counter()
    type_labels = dict(Organisation._meta.get_field("type").flatchoices)
    for otype, n in (Organisation.objects.filter(sources__in=sources.filter(year=year))
                     .values_list("type").annotate(n=Count("id", distinct=True)).order_by("type")):
        by_type[str(type_labels.get(otype, otype))] = n
    year_findings = Finding.objects.filter(source__year=year, source__status=SourceStatus.PUBLISHED)
    status_labels = dict(Finding._meta.get_field("status").flatchoices)
    run = (ExtractionRun.objects.filter(status=ExtractionRun.RunStatus.DONE)
           .exclude(extractor_version="").order_by("-finished_at", "-pk").first())
    # the year's findings counted in one pass, by status and extractor version
    counts: Counter = Counter()
    statuses: Counter = Counter()
    versions_: set[str] = set()
    for status, version, *ns in _fetch(year_findings.values_list("status", "extractor_version")
                                       .annotate(
            n_year=Count("id"),
            n_machine=Count("id", filter=Q(origin=Origin.MACHINE)),
            n_person=Count("id", filter=Q(origin=Origin.PERSON)),
            n_needs_review=Count("id", filter=Q(needs_review=True) & ~Q(
                status__in=("confirmed", "edited", "rejected"))),
            n_published=Count("id", filter=published_findings_q()),
    ).order_by()):
        counts.update(dict(zip(("n_year", "n_machine", "n_person", "n_needs_review",
                                "n_published"), ns, strict=True)))
        statuses[status] += ns[0]
        if version:
            versions_.add(version)
    by_status = {str(status_labels.get(st, st)): n for st, n in sorted(statuses.items())}
    versions = sorted(versions_)
    return {
        "years": years,
        "by_kind_year": {k: [v.get(y, 0) for y in years] for k, v in sorted(by_kind_year.items())},
        "sources_total": sources.count(),
        "sources_year": sources.filter(year=year).count(),
        "pages_year": sum(sources.filter(year=year).values_list("page_count", flat=True)),
        "organisations_year": Organisation.objects.filter(
            sources__in=sources.filter(year=year)).distinct().count(),
        "by_organisation_type": dict(sorted(by_type.items())),
        "extractor_name": run.extractor_name if run else "",
        "extractor_versions": versions,
        "findings_year": counts["n_year"],
        "findings_machine": counts["n_machine"],
        "findings_person": counts["n_person"],
        "findings_needs_review": counts["n_needs_review"],
        "findings_published": counts["n_published"],
        "by_status": by_status,
    }


def chart_data(year: int, threads: list[c.ThreadView], chart_threads: list[str],
               counts: tuple[list[dict], list[dict]] | None = None) -> dict[str, list[dict]]:
    """The rows of each chart; ``counts`` are :func:`chart_counts` (read here when not
    given)."""
    chosen = [t for t in threads if t.key in set(chart_threads)] or [
        t for t in threads if t.kind == "knelpunt"][:6]
    over_years = [
        {"draad": t.label[:48], "jaar": str(y), "organisaties": t.count("organisations", y)}
        for t in chosen for y in sorted(t.history)
    ]
    by_theme, by_type = chart_counts(year) if counts is None else counts
    return {"threads-over-years": over_years, "findings-by-theme-year": by_theme,
            "findings-by-organisation-type": by_type}


def chart_counts(year: int) -> tuple[list[dict], list[dict]]:
    """The rows of the charts that count findings (by theme and year, by organisation type
    and kind): from the database alone, so they can be read while the threads are."""
    from staat.core.models import Organisation

    by_theme = [
        {"thema": label, "jaar": str(y), "bevindingen": n}
        for label, y, n in _findings_by_theme_and_year(year) if y
    ]
    type_labels = {k: c.ORGANISATION_TYPE_LABELS.get(k, k) for k in
                   dict(Organisation._meta.get_field("type").flatchoices)}
    by_type = [
        {"type": type_labels.get(otype, otype), "soort": c.KIND_PLURALS.get(kind, kind),
         "bevindingen": n}
        for otype, kind, n in (
            published_findings(year).values_list("source__organisations__type", "kind")
            .annotate(n=Count("id", distinct=True)).order_by("source__organisations__type", "kind")
        ) if otype
    ]
    return by_theme, by_type


def _findings_by_theme_and_year(year: int) -> list[tuple[str, int, int]]:
    """(theme label, year, published findings) up to ``year``, by label and year. A finding
    has a theme once, so the findings of a theme are counted per theme (with joins, not a
    subquery of all findings) and named by its label; only when two themes share a label is
    each finding counted once per label in the database."""
    from staat.findings.models import FindingTheme, Theme

    labels = dict(_fetch(Theme.objects.values_list("pk", "label_nl")))
    themes = FindingTheme.objects.filter(published_findings_q(via="finding__"),
                                         finding__source__year__lte=year)
    if len(set(labels.values())) < len(labels):
        return sorted(themes.values_list("theme__label_nl", "finding__source__year")
                      .annotate(n=Count("finding_id", distinct=True)).order_by())
    return sorted((labels[theme], y, n) for theme, y, n in _fetch(
        themes.values_list("theme_id", "finding__source__year").annotate(n=Count("id"))
        .order_by()))


def codebook_rows() -> list[dict]:
    from staat.findings.models import Theme

    return [
        {"code": t.code, "label": t.label_nl, "label_en": t.label_en, "description": t.description,
         "parent": t.parent.code if t.parent_id else "", "retired": t.retired}
        for t in Theme.objects.select_related("parent").order_by("order", "code")
    ]


def finding_rows(year: int) -> list[dict]:
    """The open-data rows of the year's published findings: the fields and values of
    ``staat.findings.exports.export_row`` (the ``staat findings export`` interface), read with
    a few bulk queries instead of per-row related lookups (a large year has tens of thousands).
    ``tests/editions`` checks the two agree."""
    return finding_rows_of(read_finding_rows(year))


def read_finding_rows(year: int) -> tuple[list[tuple], ...]:
    """What :func:`finding_rows` reads from the database, as the database gives it (the
    rows are made of it by :func:`finding_rows_of`, which needs no database: a build makes
    them in whichever process has time)."""
    from staat.findings.models import Finding, FindingTheme
    from staat.sources.models import Source

    qs = published_findings(year)
    ids = qs.values("pk")
    themes = _fetch(FindingTheme.objects.filter(
        published_findings_q(year, via="finding__")).values_list("finding_id", "theme__code"))
    through = Finding.organisations.through
    named = _fetch(through.objects.filter(finding__in=ids).values_list(
        "finding_id", "organisation__code"))
    rows = _fetch(qs.order_by("source_id", "char_start", "pk").values_list(
        "pk", "source_id", "kind", "text", "page", "char_start", "char_end", "laws", "confidence",
        "origin", "status", "needs_review", "codebook_version__number", "extractor_version",
        "passage__index", "sentence_first", "sentence_last"))
    source_ids = {r[1] for r in rows}
    sources = _fetch(Source.objects.filter(pk__in=source_ids).values_list("pk", "title", "year"))
    source_orgs = _fetch(Source.objects.filter(pk__in=source_ids).values_list(
        "pk", "organisations__code"))
    return themes, named, rows, sources, source_orgs


def finding_rows_of(read: tuple[list[tuple], ...]) -> list[dict]:
    """:func:`finding_rows` of what :func:`read_finding_rows` gave."""
    from staat.findings.exports import EXPORT_FIELDS
    from staat.findings.services import law_label

    theme_rows, named_rows, rows_, source_rows, source_org_rows = read
    themes, named, source_orgs = defaultdict(list), defaultdict(list), defaultdict(list)
    for fid, code in theme_rows:
        themes[fid].append(code)
    for fid, code in named_rows:
        named[fid].append(code)
    sources = {pk: (title, year) for pk, title, year in source_rows}
    for sid, code in source_org_rows:
        if code:
            source_orgs[sid].append(code)
    orgs = {sid: ";".join(sorted(codes)) for sid, codes in source_orgs.items()}
    fields = [k for k in EXPORT_FIELDS if k in _FINDING_ROW_FIELDS]
    index = [_FINDING_ROW_FIELDS.index(k) for k in fields]
    pick = operator.itemgetter(*index) if len(index) > 1 else (lambda v: (v[index[0]],))
    out = []
    for (pk, sid, kind, text, page, start, end, laws, confidence, origin, status, review,
         cb_number, version, passage, s_first, s_last) in rows_:
        title, year_ = sources[sid]
        values = (
            pk, sid, title, orgs.get(sid, ""), year_, kind, text, page, start, end,
            sorted(themes[pk]) if pk in themes else [],
            [law_label(m) for m in _json_value(laws) or []],
            confidence, origin, status, sorted(named[pk]) if pk in named else [], bool(review),
            cb_number, version, passage, s_first, s_last,
        )
        out.append(dict(zip(fields, pick(values), strict=True)))
    return out


#: The fields :func:`finding_rows` gives, in the order of its values.
_FINDING_ROW_FIELDS = (
    "id", "source_id", "source_title", "organisation", "year", "kind", "text", "page",
    "char_start", "char_end", "themes", "laws", "confidence", "origin", "status",
    "organisations_named", "needs_review", "codebook_version", "extractor_version", "passage",
    "sentence_first", "sentence_last")


def is_fictional(year: int) -> bool:
    from staat.core.models import Organisation

    return Organisation.objects.filter(is_fictional=True, sources__year__lte=year).exists()

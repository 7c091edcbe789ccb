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

import logging
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


def published_findings_q(year: int | None = None) -> Q:
    """The rule above, as a filter on ``Finding``."""
    from staat.findings.models import Origin, Status
    from staat.sources.models import SourceStatus

    q = Q(source__status=SourceStatus.PUBLISHED) & ~Q(status=Status.REJECTED)
    q &= Q(status__in=(Status.CONFIRMED, Status.EDITED)) | Q(origin=Origin.PERSON) | Q(
        needs_review=False
    )
    if year is not None:
        q &= Q(source__year=year)
    return q


def published_findings(year: int | None = None):
    from staat.findings.models import Finding

    return Finding.objects.filter(published_findings_q(year))


def _org_names(source) -> str:
    return ", ".join(sorted(o.short_name or o.name for o in source.organisations.all()))


def evidence_for(findings) -> dict[int, c.Evidence]:
    """Evidence for each finding: the text is always ``Source.text[char_start:char_end]``."""
    from staat.sources.models import Passage

    from staat.sources.models import Source

    # Source.text is large (a 40-page Stand is some 200 kB): load it once per source, never
    # once per finding (select_related would copy it into every row).
    findings = list(findings.select_related("passage").only(
        "pk", "kind", "text", "source_id", "page", "passage_id", "passage__index",
        "passage__page_start", "char_start", "char_end", "status", "origin",
    ).order_by("source_id", "char_start", "pk"))
    sources = {s.pk: s for s in Source.objects.filter(pk__in={f.source_id for f in findings})
               .only("pk", "title", "year", "text").prefetch_related("organisations")}
    org_names = {pk: _org_names(s) for pk, s in sources.items()}
    passages_needed = defaultdict(list)
    for f in findings:
        if f.passage_id is None:
            passages_needed[f.source_id].append(f)
    located: dict[int, int] = {}
    for source_id, items in passages_needed.items():
        spans = list(Passage.objects.filter(source_id=source_id).order_by("index")
                     .values_list("index", "char_start", "char_end"))
        for f in items:
            for index, start, end in spans:
                if start <= f.char_start < end:
                    located[f.pk] = index
                    break
    out = {}
    for f in findings:
        source = sources[f.source_id]
        text = source.text[f.char_start:f.char_end] or f.text
        out[f.pk] = c.Evidence(
            finding_id=f.pk,
            kind=f.kind,
            text=" ".join(text.split()),
            source_id=f.source_id,
            source_title=source.title,
            organisation=org_names[f.source_id],
            page=f.page or (f.passage.page_start if f.passage_id else None),
            passage_index=f.passage.index if f.passage_id else located.get(f.pk),
            char_start=f.char_start,
            char_end=f.char_end,
            status=f.status,
            origin=f.origin,
            year=source.year,
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
        raw_threads = list(service.edition_threads(year))
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
        for rep in _first(raw, ("findings", "representatives", "representative_findings"), []) or []:
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
    out = {}
    for source in (Source.objects.filter(pk__in=ids, status=SourceStatus.PUBLISHED)
                   .prefetch_related("organisations")
                   .order_by("pk")):
        cited = sorted(by_source.get(source.pk, {}).values(), key=lambda e: (e.char_start, e.finding_id))
        wanted = {e.passage_index for e in cited if e.passage_index is not None}
        wanted |= {i for i in extra.get(source.pk, ()) if i is not None}
        passages = {p.index: p for p in Passage.objects.filter(source=source, index__in=wanted)}
        groups: dict[int, list[c.Evidence]] = {i: [] for i in passages}
        for ev in cited:
            if ev.passage_index in passages:
                groups[ev.passage_index].append(ev)
        blocks = []
        for index in sorted(groups):
            p = passages[index]
            items = groups[index]
            start = min([p.char_start, *(e.char_start for e in items)])
            end = max([p.char_end, *(e.char_end for e in items)])
            blocks.append(c.Block(
                passage_index=index,
                page=p.page_start,
                page_end=max(p.page_end, *(e.page or 0 for e in items), p.page_start),
                heading=p.heading,
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
    out = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        if a == b:
            continue
        covering = [e.finding_id for e in items if e.char_start <= a and b <= e.char_end]
        starts = [e.finding_id for e in items if e.char_start == a]
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
    by_status = {str(status_labels.get(s, s)): n for s, n in
                 year_findings.values_list("status").annotate(n=Count("id")).order_by("status")}
    run = (ExtractionRun.objects.filter(status=ExtractionRun.RunStatus.DONE)
           .exclude(extractor_version="").order_by("-finished_at", "-pk").first())
    versions = sorted(set(year_findings.exclude(extractor_version="")
                          .values_list("extractor_version", flat=True)))
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
        "findings_year": year_findings.count(),
        "findings_machine": year_findings.filter(origin=Origin.MACHINE).count(),
        "findings_person": year_findings.filter(origin=Origin.PERSON).count(),
        "findings_needs_review": year_findings.filter(
            needs_review=True).exclude(status__in=("confirmed", "edited", "rejected")).count(),
        "findings_published": published_findings(year).count(),
        "by_status": by_status,
    }


def chart_data(year: int, threads: list[c.ThreadView], chart_threads: list[str]) -> dict[str, list[dict]]:
    from staat.core.models import Organisation
    from staat.findings.models import FindingTheme

    chosen = [t for t in threads if t.key in set(chart_threads)] or [
        t for t in threads if t.kind == "knelpunt"][:6]
    over_years = [
        {"draad": t.label[:48], "jaar": str(y), "organisaties": t.count("organisations", y)}
        for t in chosen for y in sorted(t.history)
    ]
    by_theme = [
        {"thema": label, "jaar": str(y), "bevindingen": n}
        for label, y, n in (
            FindingTheme.objects.filter(finding__in=published_findings().filter(source__year__lte=year))
            .values_list("theme__label_nl", "finding__source__year")
            .annotate(n=Count("finding_id", distinct=True))
            .order_by("theme__label_nl", "finding__source__year")
        ) if y
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
    return {"threads-over-years": over_years, "findings-by-theme-year": by_theme,
            "findings-by-organisation-type": by_type}


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
    from staat.findings.exports import EXPORT_FIELDS
    from staat.findings.models import Finding, FindingTheme
    from staat.findings.services import law_label
    from staat.sources.models import Source

    qs = published_findings(year)
    ids = qs.values("pk")
    themes, named, source_orgs = defaultdict(list), defaultdict(list), defaultdict(list)
    for fid, code in FindingTheme.objects.filter(finding__in=ids).values_list(
            "finding_id", "theme__code"):
        themes[fid].append(code)
    through = Finding.organisations.through
    for fid, code in through.objects.filter(finding__in=ids).values_list(
            "finding_id", "organisation__code"):
        named[fid].append(code)
    rows_ = list(qs.order_by("source_id", "char_start", "pk").values_list(
        "pk", "source_id", "kind", "text", "page", "char_start", "char_end", "laws", "confidence",
        "origin", "status", "needs_review", "codebook_version__number", "extractor_version",
        "passage__index", "sentence_first", "sentence_last"))
    source_ids = {r[1] for r in rows_}
    titles = dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "title"))
    years = dict(Source.objects.filter(pk__in=source_ids).values_list("pk", "year"))
    for sid, code in Source.objects.filter(pk__in=source_ids).values_list(
            "pk", "organisations__code"):
        if code:
            source_orgs[sid].append(code)
    out = []
    for (pk, sid, kind, text, page, start, end, laws, confidence, origin, status, review,
         cb_number, version, passage, s_first, s_last) in rows_:
        row = {
            "id": pk, "source_id": sid, "source_title": titles[sid],
            "organisation": ";".join(sorted(source_orgs[sid])), "year": years[sid],
            "kind": kind, "text": text, "page": page, "char_start": start, "char_end": end,
            "themes": sorted(themes[pk]), "laws": [law_label(m) for m in laws or []],
            "confidence": confidence, "origin": origin, "status": status,
            "organisations_named": sorted(named[pk]), "needs_review": review,
            "codebook_version": cb_number, "extractor_version": version, "passage": passage,
            "sentence_first": s_first, "sentence_last": s_last,
        }
        out.append({k: row[k] for k in EXPORT_FIELDS if k in row})
    return out


def is_fictional(year: int) -> bool:
    from staat.core.models import Organisation

    return Organisation.objects.filter(is_fictional=True, sources__year__lte=year).exists()

# SPDX-License-Identifier: EUPL-1.2
"""Calls (*oproepen*): their wording over the editions, follow-up, and checking them against
documents. Import these through :mod:`staat.threads.services`.

Checking a call (:func:`check_call`) compares its wording with every passage of the chosen
sources by TF-IDF cosine over the stored search terms (``Passage.search_terms``: lemmas
without stopwords, made by ``staat.nlp.lemmas.search_terms``; the call's wording goes through
the same function). Weights: sublinear term frequency, smoothed idf computed over the chosen
passages, L2 normalisation (scikit-learn's ``TfidfVectorizer``). A passage is listed when its
cosine is at least ``threshold`` and it shares at least ``min_shared`` terms with the call; its
evidence is the shared terms, strongest first. A researcher confirms or rejects each match.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from django.db import transaction
from django.utils import timezone

from staat.core import audit
from staat.nlp import lemmas
from staat.sources.models import Passage, Source
from staat.threads.models import (
    Audience,
    Call,
    CallCheck,
    CallCheckMatch,
    CallVersion,
    FollowUp,
    FollowUpCitation,
    FollowUpStatus,
    MatchStatus,
    Thread,
)

CALL_FIELDS = ("edition_year", "order", "title", "text", "audience", "threads")
FOLLOW_UP_FIELDS = ("edition_year", "status", "response", "steps")
CHECK_METHOD = "tfidf-cosine-lemmas/1"
DEFAULT_THRESHOLD = 0.12
DEFAULT_MIN_SHARED = 2
DEFAULT_LIMIT = 25


class CallError(ValueError):
    pass


# --- changing ---------------------------------------------------------------------------------


def _threads(threads: Iterable[Thread | str]) -> list[Thread]:
    keys = [t.key if isinstance(t, Thread) else t for t in threads]
    found = list(Thread.objects.filter(key__in=keys))
    if len(found) != len(set(keys)):
        raise CallError("unknown thread")
    return found


def create_call(*, user, edition_year: int, title: str, text: str,
                audience: str = Audience.ALLEN, threads: Iterable[Thread | str] = (),
                order: int = 0, reason: str = "") -> Call:
    if not (text or "").strip() or not (title or "").strip():
        raise CallError("a call needs a title and a wording")
    if audience not in Audience.values:
        raise CallError(f"unknown audience {audience!r}")
    with transaction.atomic():
        call = Call.objects.create(edition_year=edition_year, title=title.strip(),
                                   text=text.strip(), audience=audience, order=order,
                                   created_by=_user(user))
        call.threads.set(_threads(threads))
        audit.record(user, "create", call, reason=reason,
                     changes={k: [None, v] for k, v in audit.snapshot(call, CALL_FIELDS).items()})
    return call


def update_call(call: Call, *, user, reason: str = "", **values) -> dict:
    """Change a call's fields (``threads`` as threads or keys); returns ``{field: [old, new]}``.
    The original wording (``text``) may be corrected, never sharpened: use :func:`add_version`."""
    with transaction.atomic():
        before = audit.snapshot(call, CALL_FIELDS)
        threads = values.pop("threads", None)
        for key, value in values.items():
            if key not in CALL_FIELDS:
                raise CallError(f"field {key!r} cannot be changed")
            setattr(call, key, value)
        if call.audience not in Audience.values:
            raise CallError(f"unknown audience {call.audience!r}")
        call.save()
        if threads is not None:
            call.threads.set(_threads(threads))
        changes = audit.diff(before, audit.snapshot(call, CALL_FIELDS))
        if changes:
            audit.record(user, "update", call, changes=changes, reason=reason)
    return changes


def add_version(call: Call, *, user, edition_year: int, text: str, note: str = "") -> CallVersion:
    """Add (or change) the sharpened wording of ``call`` for a later edition."""
    if edition_year <= call.edition_year:
        raise CallError("a sharpened wording belongs to a later edition than the call's own")
    if not (text or "").strip():
        raise CallError("a sharpened wording cannot be empty")
    with transaction.atomic():
        version, created = CallVersion.objects.get_or_create(
            call=call, edition_year=edition_year,
            defaults={"text": text.strip(), "note": note, "created_by": _user(user)})
        before = {} if created else {"text": version.text, "note": version.note}
        version.text, version.note = text.strip(), note
        version.save()
        audit.record(user, "create" if created else "update", call,
                     changes={f"version {edition_year}": [before or None,
                                                          {"text": version.text, "note": note}]})
    return version


def _citations(follow_up: FollowUp, citations: Iterable) -> None:
    follow_up.citations.all().delete()
    for c in citations:
        if isinstance(c, Source):
            source, page = c, None
        elif isinstance(c, dict):
            source, page = c["source"], c.get("page")
        else:
            source, page = c
        if not isinstance(source, Source):
            source = Source.objects.get(pk=source)
        FollowUpCitation.objects.create(follow_up=follow_up, source=source, page=page or None)


def _citation_repr(follow_up: FollowUp) -> list[str]:
    return [f"{c.source_id}:{c.page or ''}" for c in follow_up.citations.all()]


def add_follow_up(call: Call, *, user, edition_year: int, status: str = FollowUpStatus.NONE,
                  response: str = "", steps: str = "", citations: Iterable = (),
                  reason: str = "") -> FollowUp:
    """Record what became of ``call`` as seen in edition ``edition_year``.

    ``citations``: sources, ``(source, page)`` pairs or ``{"source": …, "page": …}``.
    """
    if status not in FollowUpStatus.values:
        raise CallError(f"unknown status {status!r}")
    if edition_year < call.edition_year:
        raise CallError("follow-up cannot come before the call")
    with transaction.atomic():
        fu = FollowUp.objects.create(call=call, edition_year=edition_year, status=status,
                                     response=response, steps=steps, created_by=_user(user))
        _citations(fu, citations)
        after = {**audit.snapshot(fu, FOLLOW_UP_FIELDS), "citations": _citation_repr(fu)}
        audit.record(user, "create", fu, reason=reason,
                     changes={k: [None, v] for k, v in after.items()})
    return fu


def update_follow_up(follow_up: FollowUp, *, user, reason: str = "", citations=None,
                     **values) -> dict:
    with transaction.atomic():
        before = {**audit.snapshot(follow_up, FOLLOW_UP_FIELDS),
                  "citations": _citation_repr(follow_up)}
        for key, value in values.items():
            if key not in FOLLOW_UP_FIELDS:
                raise CallError(f"field {key!r} cannot be changed")
            setattr(follow_up, key, value)
        if follow_up.status not in FollowUpStatus.values:
            raise CallError(f"unknown status {follow_up.status!r}")
        follow_up.save()
        if citations is not None:
            _citations(follow_up, citations)
        after = {**audit.snapshot(follow_up, FOLLOW_UP_FIELDS),
                 "citations": _citation_repr(follow_up)}
        changes = audit.diff(before, after)
        if changes:
            audit.record(user, "update", follow_up, changes=changes, reason=reason)
    return changes


# --- checking a call against documents --------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Scored:
    passage_id: int
    score: float
    evidence: tuple[str, ...]


def score_passages(wording: str, passages: Sequence[tuple[int, str]], *,
                   threshold: float = DEFAULT_THRESHOLD, min_shared: int = DEFAULT_MIN_SHARED,
                   limit: int = DEFAULT_LIMIT) -> list[Scored]:
    """Passages (``(id, search_terms)``) that take up ``wording``, best first (see module)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    query = lemmas.search_terms(wording)
    if not query or not passages:
        return []
    docs = [terms.split() for _, terms in passages]
    vectorizer = TfidfVectorizer(analyzer=lambda d: d, sublinear_tf=True, norm="l2")
    matrix = vectorizer.fit_transform(docs)
    q = vectorizer.transform([query])
    scores = (matrix @ q.T).toarray().ravel()
    vocab = vectorizer.vocabulary_
    qweights = {t: q[0, vocab[t]] for t in set(query) if t in vocab}
    out = []
    for row, (pid, _) in enumerate(passages):
        score = float(scores[row])
        if score < threshold:
            continue
        present = set(docs[row])
        shared = [t for t in qweights if t in present]
        if len(shared) < min_shared:
            continue
        shared.sort(key=lambda t: (-qweights[t] * matrix[row, vocab[t]], t))
        out.append(Scored(passage_id=pid, score=round(score, 4), evidence=tuple(shared)))
    out.sort(key=lambda s: (-s.score, s.passage_id))
    return out[:limit]


def check_call(call: Call, sources: Iterable[Source | int], *, user, wording: str | None = None,
               threshold: float = DEFAULT_THRESHOLD, min_shared: int = DEFAULT_MIN_SHARED,
               limit: int = DEFAULT_LIMIT) -> CallCheck:
    """Check ``call`` (its latest wording, or ``wording``) against ``sources``; the matches wait
    for a researcher (:func:`decide_match`). A match a researcher already decided for the same
    passage in an earlier check of this call keeps that decision."""
    ids = sorted({getattr(s, "pk", s) for s in sources})
    if not ids:
        raise CallError("choose at least one document")
    wording = wording or call.wording_for(10_000)
    passages = list(Passage.objects.filter(source_id__in=ids).order_by("source_id", "index")
                    .values_list("pk", "search_terms"))
    scored = score_passages(wording, passages, threshold=threshold, min_shared=min_shared,
                            limit=limit)
    earlier = {
        m.passage_id: m for m in CallCheckMatch.objects.filter(check_run__call=call)
        .exclude(status=MatchStatus.OPEN).order_by("decided_at")
    }
    with transaction.atomic():
        check = CallCheck.objects.create(call=call, wording=wording, method=CHECK_METHOD,
                                         threshold=threshold, passages_compared=len(passages),
                                         created_by=_user(user))
        check.sources.set(ids)
        for s in scored:
            prior = earlier.get(s.passage_id)
            CallCheckMatch.objects.create(
                check_run=check, passage_id=s.passage_id, score=s.score,
                evidence=list(s.evidence),
                status=prior.status if prior else MatchStatus.OPEN,
                decided_by=prior.decided_by if prior else None,
                decided_at=prior.decided_at if prior else None,
                reason=prior.reason if prior else "",
            )
        audit.record(user, "other", call, changes={"checked": [None, {
            "sources": ids, "matches": len(scored), "method": CHECK_METHOD}]})
    return check


def decide_match(match: CallCheckMatch, *, user, status: str, reason: str = ""
                 ) -> CallCheckMatch:
    if status not in MatchStatus.values:
        raise CallError(f"unknown status {status!r}")
    with transaction.atomic():
        before = match.status
        match.status = status
        match.reason = reason
        match.decided_by = _user(user)
        match.decided_at = timezone.now()
        match.save()
        audit.record(user, "update", match.check_run.call, reason=reason,
                     changes={f"match passage {match.passage_id}": [before, status]})
    return match


# --- reading for the edition --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CallVersionSummary:
    edition_year: int
    text: str
    note: str


@dataclasses.dataclass(frozen=True)
class CitationSummary:
    source_id: int
    source_title: str
    page: int | None
    url: str  # the app's source page


@dataclasses.dataclass(frozen=True)
class FollowUpSummary:
    edition_year: int
    status: str  # none | promised | in_progress | done
    status_label: str
    response: str
    steps: str
    citations: tuple[CitationSummary, ...]


@dataclasses.dataclass(frozen=True)
class UptakeSummary:
    """A passage a researcher confirmed takes the call up (from a call check)."""

    source_id: int
    source_title: str
    source_kind: str
    page: int | None
    passage_index: int
    score: float
    evidence: tuple[str, ...]
    url: str


@dataclasses.dataclass(frozen=True)
class CallSummary:
    id: int
    edition_year: int  # the edition that made the call
    order: int
    title: str
    original_text: str
    wording: str  # as worded for the edition asked for (latest sharpening up to it)
    audience: str  # politiek | beleid | uitvoering | allen
    audience_label: str
    thread_keys: tuple[str, ...]
    is_new: bool  # made in the edition asked for
    versions: tuple[CallVersionSummary, ...]
    follow_ups: tuple[FollowUpSummary, ...]  # up to and including the edition asked for
    latest_status: str  # status of the latest follow-up, "none" without any
    uptake: tuple[UptakeSummary, ...]
    url: str


def calls_for_edition(year: int, *, include_earlier: bool = True) -> list[CallSummary]:
    """The calls edition ``year`` shows: its own, and (``include_earlier``) those of earlier
    editions with their sharpened wordings and follow-up up to ``year``. Own calls first, in
    their order; then earlier ones, newest edition first."""
    qs = Call.objects.filter(edition_year__lte=year) if include_earlier else \
        Call.objects.filter(edition_year=year)
    qs = qs.prefetch_related("threads", "versions", "follow_ups__citations__source")
    out = []
    for c in qs:
        versions = [v for v in c.versions.all() if v.edition_year <= year]
        follow_ups = [f for f in c.follow_ups.all() if f.edition_year <= year]
        matches = (CallCheckMatch.objects.filter(check_run__call=c, status=MatchStatus.CONFIRMED)
                   .select_related("passage__source").order_by("-score", "id"))
        seen, uptake = set(), []
        for m in matches:
            if m.passage_id in seen:
                continue
            seen.add(m.passage_id)
            p = m.passage
            uptake.append(UptakeSummary(
                source_id=p.source_id, source_title=p.source.title, source_kind=p.source.kind,
                page=p.page_start, passage_index=p.index, score=m.score,
                evidence=tuple(m.evidence), url=p.get_absolute_url()))
        out.append(CallSummary(
            id=c.pk, edition_year=c.edition_year, order=c.order, title=c.title,
            original_text=c.text,
            wording=versions[-1].text if versions else c.text,
            audience=c.audience, audience_label=str(c.get_audience_display()),
            thread_keys=tuple(sorted(t.key for t in c.threads.all())),
            is_new=c.edition_year == year,
            versions=tuple(CallVersionSummary(v.edition_year, v.text, v.note) for v in versions),
            follow_ups=tuple(
                FollowUpSummary(
                    edition_year=f.edition_year, status=f.status,
                    status_label=str(f.get_status_display()), response=f.response,
                    steps=f.steps,
                    citations=tuple(
                        CitationSummary(source_id=ci.source_id, source_title=ci.source.title,
                                        page=ci.page, url=ci.source.get_absolute_url())
                        for ci in f.citations.all()),
                ) for f in follow_ups),
            latest_status=follow_ups[-1].status if follow_ups else FollowUpStatus.NONE,
            uptake=tuple(uptake),
            url=c.get_absolute_url(),
        ))
    out.sort(key=lambda s: (not s.is_new, -s.edition_year, s.order, s.id))
    return out


def _user(user):
    return user if getattr(user, "is_authenticated", False) else None

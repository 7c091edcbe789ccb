# SPDX-License-Identifier: EUPL-1.2
"""Independent (blind) coding of one source by several researchers, comparison and settling.

A coder sees only their own codings until every coder of the session has marked their work
done; then all see the comparison (agreement and the list of differences). Settling a
difference makes or updates the curated finding and keeps every coding as it was.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from staat.core import audit, permissions
from staat.findings import agreement as ag
from staat.findings import codebook as cb
from staat.findings import services
from staat.findings.models import Coding, CodingSession, Finding, SessionCoder, Status


class CodingError(ValueError):
    pass


def create_session(source, *, coders, user, title: str = "") -> CodingSession:
    coders = list(dict.fromkeys(coders))
    if len(coders) < 2:
        raise CodingError("a coding session needs at least two coders")
    if not all(permissions.is_researcher(c) for c in coders):
        raise CodingError("only researchers can code")
    with transaction.atomic():
        session = CodingSession.objects.create(
            source=source, title=title, codebook_version=cb.current_version(), created_by=user
        )
        SessionCoder.objects.bulk_create(SessionCoder(session=session, coder=c) for c in coders)
        audit.record(user, "create", session, changes={
            "source": [None, str(source)], "coders": [None, sorted(c.get_username() for c in coders)],
        })
    return session


def participant(session: CodingSession, user) -> SessionCoder | None:
    return session.coders.filter(coder=user).first() if user.is_authenticated else None


def add_coding(session: CodingSession, *, coder, char_start: int, char_end: int, kind: str,
               themes=(), note: str = "") -> Coding:
    me = participant(session, coder)
    if me is None:
        raise CodingError("you are not a coder of this session")
    if me.done_at:
        raise CodingError("you have marked your coding as done")
    start, end = services._check_span(session.source, char_start, char_end)
    themes = services._check_themes(themes)
    with transaction.atomic():
        coding = Coding.objects.create(
            session=session, coder=coder, char_start=start, char_end=end, kind=kind, note=note,
            codebook_version=cb.current_version(),
        )
        coding.themes.set(themes)
        audit.record(coder, "create", coding, changes={
            "span": [None, [start, end]], "kind": [None, kind],
            "themes": [None, sorted(t.code for t in themes)],
        })
    return coding


def delete_coding(coding: Coding, *, user) -> None:
    me = participant(coding.session, user)
    if me is None or coding.coder_id != user.pk or me.done_at:
        raise CodingError("only its coder can remove a coding, before marking done")
    with transaction.atomic():
        audit.record(user, "delete", coding, changes={"span": [[coding.char_start, coding.char_end], None]})
        coding.delete()


def mark_done(session: CodingSession, *, user, done: bool = True) -> None:
    me = participant(session, user)
    if me is None:
        raise CodingError("you are not a coder of this session")
    if not done and session.all_done:
        raise CodingError("the comparison is open: coding can no longer be reopened")
    me.done_at = timezone.now() if done else None
    me.save(update_fields=["done_at"])
    audit.record(user, "update", session, changes={"done": [not done, done]})


def visible_codings(session: CodingSession, user):
    """Blind until everyone is done: a coder sees only their own codings before that."""
    qs = session.codings.select_related("coder").prefetch_related("themes")
    if session.all_done:
        return qs
    return qs.filter(coder=user)


def comparison(session: CodingSession) -> ag.AgreementReport:
    if not session.all_done:
        raise CodingError("the comparison opens when every coder has marked their coding done")
    units = [ag.Unit(i, s, e) for i, s, e in
             session.source.sentences.order_by("index").values_list("index", "char_start", "char_end")]
    coders = [c.coder.get_username() for c in session.coders.select_related("coder")]
    spans = [
        ag.Span(coder=c.coder.get_username(), char_start=c.char_start, char_end=c.char_end,
                kind=c.kind, themes=tuple(sorted(t.code for t in c.themes.all())), ref=c)
        for c in session.codings.select_related("coder").prefetch_related("themes")
    ]
    return ag.compare(units, spans, coders)


def settle(session: CodingSession, *, user, codings: list[Coding], kind: str | None = None,
           reason: str = "") -> Finding:
    """Make the curated finding from one coding (choose) or several (merge: the span that
    covers them all, the union of their themes, the kind given or of the first coding).

    The codings stay as they are and point at the finding they were settled into.
    """
    if not session.all_done:
        raise CodingError("settle differences after the comparison has opened")
    if not codings or any(c.session_id != session.pk for c in codings):
        raise CodingError("choose one or more codings of this session")
    start = min(c.char_start for c in codings)
    end = max(c.char_end for c in codings)
    kind = kind or codings[0].kind
    themes = {t.pk: t for c in codings for t in c.themes.all() if not t.retired}
    names = ", ".join(sorted({c.coder.get_username() for c in codings}))
    note = f"settled from the coding of {names} in coding session {session.pk}"
    reason = f"{reason} ({note})" if reason else note
    with transaction.atomic():
        existing = (Finding.objects.filter(source=session.source, char_start=start, char_end=end)
                    .exclude(status=Status.REJECTED).first())
        if existing is not None:
            services.edit(existing, user=user, kind=kind, themes=list(themes.values()),
                          reason=reason)
            finding = existing
        else:
            finding = services.create_finding(
                session.source, user=user, char_start=start, char_end=end, kind=kind,
                themes=list(themes.values()), reason=reason,
                coder=codings[0].coder if len(codings) == 1 else user,
            )
        Coding.objects.filter(pk__in=[c.pk for c in codings]).update(settled_into=finding)
    return finding


def sessions_for(user):
    qs = CodingSession.objects.select_related("source", "codebook_version").prefetch_related("coders__coder")
    if permissions.is_researcher(user):
        return qs
    return qs.none()


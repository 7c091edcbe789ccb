# SPDX-License-Identifier: EUPL-1.2
"""From the database to REFI-QDA: findings, codebook, coders and memos as a .qdpx or .qdc.

The pure exporter is ``staat.findings.refiqda``; this module only gathers the data.

- Codes: a group "Soort bevinding" with one code per kind, and a group "Thema's" with the
  codebook tree (retired themes included and marked, because old codings use them).
- Codings: every finding (not rejected, unless asked for) codes its span with its kind and
  with each of its themes; the coding's user is the person who made or decided it, otherwise
  the machine extractor. Codings of independent coding sessions are exported as well, each
  under its own coder, so agreement can be studied in the QDA tool too.
- Sources: the normalised text of each source (``Source.text``): positions are exactly our
  character offsets. Memos become notes on their source or theme (memos on a finding are
  attached to the finding's source and name the finding).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from staat.findings import codebook as cb
from staat.findings.models import Coding, Finding, Kind, Memo, Status
from staat.findings.refiqda import (
    QdaCode,
    QdaCoding,
    QdaNote,
    QdaProject,
    QdaSource,
    QdaUser,
    build_qdc,
    build_qdpx,
    stable_guid,
)

KIND_COLOURS = {"knelpunt": "#C0392B", "lichtpunt": "#27AE60", "oproep": "#2E86C1",
                "dilemma": "#B9770E"}
MACHINE = ("machine", "Staat-extractor")


def _user_guid(user) -> str:
    return stable_guid("user", user.pk)


def codes(codebook=None) -> tuple[list[QdaCode], dict[str, str], dict[int, str]]:
    """The code tree, and the GUIDs of each kind (by kind) and theme (by theme id)."""
    codebook = codebook or cb.ensure_codebook()
    kind_guids = {k: stable_guid("kind", k) for k in Kind.values}
    kinds = QdaCode(guid=stable_guid("group", "kinds"), name="Soort bevinding", codable=False,
                    children=[QdaCode(guid=kind_guids[k], name=k, description=str(label),
                                      color=KIND_COLOURS.get(k))
                              for k, label in Kind.choices])
    theme_guids: dict[int, str] = {}
    nodes: dict[int, QdaCode] = {}
    roots: list[QdaCode] = []
    for theme, _depth in cb.tree(codebook):
        guid = stable_guid("theme", codebook.slug, theme.code)
        theme_guids[theme.pk] = guid
        description = theme.description
        if theme.retired:
            description = f"[buiten gebruik] {description}".strip()
        node = QdaCode(guid=guid, name=f"{theme.code}: {theme.label_nl}", description=description)
        nodes[theme.pk] = node
        (nodes[theme.parent_id].children if theme.parent_id in nodes else roots).append(node)
    themes = QdaCode(guid=stable_guid("group", "themes", codebook.slug), name="Thema's",
                     codable=False, children=roots)
    return [kinds, themes], kind_guids, theme_guids


def project(findings: QuerySet[Finding], *, include_rejected: bool = False,
            include_sessions: bool = True, now: dt.datetime | None = None) -> QdaProject:
    codebook = cb.ensure_codebook()
    code_tree, kind_guids, theme_guids = codes(codebook)
    if not include_rejected:
        findings = findings.exclude(status=Status.REJECTED)
    findings = list(findings.select_related("source", "coder", "decided_by")
                    .prefetch_related("finding_themes", "source__organisations"))
    users: dict[str, QdaUser] = {}
    machine_guid = stable_guid("user", *MACHINE)
    sources: dict[int, QdaSource] = {}
    codings: list[QdaCoding] = []

    def user_of(person) -> str:
        if person is None:
            users.setdefault(machine_guid, QdaUser(guid=machine_guid, name=MACHINE[1]))
            return machine_guid
        guid = _user_guid(person)
        users.setdefault(guid, QdaUser(guid=guid, name=person.get_username()))
        return guid

    def source_of(source) -> str:
        if source.pk not in sources:
            sources[source.pk] = QdaSource(
                guid=stable_guid("source", source.sha256), name=source.title,
                plain_text=source.text,
                metadata={
                    "organisation": ";".join(sorted(o.code for o in source.organisations.all())),
                    "year": source.year, "kind": source.kind, "status": source.status,
                    "staat_id": source.pk,
                },
                created=source.created_at,
            )
        return sources[source.pk].guid

    for f in findings:
        source_guid = source_of(f.source)
        user = user_of(f.coder or f.decided_by)
        note = f"bevinding {f.pk} · {f.kind} · {f.status}"
        if f.confidence is not None:
            note += f" · zekerheid {f.confidence:.2f}"
        targets = [("kind", kind_guids[f.kind])] + [
            ("theme", theme_guids[ft.theme_id]) for ft in f.finding_themes.all()
            if ft.theme_id in theme_guids
        ]
        for what, code_guid in targets:
            codings.append(QdaCoding(
                guid=stable_guid("finding", f.pk, what, code_guid), source_guid=source_guid,
                start=f.char_start, end=f.char_end, code_guid=code_guid, user_guid=user,
                created=f.created_at, note=note,
            ))
    if include_sessions:
        session_codings = (Coding.objects.filter(session__source_id__in=list(sources) or [-1])
                           .select_related("coder", "session__source").prefetch_related("themes"))
        for c in session_codings:
            source_guid = source_of(c.session.source)
            user = user_of(c.coder)
            note = f"codeersessie {c.session_id} · {c.kind}" + (f" · {c.note}" if c.note else "")
            targets = [("kind", kind_guids[c.kind])] + [
                ("theme", theme_guids[t.pk]) for t in c.themes.all() if t.pk in theme_guids
            ]
            for what, code_guid in targets:
                codings.append(QdaCoding(
                    guid=stable_guid("coding", c.pk, what, code_guid), source_guid=source_guid,
                    start=c.char_start, end=c.char_end, code_guid=code_guid, user_guid=user,
                    created=c.created_at, note=note,
                ))
    notes = []
    memos = Memo.objects.select_related("author", "source", "finding__source", "theme")
    for memo in memos.order_by("pk"):
        if memo.theme_id:
            if memo.theme_id not in theme_guids:
                continue
            target = {"code_guid": theme_guids[memo.theme_id]}
            name = f"Memo bij thema {memo.theme.code}"
        else:
            source = memo.source or memo.finding.source
            if source.pk not in sources:
                continue
            target = {"source_guid": sources[source.pk].guid}
            name = (f"Memo bij bevinding {memo.finding_id}" if memo.finding_id
                    else f"Memo bij {source.title}")
        notes.append(QdaNote(guid=stable_guid("memo", memo.pk), name=name, text=memo.text,
                             user_guid=user_of(memo.author) if memo.author else None,
                             created=memo.created_at, **target))
    version = codebook.latest_version()
    return QdaProject(
        name="Staat van de Uitvoering: bevindingen",
        origin="Staat",
        users=sorted(users.values(), key=lambda u: u.guid),
        codes=code_tree,
        sources=[sources[k] for k in sorted(sources)],
        codings=codings,
        notes=notes,
        created=now or timezone.now(),
        description=f"Codeboek {codebook.slug} versie {version.number if version else '?'}",
    )


def project_bytes(findings: QuerySet[Finding], **kwargs) -> bytes:
    return build_qdpx(project(findings, **kwargs))


def codebook_bytes() -> bytes:
    code_tree, _, _ = codes()
    return build_qdc(code_tree, origin="Staat")


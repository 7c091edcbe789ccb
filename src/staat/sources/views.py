# SPDX-License-Identifier: EUPL-1.2
"""Pages for sources: list, detail, download, upload, edit, delete, and passage search.

Views are thin: who may see what comes from ``Source.objects.visible_to`` and
``editable_by``; changes go through ``staat.sources.services``, which records the audit.
A source the user may not see answers 404, never 403, so its existence does not leak.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from staat.core import permissions
from staat.core.models import AuditEvent, Organisation
from staat.core.views import event_rows, render_page
from staat.nlp import lemmas
from staat.sources import services, storage
from staat.sources.forms import (
    DEFAULT_SORT,
    SORTS,
    DeleteForm,
    SearchForm,
    SourceEditForm,
    SourceFilterForm,
    UploadForm,
)
from staat.sources.messages import ingest_error_message
from staat.sources.models import FileFormat, Passage, Source, SourceStatus

PAGE_SIZE = 25
SEARCH_PAGE_SIZE = 20
CONTENT_TYPES = {
    FileFormat.PDF: "application/pdf",
    FileFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileFormat.ODT: "application/vnd.oasis.opendocument.text",
    FileFormat.HTML: "text/html; charset=utf-8",
    FileFormat.MARKDOWN: "text/markdown; charset=utf-8",
    FileFormat.TEXT: "text/plain; charset=utf-8",
}
EXPORT_FIELDS = (
    "id", "title", "kind", "year", "status", "organisations", "authors", "institution",
    "publication_date", "language", "file_format", "page_count", "original_filename",
    "sha256", "url",
)


# --- helpers ---------------------------------------------------------------------------


def visible_sources(user) -> QuerySet[Source]:
    """Sources the user may see, without duplicate rows (safe to aggregate over)."""
    return Source.objects.filter(pk__in=Source.objects.visible_to(user).values("pk"))


def _visible_or_404(request: HttpRequest, pk: int) -> Source:
    return get_object_or_404(visible_sources(request.user), pk=pk)


def _editable_or_404(request: HttpRequest, pk: int) -> Source:
    source = _visible_or_404(request, pk)
    if not Source.objects.editable_by(request.user).filter(pk=source.pk).exists():
        raise Http404
    return source


def _can_edit(user, source: Source) -> bool:
    return Source.objects.editable_by(user).filter(pk=source.pk).exists()


def _years(qs: QuerySet[Source]) -> list[int]:
    return sorted(
        {y for y in qs.exclude(year=None).values_list("year", flat=True)}, reverse=True
    )


def _organisations_with_sources(qs: QuerySet[Source]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(sources__in=qs.values("pk")).distinct()


def _export_row(request: HttpRequest, source: Source) -> dict:
    return {
        "id": source.pk,
        "title": source.title,
        "kind": source.kind,
        "year": source.year,
        "status": source.status,
        "organisations": [o.code for o in source.organisations.all()],
        "authors": source.authors,
        "institution": source.institution,
        "publication_date": (
            source.publication_date.isoformat() if source.publication_date else None
        ),
        "language": source.language,
        "file_format": source.file_format,
        "page_count": source.page_count,
        "original_filename": source.original_filename,
        "sha256": source.sha256,
        "url": request.build_absolute_uri(source.get_absolute_url()),
    }


def _csv_response(filename: str, fields, rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.DictWriter(response, fieldnames=list(fields), extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: " ".join(v) if isinstance(v, list) else ("" if v is None else v)
                for k, v in row.items()
            }
        )
    return response


def highlight(text: str, terms) -> SafeString:
    """``text`` escaped, with each word whose search term is one of ``terms`` in ``<mark>``."""
    wanted = set(terms)
    out: list[str] = []
    pos = 0
    for start, end, token in lemmas.tokenize(text):
        if not wanted.intersection(lemmas.search_terms(token)):
            continue
        out.append(escape(text[pos:start]))
        out.append(f'<mark class="utrecht-mark">{escape(token)}</mark>')
        pos = end
    out.append(escape(text[pos:]))
    return mark_safe("".join(out))


def _audit_for(source_pk: int) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(
        object_type=Source._meta.label_lower, object_id=str(source_pk)
    ).select_related("actor")


# --- list and detail ---------------------------------------------------------------------


def source_list(request: HttpRequest) -> HttpResponse:
    visible = visible_sources(request.user)
    form = SourceFilterForm(
        request.GET or None,
        years=_years(visible),
        organisations=_organisations_with_sources(visible),
    )
    qs = visible
    sort = DEFAULT_SORT
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["organisation"]:
            qs = qs.filter(organisations=data["organisation"])
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["year"]:
            qs = qs.filter(year=data["year"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        sort = data["sort"] or DEFAULT_SORT
    qs = qs.order_by(*SORTS[sort]).prefetch_related("organisations")

    fmt = request.GET.get("format")
    if fmt == "json":
        return JsonResponse(
            {"count": qs.count(), "sources": [_export_row(request, s) for s in qs]},
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
    if fmt == "csv":
        return _csv_response("bronnen.csv", EXPORT_FIELDS, (_export_row(request, s) for s in qs))

    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "sources/source_list.html", {
        "form": form,
        "page_obj": page,
        "sources": page.object_list,
        "sort": sort,
        "filtered": form.is_bound and any(
            request.GET.get(k) for k in ("organisation", "kind", "year", "status")
        ),
    })


def _passage_rows(passages) -> list[dict]:
    """Passages in order, with the page markers and headings the template needs.

    A heading is shown where a passage's heading path differs from the one before, at a
    level that follows its depth (the page's own h1 and h2 come first).
    """
    rows: list[dict] = []
    page = None
    previous_path: list[str] = []
    for passage in passages:
        marker = passage.page_start if passage.page_start != page else None
        page = passage.page_end
        path = list(passage.heading_path or [])
        is_heading = passage.kind == "heading"
        if is_heading:
            # the passage is itself a heading: show only the headings above it
            shown_path = path[:-1] if path and path[-1] == passage.text.strip() else path
        else:
            shown_path = path
        common = 0
        while (common < min(len(shown_path), len(previous_path))
               and shown_path[common] == previous_path[common]):
            common += 1
        rows.append({
            "passage": passage,
            "page_marker": marker,
            "is_heading": is_heading,
            "heading_level": min(3 + len(shown_path), 6),
            "new_headings": [
                (min(3 + depth, 6), shown_path[depth]) for depth in range(common, len(shown_path))
            ],
        })
        previous_path = path
    return rows


def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = _visible_or_404(request, pk)
    passages = list(source.passages.order_by("index"))
    if request.GET.get("format") == "json":
        data = _export_row(request, source)
        data["passages"] = [
            {
                "index": p.index, "page_start": p.page_start, "page_end": p.page_end,
                "heading_path": p.heading_path, "kind": p.kind,
                "char_start": p.char_start, "char_end": p.char_end, "text": p.text,
                "url": request.build_absolute_uri(p.get_absolute_url()),
            }
            for p in passages
        ]
        return JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 1})
    is_researcher = permissions.is_researcher(request.user)
    return render_page(request, "sources/source_detail.html", {
        "source": source,
        "organisations": source.organisations.all(),
        "rows": _passage_rows(passages),
        "passage_count": len(passages),
        "can_edit": _can_edit(request.user, source),
        "original_available": storage.path_for(source.sha256).exists(),
        "audit_rows": event_rows(_audit_for(source.pk)) if is_researcher else None,
    })


def source_download(request: HttpRequest, pk: int) -> FileResponse:
    source = _visible_or_404(request, pk)
    path = storage.path_for(source.sha256)
    if not path.exists():
        raise Http404(_("The original file is not in the store."))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=source.original_filename,
        content_type=CONTENT_TYPES.get(source.file_format, "application/octet-stream"),
    )


# --- changes -------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = _editable_or_404(request, pk)
    initial = {
        "title": source.title, "kind": source.kind, "year": source.year,
        "authors": source.authors, "institution": source.institution,
        "publication_date": source.publication_date, "summary": source.summary,
        "status": source.status, "organisations": list(source.organisations.all()),
    }
    form = SourceEditForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.update_metadata(
                source, form.changed_values(), user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if changes:
                messages.success(request, _("The changes have been saved."))
            else:
                messages.info(request, _("Nothing was changed."))
            return redirect(source)
    return render_page(request, "sources/source_edit.html", {"source": source, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def source_delete(request: HttpRequest, pk: int) -> HttpResponse:
    source = _editable_or_404(request, pk)
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        title = source.title
        services.delete_source(source, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("“%(title)s” has been deleted.") % {"title": title})
        return redirect("sources:list")
    return render_page(request, "sources/source_delete.html", {
        "source": source, "form": form, "passage_count": source.passages.count(),
    })


def _ingest_upload(form: UploadForm, user) -> services.IngestResult:
    uploaded = form.cleaned_data["file"]
    data = form.cleaned_data
    if permissions.is_researcher(user):
        codes = [o.code for o in data.get("organisations") or ()]
        status = data.get("status") or SourceStatus.DRAFT
    else:
        codes = [user.organisation.code]
        status = SourceStatus.DRAFT
    meta = services.SourceMetadata(
        kind=data["kind"],
        organisations=codes,
        year=data.get("year"),
        title=data.get("title") or "",
        authors=data.get("authors") or "",
        institution=data.get("institution") or "",
        publication_date=data.get("publication_date"),
        status=status,
    )
    with tempfile.TemporaryDirectory(prefix="staat-upload-") as tmp:
        path = Path(tmp) / ("upload" + Path(uploaded.name).suffix.lower()[:10])
        with path.open("wb") as out:
            for chunk in uploaded.chunks():
                out.write(chunk)
        return services.ingest_file(path, meta, user=user, original_filename=uploaded.name)


@login_required
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if not permissions.can_upload(request.user):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None, user=request.user)
    context: dict = {"form": form, "contributor_organisation": None}
    if not permissions.is_researcher(request.user):
        context["contributor_organisation"] = request.user.organisation
    if request.method == "POST" and form.is_valid():
        result = _ingest_upload(form, request.user)
        if result.error is not None:
            context["ingest_error"] = ingest_error_message(result.error)
        elif result.duplicate:
            existing = result.source
            context["duplicate"] = existing
            context["duplicate_visible"] = existing is not None and (
                visible_sources(request.user).filter(pk=existing.pk).exists()
            )
        else:
            messages.success(
                request,
                _("“%(title)s” has been added with %(count)s passages.")
                % {"title": result.source.title, "count": result.source.passages.count()},
            )
            return redirect(result.source)
    status = 400 if context.get("ingest_error") or (form.is_bound and form.errors) else 200
    return render_page(request, "sources/upload.html", context, status=status)


# --- search --------------------------------------------------------------------------------


def search(request: HttpRequest) -> HttpResponse:
    visible = visible_sources(request.user)
    form = SearchForm(
        request.GET or None, years=_years(visible),
        organisations=_organisations_with_sources(visible),
    )
    context: dict = {"form": form, "query": "", "terms": [], "page_obj": None, "results": []}
    if form.is_bound and form.is_valid() and form.cleaned_data["q"].strip():
        data = form.cleaned_data
        sources = visible
        if data["organisation"]:
            sources = sources.filter(organisations=data["organisation"])
        if data["year"]:
            sources = sources.filter(year=data["year"])
        if data["kind"]:
            sources = sources.filter(kind=data["kind"])
        base = Passage.objects.filter(source__in=sources.values("pk"))
        qs, terms = services.search_passages(data["q"], base)
        if data["order"] == "newest" or not terms:
            qs = qs.order_by(*services.NEWEST_FIRST)
        else:
            qs = services.rank_passages(qs, terms, base)
        qs = qs.select_related("source").prefetch_related("source__organisations")
        page = Paginator(qs, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        context.update({
            "query": data["q"],
            "terms": terms,
            "page_obj": page,
            "results": [{"passage": p, "html": highlight(p.text, terms)} for p in page.object_list],
        })
    return render_page(request, "sources/search.html", context)

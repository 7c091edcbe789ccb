# SPDX-License-Identifier: EUPL-1.2
"""Pages for findings: list (with JSON/CSV twin), detail, review queue, decisions, passage view
with adding by selection, memos, codebook, coding sessions and extraction runs.

Views are thin: visibility comes from ``Finding.objects.visible_to``, changes go through
``staat.findings.services``, ``codebook`` and ``coding``. Researchers review and code;
everyone else sees confirmed and edited findings of published sources only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from staat.core import permissions
from staat.core.models import Organisation
from staat.core.views import render_page
from staat.findings import codebook as cb
from staat.findings import coding, display, exports, qda, services
from staat.findings.forms import (
    CodingForm,
    CreateForm,
    EditForm,
    FindingFilterForm,
    MemoForm,
    RejectForm,
    SessionForm,
    ThemeForm,
)
from staat.findings.models import (
    CodingSession,
    ExtractionRun,
    Finding,
    Kind,
    Memo,
    Status,
    Theme,
)
from staat.sources.models import Source

PAGE_SIZE = 50
REVIEW_PAGE_SIZE = 25


def _require_researcher(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not permissions.is_researcher(request.user):
        raise PermissionDenied


def _visible_findings(user):
    return Finding.objects.visible_to(user)


def _sources_for(user):
    from staat.sources.views import visible_sources

    return visible_sources(user)


def _next_url(request: HttpRequest, default: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}):
        return nxt
    return default


def _with_related(qs):
    return qs.select_related("source", "passage", "codebook_version").prefetch_related(
        "source__organisations", "finding_themes__theme", "organisations"
    )


# --- list and detail -----------------------------------------------------------------------


def finding_list(request: HttpRequest) -> HttpResponse:
    researcher = permissions.is_researcher(request.user)
    visible = _visible_findings(request.user)
    sources = Source.objects.filter(pk__in=visible.values("source_id"))
    form = FindingFilterForm(
        request.GET or None,
        years=sorted({y for y in sources.exclude(year=None).values_list("year", flat=True)},
                     reverse=True),
        organisations=Organisation.objects.filter(sources__in=sources).distinct(),
        researcher=researcher,
    )
    qs = form.apply(visible) if form.is_bound else visible
    fmt = request.GET.get("format")
    if fmt in ("json", "csv"):
        export = exports.export_queryset(Finding.objects.filter(pk__in=qs.values("pk")))
        if fmt == "json":
            rows = [exports.export_row(f) for f in export]
            return JsonResponse({"count": len(rows), "findings": rows},
                                json_dumps_params={"ensure_ascii": False, "indent": 1})
        response = HttpResponse(exports.as_text("csv", export),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="bevindingen.csv"'
        return response
    qs = _with_related(qs.order_by("-source__year", "source__title", "char_start", "pk"))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "findings/finding_list.html", {
        "form": form,
        "page_obj": page,
        "findings": page.object_list,
        "filtered": form.is_bound and any(request.GET.get(k) for k in form.FILTERS),
        "threshold": services.threshold(),
    })


def _finding_context(request: HttpRequest, finding: Finding) -> dict:
    researcher = permissions.is_researcher(request.user)
    passages = display.context_passages(finding)
    others = _visible_findings(request.user).filter(
        source=finding.source, char_start__lt=passages[-1].char_end if passages else 0,
        char_end__gt=passages[0].char_start if passages else 0,
    ) if passages else Finding.objects.none()
    if not researcher:
        others = others.filter(pk=finding.pk)
    highlights = display.finding_highlights(list(others) + [finding], current=finding)
    return {
        "finding": finding,
        "blocks": display.passage_blocks(finding.source, passages, highlights),
        "explained": display.explained_text(finding),
        "cues": display.cue_list(finding),
        "kind_scores": display.kind_scores(finding),
        "machine_kind": display.KIND_LABELS.get(display.machine_kind(finding)),
        "themes": list(finding.finding_themes.select_related("theme")),
        "laws": [services.law_label(m) for m in finding.laws],
        "organisations_named": list(finding.organisations.all()),
        "can_review": researcher,
        "edit_form": EditForm(initial={
            "kind": finding.kind, "char_start": finding.char_start,
            "char_end": finding.char_end,
            "themes": [ft.theme for ft in finding.finding_themes.all() if not ft.theme.retired],
        }, auto_id=f"id_f{finding.pk}_%s") if researcher else None,
        "reject_form": RejectForm(auto_id=f"id_r{finding.pk}_%s") if researcher else None,
        "threshold": services.threshold(),
    }


def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    finding = get_object_or_404(_with_related(_visible_findings(request.user)), pk=pk)
    if request.GET.get("format") == "json":
        row = exports.export_row(finding)
        row["explanation"] = finding.explanation
        if permissions.is_researcher(request.user):
            row["machine_suggestion"] = finding.machine_suggestion
            row["decisions"] = [
                {"action": d.action, "by": d.by_name, "at": d.at.isoformat(), "reason": d.reason,
                 "before": d.before, "after": d.after}
                for d in finding.decisions.all()
            ]
        return JsonResponse(row, json_dumps_params={"ensure_ascii": False, "indent": 1})
    context = _finding_context(request, finding)
    if permissions.is_researcher(request.user):
        context["decisions"] = list(finding.decisions.select_related("by"))
        context["memos"] = list(finding.memos.select_related("author"))
        context["memo_form"] = MemoForm()
    return render_page(request, "findings/finding_detail.html", context)


# --- review ----------------------------------------------------------------------------------


def review(request: HttpRequest) -> HttpResponse:
    _require_researcher(request)
    qs = Finding.objects.filter(status=Status.SUGGESTED)
    scope = request.GET.get("scope", "queue")
    if scope != "all":
        qs = qs.filter(needs_review=True)
    source_id = request.GET.get("source")
    source = None
    if source_id and source_id.isdigit():
        source = get_object_or_404(Source, pk=int(source_id))
        qs = qs.filter(source=source)
    qs = _with_related(qs.order_by("source_id", "char_start", "pk"))
    page = Paginator(qs, REVIEW_PAGE_SIZE).get_page(request.GET.get("page"))
    cards = [_finding_context(request, f) for f in page.object_list]
    return render_page(request, "findings/review.html", {
        "page_obj": page, "cards": cards, "scope": scope, "source": source,
        "threshold": services.threshold(), "kinds": Kind.choices,
    })


def _card_response(request: HttpRequest, finding: Finding, **extra):
    finding = _with_related(Finding.objects).get(pk=finding.pk)
    context = _finding_context(request, finding)
    context.update(extra, decided_now=True)
    return render(request, "findings/_card.html", context)


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """One decision on a finding: confirm, reject (with reason) or edit (span, kind, themes)."""
    _require_researcher(request)
    finding = get_object_or_404(Finding, pk=pk)
    action = request.POST.get("action")
    error = None
    try:
        if action == "confirm":
            services.confirm(finding, user=request.user, reason=request.POST.get("reason", ""))
        elif action == "reject":
            form = RejectForm(request.POST)
            if not form.is_valid():
                raise services.FindingError(_("Give a reason for rejecting this finding."))
            services.reject(finding, user=request.user, reason=form.cleaned_data["reason"])
        elif action == "edit":
            form = EditForm(request.POST)
            if not form.is_valid():
                raise services.FindingError(
                    "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
            d = form.cleaned_data
            services.edit(finding, user=request.user, kind=d["kind"], themes=list(d["themes"]),
                          char_start=d["char_start"], char_end=d["char_end"], reason=d["reason"])
        else:
            raise services.FindingError(_("Unknown action."))
    except services.FindingError as exc:
        error = str(exc)
    if request.htmx:
        return _card_response(request, finding, error=error)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Your decision has been saved."))
    return redirect(_next_url(request, finding.get_absolute_url()))


# --- passage view of a source: add a finding by selecting text --------------------------------


@require_http_methods(["GET", "POST"])
def source_findings(request: HttpRequest, source_pk: int) -> HttpResponse:
    source = get_object_or_404(_sources_for(request.user), pk=source_pk)
    researcher = permissions.is_researcher(request.user)
    form = CreateForm(request.POST or None) if researcher else None
    if request.method == "POST":
        _require_researcher(request)
        if form.is_valid():
            d = form.cleaned_data
            try:
                finding = services.create_finding(
                    source, user=request.user, char_start=d["char_start"], char_end=d["char_end"],
                    kind=d["kind"], themes=list(d["themes"]), reason=d["reason"],
                )
            except services.FindingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("The finding has been added."))
                return redirect(reverse("findings:source", args=[source.pk]) + f"#finding-{finding.pk}")
    findings = list(_with_related(_visible_findings(request.user).filter(source=source)))
    highlights = display.finding_highlights(f for f in findings if f.status != Status.REJECTED)
    passages = list(source.passages.order_by("index"))
    return render_page(request, "findings/source_findings.html", {
        "source": source,
        "blocks": display.passage_blocks(source, passages, highlights),
        "findings": findings,
        "form": form,
        "can_review": researcher,
        "memos": list(source.memos.select_related("author")) if researcher else None,
        "memo_form": MemoForm() if researcher else None,
        "status": (400 if form is not None and form.errors else 200),
    }, status=400 if form is not None and form.errors else 200)


# --- memos --------------------------------------------------------------------------------------


@require_POST
def memo_add(request: HttpRequest, target: str, pk: int) -> HttpResponse:
    _require_researcher(request)
    form = MemoForm(request.POST)
    objects = {"source": Source, "finding": Finding, "theme": Theme}
    if target not in objects:
        raise Http404
    obj = get_object_or_404(objects[target], pk=pk)
    if form.is_valid():
        services.add_memo(user=request.user, text=form.cleaned_data["text"], **{target: obj})
        messages.success(request, _("The memo has been saved."))
    else:
        messages.error(request, _("A memo needs text."))
    defaults = {
        "source": reverse("findings:source", args=[pk]),
        "finding": reverse("findings:detail", args=[pk]),
        "theme": reverse("findings:codebook") + f"#theme-{pk}",
    }
    return redirect(_next_url(request, defaults[target]) + "#memos")


# --- codebook -----------------------------------------------------------------------------------


def codebook(request: HttpRequest) -> HttpResponse:
    book = cb.ensure_codebook()
    researcher = permissions.is_researcher(request.user)
    if request.GET.get("format") == "json":
        version = book.latest_version()
        return JsonResponse({"codebook": book.slug, "version": version.number,
                             "themes": version.snapshot},
                            json_dumps_params={"ensure_ascii": False, "indent": 1})
    memos = {}
    if researcher:
        for memo in Memo.objects.filter(theme__codebook=book).select_related("author"):
            memos.setdefault(memo.theme_id, []).append(memo)
    return render_page(request, "findings/codebook.html", {
        "codebook": book,
        "tree": [{"theme": t, "depth": d, "memos": memos.get(t.pk, [])} for t, d in cb.tree(book)],
        "versions": list(book.versions.select_related("created_by")[:20]),
        "can_edit": researcher,
        "memo_form": MemoForm() if researcher else None,
    })


def codebook_version(request: HttpRequest, number: int) -> HttpResponse:
    book = cb.ensure_codebook()
    version = get_object_or_404(book.versions, number=number)
    return JsonResponse({"codebook": book.slug, "version": version.number,
                         "created_at": version.created_at.isoformat(), "note": version.note,
                         "themes": version.snapshot},
                        json_dumps_params={"ensure_ascii": False, "indent": 1})


@require_http_methods(["GET", "POST"])
def theme_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_researcher(request)
    theme = get_object_or_404(Theme, pk=pk) if pk else None
    initial = {}
    if theme is not None:
        initial = {"code": theme.code, "label_nl": theme.label_nl, "label_en": theme.label_en,
                   "description": theme.description, "parent": theme.parent}
    form = ThemeForm(request.POST or None, theme=theme, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if theme is None:
                theme = cb.add_theme(code=d["code"], label_nl=d["label_nl"], label_en=d["label_en"],
                                     description=d["description"], parent=d["parent"],
                                     user=request.user, reason=d["reason"])
                messages.success(request, _("The theme has been added."))
            else:
                values = {k: d[k] for k in ("label_nl", "label_en", "description", "parent")}
                changes = cb.update_theme(theme, values, user=request.user, reason=d["reason"])
                if changes:
                    messages.success(request, _("The theme has been changed."))
                else:
                    messages.info(request, _("Nothing was changed."))
        except cb.CodebookError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect(reverse("findings:codebook") + f"#theme-{theme.pk}")
    return render_page(request, "findings/theme_form.html", {"form": form, "theme": theme},
                       status=400 if form.errors else 200)


@require_POST
def theme_retire(request: HttpRequest, pk: int) -> HttpResponse:
    _require_researcher(request)
    theme = get_object_or_404(Theme, pk=pk)
    retire = request.POST.get("retired", "1") == "1"
    cb.retire_theme(theme, user=request.user, reason=request.POST.get("reason", ""), retired=retire)
    messages.success(request, _("The theme has been retired.") if retire
                     else _("The theme is in use again."))
    return redirect(reverse("findings:codebook") + f"#theme-{theme.pk}")


# --- coding sessions --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    _require_researcher(request)
    initial = {"source": request.GET.get("source")} if request.GET.get("source", "").isdigit() else {}
    form = SessionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        source = form.cleaned_data["source"]
        try:
            session = coding.create_session(source, coders=list(form.cleaned_data["coders"]),
                                            user=request.user, title=form.cleaned_data["title"])
        except coding.CodingError as exc:
            form.add_error("coders", str(exc))
        else:
            messages.success(request, _("The coding session has been created."))
            return redirect(session)
    return render_page(request, "findings/sessions.html", {
        "sessions": coding.sessions_for(request.user)[:100],
        "form": form,
    }, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def session(request: HttpRequest, pk: int) -> HttpResponse:
    _require_researcher(request)
    obj = get_object_or_404(CodingSession.objects.select_related("source"), pk=pk)
    me = coding.participant(obj, request.user)
    form = CodingForm(request.POST or None) if me else None
    if request.method == "POST":
        action = request.POST.get("action", "code")
        try:
            if action == "done":
                coding.mark_done(obj, user=request.user, done=True)
                messages.success(request, _("Your coding is marked as done."))
            elif action == "reopen":
                coding.mark_done(obj, user=request.user, done=False)
            elif action == "delete":
                item = get_object_or_404(obj.codings, pk=request.POST.get("coding") or 0)
                coding.delete_coding(item, user=request.user)
            elif form is not None and form.is_valid():
                d = form.cleaned_data
                coding.add_coding(obj, coder=request.user, char_start=d["char_start"],
                                  char_end=d["char_end"], kind=d["kind"], themes=list(d["themes"]),
                                  note=d["note"])
                messages.success(request, _("Your coding has been saved."))
            else:
                raise coding.CodingError(_("Select text in the passages and choose a kind."))
        except (coding.CodingError, services.FindingError) as exc:
            messages.error(request, str(exc))
        else:
            return redirect(obj)
    codings = list(coding.visible_codings(obj, request.user))
    for c in codings:
        c.text = obj.source.text[c.char_start:c.char_end]
    highlights = [display.Highlight(c.char_start, c.char_end, f"staat-hl--{c.kind}",
                                    title=f"{c.coder}: {c.get_kind_display()}",
                                    attrs=f' data-coding="{c.pk}"') for c in codings]
    passages = list(obj.source.passages.order_by("index"))
    return render_page(request, "findings/session.html", {
        "session": obj, "me": me, "form": form, "codings": codings,
        "coders": list(obj.coders.select_related("coder")),
        "blocks": display.passage_blocks(obj.source, passages, highlights),
        "all_done": obj.all_done,
    })


@login_required
def session_compare(request: HttpRequest, pk: int) -> HttpResponse:
    _require_researcher(request)
    obj = get_object_or_404(CodingSession.objects.select_related("source"), pk=pk)
    if not obj.all_done:
        messages.info(request, _("The comparison opens when every coder has marked their coding done."))
        return redirect(obj)
    report = coding.comparison(obj)
    if request.GET.get("format") == "json":
        return JsonResponse(report.to_dict(), json_dumps_params={"ensure_ascii": False, "indent": 1})
    text = obj.source.text
    rows = []
    for d in report.disagreements:
        spans = []
        for coder_name, span in d["spans"].items():
            spans.append({"coder": coder_name, "value": d["values"][coder_name],
                          "coding": span.ref if span else None})
        rows.append({"unit": d["unit"], "text": text[d["char_start"]:d["char_end"]], "spans": spans})
    themes = {t.code: t for t in obj.codebook_version.codebook.themes.all()}
    return render_page(request, "findings/compare.html", {
        "session": obj, "report": report, "rows": rows,
        "per_kind": [(dict(Kind.choices).get(k, k), v) for k, v in report.per_kind.items()],
        "per_theme": [(themes[c].label if c in themes else c, v) for c, v in report.per_theme.items()],
        "kinds": Kind.choices,
    })


@login_required
@require_POST
def session_settle(request: HttpRequest, pk: int) -> HttpResponse:
    _require_researcher(request)
    obj = get_object_or_404(CodingSession, pk=pk)
    ids = [int(x) for x in request.POST.getlist("coding") if x.isdigit()]
    chosen = list(obj.codings.filter(pk__in=ids).prefetch_related("themes").select_related("coder"))
    kind = request.POST.get("kind") or None
    try:
        finding = coding.settle(obj, user=request.user, codings=chosen, kind=kind,
                                reason=request.POST.get("reason", ""))
    except (coding.CodingError, services.FindingError) as exc:
        messages.error(request, str(exc))
        return redirect("findings:session-compare", pk=obj.pk)
    messages.success(request, _("The difference has been settled; both codings are kept."))
    return redirect(_next_url(request, finding.get_absolute_url()))


# --- extraction runs ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    _require_researcher(request)
    if request.method == "POST":
        active = ExtractionRun.objects.filter(status__in=["queued", "running"]).first()
        if active is None:
            active = services.start_background_run(user=request.user,
                                                   force=request.POST.get("force") == "1")
            messages.success(request, _("Extraction has started."))
        return redirect("findings:runs")
    return render_page(request, "findings/runs.html", {
        "runs": ExtractionRun.objects.all()[:30],
        "active": ExtractionRun.objects.filter(status__in=["queued", "running"]).first(),
    })


@login_required
def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    _require_researcher(request)
    run = get_object_or_404(ExtractionRun, pk=pk)
    if request.GET.get("format") == "json":
        return JsonResponse({"id": run.pk, "status": run.status, "progress": run.progress_percent,
                             "sources_total": run.sources_total, "sources_done": run.sources_done,
                             "findings_created": run.findings_created, "error": run.error})
    return render(request, "findings/_run_status.html", {"run": run})


# --- exports -----------------------------------------------------------------------------------


@login_required
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_researcher(request)
    statuses = request.GET.getlist("status")
    qs = exports.export_queryset(statuses=statuses)
    if fmt == "qdpx":
        response = HttpResponse(qda.project_bytes(qs), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="staat-bevindingen.qdpx"'
        return response
    if fmt == "qdc":
        response = HttpResponse(qda.codebook_bytes(), content_type="application/xml")
        response["Content-Disposition"] = 'attachment; filename="staat-codeboek.qdc"'
        return response
    if fmt in ("jsonl", "csv"):
        content_type = "application/x-ndjson" if fmt == "jsonl" else "text/csv"
        response = HttpResponse(exports.as_text(fmt, qs), content_type=f"{content_type}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="bevindingen.{fmt}"'
        return response
    raise Http404


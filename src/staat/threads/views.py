# SPDX-License-Identifier: EUPL-1.2
"""Pages for threads and calls. Thin: reading goes through ``services``' summaries and
querysets, changing through ``services``' decision and call functions (which record the audit).

Who sees what: researchers see and change everything. Everyone else sees threads that hold at
least one finding they may see (confirmed or edited, of a published source), and only those
findings; calls and their follow-up are public; call checks are for researchers only.
"""

from __future__ import annotations

import dataclasses

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from staat.core import permissions
from staat.core.views import render_page
from staat.findings.models import Finding, Theme
from staat.sources.models import Source
from staat.threads import forms, services
from staat.threads.models import (
    Call,
    CallCheck,
    CallCheckMatch,
    FollowUp,
    Thread,
    ThreadRun,
    ThreadYear,
)


def _researcher(request: HttpRequest) -> None:
    if not permissions.is_researcher(request.user):
        raise PermissionDenied


def _visible_thread(request: HttpRequest, key: str) -> Thread:
    thread = Thread.objects.filter(key=key).select_related("merged_into").first()
    if thread is None:
        raise Http404
    if thread.merged_into_id and not permissions.is_researcher(request.user):
        raise Http404
    if not thread.merged_into_id and not thread.removed and \
            not services.visible_threads(request.user).filter(pk=thread.pk).exists():
        raise Http404
    if thread.removed and not permissions.is_researcher(request.user):
        raise Http404
    return thread


# --- threads ----------------------------------------------------------------------------------


def thread_list(request: HttpRequest) -> HttpResponse:
    years = services.thread_years()
    themes = list(Theme.objects.filter(retired=False).values_list("code", "label_nl"))
    form = forms.ThreadFilterForm(request.GET or None, years=years, themes=themes)
    data = form.cleaned_data if form.is_bound and form.is_valid() else {}
    year = data.get("year") or (years[0] if years else None)
    qs = services.visible_threads(request.user)
    if data.get("kind"):
        qs = qs.filter(kind=data["kind"])
    rows = ThreadYear.objects.filter(thread__in=qs, year=year).select_related("thread")
    if data.get("trend"):
        rows = rows.filter(trend=data["trend"])
    rows = list(rows)
    if data.get("theme"):
        rows = [r for r in rows if data["theme"] in (r.figures.get("themes") or {})]
    rows.sort(key=lambda r: (not r.thread.pinned, r.trend == "no_longer_mentioned",
                             -r.figures.get("reporters", 0), -r.finding_count, r.thread.label))
    if request.GET.get("format") == "json":
        return JsonResponse({"year": year, "threads": [{
            "key": r.thread.key, "label": r.thread.label, "kind": r.thread.kind,
            "description": r.thread.description, "pinned": r.thread.pinned,
            "trend": r.trend, "trend_reasons": r.trend_reasons, "figures": r.figures,
            "url": request.build_absolute_uri(r.thread.get_absolute_url()),
        } for r in rows]}, json_dumps_params={"ensure_ascii": False, "indent": 1})
    return render_page(request, "threads/thread_list.html", {
        "form": form, "year": year, "rows": rows, "run": services.latest_run(),
        "trend_rules": services.trend_rules(),
        "filtered": any(request.GET.get(k) for k in ("kind", "theme", "trend", "year")),
    })


def _members(request: HttpRequest, thread: Thread):
    memberships = thread.memberships.select_related("finding__source").order_by(
        "-year", "excluded", "-pinned", "finding_id")
    if not permissions.is_researcher(request.user):
        visible = Finding.objects.visible_to(request.user).values("pk")
        memberships = memberships.filter(excluded=False, finding__in=visible)
    memberships = list(memberships)
    summaries = services.finding_summaries(
        [m.finding_id for m in memberships],
        pinned=[m.finding_id for m in memberships if m.pinned],
        person=[m.finding_id for m in memberships if m.origin == "person"])
    return [(m, summaries.get(m.finding_id)) for m in memberships]


def thread_detail(request: HttpRequest, key: str) -> HttpResponse:
    thread = _visible_thread(request, key)
    history = services.thread_history(thread.key)
    members = _members(request, thread)
    visible_ids = {m.finding_id for m, _ in members if not m.excluded}
    quotes = []
    for y in reversed(history.years):
        ids = [i for i in y.representative_ids if i in visible_ids]
        summaries = services.finding_summaries(ids)
        quotes.append((y, [summaries[i] for i in ids if i in summaries]))
    if request.GET.get("format") == "json":
        return JsonResponse({
            "key": thread.key, "label": thread.label, "kind": thread.kind,
            "description": thread.description,
            "years": [{"year": y.year, "trend": y.trend, "trend_reason": y.trend_reason,
                       "figures": y.figures} for y in history.years],
            "findings": [{"id": s.id, "year": s.year, "text": s.text, "status": s.status,
                          "evidence": request.build_absolute_uri(s.evidence.url)}
                         for m, s in members if s and not m.excluded],
        }, json_dumps_params={"ensure_ascii": False, "indent": 1})
    researcher = permissions.is_researcher(request.user)
    finding_ids = [m.finding_id for m, _ in members if not m.excluded]
    return render_page(request, "threads/thread_detail.html", {
        "thread": thread, "history": history, "members": members, "quotes": quotes,
        "researcher": researcher, "trend_rules": services.trend_rules(),
        "rename_form": forms.RenameForm(initial={"label": thread.label}),
        "merge_form": forms.MergeForm(thread=thread) if researcher else None,
        "split_form": forms.SplitForm(finding_ids=finding_ids),
        "add_form": forms.FindingActionForm(initial={"action": "add"}),
        "calls": thread.calls.all(),
    })


def _decision(request: HttpRequest, key: str, make_form, apply) -> HttpResponse:
    """Validate ``make_form(thread)``, call ``apply(thread, cleaned_data)``, go back."""
    _researcher(request)
    thread = get_object_or_404(Thread, key=key)
    form = make_form(thread)
    if form.is_valid():
        try:
            target = apply(thread, form.cleaned_data)
            messages.success(request, _("Your decision was saved; it is kept on every later run."))
            return redirect(target or thread)
        except services.ThreadError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Please correct the form: %(errors)s") % {
            "errors": "; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items())})
    return redirect(thread)


@require_POST
def thread_rename(request: HttpRequest, key: str) -> HttpResponse:
    def apply(thread, data):
        services.rename_thread(thread, data["label"], user=request.user, reason=data["reason"])
    return _decision(request, key, lambda t: forms.RenameForm(request.POST), apply)


@require_POST
def thread_merge(request: HttpRequest, key: str) -> HttpResponse:
    def apply(thread, data):
        services.merge_threads(thread, data["into"], user=request.user, reason=data["reason"])
        return Thread.objects.get(pk=data["into"].pk)
    return _decision(request, key, lambda t: forms.MergeForm(request.POST, thread=t), apply)


@require_POST
def thread_split(request: HttpRequest, key: str) -> HttpResponse:
    def apply(thread, data):
        return services.split_thread(thread, data["findings"], user=request.user,
                                     reason=data["reason"], label=data["label"])

    def factory(thread):
        ids = thread.memberships.filter(excluded=False).values_list("finding_id", flat=True)
        return forms.SplitForm(request.POST, finding_ids=list(ids))
    return _decision(request, key, factory, apply)


@require_POST
def thread_finding(request: HttpRequest, key: str) -> HttpResponse:
    def apply(thread, data):
        fid, reason, action = data["finding"], data["reason"], data["action"]
        if not Finding.objects.filter(pk=fid).exists():
            raise services.ThreadError(_("There is no finding with that number."))
        if action in ("pin", "unpin"):
            services.pin_finding(thread, fid, user=request.user, reason=reason,
                                 pinned=action == "pin")
        elif action == "remove":
            services.remove_finding(thread, fid, user=request.user, reason=reason)
        else:
            services.add_finding(thread, fid, user=request.user, reason=reason)
    return _decision(request, key, lambda t: forms.FindingActionForm(request.POST), apply)


@require_POST
def thread_pin(request: HttpRequest, key: str) -> HttpResponse:
    def apply(thread, data):
        services.pin_thread(thread, user=request.user, reason=data["reason"],
                            pinned=data["pinned"])
    return _decision(request, key, lambda t: forms.PinThreadForm(request.POST), apply)


@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _researcher(request)
    run = services.start_background_run(user=request.user,
                                        force=request.POST.get("force") == "1")
    return redirect("threads:run", pk=run.pk)


def run_status(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    run = get_object_or_404(ThreadRun, pk=pk)
    if request.headers.get("HX-Request") or request.GET.get("partial"):
        return render(request, "threads/_run_status.html", {"run": run})
    if request.GET.get("format") == "json":
        return JsonResponse({"id": run.pk, "status": run.status, "step": run.step,
                             "progress": run.progress, "error": run.error})
    return render_page(request, "threads/run_status.html", {"run": run})


# --- calls ------------------------------------------------------------------------------------


def call_list(request: HttpRequest) -> HttpResponse:
    years = sorted(set(Call.objects.values_list("edition_year", flat=True)), reverse=True)
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0))
    except ValueError:
        year = years[0] if years else 0
    calls = services.calls_for_edition(year) if year else []
    if request.GET.get("format") == "json":
        return JsonResponse({"edition": year, "calls": [dataclasses.asdict(c) for c in calls]},
                            json_dumps_params={"ensure_ascii": False, "indent": 1})
    return render_page(request, "threads/call_list.html", {
        "calls": calls, "year": year, "years": years,
        "form": forms.CallForm(initial={"edition_year": year or None}),
    })


@require_POST
def call_create(request: HttpRequest) -> HttpResponse:
    _researcher(request)
    form = forms.CallForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            call = services.create_call(user=request.user, edition_year=d["edition_year"],
                                        title=d["title"], text=d["text"],
                                        audience=d["audience"], threads=d["threads"],
                                        order=d["order"] or 0, reason=d["reason"])
            messages.success(request, _("The call was added."))
            return redirect(call)
        except services.CallError as exc:
            messages.error(request, str(exc))
    return render_page(request, "threads/call_form.html", {"form": form, "call": None},
                       status=400)


def _visible_citations(request, summary):
    if permissions.is_researcher(request.user):
        return summary
    visible = set(Source.objects.visible_to(request.user).values_list("pk", flat=True))
    return dataclasses.replace(summary, follow_ups=tuple(
        dataclasses.replace(f, citations=tuple(c for c in f.citations if c.source_id in visible))
        for f in summary.follow_ups), uptake=tuple(u for u in summary.uptake
                                                   if u.source_id in visible))


def call_detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = get_object_or_404(Call, pk=pk)
    summary = next(s for s in services.calls_for_edition(10_000) if s.id == call.pk)
    researcher = permissions.is_researcher(request.user)
    return render_page(request, "threads/call_detail.html", {
        "call": call, "summary": _visible_citations(request, summary),
        "threads": services.visible_threads(request.user).filter(calls=call),
        "follow_ups": call.follow_ups.all(),
        "checks": call.checks.all() if researcher else [],
        "researcher": researcher,
        "version_form": forms.VersionForm(),
        "follow_up_form": forms.FollowUpForm(initial={"edition_year": call.edition_year + 1}),
        "check_form": forms.CheckForm() if researcher else None,
    })


def call_edit(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    call = get_object_or_404(Call, pk=pk)
    if request.method == "POST":
        form = forms.CallForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            reason = d.pop("reason")
            d["order"] = d["order"] or 0
            try:
                services.update_call(call, user=request.user, reason=reason, **d)
                messages.success(request, _("The call was saved."))
                return redirect(call)
            except services.CallError as exc:
                messages.error(request, str(exc))
    else:
        form = forms.CallForm(initial={
            "edition_year": call.edition_year, "order": call.order, "title": call.title,
            "text": call.text, "audience": call.audience,
            "threads": [t.key for t in call.threads.all()]})
    return render_page(request, "threads/call_form.html", {"form": form, "call": call})


@require_POST
def call_version(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    call = get_object_or_404(Call, pk=pk)
    form = forms.VersionForm(request.POST)
    if form.is_valid():
        try:
            services.add_version(call, user=request.user, **form.cleaned_data)
            messages.success(request, _("The sharpened wording was saved."))
        except services.CallError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, _("Please fill in the edition and the wording."))
    return redirect(call)


def follow_up_save(request: HttpRequest, pk: int, follow_up_pk: int | None = None
                   ) -> HttpResponse:
    _researcher(request)
    call = get_object_or_404(Call, pk=pk)
    follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, call=call) if follow_up_pk else None
    if request.method == "POST":
        form = forms.FollowUpForm(request.POST)
        if form.is_valid():
            d = dict(form.cleaned_data)
            reason, citations = d.pop("reason"), d.pop("citations")
            try:
                if follow_up is None:
                    services.add_follow_up(call, user=request.user, reason=reason,
                                           citations=citations, **d)
                else:
                    services.update_follow_up(follow_up, user=request.user, reason=reason,
                                              citations=citations, **d)
                messages.success(request, _("The follow-up was saved."))
                return redirect(call)
            except services.CallError as exc:
                messages.error(request, str(exc))
    else:
        initial = {"edition_year": call.edition_year + 1}
        if follow_up is not None:
            initial = {"edition_year": follow_up.edition_year, "status": follow_up.status,
                       "response": follow_up.response, "steps": follow_up.steps,
                       "citations": ", ".join(f"{c.source_id}:{c.page}" if c.page else
                                              str(c.source_id)
                                              for c in follow_up.citations.all())}
        form = forms.FollowUpForm(initial=initial)
    return render_page(request, "threads/follow_up_form.html",
                       {"form": form, "call": call, "follow_up": follow_up})


@require_POST
def call_check_start(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    call = get_object_or_404(Call, pk=pk)
    form = forms.CheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose at least one document."))
        return redirect(call)
    check = services.check_call(call, form.cleaned_data["sources"], user=request.user)
    return redirect("threads:check", pk=check.pk)


def call_check(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    check = get_object_or_404(CallCheck.objects.select_related("call"), pk=pk)
    matches = check.matches.select_related("passage__source", "decided_by")
    return render_page(request, "threads/call_check.html", {
        "check": check, "call": check.call, "matches": matches,
        "sources": check.sources.all(),
    })


@require_POST
def match_decide(request: HttpRequest, pk: int) -> HttpResponse:
    _researcher(request)
    match = get_object_or_404(CallCheckMatch, pk=pk)
    form = forms.MatchDecisionForm(request.POST)
    if form.is_valid():
        services.decide_match(match, user=request.user, status=form.cleaned_data["status"],
                              reason=form.cleaned_data["reason"])
    url = reverse("threads:check", args=[match.check_run_id]) + f"#match-{match.pk}"
    return redirect(url)


# SPDX-License-Identifier: EUPL-1.2
"""Pages for instruments: definitions, web forms, imports and results.

Thin views: the work is in :mod:`staat.instruments.services` and ``definitions``.
Definitions are public; forms need a signed-in person; imports and results need the
microdata permission (researchers). Every result page shows only published (suppressed)
figures and has a JSON twin (``?format=json``).
"""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from staat.analysis import microdata
from staat.analysis.instrument_schema import InstrumentError
from staat.core.models import Organisation
from staat.core.views import render_page
from staat.instruments import definitions, permissions, services
from staat.instruments.forms import (
    DefinitionUploadForm,
    ImportUploadForm,
    MappingForm,
    QuestionnaireForm,
    WaveForm,
)
from staat.instruments.models import ImportBatch, Instrument, Submission, Wave


def _require(check, request: HttpRequest) -> None:
    if not check(request.user):
        raise PermissionDenied


def _current(code: str) -> Instrument:
    inst = Instrument.objects.filter(code=code).order_by("-is_current", "-created_at").first()
    if inst is None:
        raise Http404
    return inst


def _wave(code: str, pk: int) -> Wave:
    return get_object_or_404(Wave.objects.select_related("instrument"), pk=pk,
                             instrument__code=code)


# --------------------------------------------------------------------------- definitions


def index(request: HttpRequest) -> HttpResponse:
    instruments = Instrument.objects.filter(is_current=True).order_by("code")
    waves = Wave.objects.select_related("instrument").order_by("instrument__code", "-year")
    return render_page(request, "instruments/index.html", {
        "instruments": instruments,
        "open_waves": [w for w in waves if w.is_open],
        "can_manage": permissions.can_manage_instruments(request.user),
        "can_use_microdata": permissions.can_use_microdata(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def definition_upload(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_manage_instruments, request)
    form = DefinitionUploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and "load_shipped" in request.POST:
        loaded = definitions.load_shipped(actor=request.user)
        messages.success(request, _("%(new)s shipped instruments loaded, %(same)s unchanged.")
                         % {"new": sum(1 for _i, c in loaded if c),
                            "same": sum(1 for _i, c in loaded if not c)})
        return redirect("instruments:index")
    if request.method == "POST" and form.is_valid():
        try:
            inst, created = definitions.store(form.text, form.cleaned_data["file"].name,
                                              origin=Instrument.Origin.UPLOADED,
                                              actor=request.user)
        except InstrumentError as exc:
            problems = exc.problems
        except definitions.DefinitionConflict as exc:
            form.add_error("file", str(exc))
        else:
            messages.success(request, _("Instrument “%(title)s” version %(version)s stored.")
                             % {"title": inst.display_title, "version": inst.version}
                             if created else _("This definition was already stored."))
            return redirect(inst.get_absolute_url())
    return render_page(request, "instruments/definition_upload.html",
                       {"form": form, "problems": problems}, status=400 if problems else 200)


def instrument_detail(request: HttpRequest, code: str) -> HttpResponse:
    inst = _current(code)
    if request.GET.get("format") == "yaml":
        return HttpResponse(inst.definition, content_type="text/yaml; charset=utf-8")
    can_manage = permissions.can_manage_instruments(request.user)
    return render_page(request, "instruments/instrument_detail.html", {
        "instrument": inst,
        "definition": inst.parsed(),
        "language": services.language(),
        "versions": Instrument.objects.filter(code=code).order_by("-created_at"),
        "waves": Wave.objects.filter(instrument__code=code).select_related("instrument"),
        "wave_form": WaveForm() if can_manage else None,
        "can_manage": can_manage,
        "can_use_microdata": permissions.can_use_microdata(request.user),
    })


@login_required
@require_POST
def wave_create(request: HttpRequest, code: str) -> HttpResponse:
    _require(permissions.can_manage_instruments, request)
    inst = Instrument.objects.filter(code=code, is_current=True).first() or _current(code)
    form = WaveForm(request.POST, instance=Wave(instrument=inst))
    if form.is_valid():
        wave = form.save()
        from staat.core import audit

        audit.record(request.user, "create", wave, changes={"instrument": inst.code,
                                                             "name": wave.name})
        messages.success(request, _("Wave “%(name)s” created.") % {"name": wave.name})
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect(inst.get_absolute_url())


# --------------------------------------------------------------------------- web forms


@login_required
@require_http_methods(["GET", "POST"])
def fill(request: HttpRequest, code: str, wave_pk: int) -> HttpResponse:
    wave = _wave(code, wave_pk)
    definition = wave.instrument.parsed()
    organisations = permissions.organisations_for(request.user)
    if not organisations.exists():
        messages.error(request, _("You can fill in a questionnaire only for your own "
                                  "organisation, and your account has none."))
        return redirect("instruments:index")
    if not wave.is_open:
        messages.error(request, _("This wave is closed."))
        return redirect(wave.instrument.get_absolute_url())
    org_code = request.POST.get("organisation") or request.GET.get("organisation")
    organisation = (organisations.filter(pk=org_code).first() if str(org_code).isdigit()
                    else None) or organisations.first()
    kwargs = {"language": services.language(), "organisations": organisations}
    submitted = services.has_submitted(request.user, organisation, wave)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "draft")
        form = QuestionnaireForm(definition, request.POST, draft=action != "submit", **kwargs)
        if submitted:
            messages.error(request, _("You have already submitted this questionnaire for "
                                      "%(organisation)s in %(wave)s. It can be submitted only "
                                      "once; your earlier answers are kept.")
                           % {"organisation": organisation, "wave": wave.name})
            status = 409
        elif form.is_valid():
            try:
                if action == "submit":
                    services.submit(request.user, organisation, wave, form.answers(),
                                    form.attributes())
                    messages.success(request, _("Thank you. Your answers have been submitted."))
                else:
                    services.save_draft(request.user, organisation, wave,
                                        {**form.answers(), **{f"attr:{k}": v for k, v in
                                                             form.attributes().items()}})
                    messages.success(request, _("Draft saved. You can come back later to "
                                                "finish and submit it."))
                return redirect(f"{request.path}?organisation={organisation.pk}")
            except services.AlreadySubmitted:
                messages.error(request, _("You have already submitted this questionnaire for "
                                          "%(organisation)s in %(wave)s. It can be submitted "
                                          "only once; your earlier answers are kept.")
                               % {"organisation": organisation, "wave": wave.name})
                status = 409
        else:
            status = 400
    else:
        draft = services.latest_submission(request.user, organisation, wave)
        initial = QuestionnaireForm.initial_from(draft.answers) if draft else {}
        initial["organisation"] = organisation.pk
        form = QuestionnaireForm(definition, initial=initial, draft=True, **kwargs)
    sub = services.latest_submission(request.user, organisation, wave)
    return render_page(request, "instruments/fill.html", {
        "wave": wave, "instrument": wave.instrument, "definition": definition, "form": form,
        "organisation": organisation, "submitted": submitted or (
            sub is not None and sub.status == Submission.Status.SUBMITTED),
        "submission": sub, "language": services.language(),
    }, status=status)


# --------------------------------------------------------------------------- imports


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    form = ImportUploadForm(request.POST or None, request.FILES or None,
                            waves=Wave.objects.select_related("instrument"),
                            organisations=Organisation.objects.all())
    error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch, _cols = services.start_import(
                form.cleaned_data["wave"], upload.name, upload.chunks(), user=request.user,
                organisation=form.cleaned_data["organisation"])
        except ValueError as exc:
            error = str(exc)
        else:
            return redirect("instruments:import-mapping", pk=batch.pk)
    return render_page(request, "instruments/import_start.html", {
        "form": form, "error": error,
        "batches": ImportBatch.objects.select_related("wave", "wave__instrument")[:20],
    }, status=400 if error else 200)


def _batch(request, pk) -> ImportBatch:
    _require(permissions.can_use_microdata, request)
    return get_object_or_404(ImportBatch.objects.select_related("wave", "wave__instrument"),
                             pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if batch.status in (ImportBatch.Status.IMPORTED, ImportBatch.Status.REJECTED):
        return redirect("instruments:import-review", pk=batch.pk)
    definition = batch.wave.instrument.parsed()
    kwargs = {"columns": batch.columns, "definition": definition,
              "language": services.language()}
    mapping_errors = []
    if request.method == "POST":
        form = MappingForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                services.validate_import(batch, form.mapping())
            except microdata.MappingError as exc:
                mapping_errors = exc.problems
            else:
                return redirect("instruments:import-review", pk=batch.pk)
    else:
        form = MappingForm(initial=MappingForm.initial_for(batch.columns, batch.mapping),
                           **kwargs)
    return render_page(request, "instruments/import_mapping.html", {
        "batch": batch, "form": form, "mapping_errors": mapping_errors,
        "suggested": batch.mapping,
    }, status=400 if mapping_errors or form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def import_review(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(request, pk)
    if request.method == "POST":
        decision = request.POST.get("decision")
        try:
            count = services.decide_import(batch, decision, user=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))
        else:
            if decision == ImportBatch.Decision.NOTHING:
                messages.success(request, _("Nothing was imported. The uploaded file has been "
                                            "deleted."))
            else:
                messages.success(request, _("%(count)s rows imported into %(wave)s.")
                                 % {"count": count, "wave": batch.wave.name})
        return redirect("instruments:import-review", pk=batch.pk)
    return render_page(request, "instruments/import_review.html", {
        "batch": batch, "problems": batch.problems,
        "invalid_rows": len({p["row"] for p in batch.problems}),
        "decided": batch.status in (ImportBatch.Status.IMPORTED, ImportBatch.Status.REJECTED),
    })


# --------------------------------------------------------------------------- results


def _twin(request: HttpRequest, results: list, name: str) -> HttpResponse | None:
    """The page's machine-readable twin: published tables only (JSON or CSV)."""
    fmt = request.GET.get("format")
    if fmt == "json":
        data = [{k: v for k, v in r.as_dict().items() if k != "chart_svg"} for r in results]
        return JsonResponse({"results": data}, json_dumps_params={"ensure_ascii": False,
                                                                   "indent": 1})
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        for r in results:
            writer.writerow([r.title])
            writer.writerow([label for _f, label in r.columns] + [_("hidden")])
            for row, cells in zip(r.rows, r.cells()):
                writer.writerow(cells + [_("yes") if row.get("suppressed") else ""])
            writer.writerow([])
        response = HttpResponse(buf.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    return None


def _dimension(definition, value: str | None) -> str:
    codes = [d.code for d in definition.dimensions]
    return value if value in codes else codes[0]


@login_required
def results(request: HttpRequest, code: str, wave_pk: int) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    wave = _wave(code, wave_pk)
    definition = wave.instrument.parsed()
    by_choices = [("type", _("Organisation type")), ("sector", _("Sector")),
                  ("organisation", _("Organisation"))]
    by_choices += [(a.code, a.label.get(services.language())) for a in definition.attributes
                   if a.type == "category" and a.code != "org_type"]
    by = request.GET.get("by") if request.GET.get("by") in dict(by_choices) else "type"
    dimension = _dimension(definition, request.GET.get("dimension"))
    if services.results_for(wave.instrument, wave, by=None) is None:
        return render_page(request, "instruments/results.html", {
            "wave": wave, "instrument": wave.instrument, "empty": True})
    parts = [services.scores_result(wave, by),
             services.comparison_result(wave, dimension, by=by),
             services.reliability_result(wave)]
    twin = _twin(request, parts, f"{code}-{wave.pk}")
    if twin:
        return twin
    return render_page(request, "instruments/results.html", {
        "wave": wave, "instrument": wave.instrument, "definition": definition,
        "scores": parts[0], "comparison": parts[1], "reliability": parts[2],
        "by": by, "by_choices": by_choices, "dimension": dimension,
        "dimensions": [(d.code, d.label.get(services.language())) for d in
                       definition.dimensions],
        "other_waves": Wave.objects.filter(instrument__code=code).exclude(pk=wave.pk),
        "organisations": Organisation.objects.filter(
            pk__in=wave.responses.values("organisation")).order_by("name"),
        "has_categories": any(a.type == "category" for a in definition.attributes),
        "is_assessment": any(i.justification_required for i in definition.items),
    })


def _single(request, template_context: dict, result, name: str) -> HttpResponse:
    twin = _twin(request, [result], name)
    return twin or render_page(request, "instruments/result_page.html",
                               {**template_context, "result": result})


@login_required
def organisation_result(request: HttpRequest, code: str, wave_pk: int) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    wave = _wave(code, wave_pk)
    org = request.GET.get("organisation", "")
    try:
        result = services.organisation_result(wave, org)
    except services.ResultUnavailable as exc:
        raise Http404(str(exc)) from exc
    return _single(request, {"wave": wave, "instrument": wave.instrument}, result,
                   f"{code}-{wave.pk}-{org}")


@login_required
def subgroups(request: HttpRequest, code: str, wave_pk: int) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    wave = _wave(code, wave_pk)
    dimension = _dimension(wave.instrument.parsed(), request.GET.get("dimension"))
    result = services.subgroups_result(wave, dimension)
    return _single(request, {"wave": wave, "instrument": wave.instrument}, result,
                   f"{code}-{wave.pk}-subgroepen")


@login_required
def change(request: HttpRequest, code: str) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    before = _wave(code, request.GET.get("before") or 0)
    after = _wave(code, request.GET.get("after") or 0)
    result = services.change_result(before, after)
    return _single(request, {"wave": after, "instrument": after.instrument}, result,
                   f"{code}-verandering")


@login_required
def agreement(request: HttpRequest, code: str, wave_pk: int) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    wave = _wave(code, wave_pk)
    result = services.agreement_result(wave)
    combined = services.agreement_for(wave)["combined"]
    twin = _twin(request, [result], f"{code}-{wave.pk}-beoordelaars")
    columns = [("case", _("Case")), ("criterion_label", _("Criterion")),
               ("n_assessors", _("Assessors")), ("combined", _("Combined (median)")),
               ("mean", _("Mean")), ("min", _("Lowest")), ("max", _("Highest")),
               ("disagreement", _("To discuss"))]
    return twin or render_page(request, "instruments/result_page.html", {
        "wave": wave, "instrument": wave.instrument, "result": result, "combined": combined,
        "combined_columns": columns})


@login_required
def correlations(request: HttpRequest) -> HttpResponse:
    _require(permissions.can_use_microdata, request)
    year = request.GET.get("year", "")
    if not year.isdigit():
        raise Http404
    try:
        result = services.correlations_result(request.GET.get("x", "management-practices"),
                                              request.GET.get("y", "culture"), int(year))
    except services.ResultUnavailable as exc:
        raise Http404(str(exc)) from exc
    return _single(request, {}, result, f"correlaties-{year}")


def back_to_results(wave: Wave) -> str:
    return reverse("instruments:results", args=[wave.instrument.code, wave.pk])

# SPDX-License-Identifier: EUPL-1.2
"""Pages of the edition: the list, the editor (researchers), the build button with progress,
and the built site served from the data folder under ``/editie/<year>/``.

Views are thin: changes go through :mod:`staat.editions.services`.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from staat.core import permissions
from staat.core.views import render_page
from staat.editions import services
from staat.editions.models import Edition, EditionItem, ItemKind, Section
from staat.editions.site import SERVED_MARKER


def _researcher(request: HttpRequest) -> None:
    if not permissions.is_researcher(request.user):
        raise PermissionDenied


# --- front door -------------------------------------------------------------------------------


def front(request: HttpRequest) -> HttpResponse:
    """``/``: the latest built edition when there is one, else the workshop's home page."""
    years = services.built_years()
    if years:
        return redirect("editions:site", year=years[0])
    from staat.core.views import home

    return home(request)


# --- the built site -----------------------------------------------------------------------------


def served_banner(year: int) -> str:
    from django.utils.html import escape

    return (
        '<div class="ed-served" role="region" aria-label="%s"><p class="utrecht-paragraph">%s '
        '<a href="%s">%s</a></p></div>'
        % (escape(_("Workshop")),
           escape(_("You are reading the published edition %(year)s.") % {"year": year}),
           escape(reverse("home")), escape(_("Go to the workshop (sources, findings, threads)")))
    )


def site(request: HttpRequest, year: int, path: str = "") -> HttpResponse:
    """Serve a file of a built edition from ``DATA_DIR/editions/<year>``."""
    root = services.edition_dir(year).resolve()
    if not (root / "index.html").exists():
        raise Http404(_("This edition has not been built."))
    target = (root / (path or "index.html")).resolve()
    if target.is_dir():
        target = target / "index.html"
    if not target.is_relative_to(root) or not target.is_file():
        raise Http404
    if target.suffix == ".html":
        html = target.read_text(encoding="utf-8").replace(SERVED_MARKER, served_banner(year), 1)
        return HttpResponse(html, content_type="text/html; charset=utf-8")
    content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    if target.suffix == ".json":
        content_type = "application/json"
    elif target.suffix == ".csv":
        content_type = "text/csv; charset=utf-8"
    return FileResponse(target.open("rb"), content_type=content_type)


# --- list and editor ---------------------------------------------------------------------------


class NewEditionForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)


class EditionForm(forms.ModelForm):
    class Meta:
        model = Edition
        fields = ["title", "publication_date", "status", "intro", "closing"]
        widgets = {
            "publication_date": forms.DateInput(attrs={"type": "date"}),
            "intro": forms.Textarea(attrs={"rows": 6}),
            "closing": forms.Textarea(attrs={"rows": 4}),
        }


class ItemForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("Section"), choices=Section.choices)
    heading = forms.CharField(label=gettext_lazy("Heading"), required=False, max_length=300)
    text = forms.CharField(label=gettext_lazy("Text"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AddTextForm(forms.Form):
    section = forms.ChoiceField(label=gettext_lazy("Section"), choices=Section.choices)
    heading = forms.CharField(label=gettext_lazy("Heading"), max_length=300)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 4}))


def edition_list(request: HttpRequest) -> HttpResponse:
    built = set(services.built_years())
    editions = list(Edition.objects.all())
    if not permissions.is_researcher(request.user):
        editions = [e for e in editions if e.year in built]
    return render_page(request, "editions/edition_list.html", {
        "editions": editions,
        "built": built,
        "can_edit": permissions.is_researcher(request.user),
        "form": NewEditionForm(),
    })


@login_required
@require_POST
def edition_create(request: HttpRequest) -> HttpResponse:
    _researcher(request)
    form = NewEditionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a year between 2000 and 2100."))
        return redirect("editions:list")
    edition = services.ensure_edition(form.cleaned_data["year"], user=request.user,
                                      with_items=True)
    return redirect("editions:editor", year=edition.year)


def _item_rows(edition: Edition) -> list[dict]:
    """The items grouped per section, with the label of what each refers to."""
    from staat.editions import inputs

    labels: dict[tuple[str, str], str] = {}
    service = inputs.threads_service()
    if service is not None:
        try:
            for t in service.edition_threads(edition.year):
                labels[("thread", str(t.key))] = t.label
            for call in service.calls_for_edition(edition.year):
                labels[("call", str(call.id))] = call.title
        except Exception:  # noqa: BLE001 - the editor still works with bare references
            pass
    from staat.editions.charts import CHARTS

    for code, chart in CHARTS.items():
        labels[("chart", code)] = chart.title
    groups = []
    items = list(edition.items.order_by("order", "id"))
    for code, label in Section.choices:
        rows = [i for i in items if i.section == code]
        groups.append({
            "code": code, "label": label,
            "items": [{"item": i, "label": labels.get((i.kind, i.key), i.key),
                       "first": n == 0, "last": n == len(rows) - 1,
                       "form": ItemForm(initial={"section": i.section, "heading": i.heading,
                                                 "text": i.text}, prefix=f"item{i.pk}")}
                      for n, i in enumerate(rows)],
        })
    return groups


@login_required
def editor(request: HttpRequest, year: int) -> HttpResponse:
    _researcher(request)
    edition = get_object_or_404(Edition, year=year)
    if not edition.selection_edited and not edition.items.exists():
        services.reset_selection(edition, record=False)
    form = EditionForm(request.POST or None, instance=edition)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The edition has been saved."))
        return redirect("editions:editor", year=year)
    return render_page(request, "editions/editor.html", {
        "edition": edition,
        "form": form,
        "groups": _item_rows(edition),
        "add_form": AddTextForm(),
        "built": year in services.built_years(),
    })


def _items_response(request: HttpRequest, edition: Edition) -> HttpResponse:
    if request.htmx:
        return render_page(request, "editions/_items.html",
                           {"edition": edition, "groups": _item_rows(edition)})
    return redirect(reverse("editions:editor", args=[edition.year]) + "#items")


@login_required
@require_POST
def item_move(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    _researcher(request)
    item = get_object_or_404(EditionItem, pk=pk, edition__year=year)
    services.move_item(item, -1 if request.POST.get("direction") == "up" else 1, user=request.user)
    return _items_response(request, item.edition)


@login_required
@require_POST
def item_update(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    _researcher(request)
    item = get_object_or_404(EditionItem, pk=pk, edition__year=year)
    form = ItemForm(request.POST, prefix=f"item{pk}")
    if form.is_valid():
        services.update_item(item, user=request.user, **form.cleaned_data)
        messages.success(request, _("The item has been saved."))
    return _items_response(request, item.edition)


@login_required
@require_POST
def item_remove(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    _researcher(request)
    item = get_object_or_404(EditionItem, pk=pk, edition__year=year)
    edition = item.edition
    services.remove_item(item, user=request.user)
    return _items_response(request, edition)


@login_required
@require_POST
def item_add_text(request: HttpRequest, year: int) -> HttpResponse:
    _researcher(request)
    edition = get_object_or_404(Edition, year=year)
    form = AddTextForm(request.POST)
    if form.is_valid():
        services.add_item(edition, kind=ItemKind.TEXT, user=request.user, **form.cleaned_data)
        messages.success(request, _("The text has been added."))
    return redirect(reverse("editions:editor", args=[year]) + "#items")


@login_required
@require_POST
def reset(request: HttpRequest, year: int) -> HttpResponse:
    _researcher(request)
    edition = get_object_or_404(Edition, year=year)
    n = services.reset_selection(edition, user=request.user)
    messages.success(request, _("The selection was computed again from the data: %(n)d items.")
                     % {"n": n})
    return redirect(reverse("editions:editor", args=[year]) + "#items")


@login_required
@require_POST
def build_start(request: HttpRequest, year: int) -> HttpResponse:
    _researcher(request)
    edition = get_object_or_404(Edition, year=year)
    if not services.start_background_build(edition, user=request.user):
        messages.info(request, _("A build of this edition is already running."))
    edition.refresh_from_db()
    if request.htmx:
        return render_page(request, "editions/_build_status.html", {"edition": edition})
    return redirect(reverse("editions:editor", args=[year]) + "#build")


@login_required
def build_status(request: HttpRequest, year: int) -> HttpResponse:
    _researcher(request)
    edition = get_object_or_404(Edition, year=year)
    return render_page(request, "editions/_build_status.html", {
        "edition": edition, "built": year in services.built_years(),
    })

# SPDX-License-Identifier: EUPL-1.2
"""Pages of the core app: home, organisation register, audit history, login."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from staat.core import audit, permissions
from staat.core.forms import AuditFilterForm, LoginForm, OrganisationFilterForm, OrganisationForm
from staat.core.models import AuditEvent, Organisation

ORGANISATION_FIELDS = ("code", "name", "short_name", "type", "ministry", "sector", "is_fictional")
AUDIT_PAGE_SIZE = 50


def page_context(**extra: Any) -> dict[str, Any]:
    """Context of a page (the footer note on fictional data comes from the context processor)."""
    return dict(extra)


def render_page(
    request: HttpRequest, template: str, context: dict | None = None, status: int = 200
) -> HttpResponse:
    return render(request, template, page_context(**(context or {})), status=status)


def _visible_sources(user):
    from staat.sources.views import visible_sources

    return visible_sources(user)


# --- home and login ------------------------------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    from staat.sources.models import Passage

    visible = _visible_sources(request.user)
    return render_page(request, "core/home.html", {
        "source_count": visible.count(),
        "passage_count": Passage.objects.filter(source__in=visible.values("pk")).count(),
        "organisation_count": Organisation.objects.filter(
            sources__in=visible.values("pk")
        ).distinct().count(),
        "register_count": Organisation.objects.count(),
        "years": list(
            visible.exclude(year=None).values("year").annotate(n=Count("id")).order_by("-year")
        ),
    })


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = page_context()


class LogoutView(auth_views.LogoutView):
    pass


# --- organisations -------------------------------------------------------------------------


def organisation_list(request: HttpRequest) -> HttpResponse:
    form = OrganisationFilterForm(request.GET or None)
    visible_pks = _visible_sources(request.user).values("pk")
    qs = Organisation.objects.annotate(
        source_count=Count("sources", filter=Q(sources__in=visible_pks), distinct=True)
    )
    if form.is_bound and form.is_valid():
        if form.cleaned_data["type"]:
            qs = qs.filter(type=form.cleaned_data["type"])
        if form.cleaned_data["q"]:
            term = form.cleaned_data["q"]
            qs = qs.filter(
                Q(name__icontains=term) | Q(short_name__icontains=term) | Q(code__icontains=term)
            )
    page = Paginator(qs.order_by("name"), 50).get_page(request.GET.get("page"))
    return render_page(request, "core/organisation_list.html", {
        "form": form,
        "page_obj": page,
        "organisations": page.object_list,
        "can_edit": permissions.can_edit_organisations(request.user),
    })


def organisation_detail(request: HttpRequest, code: str) -> HttpResponse:
    organisation = get_object_or_404(Organisation, code=code)
    sources = (
        _visible_sources(request.user).filter(organisations=organisation)
        .prefetch_related("organisations").order_by("-year", "title")
    )
    by_year_kind = list(
        sources.order_by().values("year", "kind").annotate(n=Count("id")).order_by("-year", "kind")
    )
    from staat.sources.models import SourceKind

    kind_labels = dict(SourceKind.choices)
    for row in by_year_kind:
        row["kind_label"] = kind_labels.get(row["kind"], row["kind"])
    return render_page(request, "core/organisation_detail.html", {
        "organisation": organisation,
        "sources": sources,
        "counts": by_year_kind,
        "can_edit": permissions.can_edit_organisations(request.user),
        "audit_rows": (
            event_rows(AuditEvent.objects.filter(
                object_type=Organisation._meta.label_lower, object_id=str(organisation.pk)
            ))
            if permissions.can_read_audit(request.user) else None
        ),
    })


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    if not permissions.can_edit_organisations(request.user):
        raise PermissionDenied
    organisation = get_object_or_404(Organisation, code=code) if code else Organisation()
    creating = organisation.pk is None
    before = audit.snapshot(organisation, ORGANISATION_FIELDS) if not creating else {}
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            after = audit.snapshot(saved, ORGANISATION_FIELDS)
            changes = audit.diff(before, after) if not creating else {
                k: [None, v] for k, v in after.items()
            }
            if changes:
                audit.record(
                    request.user, "create" if creating else "update", saved,
                    changes=changes, reason=form.cleaned_data["reason"],
                )
        if creating:
            messages.success(request, _("The organisation has been added."))
        elif changes:
            messages.success(request, _("The changes have been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("organisation-detail", code=saved.code)
    return render_page(request, "core/organisation_form.html", {
        "form": form, "organisation": organisation, "creating": creating,
    })


# --- audit history -------------------------------------------------------------------------


def _model_label(object_type: str) -> str:
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


#: Keys of ``AuditEvent.changes`` that are not model fields.
EXTRA_CHANGE_LABELS = {"file": gettext_lazy("file")}


def _field(object_type: str, name: str):
    try:
        return apps.get_model(object_type)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return None


def _field_label(object_type: str, name: str) -> str:
    field = _field(object_type, name)
    if field is not None:
        return str(field.verbose_name)
    return str(EXTRA_CHANGE_LABELS.get(name, name))


def _value_label(object_type: str, name: str, value: Any) -> Any:
    """A stored choice value (``"published"``) as its label (``"Gepubliceerd"``)."""
    field = _field(object_type, name)
    choices = dict(field.flatchoices) if field is not None and field.choices else None
    if choices and isinstance(value, str):
        return choices.get(value, value)
    return value


def _display(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _object_url(event: AuditEvent) -> str | None:
    """A link to the object the event is about, while it still exists."""
    if event.action == AuditEvent.Action.DELETE:
        return None
    if event.object_type == "sources.source":
        return reverse("sources:detail", args=[event.object_id])
    if event.object_type == "core.organisation":
        code = (
            Organisation.objects.filter(pk=event.object_id)
            .values_list("code", flat=True).first()
        )
        return reverse("organisation-detail", args=[code]) if code else None
    return None


def _change(object_type: str, name: str, value: Any) -> dict[str, str]:
    """One ``{field: [old, new]}`` entry of an event, ready to show."""
    if isinstance(value, list) and len(value) == 2:
        old, new = value
    else:
        old, new = None, value
    return {
        "field": _field_label(object_type, name),
        "old": _display(_value_label(object_type, name, old)),
        "new": _display(_value_label(object_type, name, new)),
    }


def event_rows(events) -> list[dict]:
    rows = []
    for event in events:
        rows.append({
            "event": event,
            "type_label": _model_label(event.object_type),
            "url": _object_url(event),
            "changes": [_change(event.object_type, name, value)
                        for name, value in sorted(event.changes.items())],
        })
    return rows


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    if not permissions.can_read_audit(request.user):
        raise PermissionDenied
    types = sorted(AuditEvent.objects.values_list("object_type", flat=True).distinct())
    actors = sorted(
        a for a in AuditEvent.objects.values_list("actor_name", flat=True).distinct() if a
    )
    form = AuditFilterForm(
        request.GET or None,
        object_types=[(t, _model_label(t)) for t in types],
        actors=actors,
    )
    qs = AuditEvent.objects.all()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"])
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["actor"]:
            qs = qs.filter(actor_name=data["actor"])
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            qs = qs.filter(at__gte=dt.datetime.combine(data["date_from"], dt.time.min, tz))
        if data["date_to"]:
            qs = qs.filter(
                at__lt=dt.datetime.combine(data["date_to"] + dt.timedelta(days=1), dt.time.min, tz)
            )
    page = Paginator(qs, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(request, "core/audit_list.html", {
        "form": form, "page_obj": page, "rows": event_rows(page.object_list),
    })

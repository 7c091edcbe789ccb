# SPDX-License-Identifier: EUPL-1.2
"""URLs of the instruments app. The views module imports pandas and scipy (several seconds);
it is imported at the first request to one of these pages, not when the URLs are loaded, so
that reversing a URL elsewhere (the edition build, a management command) stays cheap."""

import importlib

from django.urls import path


class _Views:
    """``views.name`` gives a view that imports :mod:`staat.instruments.views` when called."""

    def __getattr__(self, name: str):
        def view(request, *args, **kwargs):
            module = importlib.import_module("staat.instruments.views")
            return getattr(module, name)(request, *args, **kwargs)

        view.__name__ = view.__qualname__ = name
        view.__module__ = "staat.instruments.views"
        return view


views = _Views()

app_name = "instruments"
urlpatterns = [
    path("", views.index, name="index"),
    path("definitie/nieuw/", views.definition_upload, name="definition-upload"),
    path("import/", views.import_start, name="import"),
    path("import/<int:pk>/koppelen/", views.import_mapping, name="import-mapping"),
    path("import/<int:pk>/", views.import_review, name="import-review"),
    path("correlaties/", views.correlations, name="correlations"),
    path("<slug:code>/", views.instrument_detail, name="detail"),
    path("<slug:code>/golven/nieuw/", views.wave_create, name="wave-create"),
    path("<slug:code>/verandering/", views.change, name="change"),
    path("<slug:code>/<int:wave_pk>/invullen/", views.fill, name="fill"),
    path("<slug:code>/<int:wave_pk>/resultaten/", views.results, name="results"),
    path("<slug:code>/<int:wave_pk>/organisatie/", views.organisation_result,
         name="organisation"),
    path("<slug:code>/<int:wave_pk>/subgroepen/", views.subgroups, name="subgroups"),
    path("<slug:code>/<int:wave_pk>/beoordelaars/", views.agreement, name="agreement"),
]

# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from staat.findings import views

app_name = "findings"
urlpatterns = [
    path("", views.finding_list, name="list"),
    path("<int:pk>/", views.finding_detail, name="detail"),
    path("<int:pk>/besluit/", views.decide, name="decide"),
    path("beoordelen/", views.review, name="review"),
    path("bron/<int:source_pk>/", views.source_findings, name="source"),
    path("memo/<str:target>/<int:pk>/", views.memo_add, name="memo"),
    path("codeboek/", views.codebook, name="codebook"),
    path("codeboek/versies/<int:number>/", views.codebook_version, name="codebook-version"),
    path("codeboek/thema/nieuw/", views.theme_edit, name="theme-add"),
    path("codeboek/thema/<int:pk>/bewerken/", views.theme_edit, name="theme-edit"),
    path("codeboek/thema/<int:pk>/buiten-gebruik/", views.theme_retire, name="theme-retire"),
    path("coderen/", views.sessions, name="sessions"),
    path("coderen/<int:pk>/", views.session, name="session"),
    path("coderen/<int:pk>/vergelijken/", views.session_compare, name="session-compare"),
    path("coderen/<int:pk>/beslechten/", views.session_settle, name="session-settle"),
    path("extractie/", views.runs, name="runs"),
    path("extractie/<int:pk>/status/", views.run_status, name="run-status"),
    path("export/<str:fmt>/", views.export, name="export"),
]

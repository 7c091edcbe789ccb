# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from staat.threads import views

app_name = "threads"
urlpatterns = [
    path("", views.thread_list, name="list"),
    path("berekenen/", views.run_start, name="run-start"),
    path("berekeningen/<int:pk>/", views.run_status, name="run"),
    path("oproepen/", views.call_list, name="calls"),
    path("oproepen/nieuw/", views.call_create, name="call-create"),
    path("oproepen/<int:pk>/", views.call_detail, name="call-detail"),
    path("oproepen/<int:pk>/bewerken/", views.call_edit, name="call-edit"),
    path("oproepen/<int:pk>/aanscherping/", views.call_version, name="call-version"),
    path("oproepen/<int:pk>/opvolging/", views.follow_up_save, name="follow-up-add"),
    path("oproepen/<int:pk>/opvolging/<int:follow_up_pk>/", views.follow_up_save,
         name="follow-up-edit"),
    path("oproepen/<int:pk>/toetsen/", views.call_check_start, name="call-check"),
    path("toetsingen/<int:pk>/", views.call_check, name="check"),
    path("toetsingen/treffer/<int:pk>/", views.match_decide, name="match-decide"),
    path("<str:key>/", views.thread_detail, name="detail"),
    path("<str:key>/hernoemen/", views.thread_rename, name="rename"),
    path("<str:key>/samenvoegen/", views.thread_merge, name="merge"),
    path("<str:key>/splitsen/", views.thread_split, name="split"),
    path("<str:key>/bevinding/", views.thread_finding, name="finding"),
    path("<str:key>/vastzetten/", views.thread_pin, name="pin"),
]

# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from staat.sources import views

app_name = "sources"
urlpatterns = [
    path("", views.source_list, name="list"),
    path("zoeken/", views.search, name="search"),
    path("uploaden/", views.upload, name="upload"),
    path("<int:pk>/", views.source_detail, name="detail"),
    path("<int:pk>/origineel/", views.source_download, name="download"),
    path("<int:pk>/bewerken/", views.source_edit, name="edit"),
    path("<int:pk>/verwijderen/", views.source_delete, name="delete"),
]

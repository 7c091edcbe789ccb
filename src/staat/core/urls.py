# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from staat.core import views

urlpatterns = [
    path("werkplaats/", views.home, name="home"),
    path("inloggen/", views.LoginView.as_view(), name="login"),
    path("uitloggen/", views.LogoutView.as_view(), name="logout"),
    path("organisaties/", views.organisation_list, name="organisation-list"),
    path("organisaties/nieuw/", views.organisation_edit, name="organisation-create"),
    path("organisaties/<slug:code>/", views.organisation_detail, name="organisation-detail"),
    path("organisaties/<slug:code>/bewerken/", views.organisation_edit, name="organisation-edit"),
    path("audit/", views.audit_list, name="audit"),
]

# SPDX-License-Identifier: EUPL-1.2
from django.contrib import admin
from django.urls import include, path

from staat.editions import views as edition_views

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("bronnen/", include("staat.sources.urls")),
    path("bevindingen/", include("staat.findings.urls")),
    path("draden/", include("staat.threads.urls")),
    path("metingen/", include("staat.instruments.urls")),
    path("", include("staat.editions.urls")),
    # "/" is the front door: the latest built edition (/editie/<year>/), or the workshop's
    # home page while no edition is built. The workshop's home page is always /werkplaats/.
    path("", edition_views.front, name="front"),
    path("", include("staat.core.urls")),  # the workshop's home page is /werkplaats/
]

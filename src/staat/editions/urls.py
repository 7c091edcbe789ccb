# SPDX-License-Identifier: EUPL-1.2
from django.urls import path

from staat.editions import views

app_name = "editions"
urlpatterns = [
    path("edities/", views.edition_list, name="list"),
    path("edities/nieuw/", views.edition_create, name="create"),
    path("edities/<int:year>/", views.editor, name="editor"),
    path("edities/<int:year>/standaardselectie/", views.reset, name="reset"),
    path("edities/<int:year>/tekst/", views.item_add_text, name="item-add-text"),
    path("edities/<int:year>/onderdeel/<int:pk>/verplaatsen/", views.item_move, name="item-move"),
    path("edities/<int:year>/onderdeel/<int:pk>/bewerken/", views.item_update, name="item-update"),
    path("edities/<int:year>/onderdeel/<int:pk>/verwijderen/", views.item_remove,
         name="item-remove"),
    path("edities/<int:year>/bouwen/", views.build_start, name="build"),
    path("edities/<int:year>/bouwstatus/", views.build_status, name="build-status"),
    path("editie/<int:year>/", views.site, name="site"),
    path("editie/<int:year>/<path:path>", views.site, name="site-file"),
]

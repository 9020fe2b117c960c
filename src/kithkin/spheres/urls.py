from django.urls import path

from kithkin.spheres import views

urlpatterns = [
    path("clients/<int:client_id>/maps/", views.maps, name="sphere_maps"),
    path("clients/<int:client_id>/maps/new/", views.map_new, name="sphere_map_new"),
    path("clients/<int:client_id>/maps/compare/", views.compare, name="sphere_compare"),
    path("clients/<int:client_id>/maps/<int:map_id>/", views.sphere_map, name="sphere_map"),
    path(
        "clients/<int:client_id>/maps/<int:map_id>/entries/",
        views.entry_save,
        name="sphere_entry_save",
    ),
]

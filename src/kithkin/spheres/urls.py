from django.urls import path

from kithkin.spheres import portal_views, views

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
    # The client's own maps, made at home in the portal. The client comes from the signed-in
    # account, never from the URL.
    path("portal/maps/", portal_views.maps, name="portal_maps"),
    path("portal/maps/new/", portal_views.map_new, name="portal_map_new"),
    path("portal/maps/<int:home_map_id>/", portal_views.home_map, name="portal_map"),
    path(
        "portal/maps/<int:home_map_id>/steps/<int:step>/",
        portal_views.step,
        name="portal_map_step",
    ),
    path(
        "portal/maps/<int:home_map_id>/steps/<int:step>/save/",
        portal_views.step_save,
        name="portal_map_step_save",
    ),
    path(
        "portal/maps/<int:home_map_id>/people/",
        portal_views.person_add,
        name="portal_map_person_add",
    ),
    path("portal/maps/<int:home_map_id>/finish/", portal_views.finish, name="portal_map_finish"),
]

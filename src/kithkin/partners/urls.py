from django.urls import path

from kithkin.partners import views

urlpatterns = [
    path("worklist/", views.worklist, name="worklist"),
    path("clients/<int:client_id>/people/", views.people, name="people"),
    path("clients/<int:client_id>/people/add/", views.person_add, name="person_add"),
    path(
        "clients/<int:client_id>/people/<int:person_id>/kinds/",
        views.person_kinds,
        name="person_kinds",
    ),
    path(
        "clients/<int:client_id>/people/<int:person_id>/partner/",
        views.partner_set,
        name="partner_set",
    ),
    path(
        "clients/<int:client_id>/people/<int:person_id>/actions/",
        views.action_add,
        name="action_add",
    ),
    path(
        "clients/<int:client_id>/actions/<int:action_id>/done/",
        views.action_done,
        name="action_done",
    ),
]

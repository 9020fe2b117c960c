from django.urls import path

from kithkin.schedule import views

urlpatterns = [
    path("calendar/", views.calendar, name="calendar"),
    path("clients/<int:client_id>/sessions/", views.client_sessions, name="client_sessions"),
    path("clients/<int:client_id>/sessions/new/", views.session_new, name="session_new"),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/",
        views.session_detail,
        name="session_detail",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/edit/",
        views.session_edit,
        name="session_edit",
    ),
    path(
        "clients/<int:client_id>/sessions/<int:session_id>/outcome/",
        views.session_outcome,
        name="session_outcome",
    ),
]

from django.urls import path

from kithkin.relationships import views

urlpatterns = [
    path("clients/<int:client_id>/timeline/", views.client_timeline, name="client_timeline"),
    path("clients/<int:client_id>/episodes/open/", views.episode_open, name="episode_open"),
    path(
        "clients/<int:client_id>/episodes/<int:episode_id>/transition/",
        views.episode_transition,
        name="episode_transition",
    ),
]

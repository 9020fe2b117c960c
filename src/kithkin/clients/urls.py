from django.urls import path

from kithkin.clients import restriction_views, views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:client_id>/access-log/", views.client_access_log, name="client_access_log"),
    # Restriction of processing (GDPR Art. 18), kept by the practice admin.
    path(
        "practice/restrictions/",
        restriction_views.practice_restrictions,
        name="practice_restrictions",
    ),
    path(
        "clients/<int:client_id>/restriction/",
        restriction_views.client_restriction,
        name="client_restriction",
    ),
    path(
        "clients/<int:client_id>/restriction/lift/",
        restriction_views.client_restriction_lift,
        name="client_restriction_lift",
    ),
]

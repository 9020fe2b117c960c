from django.urls import path

from kithkin.clients import views

urlpatterns = [
    path("caseload/", views.caseload, name="caseload"),
    path("clients/new/", views.client_create, name="client_create"),
    path("clients/<int:client_id>/", views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", views.client_edit, name="client_edit"),
    path("clients/<int:client_id>/access-log/", views.client_access_log, name="client_access_log"),
]

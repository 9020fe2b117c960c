from django.urls import path

from kithkin.imports import views

urlpatterns = [
    path("clients/import/", views.client_import, name="client_import"),
    path("clients/<int:client_id>/previous-record/", views.previous_record, name="previous_record"),
]

from django.urls import path

from kithkin.assessments import views

urlpatterns = [
    path("clients/<int:client_id>/assessment/", views.assessment, name="assessment"),
    path("clients/<int:client_id>/assessment/save/", views.assessment_save, name="assessment_save"),
    path(
        "clients/<int:client_id>/assessment/codes/", views.assessment_codes, name="assessment_codes"
    ),
]

from django.urls import path

from kithkin.fhir import views

# Included under fhir/R4/ (kithkin.urls). The catch-all comes last: anything the facade does not
# serve answers with an OperationOutcome, not the HTML 404 page.
urlpatterns = [
    path("metadata", views.metadata, name="fhir_metadata"),
    path("", views.not_found, name="fhir_base"),
    path("<path:fhir_path>", views.not_found, name="fhir_not_found"),
]

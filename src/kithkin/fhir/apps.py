from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "kithkin.fhir"
    label = "fhir"
    verbose_name = "FHIR R4 facade"

from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "kithkin.assessments"

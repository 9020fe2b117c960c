from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "kithkin.api"
    label = "api"

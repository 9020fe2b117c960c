from django.apps import AppConfig


class LapsesConfig(AppConfig):
    name = "kithkin.lapses"

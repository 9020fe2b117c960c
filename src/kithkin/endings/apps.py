from django.apps import AppConfig


class EndingsConfig(AppConfig):
    name = "kithkin.endings"

from django.apps import AppConfig


class SpheresConfig(AppConfig):
    name = "kithkin.spheres"

from django.apps import AppConfig


class PracticesConfig(AppConfig):
    name = "kithkin.practices"

    def ready(self):
        from kithkin.practices import lookups, postgres

        lookups.register()
        postgres.register()

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "kithkin.web"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_optimize_after_migrate, sender=self)


def _optimize_after_migrate(sender, using="default", **kwargs):
    from kithkin.web.maintenance import optimize_database

    optimize_database()

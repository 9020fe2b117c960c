from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "kithkin.accounts"

    def ready(self):
        from kithkin.accounts import signals  # noqa: F401  (connects the receivers)

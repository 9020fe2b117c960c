from django.apps import AppConfig


class RelationshipsConfig(AppConfig):
    name = "kithkin.relationships"

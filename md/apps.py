from django.apps import AppConfig


class MDConfig(AppConfig):
    name = "md"
    verbose_name = "Maryland"

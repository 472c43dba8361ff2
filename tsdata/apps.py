from django.apps import AppConfig


class TsdataConfig(AppConfig):
    name = "tsdata"
    verbose_name = "Datasets and imports"

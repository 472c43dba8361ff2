from django.apps import AppConfig


class NCConfig(AppConfig):
    name = "nc"
    verbose_name = "North Carolina"

from django.apps import AppConfig


class ILConfig(AppConfig):
    name = "il"
    verbose_name = "Illinois"

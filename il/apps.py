from django.apps import AppConfig

from il.state import STATE


class ILConfig(AppConfig):
    name = "il"
    verbose_name = STATE.name

from django.apps import AppConfig

from md.state import STATE


class MDConfig(AppConfig):
    name = "md"
    verbose_name = STATE.name

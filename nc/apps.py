from django.apps import AppConfig

from nc.state import STATE


class NCConfig(AppConfig):
    name = "nc"
    verbose_name = STATE.name

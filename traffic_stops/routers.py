"""Route each state app to its own database; everything else to ``default``."""

from __future__ import annotations

from django.conf import settings

STATE_APP_LABELS = ("nc", "md", "il")


def state_alias(app_label: str) -> str | None:
    """The database alias of a state app, or None for apps of the primary database."""
    if app_label in STATE_APP_LABELS:
        alias = f"traffic_stops_{app_label}"
        if alias in settings.DATABASES:
            return alias
    return None


class StateDatasetRouter:
    def db_for_read(self, model, **hints) -> str:
        return state_alias(model._meta.app_label) or "default"

    def db_for_write(self, model, **hints) -> str:
        return state_alias(model._meta.app_label) or "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        db1 = state_alias(obj1._meta.app_label) or "default"
        db2 = state_alias(obj2._meta.app_label) or "default"
        return db1 == db2

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        alias = state_alias(app_label)
        if alias is not None:
            return db == alias
        return db == "default"

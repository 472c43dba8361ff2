"""Route each state app to its own database; everything else to ``default``.

A state may also have a read replica (``DATABASE_URL_<STATE>_REPLICA``, alias
``traffic_stops_<state>_replica``). Only web processes read from it: ``wsgi.py`` turns
replica reads on, so Celery workers, beat and management commands (imports, summary
rebuilds, crosswalks) read and write the primary and never see a lagging copy of what
they just wrote. Writes always go to the primary.
"""

from __future__ import annotations

from django.conf import settings

from traffic_stops.settings.env import state_db_alias

# The state apps as settings list them (the router works before any app's state.py is read).
STATE_APP_LABELS = tuple(settings.STATE_APPS)
REPLICA_SUFFIX = "_replica"

_replica_reads = False


def replica_reads_enable(enabled: bool = True) -> bool:
    """Let this process read state data from replicas (web servers); returns the old value."""
    global _replica_reads
    previous, _replica_reads = _replica_reads, enabled
    return previous


def state_alias(app_label: str) -> str | None:
    """The database alias of a state app, or None for apps of the primary database."""
    if app_label in STATE_APP_LABELS:
        alias = state_db_alias(app_label)
        if alias in settings.DATABASES:
            return alias
    return None


def read_alias(state: str) -> str:
    """Where reads of a state's data go: its replica when configured and enabled here."""
    alias = state_alias(state)
    if alias is None:
        return "default"
    replica = alias + REPLICA_SUFFIX
    if _replica_reads and replica in settings.DATABASES:
        return replica
    return alias


class StateDatasetRouter:
    def db_for_read(self, model, **hints) -> str:
        return read_alias(model._meta.app_label)

    def db_for_write(self, model, **hints) -> str:
        return state_alias(model._meta.app_label) or "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        db1 = state_alias(obj1._meta.app_label) or "default"
        db2 = state_alias(obj2._meta.app_label) or "default"
        return db1 == db2

    def allow_migrate(self, db: str, app_label: str, model_name=None, **hints) -> bool:
        alias = state_alias(app_label)
        if alias is not None:
            # A replica has its primary's schema: a physical standby gets it by replication
            # (and refuses writes); a test database standing in for one is migrated.
            return db in (alias, alias + REPLICA_SUFFIX)
        return db == "default"

"""Per-state data version: bumped by each import, read by API caching (keys, ETag).

The version lives in the primary database (``StateFacts``) so that a memcached restart or
eviction never serves stale data, and a new import invalidates only its own state.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from tsdata.models import StateFacts


def data_version_get(state: str) -> tuple[int, datetime | None]:
    """The current (version, last update time) of a state's data.

    Runs on every API request (cache key, ETag), hence one plain indexed query rather than
    the ORM (a quarter of its time).
    """
    with connections[router.db_for_read(StateFacts)].cursor() as cursor:
        cursor.execute(
            f"SELECT data_version, data_updated FROM {StateFacts._meta.db_table} "
            "WHERE state_key = %s",
            [state],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, None)


def data_version_bump(state: str) -> int:
    """Mark the state's data as changed; returns the new version."""
    with transaction.atomic():
        facts, _ = StateFacts.objects.get_or_create(state_key=state)
        StateFacts.objects.filter(pk=facts.pk).update(
            data_version=F("data_version") + 1, data_updated=timezone.now()
        )
        facts.refresh_from_db(fields=["data_version"])
    return facts.data_version

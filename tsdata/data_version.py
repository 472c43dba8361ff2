"""Per-state data version: bumped by each import, read by API caching (keys, ETag).

The version lives in the primary database (``StateFacts``) so that a memcached restart or
eviction never serves stale data, and a new import invalidates only its own state.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tsdata.models import StateFacts


def data_version_get(state: str) -> tuple[int, datetime | None]:
    """The current (version, last update time) of a state's data."""
    row = StateFacts.objects.filter(state_key=state).values_list(
        "data_version", "data_updated"
    ).first()
    return row if row else (0, None)


def data_version_bump(state: str) -> int:
    """Mark the state's data as changed; returns the new version."""
    with transaction.atomic():
        facts, _ = StateFacts.objects.get_or_create(state_key=state)
        StateFacts.objects.filter(pk=facts.pk).update(
            data_version=F("data_version") + 1, data_updated=timezone.now()
        )
        facts.refresh_from_db(fields=["data_version"])
    return facts.data_version

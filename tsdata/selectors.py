"""Reads of the primary database used by pages and the API."""

from __future__ import annotations

from tsdata.models import StateFacts
from tsdata.states import STATE_CHOICES


def state_facts_by_key() -> list[dict]:
    """Facts for each state in display order, with the state's name and top agencies."""
    facts = {
        f.state_key: f
        for f in StateFacts.objects.prefetch_related("topagencyfacts_set").all()
    }
    result = []
    for key, name in STATE_CHOICES:
        row = facts.get(key)
        result.append(
            {
                "key": key,
                "name": name,
                "facts": row,
                "top_agencies": list(row.topagencyfacts_set.all()) if row else [],
            }
        )
    return result


def state_facts_one(state: str) -> dict:
    """One state's entry of ``state_facts_by_key`` (facts may be None before an import)."""
    return next(entry for entry in state_facts_by_key() if entry["key"] == state)

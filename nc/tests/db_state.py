"""What the NC database holds, read back by the import tests."""

from __future__ import annotations

from django.db import connections

from nc.models import (
    Contraband,
    OfficerStopSummary,
    Person,
    Search,
    SearchBasis,
    Stop,
    StopSummary,
)


def schema_exists(name: str) -> bool:
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [name])
        return cursor.fetchone() is not None


def all_rows() -> dict[str, list[tuple]]:
    """Every row of the NC tables and the stop summaries, in key order."""
    return {
        model.__name__: list(model.objects.order_by("pk").values_list())
        for model in (Stop, Person, Search, Contraband, SearchBasis, StopSummary,
                      OfficerStopSummary)
    }

"""Stop.txt's agency names → agency ids for one import, and the checks on the names.

The fast path appends the id of every name the registry knows (``nc.fast_rules``); the
names of the slow lines are read from the raw-lines table and resolved by the service's
resolver before those lines are inserted, and every slow line's name must then be in the
staging ``agency_map`` the validation in SQL joins (``nc.validation_sql``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from nc.raw_files import TRIM
from tsdata.imports.staging import STAGING_SCHEMA as STAGING
from tsdata.imports.staging import ImportValidationError


@dataclass
class AgencyResolution:
    """Raw agency names → ids for one import: the registry's (names and aliases) known up
    front, and ``resolver(conn, names) -> (name → id, Highway Patrol id)`` (the
    service's) for the names that take the slow path, or all of them when the registry
    is empty."""

    known: dict[str, int]
    resolver: Callable[[object, set[str]], tuple[dict[str, int], int | None]]
    mapping: dict[str, int] = field(default_factory=dict)
    shp_id: int | None = None
    resolved: bool = False

    def resolve(self, conn, names: set[str]) -> None:
        self.mapping, self.shp_id = self.resolver(conn, names)
        self.resolved = True


def slow_agency_names(conn) -> set[str]:
    """Distinct agency names of the slow Stop.txt lines, trimmed like their fields."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT btrim(split_part(line, E'\\t', 2), {TRIM}) "
            f"FROM {STAGING}.raw_stop WHERE line IS NOT NULL"
        )
        return {name for (name,) in cursor.fetchall()}


def agency_names_check(conn) -> None:
    """Every name on a slow line must be in the agency map (after a first pass, only a
    64-bit hash collision between two names could make it miss one)."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT btrim(split_part(line, E'\\t', 2), {TRIM}) AS name "
            f"FROM {STAGING}.raw_stop WHERE line IS NOT NULL "
            f"EXCEPT SELECT raw_name FROM {STAGING}.agency_map"
        )
        missing = [name for (name,) in cursor.fetchall() if name and len(name) <= 100]
    if missing:
        raise ImportValidationError(
            f"Agency names missed by the first pass over Stop.txt: {missing[:5]}"
        )

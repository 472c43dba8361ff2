"""Reads behind the state pages: agency look-ups, the grouped agency list, officer checks."""

from __future__ import annotations

import math
from itertools import groupby

from tsdata.stats.registry import stats_config

# The type-ahead never offers more than this many names at once.
LOOKUP_LIMIT = 30


def agencies_matching(*, state: str, term: str, limit: int = LOOKUP_LIMIT) -> list[dict]:
    """Agencies whose name contains ``term`` (any case), exact matches first, then by name."""
    term = term.strip()
    if not term or "\x00" in term:
        return []
    model = stats_config(state).agency_model
    rows = model.objects.filter(name__icontains=term).values_list("id", "name")
    ranked = sorted(rows, key=lambda row: (row[1].lower() != term.lower(),
                                           not row[1].lower().startswith(term.lower()),
                                           row[1].lower(), row[0]))
    return [{"id": pk, "name": name} for pk, name in ranked[:limit]]


def agency_by_id(*, state: str, agency_id: int):
    return stats_config(state).agency_model.objects.filter(pk=agency_id).first()


def agency_list_grouped(*, state: str) -> list[tuple[str, list[list[dict]]]]:
    """All agencies grouped by the first character of their name (as written), groups in
    character order, names sorted ignoring case, each group split into three columns of
    ``ceil(n / 3)`` names (five names → 2, 2, 1)."""
    model = stats_config(state).agency_model
    agencies = [{"id": pk, "name": name}
                for pk, name in model.objects.values_list("id", "name") if name]
    agencies.sort(key=lambda agency: (agency["name"][0], agency["name"].lower(), agency["id"]))
    grouped = []
    for letter, members in groupby(agencies, key=lambda agency: agency["name"][0]):
        names = list(members)
        size = math.ceil(len(names) / 3)
        grouped.append((letter, [names[i:i + size] for i in range(0, len(names), size)]))
    return grouped


def officer_has_stops(*, state: str, agency_id: int, officer: str) -> bool:
    """Whether the agency has any stop by this officer id (its summary rows say so)."""
    config = stats_config(state)
    if not config.officer_filter or "\x00" in officer:
        return False
    model = next(iter(config.tables.values())).officer_model
    return model.objects.filter(agency_id=agency_id, officer_id=officer).exists()

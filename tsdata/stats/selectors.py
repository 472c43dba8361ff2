"""Reads of the statistics API: grouped counts from the summary tables, canonical order."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from django.db import connections

from census.selectors import census_profiles_by_geoid
from traffic_stops.routers import read_alias
from tsdata.states import state_config
from tsdata.stats.definitions import YEAR, Endpoint, Series, StateStats
from tsdata.stats.registry import stats_config

logger = logging.getLogger(__name__)

# Raw codes sort bytewise, whatever the database collation (docs/decisions.md, 'Canonical order').
CODE_COLLATION = "C"


def officer_can_match(*, config: StateStats, officer: str) -> bool:
    """Whether any stored officer id could equal ``officer`` (else the answer is empty).

    Values longer than the column or containing NUL (which PostgreSQL cannot even compare)
    match nothing, so they are answered without a query.
    """
    table = next(iter(config.tables.values()))
    max_length = table.officer_model._meta.get_field("officer_id").max_length
    return len(officer) <= max_length and "\x00" not in officer


@lru_cache(maxsize=256)
def series_sql(*, state: str, table: str, row_order: tuple[str, ...], measures: tuple[str, ...],
               by_officer: bool) -> str:
    """One grouped-count query for several measures of the same grouping (built once)."""
    config = stats_config(state)
    tables = config.tables[table]
    model = tables.officer_model if by_officer else tables.agency_model
    quote = connections[state_config(state).db_alias].ops.quote_name
    groups = ", ".join(quote(column) for column in (*row_order, "category"))
    sums = [f"SUM({quote(measure)})" for measure in measures]
    where = "agency_id = %s" + (" AND officer_id = %s" if by_officer else "")
    order = ", ".join(quote(column) for column in row_order)
    return (
        f"SELECT {groups}, {', '.join(sums)} FROM {quote(model._meta.db_table)} "
        f"WHERE {where} GROUP BY {groups} HAVING {' OR '.join(f'{s} > 0' for s in sums)} "
        f'ORDER BY {order}, "category" COLLATE "{CODE_COLLATION}"'
    )


def series_rows(
    *, config: StateStats, series: tuple[Series, ...], agency_id: int, officer: str | None
) -> list[list[dict[str, Any]]]:
    """Arrays of a response for series sharing table and grouping, read in one query.

    Each array has a row per group with every category (docs/api.md); a group or extra
    category appears in an array only when that array's count is positive.
    """
    if officer and not officer_can_match(config=config, officer=officer):
        return [[] for _ in series]
    first = series[0]
    statement = series_sql(
        state=config.state,
        table=first.table,
        row_order=first.row_order,
        measures=tuple(one.measure for one in series),
        by_officer=bool(officer),
    )
    params = [agency_id, officer] if officer else [agency_id]
    with connections[read_alias(config.state)].cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    n_groups = len(first.row_order)
    # Position of each response group key in the (year-first) row.
    positions = [first.row_order.index(key) for key in first.group_by]
    labels = [None if key == YEAR else config.labels[key] for key in first.group_by]
    defaults = config.categories.defaults
    results = []
    for index in range(len(series)):
        count_at = n_groups + 1 + index
        groups: dict[tuple, dict[str, Any]] = {}
        for row in rows:
            count = row[count_at]
            if not count:
                continue
            group_key = row[:n_groups]
            group = groups.get(group_key)
            if group is None:
                group = {}
                for key, position, names in zip(first.group_by, positions, labels, strict=True):
                    code = row[position]
                    group[key] = code if names is None else names.get(code, code)
                group.update(dict.fromkeys(defaults, 0))
                groups[group_key] = group
            group[row[n_groups]] = count
        results.append(list(groups.values()))
    return results


def endpoint_data(
    *, config: StateStats, endpoint: Endpoint, agency_id: int, officer: str | None
) -> Any:
    """The JSON body of a statistics endpoint: an array, or an object of named arrays."""
    if not config.officer_filter:
        officer = None
    named = endpoint.all_series
    # Parts with the same table and grouping are read together.
    batches: dict[tuple, list[int]] = {}
    for index, (_, one) in enumerate(named):
        batches.setdefault((one.table, one.group_by), []).append(index)
    arrays: list[list[dict[str, Any]]] = [[] for _ in named]
    for indexes in batches.values():
        found = series_rows(
            config=config,
            series=tuple(named[i][1] for i in indexes),
            agency_id=agency_id,
            officer=officer,
        )
        for i, array in zip(indexes, found, strict=True):
            arrays[i] = array
    if endpoint.series is not None:
        return arrays[0]
    return {name: array for (name, _), array in zip(named, arrays, strict=True)}


def agencies_with_census(*, config: StateStats, agency_id: int | None = None) -> list[dict]:
    """Agencies (all, in id order, or one) as API objects, with the newest census profile.

    The profiles of the whole list come from one query. ``census_profile`` is ``{}`` and
    ``census_year`` None when an agency has no GEOID or its GEOID has no profile.
    """
    queryset = config.agency_model.objects.order_by("id")
    if agency_id is not None:
        queryset = queryset.filter(pk=agency_id)
    agencies = list(queryset.values_list("id", "name", "census_profile_id"))
    profiles = census_profiles_by_geoid(profile_id for _, _, profile_id in agencies)
    missing = {profile_id for _, _, profile_id in agencies if profile_id} - profiles.keys()
    if missing:
        # Shown as {}; usually the census import has not run yet or the GEOID is mistyped.
        logger.info("%d census profile(s) linked to agencies not found, e.g. %s",
                    len(missing), sorted(missing)[0])
    rows = []
    for pk, name, profile_id in agencies:
        profile = profiles.get(profile_id)
        rows.append({
            "id": pk,
            "name": name,
            "census_profile": profile.get_census_dict() if profile else {},
            "census_year": profile.year if profile else None,
        })
    return rows


def agency_exists(*, config: StateStats, agency_id: int) -> bool:
    return config.agency_model.objects.filter(pk=agency_id).exists()

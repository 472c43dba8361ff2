"""Reads of the statistics API: grouped counts from the summary tables, canonical order."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.db import connections

from census.models import CensusProfile
from tsdata.states import state_config
from tsdata.stats.definitions import YEAR, Endpoint, Series, StateStats
from tsdata.stats.registry import stats_config

# Raw codes sort bytewise, whatever the database collation (spec 3.6, rule 3).
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
def series_sql(*, state: str, series: Series, by_officer: bool) -> str:
    """The grouped-count query of one series (built once from the definitions)."""
    config = stats_config(state)
    table = config.tables[series.table]
    model = table.officer_model if by_officer else table.agency_model
    quote = connections[state_config(state).db_alias].ops.quote_name
    groups = ", ".join(quote(column) for column in (*series.row_order, "category"))
    measure = quote(series.measure)
    where = "agency_id = %s" + (" AND officer_id = %s" if by_officer else "")
    order = ", ".join(quote(column) for column in series.row_order)
    return (
        f"SELECT {groups}, SUM({measure}) FROM {quote(model._meta.db_table)} WHERE {where} "
        f"GROUP BY {groups} HAVING SUM({measure}) > 0 "
        f'ORDER BY {order}, "category" COLLATE "{CODE_COLLATION}"'
    )


def series_rows(
    *, config: StateStats, series: Series, agency_id: int, officer: str | None
) -> list[dict[str, Any]]:
    """One array of a response: a row per group with every category (spec 3.2, 3.6)."""
    if officer and not officer_can_match(config=config, officer=officer):
        return []
    params = [agency_id, officer] if officer else [agency_id]
    statement = series_sql(state=config.state, series=series, by_officer=bool(officer))
    with connections[state_config(config.state).db_alias].cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    n_groups = len(series.row_order)
    # Position of each response group key in the (year-first) row.
    positions = [series.row_order.index(key) for key in series.group_by]
    labels = [None if key == YEAR else config.labels[key] for key in series.group_by]
    defaults = config.categories.defaults
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        group_key = row[:n_groups]
        group = groups.get(group_key)
        if group is None:
            group = {}
            for key, position, key_labels in zip(series.group_by, positions, labels, strict=True):
                code = row[position]
                group[key] = code if key_labels is None else key_labels.get(code, code)
            group.update(dict.fromkeys(defaults, 0))
            groups[group_key] = group
        group[row[n_groups]] = row[n_groups + 1]
    return list(groups.values())


def endpoint_data(
    *, config: StateStats, endpoint: Endpoint, agency_id: int, officer: str | None
) -> Any:
    """The JSON body of a statistics endpoint: an array, or an object of named arrays."""
    if not config.officer_filter:
        officer = None
    if endpoint.series is not None:
        return series_rows(
            config=config, series=endpoint.series, agency_id=agency_id, officer=officer
        )
    return {
        name: series_rows(config=config, series=series, agency_id=agency_id, officer=officer)
        for name, series in endpoint.parts
    }


def census_profiles_by_id(profile_ids: set[str]) -> dict[str, dict[str, int]]:
    """API census dicts of the given GEOIDs, in one query (missing ids are left out)."""
    profile_ids = {profile_id for profile_id in profile_ids if profile_id}
    if not profile_ids:
        return {}
    return {
        profile.pk: profile.get_census_dict()
        for profile in CensusProfile.objects.filter(pk__in=profile_ids)
    }


def agencies_with_census(*, config: StateStats, agency_id: int | None = None) -> list[dict]:
    """Agencies (all, in id order, or one) as API objects; census profiles fetched by id set."""
    queryset = config.agency_model.objects.order_by("id")
    if agency_id is not None:
        queryset = queryset.filter(pk=agency_id)
    agencies = list(queryset.values_list("id", "name", "census_profile_id"))
    profiles = census_profiles_by_id({profile_id for _, _, profile_id in agencies})
    return [
        {"id": pk, "name": name, "census_profile": profiles.get(profile_id, {})}
        for pk, name, profile_id in agencies
    ]


def agency_exists(*, config: StateStats, agency_id: int) -> bool:
    return config.agency_model.objects.filter(pk=agency_id).exists()

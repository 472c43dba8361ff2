"""Reads of the statistics API: grouped counts from the summary tables, canonical order."""

from __future__ import annotations

from typing import Any

from django.db.models import Sum
from django.db.models.functions import Collate

from census.models import CensusProfile
from tsdata.stats.definitions import YEAR, Endpoint, Series, StateStats

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


def series_rows(
    *, config: StateStats, series: Series, agency_id: int, officer: str | None
) -> list[dict[str, Any]]:
    """One array of a response: a row per group with every category (spec 3.2, 3.6)."""
    table = config.tables[series.table]
    if officer:
        if not officer_can_match(config=config, officer=officer):
            return []
        queryset = table.officer_model.objects.filter(agency_id=agency_id, officer_id=officer)
    else:
        queryset = table.agency_model.objects.filter(agency_id=agency_id)
    category_columns = config.categories.columns
    rows = (
        queryset.values_list(*series.row_order, *category_columns)
        .annotate(count=Sum(series.measure))
        .filter(count__gt=0)
        .order_by(
            *series.row_order,
            *(Collate(column, CODE_COLLATION) for column in category_columns),
        )
    )
    groups: dict[tuple, dict[str, Any]] = {}
    n_group_columns = len(series.row_order)
    defaults = dict.fromkeys(config.categories.defaults, 0)
    for row in rows:
        codes = dict(zip(series.row_order, row[:n_group_columns], strict=True))
        group_key = tuple(codes[key] for key in series.group_by)
        group = groups.get(group_key)
        if group is None:
            group = {key: _label(config, key, codes[key]) for key in series.group_by}
            group.update(defaults)
            groups[group_key] = group
        category = config.categories.key(
            dict(zip(category_columns, row[n_group_columns:-1], strict=True))
        )
        group[category] = group.get(category, 0) + row[-1]
    return list(groups.values())


def _label(config: StateStats, key: str, code: int) -> Any:
    if key == YEAR:
        return code
    return config.labels[key].get(code, code)


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

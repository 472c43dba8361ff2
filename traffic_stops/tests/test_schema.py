"""Every table lives in exactly the right database with the specified column names."""

from __future__ import annotations

import pytest
from django.db import connections

# Written out from the 2019 schema (tables and columns), not derived from the models,
# so that a renamed or dropped column fails here. Extra columns are allowed.
EXPECTED_TABLES: dict[str, dict[str, set[str]]] = {
    "traffic_stops_nc": {
        "nc_stop": {
            "stop_id", "agency_description", "agency_id", "date", "purpose", "action",
            "driver_arrest", "passenger_arrest", "encounter_force", "engage_force",
            "officer_injury", "driver_injury", "passenger_injury", "officer_id",
            "stop_location", "stop_city",
        },
        "nc_person": {"person_id", "stop_id", "type", "age", "gender", "ethnicity", "race"},
        "nc_search": {
            "search_id", "stop_id", "person_id", "type", "vehicle_search", "driver_search",
            "passenger_search", "property_search", "vehicle_siezed",
            "personal_property_siezed", "other_property_sized",
        },
        "nc_contraband": {
            "contraband_id", "search_id", "person_id", "stop_id", "ounces", "pounds", "pints",
            "gallons", "dosages", "grams", "kilos", "money", "weapons", "dollar_amount",
        },
        "nc_searchbasis": {"search_basis_id", "search_id", "person_id", "stop_id", "basis"},
        "nc_agency": {"id", "name", "census_profile_id"},
    },
    "traffic_stops_md": {
        "md_stop": {
            "stop_id", "date", "purpose", "stop_date_text", "stop_time_text", "stop_location",
            "duration_text", "stop_reason", "search_conducted", "search_reason", "seized",
            "gender", "date_of_birth_text", "ethnicity", "officer_id", "agency_description",
            "agency_id", "age",
        },
        "md_agency": {"id", "name", "census_profile_id"},
    },
    "traffic_stops_il": {
        "il_stop": {
            "stop_id", "year", "purpose", "search_conducted", "seized", "gender", "ethnicity",
            "agency_id", "agency_description",
        },
        "il_agency": {"id", "name", "census_profile_id"},
    },
    "default": {
        "tsdata_dataset": {
            "id", "state", "name", "date_added", "date_received", "url", "destination",
            "report_email_1", "report_email_2",
        },
        "tsdata_import": {"id", "dataset_id", "date_started", "date_finished", "successful"},
        # The original keyed profiles by GEO_ID (column id); with several ACS vintages the
        # GEOID has its own column beside the vintage year (docs/census.md).
        "tsdata_censusprofile": {
            "id", "geoid", "year", "location", "geography", "state", "source", "white", "black",
            "native_american", "asian", "native_hawaiian", "other", "two_or_more_races",
            "hispanic", "non_hispanic", "total",
        },
        "tsdata_statefacts": {
            "id", "state_key", "total_stops", "total_stops_millions", "total_searches",
            "total_agencies", "start_date", "end_date",
        },
        "tsdata_topagencyfacts": {"id", "state_facts_id", "rank", "agency_id", "stops", "name"},
    },
}

EXPECTED_TYPES = {
    ("nc_stop", "stop_id"): "integer",
    ("nc_stop", "date"): "timestamp with time zone",
    ("nc_stop", "purpose"): "smallint",
    ("nc_stop", "agency_description"): "character varying(100)",
    ("nc_stop", "officer_id"): "character varying(15)",
    ("nc_stop", "stop_city"): "character varying(20)",
    ("nc_person", "type"): "character varying(2)",
    ("nc_person", "age"): "smallint",
    ("nc_contraband", "dollar_amount"): "double precision",
    ("nc_searchbasis", "basis"): "character varying(4)",
    ("nc_agency", "census_profile_id"): "character varying(16)",
    ("md_stop", "stop_location"): "character varying(1024)",
    ("md_stop", "stop_reason"): "character varying(64)",
    ("md_stop", "ethnicity"): "character varying(20)",
    ("il_stop", "year"): "smallint",
    ("tsdata_censusprofile", "geoid"): "character varying(16)",
    ("tsdata_censusprofile", "year"): "smallint",
    ("tsdata_statefacts", "start_date"): "character varying(20)",
}


def _columns(alias: str) -> dict[str, dict[str, str]]:
    with connections[alias].cursor() as cursor:
        cursor.execute(
            """
            SELECT c.table_name, c.column_name,
                   format_type(a.atttypid, a.atttypmod)
            FROM information_schema.columns c
            JOIN pg_attribute a ON a.attrelid = (quote_ident(c.table_schema) || '.' ||
                                                 quote_ident(c.table_name))::regclass
                                AND a.attname = c.column_name
            WHERE c.table_schema = 'public'
            """
        )
        tables: dict[str, dict[str, str]] = {}
        for table, column, data_type in cursor.fetchall():
            tables.setdefault(table, {})[column] = data_type
    return tables


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("alias", list(EXPECTED_TABLES))
def test_tables_exist_with_specified_columns(alias: str) -> None:
    actual = _columns(alias)
    for table, columns in EXPECTED_TABLES[alias].items():
        assert table in actual, f"{table} missing from {alias}"
        missing = columns - set(actual[table])
        assert not missing, f"{alias}.{table} lacks {sorted(missing)}"


@pytest.mark.django_db(databases="__all__")
def test_tables_are_only_in_their_own_database() -> None:
    placement = {alias: set(_columns(alias)) for alias in EXPECTED_TABLES}
    for alias, tables in EXPECTED_TABLES.items():
        for table in tables:
            holders = {a for a, names in placement.items() if table in names}
            assert holders == {alias}, f"{table} found in {sorted(holders)}"
    # Django's own tables stay in the primary database.
    for alias in ("traffic_stops_nc", "traffic_stops_md", "traffic_stops_il"):
        assert "auth_user" not in placement[alias]
        assert "django_migrations" in placement[alias]


@pytest.mark.django_db(databases="__all__")
def test_column_types_match_specification() -> None:
    types: dict[str, dict[str, str]] = {}
    for alias in EXPECTED_TABLES:
        types.update(_columns(alias))
    for (table, column), expected in EXPECTED_TYPES.items():
        assert types[table][column] == expected, (table, column, types[table][column])

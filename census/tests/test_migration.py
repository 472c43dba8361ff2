"""The vintage migration keeps profiles stored under the old GEOID-keyed table, both ways."""

from __future__ import annotations

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("census", "0001_initial")]
AFTER = [("census", "0002_census_profile_vintages")]
COLUMNS = ("location, geography, state, source, white, black, native_american, asian, "
           "native_hawaiian, other, two_or_more_races, hispanic, non_hispanic, total")


def migrate(targets) -> None:
    executor = MigrationExecutor(connections["default"])
    executor.loader.build_graph()
    executor.migrate(targets)


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_profiles_survive_the_migration_and_its_reversal() -> None:
    migrate(BEFORE)
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                f"INSERT INTO tsdata_censusprofile (id, {COLUMNS}) VALUES "
                "('0500000US37063', 'Durham County, North Carolina', 'county', 'NC', "
                "'ACS 5-Year Data (2012-2016)', 6, 2, 0, 0, 0, 0, 0, 2, 8, 10), "
                "('1600000US3719000', 'Durham city, North Carolina', 'place', 'NC', "
                "'hand-entered', 4, 1, 0, 0, 0, 0, 0, 1, 5, 6)"
            )
        migrate(AFTER)
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT geoid, year, location, total FROM tsdata_censusprofile "
                           "ORDER BY geoid")
            assert cursor.fetchall() == [
                ("0500000US37063", 2016, "Durham County, North Carolina", 10),
                ("1600000US3719000", 2016, "Durham city, North Carolina", 6),  # no year: 2016
            ]
            cursor.execute(
                f"INSERT INTO tsdata_censusprofile (geoid, year, {COLUMNS}) VALUES "
                "('0500000US37063', 2022, 'Durham County, North Carolina', 'county', 'NC', "
                "'ACS 5-Year Data (2018-2022)', 7, 2, 0, 0, 0, 0, 0, 2, 9, 11)"
            )
        migrate(BEFORE)  # back to one profile per GEOID: the newest vintage
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT id, total FROM tsdata_censusprofile ORDER BY id")
            assert cursor.fetchall() == [("0500000US37063", 11), ("1600000US3719000", 6)]
    finally:
        migrate(AFTER)
        with connections["default"].cursor() as cursor:
            cursor.execute("TRUNCATE tsdata_censusprofile")

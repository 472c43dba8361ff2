"""``StagingImport.foreign_keys_ahead``: the FKs that can be checked before the biggest
table has its key are checked then; the rest wait for ``build``."""

from __future__ import annotations

import pytest

from tsdata.imports.report import ImportReport
from tsdata.imports.staging import STAGING_SCHEMA, StagingImport

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

TABLES = ["nc_stop", "nc_person", "nc_search"]


def _staged_fks(staging: StagingImport) -> dict[tuple[str, str], bool]:
    """(child, referenced table) → validated, for the FKs in the staging schema."""
    with staging.conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.conrelid::regclass::text, c.confrelid::regclass::text, c.convalidated
              FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
             WHERE n.nspname = %s AND c.contype = 'f'
            """,
            [STAGING_SCHEMA],
        )
        return {(child.split(".")[-1], parent.split(".")[-1]): valid
                for child, parent, valid in cursor.fetchall()}


def _rows_insert(staging: StagingImport, *, orphan_search: bool) -> None:
    with staging.conn.cursor() as cursor:
        s = STAGING_SCHEMA
        cursor.execute(
            f"INSERT INTO {s}.nc_stop (stop_id, agency_description, date, purpose, action, "
            "driver_arrest, passenger_arrest, encounter_force, engage_force, officer_injury, "
            "driver_injury, passenger_injury, officer_id, stop_location, stop_city) "
            "VALUES (1, 'A', '2015-01-01', 1, 1, false, false, false, false, false, false, "
            "false, '7', '', '')"
        )
        cursor.execute(f"INSERT INTO {s}.nc_person (person_id, stop_id, type, age, gender, "
                       "ethnicity, race) VALUES (1, 1, 'D', 30, 'M', 'N', 'W')")
        person = 2 if orphan_search else 1
        cursor.execute(
            f"INSERT INTO {s}.nc_search (search_id, stop_id, person_id, type, "
            "vehicle_search, driver_search, passenger_search, property_search, "
            "vehicle_siezed, personal_property_siezed, other_property_sized) "
            f"VALUES (1, 1, {person}, 1, false, false, false, false, false, false, false)"
        )


@pytest.mark.parametrize("orphan_search", [False, True])
def test_fks_between_complete_children_are_checked_ahead(orphan_search):
    staging = StagingImport("nc", TABLES, ImportReport(state="nc"))
    staging.open()
    try:
        _rows_insert(staging, orphan_search=orphan_search)
        for table in ("nc_person", "nc_search"):
            staging.keys_build(table)
        staging.foreign_keys_ahead()
        # nc_search → nc_person is checked; the FKs to the unkeyed nc_stop are not added
        # yet, and nc_person (whose only FK refers to nc_stop) has none.
        assert _staged_fks(staging) == {("nc_search", "nc_person"): not orphan_search}
        assert staging.foreign_keys.violated == (["nc_search"] if orphan_search else [])
        # ``build`` adds and checks the rest, and does not stage the early one again.
        staging.keys_build("nc_stop", indexes=False)
        staging.build()
        assert _staged_fks(staging) == {
            ("nc_search", "nc_person"): not orphan_search,
            ("nc_search", "nc_stop"): True,
            ("nc_person", "nc_stop"): True,
            ("nc_stop", "nc_agency"): True,  # the FK to a live table, checked in staging
        }
        if orphan_search:
            # The settlement re-adds the FKs table by table: without a fallback that
            # removes the orphan, the violation fails the import.
            with pytest.raises(Exception, match="nc_search.*person_id"):
                staging.foreign_keys_settle()
    finally:
        staging.close(success=False)

"""The import's post-load step builds summaries in a staging schema that are identical, in
shape and content, to what ``summary_rebuild`` makes of the same raw data in place."""

from __future__ import annotations

import pytest
from django.db import connections

from il.models import Agency as ILAgency
from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.imports.steps import post_load_steps
from tsdata.stats.services import summary_rebuild
from tsdata.stats.summaries import summary_table_names
from tsdata.stats.testing import il_stop, md_stop, nc_contraband, nc_driver_stop, nc_search

pytestmark = pytest.mark.django_db(databases="__all__")
STAGING = "import_staging_test"
RAW_TABLES = {
    "nc": ("nc_stop", "nc_person", "nc_search", "nc_contraband"),
    "md": ("md_stop",),
    "il": ("il_stop",),
}


def raw_data_create(state: str) -> None:
    if state == "nc":
        agency = NCAgency.objects.create(name="NC")
        nc_contraband(nc_search(nc_driver_stop(agency, "B", "N", year=2012, officer_id="4")))
        nc_driver_stop(agency, "W", "H", year=2013, engage_force=True)
    elif state == "md":
        agency = MDAgency.objects.create(name="MD")
        md_stop(agency, ethnicity="B", year=2014, officer_id="9", search_conducted="Y")
        md_stop(agency, ethnicity="W", year=2015, seized="Y")
    else:
        agency = ILAgency.objects.create(name="IL")
        il_stop(agency, ethnicity="H", year=2011, search_conducted="Y", seized="Y")
        il_stop(agency, ethnicity="B", year=2012)


def table_shape(cursor, schema: str, table: str) -> dict:
    cursor.execute(
        """SELECT column_name, data_type, character_maximum_length, is_nullable
           FROM information_schema.columns WHERE table_schema = %s AND table_name = %s
           ORDER BY ordinal_position""",
        [schema, table],
    )
    columns = cursor.fetchall()
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
        "ORDER BY indexname",
        [schema, table],
    )
    indexes = [(name, definition.replace(f"{schema}.", "")) for name, definition in cursor]
    return {"columns": columns, "indexes": indexes}


def table_rows(cursor, schema: str, table: str) -> list[tuple]:
    cursor.execute(f'SELECT * FROM "{schema}"."{table}" ORDER BY 1, 2, 3, 4, 5')
    return cursor.fetchall()


@pytest.mark.parametrize("state", ["nc", "md", "il"])
def test_post_load_step_builds_identical_tables_in_staging(state) -> None:
    steps = [step for step in post_load_steps(state) if step.name == "api_summaries"]
    assert len(steps) == 1
    step = steps[0]
    assert set(step.tables) == set(summary_table_names(state))

    raw_data_create(state)
    summary_rebuild(state)
    connection = connections[f"traffic_stops_{state}"]
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        cursor.execute("SELECT current_schema()")
        live = cursor.fetchone()[0]
        cursor.execute(f'CREATE SCHEMA "{STAGING}"')
        for table in RAW_TABLES[state]:
            cursor.execute(f'CREATE TABLE "{STAGING}".{table} AS SELECT * FROM {live}.{table}')
        cursor.execute("SHOW search_path")
        search_path = cursor.fetchone()[0]

        step.run(cursor, STAGING, {})

        cursor.execute("SHOW search_path")
        assert cursor.fetchone()[0] == search_path  # left as it was
        for table in step.tables:
            assert table_shape(cursor, STAGING, table) == table_shape(cursor, live, table)
            staged = table_rows(cursor, STAGING, table)
            assert staged == table_rows(cursor, live, table)
            assert staged, table  # the data reach every summary table

        # Running the step again (a retried import) replaces the staging tables.
        step.run(cursor, STAGING, {})
        for table in step.tables:
            assert table_rows(cursor, STAGING, table) == table_rows(cursor, live, table)


def test_rebuild_replaces_old_rows() -> None:
    agency = NCAgency.objects.create(name="Rebuilt")
    stop = nc_driver_stop(agency, "B", "N", year=2012)
    assert summary_rebuild("nc")["nc_stopsummary"] == 1
    stop.delete()
    counts = summary_rebuild("nc")
    assert counts == dict.fromkeys(summary_table_names("nc"), 0)


def test_rebuild_command_publishes_a_new_data_version() -> None:
    from io import StringIO

    from django.core.management import call_command

    from tsdata.data_version import data_version_get

    agency = MDAgency.objects.create(name="Command")
    md_stop(agency, ethnicity="B", year=2014)
    before = data_version_get("md")[0]
    out = StringIO()
    call_command("rebuild_summaries", "md", stdout=out)
    assert "md_stopsummary: 1 rows" in out.getvalue()
    assert data_version_get("md")[0] == before + 1

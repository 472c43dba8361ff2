"""How the staged FK checks are steered (``staging.foreign_keys.foreign_keys_plan``)."""

from __future__ import annotations

import pytest

from tsdata.imports.staging import STAGING_SCHEMA, state_connection
from tsdata.imports.staging.foreign_keys import foreign_keys_plan

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def _join_settings(cursor) -> tuple[str, str]:
    cursor.execute("SELECT current_setting('enable_hashjoin'), "
                   "current_setting('enable_mergejoin')")
    return cursor.fetchone()


def test_fk_checks_use_lookups_for_small_children_and_merges_along_indexes():
    conn = state_connection("nc")
    s = STAGING_SCHEMA
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE; CREATE SCHEMA {s}")
            cursor.execute(
                f"CREATE TABLE {s}.parent (id int PRIMARY KEY);"
                f"INSERT INTO {s}.parent SELECT generate_series(1, 20000);"
                f"CREATE TABLE {s}.small (pid int);"
                f"INSERT INTO {s}.small SELECT generate_series(1, 10);"
                f"CREATE TABLE {s}.indexed (pid int);"
                f"INSERT INTO {s}.indexed SELECT generate_series(1, 30000) % 20000 + 1;"
                f"CREATE INDEX indexed_pid ON {s}.indexed (pid);"
                f"CREATE TABLE {s}.unindexed (other int, pid int);"
                f"INSERT INTO {s}.unindexed SELECT g, g % 20000 + 1 "
                f"FROM generate_series(1, 30000) g;"
                f"CREATE INDEX unindexed_other_pid ON {s}.unindexed (other, pid);"
                f"ANALYZE {s}.parent, {s}.small, {s}.indexed, {s}.unindexed"
            )
            fk = [("fk", f"FOREIGN KEY (pid) REFERENCES {s}.parent(id)")]
            expected = {"small": ("off", "off"), "indexed": ("off", "on"),
                        "unindexed": ("on", "on")}
            for table, settings in expected.items():
                with foreign_keys_plan(cursor, table, fk):
                    assert _join_settings(cursor) == settings, table
                assert _join_settings(cursor) == ("on", "on")
            # The merge plan is what the check then runs (the FK columns lead an index).
            with foreign_keys_plan(cursor, "indexed", fk):
                cursor.execute(
                    f"EXPLAIN SELECT c.pid FROM ONLY {s}.indexed c LEFT JOIN ONLY {s}.parent p "
                    "ON p.id = c.pid WHERE p.id IS NULL AND c.pid IS NOT NULL"
                )
                plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "Merge Anti Join" in plan
    finally:
        with conn.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {s} CASCADE")
        conn.close()

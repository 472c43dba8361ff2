"""Build the API summary tables with set-based SQL, in a staging schema or in place.

The import calls ``summary_build`` (as a post-load step) in its staging schema before the
swap, so raw and summary tables switch together. ``summary_rebuild`` (in ``services``)
refills the live tables in one transaction for tests and manual repair.
"""

from __future__ import annotations

import logging
import re
import time

from django.db import connections
from psycopg2 import sql

from tsdata.imports.steps import PostLoadStep, post_load_step_register
from tsdata.states import state_config
from tsdata.stats.registry import stats_config

logger = logging.getLogger(__name__)

# Per sort or hash of the build (each parallel worker has its own, and a parallel hash
# join may use work_mem × workers): the build runs beside index builds and FK checks, so
# it is kept small; 256MB was not faster at 2 million stops and took the database's
# memory above 1 GB at 20 million.
BUILD_WORK_MEM = "32MB"

# ``INSERT INTO {dst}.table (columns) SELECT ...`` of the fill templates.
_INSERT_SELECT = re.compile(r"^\s*INSERT INTO \{dst\}\.(\w+)\s*\(([^)]*)\)\s*(SELECT\b.*)$", re.S)
_SCRATCH_TABLE = "summary_fill_scratch"


def _parallel_fill_statements(template: str) -> list[sql.Composable]:
    """Run the aggregation as ``CREATE TABLE AS`` and copy its rows into the target.

    PostgreSQL (15) never runs an ``INSERT ... SELECT`` in parallel, but it does run a
    ``CREATE TABLE AS`` query with parallel workers: aggregating into an unlogged scratch
    table and appending that to the (correctly typed) summary table halves the build on
    two cores. Templates of another shape run as they are.
    """
    match = _INSERT_SELECT.match(template)
    if match is None:
        return [sql.SQL(template)]
    table, columns, select = match.groups()
    return [
        sql.SQL("DROP TABLE IF EXISTS {dst}.{scratch}"),
        sql.SQL(f"CREATE UNLOGGED TABLE {{dst}}.{{scratch}} ({columns}) AS " + select),
        sql.SQL(f"INSERT INTO {{dst}}.{table} ({columns}) SELECT * FROM {{dst}}.{{scratch}}"),
        sql.SQL("DROP TABLE {dst}.{scratch}"),
    ]


def summary_table_names(state: str) -> tuple[str, ...]:
    return tuple(model._meta.db_table for model in stats_config(state).summary_models)


def summary_create_statements(state: str) -> list[str]:
    """``CREATE TABLE``/index DDL of the summary models, exactly as their migrations make it.

    Generated from the models by Django's schema editor (unqualified names), so the staging
    tables have the live tables' names, columns, keys and index names.
    """
    alias = state_config(state).db_alias
    connection = connections[alias]
    with connection.schema_editor(collect_sql=True, atomic=False) as editor:
        for model in stats_config(state).summary_models:
            editor.create_model(model)
    statements = [statement for statement in editor.collected_sql if statement.strip()]
    return statements


def summary_fill(cursor, *, state: str, source_schema: str, target_schema: str) -> None:
    """Fill the (empty) summary tables in ``target_schema`` from raw tables in ``source_schema``."""
    config = stats_config(state)
    cursor.execute("SELECT set_config('work_mem', %s, true)", [BUILD_WORK_MEM])
    cursor.execute("SELECT set_config('hash_mem_multiplier', '1', true)")
    # JIT compilation costs seconds per statement here and saves less than it costs.
    cursor.execute("SELECT set_config('jit', 'off', true)")
    for template in config.fill_sql:
        started = time.perf_counter()
        rows = 0
        for statement in _parallel_fill_statements(template):
            query = statement.format(
                src=sql.Identifier(source_schema),
                dst=sql.Identifier(target_schema),
                scratch=sql.Identifier(_SCRATCH_TABLE),
                category=config.categories.case_sql(),
            )
            cursor.execute(query, {"tz": state_config(state).tz_name})
            rows = max(rows, cursor.rowcount)
        logger.info(
            "%s summaries: %s: %d rows in %.1f s", state, template.split("\n")[1].strip(),
            rows, time.perf_counter() - started,
        )
    for table in summary_table_names(state):
        cursor.execute(
            sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target_schema), sql.Identifier(table))
        )


def summary_build(cursor, schema: str, *, state: str) -> None:
    """Create and fill the summary tables in ``schema`` from the raw tables in ``schema``.

    The primary keys are added after the fill (one bulk index build instead of millions of
    insertions) under the names the migrations give them, so the finished tables have
    exactly the live tables' shape.
    """
    cursor.execute("SHOW search_path")
    previous_search_path = cursor.fetchone()[0]
    cursor.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
    try:
        for table in summary_table_names(state):
            cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
        for statement in summary_create_statements(state):
            cursor.execute(statement)
    finally:
        cursor.execute(sql.SQL("SET search_path TO {}").format(sql.SQL(previous_search_path)))
    primary_keys = _primary_keys(state)
    for table, (constraint, _) in primary_keys.items():
        cursor.execute(
            sql.SQL("ALTER TABLE {}.{} DROP CONSTRAINT {}").format(
                sql.Identifier(schema), sql.Identifier(table), sql.Identifier(constraint)
            )
        )
    summary_fill(cursor, state=state, source_schema=schema, target_schema=schema)
    for table, (constraint, columns) in primary_keys.items():
        cursor.execute(
            sql.SQL("ALTER TABLE {}.{} ADD CONSTRAINT {} PRIMARY KEY ({})").format(
                sql.Identifier(schema),
                sql.Identifier(table),
                sql.Identifier(constraint),
                sql.SQL(", ").join(sql.Identifier(column) for column in columns),
            )
        )


def _primary_keys(state: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """table → (constraint name as PostgreSQL names it, key columns) of each summary model."""
    keys = {}
    for model in stats_config(state).summary_models:
        table = model._meta.db_table
        keys[table] = (f"{table}_pkey", tuple(field.column for field in model._meta.pk_fields))
    return keys


def summary_post_load_step_register(state: str) -> None:
    """Register the summary build as a post-load step of ``state``'s import."""
    post_load_step_register(
        state,
        PostLoadStep(
            name="api_summaries",
            tables=summary_table_names(state),
            run=lambda cursor, schema: summary_build(cursor, schema, state=state),
        ),
    )

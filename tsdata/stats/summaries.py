"""Build the API summary tables with set-based SQL, in a staging schema or in place.

The import calls ``summary_build`` (as a post-load step) in its staging schema before the
swap, so raw and summary tables switch together. ``summary_rebuild`` (in ``services``)
refills the live tables in one transaction for tests and manual repair.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator

from django.db import connections
from psycopg2 import errors, sql

from tsdata.imports.steps import PostLoadStep, post_load_step_register
from tsdata.states import state_config
from tsdata.stats.registry import stats_config

logger = logging.getLogger(__name__)

# Settings of the build transaction. The import runs the build beside its index builds
# and FK checks, so the two cores are busy anyway: a serial plan that merge-joins stops
# and drivers along their stop_id indexes uses the least CPU and memory (at 2 million
# stops 7.6 CPU-seconds against about 10 for the parallel hash join, which at 20 million
# also spilled to disk and took the database's memory above 1 GB with the index builds).
BUILD_SETTINGS = {
    "work_mem": "64MB",
    "hash_mem_multiplier": "1",
    "max_parallel_workers_per_gather": "0",
    "enable_hashjoin": "off",
    "jit": "off",  # compiling costs seconds per statement here and saves less
}


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
    with _settings(cursor, BUILD_SETTINGS):
        for template in config.fill_sql:
            _fill_statement_run(cursor, template, state=state, source_schema=source_schema,
                                target_schema=target_schema)
    for table in summary_table_names(state):
        cursor.execute(
            sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target_schema), sql.Identifier(table))
        )


@contextlib.contextmanager
def _settings(cursor, settings: dict[str, str]) -> Iterator[None]:
    """Session settings for the block, restored afterwards (the import's connections are in
    autocommit mode, where ``SET LOCAL`` would only last one statement)."""
    previous = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, false)",
                       [name, name, value])
        previous[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        # In a failed transaction the settings are rolled back with it.
        with contextlib.suppress(errors.InFailedSqlTransaction):
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])


def _fill_statement_run(cursor, template: str, *, state: str, source_schema: str,
                        target_schema: str) -> None:
    config = stats_config(state)
    started = time.perf_counter()
    query = sql.SQL(template).format(
        src=sql.Identifier(source_schema),
        dst=sql.Identifier(target_schema),
        category=config.categories.case_sql(),
    )
    cursor.execute(query, {"tz": state_config(state).tz_name})
    logger.info(
        "%s summaries: %s: %d rows in %.1f s", state, template.split("\n")[1].strip(),
        cursor.rowcount, time.perf_counter() - started,
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

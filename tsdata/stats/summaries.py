"""Build the API summary tables with set-based SQL, in a staging schema or in place.

The import calls ``summary_build`` (as a post-load step) in its staging schema before the
swap, so raw and summary tables switch together. ``summary_rebuild`` (in ``services``)
refills the live tables in one transaction for tests and manual repair.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from typing import Protocol

from django.db import connections
from psycopg2 import sql

from tsdata.imports.staging import state_connection, table_exists
from tsdata.imports.steps import PostLoadStep
from tsdata.states import state_config
from tsdata.stats.fill_settings import (
    BUILD_SETTINGS,
    PART_SETTINGS,
    STREAMED_PART_SETTINGS,
    fill_settings,
    settings_applied,
)
from tsdata.stats.registry import stats_config

logger = logging.getLogger(__name__)

# ``INSERT INTO {dst}.table (columns) SELECT ...`` of the fill templates.
_INSERT_SELECT = re.compile(r"^\s*INSERT INTO \{dst\}\.(\w+)\s*\(([^)]*)\)\s*(SELECT\b.*)$", re.S)

# An import may count the simple stops of a ``{part}`` template while loading (NC:
# ``nc.summary_stream``): it hands the counts to the summary step (``StreamedCounts``, in
# the step inputs under ``STREAMED_INPUT``, by table) and leaves in the staging schema the
# values of the split column whose rows it did not count in ``summary_dirty``; the
# template then only runs for those (see ``_streamed_fill_run``).
STREAMED_INPUT = "streamed_counts"
# The rows of a ``{part}`` template to fill, as a condition on an SQL expression of the
# split column (``StateStats.split_by``, ``part_also``).
PartCondition = Callable[[str], sql.Composable]


def _every_row(_expression: str) -> sql.Composable:
    return sql.SQL("TRUE")


def _no_row(_expression: str) -> sql.Composable:
    return sql.SQL("FALSE")


STREAMED_SUFFIX = "_streamed"
DIRTY_TABLE = "summary_dirty"


class StreamedCounts(Protocol):
    """Rows of one ``{part}`` template that an import counted while loading."""

    def merge_into(self, cursor, part: sql.Identifier, target: sql.Identifier) -> int | None:
        """Sum the counted rows and the template's rows in ``part`` (the dirty values)
        into the empty ``target``, in primary-key order; the number of rows, or None when
        they cannot be merged outside SQL (nothing was written then)."""

    def rows_copy(self, cursor, table: sql.Identifier) -> int:
        """COPY the counted rows into ``table`` (the template's columns)."""


class StreamedTable(Protocol):
    """All rows of a template without ``{part}`` (a sum over an earlier summary table),
    as the import computed them."""

    def table_fill(self, cursor, target: sql.Identifier) -> int | None:
        """COPY the rows into the empty ``target``; None (nothing written) if they are
        not available, and the template runs instead."""


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


def summary_fill(cursor, *, state: str, source_schema: str, target_schema: str,
                 extra_connection=None,
                 streamed: Mapping[str, StreamedCounts | StreamedTable] | None = None) -> None:
    """Fill the (empty) summary tables in ``target_schema`` from raw tables in ``source_schema``.

    With an ``extra_connection`` (autocommit, seeing committed tables of both schemas) the
    templates with a ``{part}`` are filled in two halves at once (``StateStats.split_by``).
    ``streamed`` (by table) are counts an import made while loading (see ``STREAMED_INPUT``).
    """
    config = stats_config(state)
    dirty = table_exists(cursor, source_schema, DIRTY_TABLE)
    with settings_applied(cursor, BUILD_SETTINGS):
        for template in config.fill_sql:
            arguments = {"state": state, "source_schema": source_schema,
                         "target_schema": target_schema}
            table = _template_split(template)[0]
            counts = (streamed or {}).get(table) if dirty else None
            if counts is not None and "{part}" not in template and _streamed_table_fill(
                cursor, counts, state=state, table=table, target_schema=target_schema
            ):
                continue
            if "{part}" in template and config.split_by and counts is not None:
                _streamed_fill_run(cursor, template, counts, **arguments)
            elif "{part}" in template and extra_connection is not None and config.split_by:
                _split_fill_run(cursor, extra_connection, template, **arguments)
            else:
                with settings_applied(cursor, fill_settings(state, table)):
                    _fill_statement_run(cursor, template, part=_every_row, **arguments)
    if dirty:  # dropped, so that a rerun (after rows were removed) builds all in SQL
        cursor.execute(sql.SQL("DROP TABLE {}").format(
            sql.Identifier(source_schema, DIRTY_TABLE)))
    for table in summary_table_names(state):
        cursor.execute(
            sql.SQL("ANALYZE {}.{}").format(sql.Identifier(target_schema), sql.Identifier(table))
        )


def _template_split(template: str) -> tuple[str, str, str]:
    """(table, column list, SELECT) of an ``INSERT INTO {dst}.table (...) SELECT`` template."""
    match = _INSERT_SELECT.match(template)
    if match is None:
        raise ValueError(f"a fill template must be INSERT ... SELECT: {template[:60]}")
    return match.groups()


def _scratch_fill(cursor, scratch: sql.Identifier, template: str, *, part: PartCondition,
                  state: str, source_schema: str, target_schema: str,
                  no_data: bool = False) -> None:
    """(Re)create the unlogged table ``scratch`` with the template's columns, filled by its
    SELECT for ``part`` (or empty, ``no_data``)."""
    _, columns, select = _template_split(template)
    cursor.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(scratch))
    suffix = " WITH NO DATA" if no_data else ""
    _template_execute(
        cursor, f"CREATE UNLOGGED TABLE {{scratch}} ({columns}) AS {select}{suffix}",
        state=state, source_schema=source_schema, target_schema=target_schema, part=part,
        scratch=scratch,
    )


def _split_fill_run(cursor, extra_connection, template: str, *, state: str,
                    source_schema: str, target_schema: str) -> None:
    """Aggregate two ranges of the split column into scratch tables on two connections,
    then merge the partial counts into the summary table in primary-key order."""
    started = time.perf_counter()
    table_name, column, expression = stats_config(state).split_by
    table, columns, _ = _template_split(template)
    cursor.execute(
        sql.SQL("SELECT min({c}), max({c}) FROM {s}.{t}").format(
            c=sql.Identifier(column), s=sql.Identifier(source_schema),
            t=sql.Identifier(table_name),
        )
    )
    low, high = cursor.fetchone()
    middle = 0 if low is None else (low + high) // 2 + 1
    parts = [lambda expression: sql.SQL(f"{expression} < {int(middle)}"),
             lambda expression: sql.SQL(f"{expression} >= {int(middle)}")]
    scratch = [sql.Identifier(target_schema, f"{table}_part{index}") for index in range(2)]

    def part_fill(part_cursor, index: int) -> None:
        with settings_applied(part_cursor, fill_settings(state, table, PART_SETTINGS)):
            _scratch_fill(part_cursor, scratch[index], template, part=parts[index],
                          state=state, source_schema=source_schema,
                          target_schema=target_schema)

    with (
        extra_connection.cursor() as extra_cursor,
        settings_applied(extra_cursor, BUILD_SETTINGS),
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        other = pool.submit(part_fill, extra_cursor, 1)
        try:
            part_fill(cursor, 0)
        except BaseException:
            extra_connection.cancel()
            raise
        finally:
            wait([other])
        other.result()
    rows = _parts_merge(cursor, state, table, columns, target_schema, scratch)
    logger.info("%s summaries: %s in two parts: %d rows in %.1f s", state, table, rows,
                time.perf_counter() - started)


def _streamed_fill_run(cursor, template: str, counts: StreamedCounts, *, state: str,
                       source_schema: str, target_schema: str) -> None:
    """Merge the rows the import counted while loading with the template's rows for the
    values of the split column it did not count (listed in ``summary_dirty``)."""
    started = time.perf_counter()
    _, column, _ = stats_config(state).split_by
    table, columns, _ = _template_split(template)
    dirty = sql.Identifier(source_schema, DIRTY_TABLE)
    scratch = sql.Identifier(target_schema, f"{table}_part1")
    # ``= ANY(ARRAY(...))`` makes an index scan that looks the dirty values up in order
    # (and returns the rows in that order, so the other joins still merge along the
    # indexes) instead of reading every row of the table to semi-join them (about half
    # the time, docs/benchmarks.md). The planner then expects ten rows;
    # with materialising and memoizing off it cannot pick a nested loop that would
    # aggregate a grouped subquery once per dirty row.
    with settings_applied(cursor, fill_settings(state, table, STREAMED_PART_SETTINGS)):
        _scratch_fill(
            cursor, scratch, template,
            part=lambda expression: sql.SQL(
                f"{expression} = ANY(ARRAY(SELECT {{}} FROM {{}}))"
            ).format(sql.Identifier(column), dirty),
            state=state, source_schema=source_schema, target_schema=target_schema,
        )
    part_seconds = time.perf_counter() - started
    rows = counts.merge_into(cursor, scratch, sql.Identifier(target_schema, table))
    if rows is None:
        how = "summed in SQL"
        streamed = sql.Identifier(target_schema, f"{table}{STREAMED_SUFFIX}")
        _scratch_fill(cursor, streamed, template, part=_no_row, state=state,
                      source_schema=source_schema, target_schema=target_schema,
                      no_data=True)
        counts.rows_copy(cursor, streamed)
        rows = _parts_merge(cursor, state, table, columns, target_schema,
                            [streamed, scratch])
    else:
        how = "merged by the import"
        cursor.execute(sql.SQL("DROP TABLE {}").format(scratch))
    logger.info("%s summaries: %s from counts streamed during the load and SQL for the "
                "other stops (%.1f s), %s: %d rows in %.1f s", state, table, part_seconds,
                how, rows, time.perf_counter() - started)


def _streamed_table_fill(cursor, counts: StreamedTable, *, state: str, table: str,
                         target_schema: str) -> bool:
    """Fill ``table`` with the rows the import computed; False if it has none."""
    started = time.perf_counter()
    rows = counts.table_fill(cursor, sql.Identifier(target_schema, table))
    if rows is None:
        return False
    logger.info("%s summaries: %s from the rows the import merged: %d rows in %.1f s", state,
                table, rows, time.perf_counter() - started)
    return True


def dirty_table_create(cursor, *, state: str, schema: str) -> sql.Identifier:
    """Create (empty) ``summary_dirty``, where an import lists the values of the split
    column whose rows it did not count."""
    _, column, _ = stats_config(state).split_by
    table = sql.Identifier(schema, DIRTY_TABLE)
    cursor.execute(
        sql.SQL("DROP TABLE IF EXISTS {t}; CREATE UNLOGGED TABLE {t} ({c} bigint)").format(
            t=table, c=sql.Identifier(column)
        )
    )
    return table


def _parts_merge(cursor, state: str, table: str, columns: str, schema: str,
                 parts: list[sql.Identifier]) -> int:
    """Sum two tables of partial counts into ``schema.table`` in primary-key order and
    drop them; returns the number of rows."""
    keys = _primary_keys(state)[table][1]
    names = [name.strip() for name in columns.split(",")]
    measures = [name for name in names if name not in keys]
    key_list = sql.SQL(", ").join(sql.Identifier(key) for key in keys)
    cursor.execute(
        sql.SQL(
            "INSERT INTO {dst}.{table} ({keys}, {measures}) "
            "SELECT {keys}, {sums} FROM (SELECT * FROM {p0} UNION ALL SELECT * FROM {p1}) u "
            "GROUP BY {keys} ORDER BY {keys}"
        ).format(
            dst=sql.Identifier(schema), table=sql.Identifier(table), keys=key_list,
            measures=sql.SQL(", ").join(sql.Identifier(name) for name in measures),
            sums=sql.SQL(", ").join(
                sql.SQL("SUM({})").format(sql.Identifier(name)) for name in measures
            ),
            p0=parts[0], p1=parts[1],
        )
    )
    rows = cursor.rowcount
    for name in parts:
        cursor.execute(sql.SQL("DROP TABLE {}").format(name))
    return rows


def _fill_statement_run(cursor, template: str, *, part: PartCondition, state: str,
                        source_schema: str, target_schema: str) -> None:
    started = time.perf_counter()
    _template_execute(cursor, template, state=state, source_schema=source_schema,
                      target_schema=target_schema, part=part)
    logger.info(
        "%s summaries: %s: %d rows in %.1f s", state, template.split("\n")[1].strip(),
        cursor.rowcount, time.perf_counter() - started,
    )


def _template_execute(cursor, template: str, *, state: str, source_schema: str,
                      target_schema: str, part: PartCondition, **more: sql.Composable) -> None:
    """Run a fill template with its placeholders (see ``StateStats.fill_sql``) filled in:
    ``{part}`` and the ``part_also`` placeholders with ``part`` of their expressions."""
    config = stats_config(state)
    expressions = {"part": config.split_by[2] if config.split_by else "", **config.part_also}
    query = sql.SQL(template).format(
        src=sql.Identifier(source_schema),
        dst=sql.Identifier(target_schema),
        category=config.categories.case_sql(),
        **{name: part(expression) for name, expression in expressions.items()},
        **more,
    )
    cursor.execute(query, {"tz": state_config(state).tz_name})


def summary_build(cursor, schema: str, *, state: str, split: bool = False,
                  streamed: Mapping[str, StreamedCounts | StreamedTable] | None = None) -> None:
    """Create and fill the summary tables in ``schema`` from the raw tables in ``schema``.

    ``split`` fills the big templates in two halves on a second connection when the raw
    tables are committed (``cursor`` in autocommit mode, as in the import); inside a
    transaction another connection would not see them.

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
    split = split and cursor.connection.autocommit
    extra_connection = state_connection(state) if split else None
    try:
        summary_fill(cursor, state=state, source_schema=schema, target_schema=schema,
                     extra_connection=extra_connection, streamed=streamed)
    finally:
        if extra_connection is not None:
            extra_connection.close()
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


def summary_post_load_step(state: str) -> PostLoadStep:
    """The summary build as a post-load step of ``state``'s import (named by default in
    every ``StateDefinition``)."""
    return PostLoadStep(
        name="api_summaries",
        tables=summary_table_names(state),
        run=lambda cursor, schema, inputs: summary_build(
            cursor, schema, state=state, split=True, streamed=inputs.get(STREAMED_INPUT)
        ),
    )

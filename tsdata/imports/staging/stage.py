"""``StagingImport``: one staged load of a state's tables, from opening to the swap.

The object a loader drives (through ``staging_import``). It owns the import connection
and the advisory lock, creates the staged tables, and puts the parts together in
``build`` and ``finish``: SQL and extra connections (``connections``), keys and indexes
(``keys``), the FK queues (``foreign_keys``), the final reads (``reads``) and the swap
(``swap``). The order matters: the swap relies on every queue having been worked off.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable

from psycopg2 import sql

from tsdata.imports.report import ImportReport
from tsdata.imports.staging.catalog import (
    LIVE_SCHEMA,
    OLD_SCHEMA,
    STAGING_SCHEMA,
    TableDefinition,
    dependent_views,
    table_definition,
    table_exists,
)
from tsdata.imports.staging.connections import ImportConnections, lock_key, state_connection
from tsdata.imports.staging.errors import ImportBusyError, ImportValidationError
from tsdata.imports.staging.foreign_keys import ForeignKeyChecks
from tsdata.imports.staging.keys import KeysAndStatistics
from tsdata.imports.staging.polite import (
    external_foreign_keys_drop_politely,
    schema_drop_politely,
    schemas_drop,
)
from tsdata.imports.staging.reads import FinalReads
from tsdata.imports.staging.swap import deferred_foreign_keys_validate, tables_swap
from tsdata.imports.steps import post_load_steps


class StagingImport(ImportConnections, KeysAndStatistics):
    """One staged load of a state's tables; see ``tsdata.imports.staging`` for the life cycle."""

    def __init__(self, state: str, tables: Iterable[str], report: ImportReport) -> None:
        self.state = state
        self.tables = list(tables)
        self.report = report
        self.conn = None
        self._definitions: dict[str, TableDefinition] = {}
        self._swap_statements: list[tuple[str, list]] = []
        self._after_swap_statements: list[tuple[str, list]] = []
        self._expected_counts: dict[str, int] = {}
        self._step_tables: list[str] = []
        # Tables whose keys, indexes and statistics are built: the FK checks choose
        # their work by the first two.
        self._keys_done: set[str] = set()
        self._indexes_done: set[str] = set()
        self._analyzed: set[str] = set()
        self.foreign_keys = ForeignKeyChecks(self.tables, self._definitions, report,
                                             keys_done=self._keys_done,
                                             indexes_done=self._indexes_done)
        # Reads of the finished staged tables that whichever connection is free first
        # runs once the FKs are validated. The row counts of ``validate`` are queued so;
        # the finalization may queue its own (``staging_import``).
        self.final_reads = FinalReads(report)
        self.extra_connections: list = []
        # What the loader hands to the post-load steps besides the staged tables (NC: the
        # officer counts it made while loading, under ``"streamed_counts"``).
        self.step_inputs: dict[str, object] = {}
        # Optional fallback for FK violations in staging: (table, name, definition) → None;
        # it may move offending rows to the loader's rejects, then the FK is retried once.
        self.on_fk_violation = None

    # ---- life cycle -------------------------------------------------------------------
    def open(self) -> None:
        self.conn = state_connection(self.state)
        with self.conn.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [lock_key(self.state)])
            if not cursor.fetchone()[0]:
                self.conn.close()
                self.conn = None
                raise ImportBusyError(
                    f"Another {self.state.upper()} import is running (advisory lock held); "
                    "wait for it to finish or stop it before starting a new one."
                )
            self._schemas_reset(cursor)
            for table in self.tables:
                if not table_exists(cursor, LIVE_SCHEMA, table):
                    raise ImportValidationError(
                        f"Table {table} does not exist in the {self.state} database; "
                        "run the migrations first."
                    )
                self._definitions[table] = table_definition(cursor, table)
                cursor.execute(
                    sql.SQL(
                        "CREATE TABLE {s}.{t} (LIKE {live}.{t} INCLUDING DEFAULTS "
                        "INCLUDING IDENTITY INCLUDING GENERATED INCLUDING CONSTRAINTS "
                        "INCLUDING STORAGE)"
                    ).format(
                        s=sql.Identifier(STAGING_SCHEMA),
                        t=sql.Identifier(table),
                        live=sql.Identifier(LIVE_SCHEMA),
                    )
                )
            self._views_check(cursor)

    def _schemas_reset(self, cursor) -> None:
        """Drop leftovers of an earlier run that died (never the live tables)."""
        for schema in (STAGING_SCHEMA, OLD_SCHEMA):
            schema_drop_politely(self.conn, schema)
        cursor.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(STAGING_SCHEMA)))

    def _views_check(self, cursor) -> None:
        """Views bind to table OIDs and would keep pointing at the old tables: refuse."""
        rows = dependent_views(cursor, self.tables)
        if rows:
            raise ImportValidationError(
                "Views depend on swapped tables (they would keep showing old data): "
                + ", ".join(f"{view} on {table}" for view, table in rows)
            )

    def close(self, *, success: bool) -> None:
        for extra in self.extra_connections:
            with contextlib.suppress(Exception):
                extra.close()
        if self.conn is None:
            return
        try:
            if not success:
                with contextlib.suppress(Exception):
                    self.conn.rollback()
                self.conn.autocommit = True
                # A staged table may have an FK to a live table by now.
                schema_drop_politely(self.conn, STAGING_SCHEMA)
            with self.conn.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [lock_key(self.state)])
        finally:
            self.conn.close()
            self.conn = None

    # ---- what the loader declares ---------------------------------------------------
    def expect_rows(self, table: str, count: int) -> None:
        """Record how many rows ``table`` must hold before the swap (checked exactly)."""
        self._expected_counts[table] = count

    def on_swap(self, statement: str, params: list | tuple | None = None) -> None:
        """Queue a small statement for the swap transaction (e.g. insert new agencies).

        It commits atomically with the new tables; keep it tiny (readers wait meanwhile).
        """
        self._swap_statements.append((statement, list(params or [])))

    def after_swap(self, statement: str, params: list | tuple | None = None) -> None:
        """Queue a statement for right after the swap (its own transaction)."""
        self._after_swap_statements.append((statement, list(params or [])))

    def final_read_add(self, name: str, read, *, rows_of: str | None = None,
                       rows: Callable[[object], int] | None = None) -> None:
        """Queue ``read(cursor)`` of the finished staged tables (see ``final_reads``).

        If the read covers every row of the table ``rows_of``, ``rows(result)`` gives its
        exact row count and ``validate`` uses that instead of counting the table again.
        """
        self.final_reads.add(name, read, rows_of=rows_of, rows=rows)

    @property
    def read_results(self) -> dict[str, object]:
        """The results of the final reads, by name."""
        return self.final_reads.results

    # ---- keys, indexes, steps, validation ------------------------------------------
    def build(self, *, keys_ready=None) -> None:
        """Build PKs/UNIQUEs, statistics, indexes and FKs in staging, with the live names.

        ``keys_ready()`` is called once every table has its keys and statistics (the
        post-load steps start then: index builds and FK checks only take locks that let
        readers of the tables through). The FKs between staging tables are added NOT
        VALID before the index builds (a catalog change, no scan) and validated after:
        a validation locks its table and only lets the referenced ones be read, so index
        builds of a referenced table go on meanwhile, and another connection may take
        validations from the queue (``foreign_keys_validate``). A violation is only
        noted; ``foreign_keys_settle`` deals with it once every connection is done.
        """
        for table in self.tables:
            if table not in self._keys_done:
                self.keys_build(table, indexes=False)
        pending = [table for table in self.tables if table not in self._indexes_done]
        with self.conn.cursor() as cursor:
            # Statistics before the steps and the FK checks: the planner then validates
            # small child tables with index lookups instead of scanning the big parents.
            with self.report.phase("analyze"):
                for table in self.tables:
                    if table not in self._analyzed:
                        self.statistics_collect(table)
            own_queue = self.foreign_keys.stage(cursor, pending)
            if keys_ready is not None:
                keys_ready()
            for table in pending:
                self.keys_build(table, keys=False)
        # The tables whose indexes were just built are validated here, after them (a
        # validation and an index build of one table would wait for each other).
        self.foreign_keys.queue_first(own_queue)
        self.foreign_keys_validate(self.conn)

    def foreign_keys_ahead(self) -> None:
        """Add and validate now, on this connection, the FKs between staging tables whose
        child is complete (keys and indexes built) and whose referenced table has its
        keys already; ``build`` takes the rest as usual.

        A loader calls this while another connection builds the biggest table's key:
        the children's checks against each other (NC: searches and contraband against
        the people) fill time this connection would otherwise wait through.
        """
        self.foreign_keys.ahead(self.conn)

    def foreign_keys_validate(self, conn) -> None:
        """Validate queued FKs on ``conn`` until the queue is empty (each table is taken
        by one connection); a table with a violation is noted for the settlement.

        A check of an FK to a live table locks its (staged) child against index builds:
        another connection leaves those of tables still being indexed to the import
        connection, which takes them after its builds (``build``), instead of waiting
        for the builds."""
        self.foreign_keys.validate(conn, indexed_only=conn is not self.conn)

    def foreign_keys_settle(self, on_fk_violation=None) -> None:
        """After a violation: drop the staged FKs and add them again table by table in
        dependency order, where ``on_fk_violation(table, constraint_name, definition)``
        may remove offending rows (recording them as rejects) before one retry. Without
        it, or if the retry fails, the violation fails the import. (With every FK in
        place, removing a parent row that a child still references would fail.)"""
        self.foreign_keys.settle(self.conn, on_fk_violation)

    def steps_run(self, conn=None) -> None:
        """Run the state's post-load steps inside the staging schema."""
        for step in post_load_steps(self.state):
            with (
                self.report.phase(f"post-load step {step.name}"),
                (conn or self.conn).cursor() as cursor,
            ):
                cursor.execute(
                    sql.SQL("SET search_path = {}, public").format(
                        sql.Identifier(STAGING_SCHEMA)
                    )
                )
                try:
                    step.run(cursor, STAGING_SCHEMA, self.step_inputs)
                finally:
                    cursor.execute("SET search_path = public")
                for table in step.tables:
                    if not table_exists(cursor, STAGING_SCHEMA, table):
                        raise ImportValidationError(
                            f"Post-load step {step.name} did not create {table} in staging"
                        )
                    if table not in self._step_tables and table not in self.tables:
                        self._step_tables.append(table)

    def final_reads_run(self, conn) -> None:
        """Run queued final reads on ``conn`` until the queue is empty."""
        self.final_reads.run(conn)

    def validate(self) -> None:
        """Exact row counts of every table the loader declared with ``expect_rows``
        (counted by ``final_reads_run`` if the rows did not change since)."""
        with self.conn.cursor() as cursor:
            for table, expected in self._expected_counts.items():
                actual = self.final_reads.row_count(cursor, table)
                if actual != expected:
                    raise ImportValidationError(
                        f"{table}: {actual:,} rows staged but {expected:,} expected"
                    )

    # ---- swap -------------------------------------------------------------------------
    def swap(self) -> None:
        """Swap staging tables in; retries when readers hold locks longer than the timeout."""
        attempts = tables_swap(self.conn, self.tables + self._step_tables,
                               self._swap_statements, self.foreign_keys.deferred_left())
        self.report.notes.append(f"swap committed after {attempts} attempt(s)")

    def after_swap_run(self) -> None:
        """Validate deferred FKs, drop the old tables, run queued after-swap statements.

        The old tables' FKs to live tables go first (each briefly locks the live table
        it refers to, see ``schema_drop_politely``); the schemas are then dropped on
        another connection while the deferred FKs are validated (a scan of the new
        tables that only share-locks the tables they refer to)."""
        external_foreign_keys_drop_politely(self.conn, OLD_SCHEMA)
        external_foreign_keys_drop_politely(self.conn, STAGING_SCHEMA)
        with self.side_lane(cancel_on_error=False) as (drop_conn, submit):
            submit(schemas_drop, drop_conn, (OLD_SCHEMA, STAGING_SCHEMA))
            deferred_foreign_keys_validate(self.conn, self.foreign_keys.deferred_left())
        with self.conn.cursor() as cursor:
            for statement, params in self._after_swap_statements:
                cursor.execute(statement, params)

    def finish(self, *, on_fk_violation=None) -> None:
        """Everything after loading: build, steps, validate, analyze, swap, clean up.

        The post-load steps run on a second connection while the indexes and foreign keys
        are built (both only read the loaded tables, and the two cores share the work);
        that connection then validates the FKs the first has not taken yet. If an FK
        fallback then removes rows, the steps run again on the final data.
        """
        fallback = on_fk_violation or self.on_fk_violation
        rows_removed: list[str] = []

        def fallback_tracked(table: str, name: str, condef: str) -> None:
            rows_removed.append(table)
            fallback(table, name, condef)

        self.final_reads.counts_queue(self._expected_counts)

        def helper_lane(steps_conn) -> None:
            self.steps_run(steps_conn)
            self.foreign_keys_validate(steps_conn)  # what the main connection left
            self.final_reads_run(steps_conn)

        with self.side_lane() as (steps_conn, submit):
            self.build(keys_ready=lambda: submit(helper_lane, steps_conn))
            self.final_reads_run(self.conn)
        self.foreign_keys_settle(fallback_tracked if fallback else None)
        if rows_removed:
            self.read_results.clear()  # read before rows were removed
            self.steps_run()
        with self.report.phase("validate"):
            self.validate()
        with self.report.phase("analyze"):
            self.analyze()
        with self.report.phase("swap"):
            self.swap()
        with self.report.phase("drop old tables"):
            self.after_swap_run()

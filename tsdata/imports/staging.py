"""Load a state's tables into a staging schema and swap them in without blocking readers.

Usage (any state)::

    from tsdata.imports.staging import staging_import

    with staging_import("md", tables=["md_stop"], report=report) as staging:
        staging.copy_rows("md_stop", ["stop_id", "date", ...], file_like)  # COPY FROM STDIN
        staging.execute("UPDATE {staging}.md_stop SET ...")                 # more SQL
        staging.on_swap("INSERT INTO public.md_agency ...", params)         # tiny live writes
    # leaving the block without an exception: keys, FKs, indexes and CHECKs are built in the
    # staging schema with the live names, the state's post-load steps run there, counts are
    # validated, and the tables are swapped in one short transaction. Any exception leaves
    # the live tables exactly as they were (the staging schema is dropped, now or at the
    # start of the next run).

Rules the machinery keeps:

* Staging tables are created ``LIKE`` the live ones (defaults, identity, CHECKs, storage)
  but without indexes, so the COPY runs at full speed; indexes and constraints are then
  built from ``pg_get_indexdef``/``pg_get_constraintdef`` of the live table, with the same
  names (names are unique per schema, so that is allowed), and therefore the swapped-in
  table is indistinguishable from one created by the migrations.
* Foreign keys between swapped tables are built and validated in staging. Foreign keys
  to tables that are *not* swapped (e.g. ``nc_stop.agency_id`` → ``nc_agency``) are added
  ``NOT VALID`` inside the swap transaction and validated right after it (validation does
  not block readers). Tables that are not swapped are never altered.
* The swap moves the live tables to the schema ``import_old`` and the staging tables to
  ``public`` in one transaction with ``SET LOCAL lock_timeout``; when a long-running
  reader holds a lock, the swap gives up quickly (so it never queues readers behind it for
  long) and is retried.
* One import per state at a time: a session-level advisory lock on the state database.

Why one module (1,064 lines): ``StagingImport`` is one object whose methods share the
staging connections, the queues of foreign-key checks and final reads that run beside
the index builds, and the lock that orders them; the swap relies on all of them having
finished. Splitting it into a package (connections, catalog, constraints, reads, swap) is
open work (issue 20); until then the tests in tsdata/tests/ cover each queue.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import io
import logging
import re
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg2
from django.db import connections
from psycopg2 import errors, sql

from tsdata.imports.memory import allocator_threshold_fix, collector_frozen
from tsdata.imports.report import ImportReport
from tsdata.imports.steps import post_load_steps
from tsdata.states import state_config

logger = logging.getLogger(__name__)

STAGING_SCHEMA = "import_staging"
OLD_SCHEMA = "import_old"
LIVE_SCHEMA = "public"
SWAP_LOCK_TIMEOUT_MS = 500
SWAP_ATTEMPTS = 40
# Per-session memory for bulk work (index builds, hash joins); not server-wide. Index
# builds, FK checks and the post-load steps run at the same time, each possibly with
# parallel workers: these keep the database's share of an import's memory bounded.
SESSION_SETTINGS = {
    "jit": "off",  # compiling the wide conversion queries costs more than it saves
    "maintenance_work_mem": "64MB",
    "work_mem": "64MB",
    # No parallel query: the import keeps both cores busy anyway, and a parallel plan
    # costs more in total (docs/benchmarks.md, "Measurements behind code choices").
    "max_parallel_workers_per_gather": "0",
    "synchronous_commit": "off",
}


class ImportError_(Exception):  # noqa: N801 - keep clear of the builtin ImportError
    """Base class of import failures that carry a message meant for the operator."""


class ImportBusyError(ImportError_):
    """Another import of the same state holds the advisory lock."""


class ImportValidationError(ImportError_):
    """The staged data failed a check (reject share, counts, keys); live data untouched."""


def state_connection(state: str, *, autocommit: bool = True):
    """A new psycopg2 connection to the state's database (not Django's shared one).

    Imports need their own connections: they control transactions explicitly and may run
    several in parallel threads.
    """
    alias = state_config(state).db_alias
    params = connections[alias].get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    conn = psycopg2.connect(**params)
    conn.autocommit = autocommit
    with conn.cursor() as cursor:
        for name, value in SESSION_SETTINGS.items():
            cursor.execute(f"SET {name} = %s", [value])
    return conn


def _lock_key(state: str) -> int:
    """A stable 63-bit advisory-lock key per state."""
    return zlib.crc32(f"traffic-stops-import:{state}".encode()) + 7_000_000_000


@dataclass
class _TableDefinition:
    name: str
    constraints: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    # (name, type p/u/f/c/x, definition, referenced table or None)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX ...)


def _table_definition(cursor, table: str) -> _TableDefinition:
    """Read the live table's constraints and indexes (fully qualified definitions)."""
    cursor.execute("SELECT set_config('search_path', '', false)")
    try:
        cursor.execute(
            """
            SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), ref.relname
              FROM pg_constraint c
              LEFT JOIN pg_class ref ON ref.oid = c.confrelid
             WHERE c.conrelid = %s::regclass
             ORDER BY c.contype = 'f', c.conname
            """,
            [f"{LIVE_SCHEMA}.{table}"],
        )
        definition = _TableDefinition(name=table, constraints=list(cursor.fetchall()))
        cursor.execute(
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
              JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = %s::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                  AND c.conrelid = i.indrelid AND c.contype IN ('p','u','x'))
             ORDER BY ic.relname
            """,
            [f"{LIVE_SCHEMA}.{table}"],
        )
        definition.indexes = list(cursor.fetchall())
    finally:
        cursor.execute("SELECT set_config('search_path', 'public', false)")
    return definition


def table_exists(cursor, schema: str, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", [schema, table]
    )
    return cursor.fetchone() is not None


class StagingImport:
    """One staged load of a state's tables; see the module docstring for the life cycle."""

    def __init__(self, state: str, tables: Iterable[str], report: ImportReport) -> None:
        self.state = state
        self.tables = list(tables)
        self.report = report
        self.conn = None
        self._definitions: dict[str, _TableDefinition] = {}
        self._swap_statements: list[tuple[str, list]] = []
        self._after_swap_statements: list[tuple[str, list]] = []
        self._expected_counts: dict[str, int] = {}
        self._deferred_fks: list[tuple[str, str, str]] = []  # (table, name, definition)
        # Deferred FKs to check while still in staging (``_foreign_key_check_early``), and
        # those that passed there: added and validated with the staged table.
        self._early_fk_queue: collections.deque = collections.deque()
        self._early_fk_lock = threading.Lock()
        self._early_fks_valid: set[tuple[str, str]] = set()
        # FKs between staging tables: (table, [(name, staged definition)]) as added NOT
        # VALID, those still to validate (taken by whichever connection is free), and the
        # tables where a validation found a violation.
        self._fk_internal: list[tuple[str, list[tuple[str, str]]]] = []
        self._fk_queue: collections.deque = collections.deque()
        self._fk_violated: list[str] = []
        self._step_tables: list[str] = []
        # Reads of the finished staged tables that whichever connection is free first
        # runs once the FKs are validated: name → read(cursor); results by name. The
        # row counts of ``validate`` are queued so; the finalization may queue its own
        # (``staging_import``). Dropped if an FK fallback removes rows afterwards.
        self._final_reads: collections.deque = collections.deque()
        self.read_results: dict[str, object] = {}
        # Tables whose exact row count a queued read yields besides its result (one scan
        # less): table → (read name, result → row count).
        self._counted_by_reads: dict[str, tuple[str, Callable[[object], int]]] = {}
        self._keys_done: set[str] = set()
        self._indexes_done: set[str] = set()
        self._analyzed: set[str] = set()
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
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [_lock_key(self.state)])
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
                self._definitions[table] = _table_definition(cursor, table)
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
        cursor.execute(
            """
            SELECT DISTINCT v.relname, t.relname
              FROM pg_depend d
              JOIN pg_rewrite r ON r.oid = d.objid
              JOIN pg_class v ON v.oid = r.ev_class
              JOIN pg_class t ON t.oid = d.refobjid
              JOIN pg_namespace n ON n.oid = t.relnamespace
             WHERE n.nspname = %s AND t.relname = ANY(%s) AND v.oid <> t.oid
            """,
            [LIVE_SCHEMA, self.tables],
        )
        rows = cursor.fetchall()
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
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_lock_key(self.state)])
        finally:
            self.conn.close()
            self.conn = None

    # ---- loading ------------------------------------------------------------------------
    def execute(self, statement: str, params: list | tuple | None = None) -> int:
        """Run SQL on the import connection; ``{staging}`` is replaced by the schema name.

        Returns the row count of the statement.
        """
        with self.conn.cursor() as cursor:
            cursor.execute(statement.replace("{staging}", STAGING_SCHEMA), params)
            return cursor.rowcount

    def fetchall(self, statement: str, params: list | tuple | None = None) -> list[tuple]:
        with self.conn.cursor() as cursor:
            cursor.execute(statement.replace("{staging}", STAGING_SCHEMA), params)
            return cursor.fetchall()

    def copy_rows(
        self,
        table: str,
        columns: list[str],
        file_like,
        *,
        csv: bool = True,
        options: str = "",
        conn=None,
    ) -> int:
        """Client-side ``COPY {staging}.table (columns) FROM STDIN`` from a file-like object.

        ``file_like`` only needs ``read(size)``; it is streamed (never held in memory).
        CSV with a header-less ``,`` delimiter by default; pass ``csv=False`` for the
        PostgreSQL text format (tab-delimited, ``\\N`` = NULL) or extra ``options``
        (e.g. ``"DELIMITER E'\\t', NULL ''"``). ``table`` may also be a helper table created
        in the staging schema. Returns the number of rows copied.
        """
        statement = sql.SQL("COPY {s}.{t} ({cols}) FROM STDIN WITH ({fmt}{opts})").format(
            s=sql.Identifier(STAGING_SCHEMA),
            t=sql.Identifier(table),
            cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
            fmt=sql.SQL("FORMAT csv" if csv else "FORMAT text"),
            opts=sql.SQL(", " + options if options else ""),
        )
        connection = conn or self.conn
        with connection.cursor() as cursor:
            cursor.copy_expert(statement.as_string(connection), file_like, size=1 << 20)
            return cursor.rowcount

    def new_connection(self):
        """An extra connection for parallel work in threads (closed with the import)."""
        extra = state_connection(self.state)
        self.extra_connections.append(extra)
        return extra

    @contextlib.contextmanager
    def side_lane(self, *, cancel_on_error: bool = True
                  ) -> Iterator[tuple[object, Callable[..., None]]]:
        """(connection, submit) for work on one thread beside this one: what ``submit``
        starts runs on the connection; if the block fails it is cancelled (or, without
        ``cancel_on_error``, let finish), otherwise waited for (its errors raised); the
        connection is closed afterwards."""
        conn = self.new_connection()
        futures = []
        with ThreadPoolExecutor(max_workers=1) as pool:
            try:
                yield conn, lambda function, *args: futures.append(
                    pool.submit(function, *args))
            except BaseException:
                if cancel_on_error:
                    conn.cancel()
                raise
            for future in futures:
                future.result()
        self.connection_release(conn)

    def connection_release(self, conn) -> None:
        """Close an extra connection that is done (an idle backend still holds memory)."""
        if conn in self.extra_connections:
            self.extra_connections.remove(conn)
        conn.close()

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
            own_queue = self._foreign_keys_stage(cursor, pending)
            if keys_ready is not None:
                keys_ready()
            for table in pending:
                self.keys_build(table, keys=False)
        # The tables whose indexes were just built are validated here, after them (a
        # validation and an index build of one table would wait for each other).
        self._fk_queue.extendleft(reversed(own_queue))
        self.foreign_keys_validate(self.conn)

    def _foreign_keys_stage(self, cursor, pending: list[str]) -> list:
        """Add the FKs between staging tables NOT VALID and queue their validation (those
        of ``pending`` tables are returned instead, for this connection alone); FKs to
        tables outside staging are deferred until after the swap."""
        own_queue = []
        for table in self.tables:
            for name, contype, condef, ref in self._definitions[table].constraints:
                if contype == "f" and ref not in self.tables:
                    self._deferred_fks.append((table, name, condef))
                    self._early_fk_queue.append((table, name, condef))
            internal = self._fks_unstaged(table, references=self.tables)
            if not internal:
                continue
            self._foreign_keys_stage_table(cursor, table, internal)
            (own_queue if table in pending else self._fk_queue).append((table, internal))
        return own_queue

    def _fks_unstaged(self, table: str, *, references) -> list[tuple[str, str]]:
        """(name, staged definition) of ``table``'s FKs to ``references`` (staging tables)
        that are not staged yet."""
        staged = {name for _, internal in self._fk_internal for name, _ in internal}
        return [(name, self._staged_reference(condef, ref))
                for name, contype, condef, ref in self._definitions[table].constraints
                if contype == "f" and ref in references and name not in staged]

    def _foreign_keys_stage_table(self, cursor, table: str,
                                  internal: list[tuple[str, str]]) -> None:
        cursor.execute(
            _alter(STAGING_SCHEMA, table)
            + ", ".join(f"ADD CONSTRAINT {_quote(name)} {condef} NOT VALID"
                        for name, condef in internal)
        )
        self._fk_internal.append((table, internal))

    def foreign_keys_ahead(self) -> None:
        """Add and validate now, on this connection, the FKs between staging tables whose
        child is complete (keys and indexes built) and whose referenced table has its
        keys already; ``build`` takes the rest as usual.

        A loader calls this while another connection builds the biggest table's key:
        the children's checks against each other (NC: searches and contraband against
        the people) fill time this connection would otherwise wait through.
        """
        keyed = set(self._keys_done)
        with self.conn.cursor() as cursor:
            for table in self.tables:
                if table not in keyed or table not in self._indexes_done:
                    continue
                ready = self._fks_unstaged(table, references=keyed)
                if ready:
                    self._foreign_keys_stage_table(cursor, table, ready)
                    self._foreign_keys_check(cursor, table, ready)

    def foreign_keys_validate(self, conn) -> None:
        """Validate queued FKs on ``conn`` until the queue is empty (each table is taken
        by one connection); a table with a violation is noted for the settlement.

        A check of an FK to a live table locks its (staged) child against index builds:
        another connection leaves those of tables still being indexed to the import
        connection, which takes them after its builds (``build``), instead of waiting
        for the builds."""
        with conn.cursor() as cursor:
            for table, internal in _taken(self._fk_queue):
                self._foreign_keys_check(cursor, table, internal)
            while (fk := self._early_fk_take(indexed_only=conn is not self.conn)) is not None:
                self._foreign_key_check_early(cursor, *fk)

    def _early_fk_take(self, *, indexed_only: bool) -> tuple[str, str, str] | None:
        """The next queued FK to a live table (of an indexed table only, if asked)."""
        with self._early_fk_lock:
            for fk in self._early_fk_queue:
                if not indexed_only or fk[0] in self._indexes_done:
                    self._early_fk_queue.remove(fk)
                    return fk
        return None

    def _foreign_keys_check(self, cursor, table: str, internal: list[tuple[str, str]]) -> None:
        """Validate ``table``'s staged FKs ``internal``; a violation is noted for the
        settlement."""
        with self.report.phase(f"foreign keys {table}"), \
                self._foreign_keys_plan(cursor, table, internal):
            try:
                for name, _ in internal:
                    cursor.execute(_alter(STAGING_SCHEMA, table)
                                   + f"VALIDATE CONSTRAINT {_quote(name)}")
            except errors.ForeignKeyViolation:
                self._fk_violated.append(table)

    def _foreign_key_check_early(self, cursor, table: str, name: str, condef: str) -> None:
        """Check an FK to a table that is not swapped (``nc_stop`` → ``nc_agency``) while
        still in staging, beside the other checks, instead of after the swap. It holds
        when every row it refers to is live already (an import without new agencies);
        otherwise (the swap adds them) it is dropped again and left to the swap."""
        with self.report.phase(f"foreign keys {table} to live tables"):
            staged = _alter(STAGING_SCHEMA, table)
            cursor.execute(staged + f"ADD CONSTRAINT {_quote(name)} {condef} NOT VALID")
            try:
                cursor.execute(staged + f"VALIDATE CONSTRAINT {_quote(name)}")
            except errors.ForeignKeyViolation:
                # Dropping it removes triggers on the live table: politely.
                _politely(cursor.connection, staged + f"DROP CONSTRAINT {_quote(name)}")
                self.report.notes.append(f"{table}: {name} is checked after the swap "
                                         "(the swap adds rows it refers to)")
                return
            self._early_fks_valid.add((table, name))

    def _deferred_fks_left(self) -> list[tuple[str, str, str]]:
        """The FKs to tables that are not swapped which the swap adds and validates (those
        not checked in staging already)."""
        return [fk for fk in self._deferred_fks if fk[:2] not in self._early_fks_valid]

    def foreign_keys_settle(self, on_fk_violation=None) -> None:
        """After a violation: drop the staged FKs and add them again table by table in
        dependency order, where ``on_fk_violation(table, constraint_name, definition)``
        may remove offending rows (recording them as rejects) before one retry. Without
        it, or if the retry fails, the violation fails the import. (With every FK in
        place, removing a parent row that a child still references would fail.)"""
        if not self._fk_violated:
            return
        with self.conn.cursor() as cursor:
            for table, internal in self._fk_internal:
                for name, _ in internal:
                    cursor.execute(_alter(STAGING_SCHEMA, table)
                                   + f"DROP CONSTRAINT {_quote(name)}")
            # Table by table in dependency order (a table's FKs may have been staged in
            # two goes, ``foreign_keys_ahead`` and ``build``).
            for table in self.tables:
                internal = [fk for staged, fks in self._fk_internal if staged == table
                            for fk in fks]
                if internal:
                    with self.report.phase(f"foreign keys {table} again"):
                        self._foreign_keys_add(cursor, table, internal, on_fk_violation)
        self._fk_violated.clear()

    def keys_build(self, table: str, *, conn=None, keys: bool = True,
                   indexes: bool = True) -> None:
        """Build ``table``'s PK/UNIQUE constraints and indexes now (live names).

        A loader may call this from a worker thread with its own ``conn`` as soon as a
        table is fully loaded, so index builds overlap with loading other tables; the
        remaining tables are done by :meth:`build`. Rows may still be deleted afterwards.
        """
        definition = self._definitions[table]
        constraints = [c for c in definition.constraints if c[1] in ("p", "u", "x")]
        label = "keys and indexes" if keys and indexes else ("keys" if keys else "indexes")
        with self.report.phase(f"{label} {table}"), (conn or self.conn).cursor() as cursor:
            if keys and constraints:
                self._keys_add(cursor, table, constraints)
            if indexes:
                for _, indexdef in definition.indexes:
                    cursor.execute(self._staged_index(indexdef, table))
        if keys:
            self._keys_done.add(table)
        if indexes:
            self._indexes_done.add(table)

    def visibility_set(self, table: str, *, conn=None) -> None:
        """``VACUUM`` a loaded table before its index builds: its rows' hint bits and
        the visibility map are set in one pass, so the index builds skip that work and
        the FK checks and counts afterwards read the indexes alone (index-only scans).
        Autovacuum would otherwise make the same pass over the live table after the
        swap (millions of inserted rows trigger it)."""
        self._maintenance_run("VACUUM", table, conn)

    def statistics_collect(self, table: str, *, conn=None) -> None:
        """``ANALYZE`` a loaded table (a loader may do it early, on its own connection,
        once the table is complete; later deletions of a few rows do not matter)."""
        self._maintenance_run("ANALYZE", table, conn)
        self._analyzed.add(table)

    def _maintenance_run(self, command: str, table: str, conn) -> None:
        """``command`` (VACUUM, ANALYZE) on a staged table, on ``conn`` or this one."""
        with (conn or self.conn).cursor() as cursor:
            cursor.execute(sql.SQL(command + " {}").format(
                sql.Identifier(STAGING_SCHEMA, table)))

    def _keys_add(self, cursor, table: str, keys) -> None:
        statement = _alter(STAGING_SCHEMA, table) + ", ".join(
            f"ADD CONSTRAINT {_quote(name)} {condef}" for name, _, condef, _ in keys
        )
        try:
            cursor.execute(statement)
        except (errors.UniqueViolation, errors.ExclusionViolation) as exc:
            raise ImportValidationError(
                f"{table}: the extract repeats a key ({exc.pgerror.strip()})"
            ) from exc

    def _foreign_keys_add(self, cursor, table, internal, on_fk_violation) -> None:
        with self._foreign_keys_plan(cursor, table, internal):
            self._foreign_keys_try(cursor, table, internal, on_fk_violation)

    @contextlib.contextmanager
    def _foreign_keys_plan(self, cursor, table, internal) -> Iterator[None]:
        """Steer PostgreSQL 15's FK check (an anti-join of the child against its parent).

        A child much smaller than its parent is checked with index lookups instead of
        hashing the big parent. A big child whose FK columns lead an index is merged
        with its parent along the two indexes: both are in stop order, so their heaps
        are read nearly in sequence, where the hash anti-join (the planner's choice)
        probes a parent-sized hash table at random (timings: docs/benchmarks.md).
        """
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
            [f"{STAGING_SCHEMA}.{table}"],
        )
        child_rows = cursor.fetchone()[0]
        parent_rows = 0.0
        for _, condef in internal:
            match = re.search(r"REFERENCES ([\w.]+)\(", condef)
            if match:
                cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass",
                               [match.group(1)])
                parent_rows = max(parent_rows, cursor.fetchone()[0])
        if 0 <= child_rows * 20 < parent_rows:
            settings = {"enable_hashjoin": "off", "enable_mergejoin": "off"}
        elif all(self._leads_index(cursor, table, condef) for _, condef in internal):
            settings = {"enable_hashjoin": "off"}
        else:
            settings = {}
        for name, value in settings.items():
            cursor.execute(f"SET {name} = {value}")
        try:
            yield
        finally:
            for name in settings:
                cursor.execute(f"RESET {name}")

    @staticmethod
    def _leads_index(cursor, table: str, condef: str) -> bool:
        """Whether the FK's (first) column in ``condef`` leads an index of the staged
        ``table``."""
        match = re.match(r"FOREIGN KEY \(([^,)]+)", condef)
        if match is None:
            return False
        cursor.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_index i
                  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
                 WHERE i.indrelid = %s::regclass AND a.attname = %s)
            """,
            [f"{STAGING_SCHEMA}.{_quote(table)}", match.group(1).strip().strip('"')],
        )
        return cursor.fetchone()[0]

    def _foreign_keys_try(self, cursor, table, internal, on_fk_violation) -> None:
        statement = _alter(STAGING_SCHEMA, table) + ", ".join(
            f"ADD CONSTRAINT {_quote(name)} {condef}" for name, condef in internal)
        try:
            cursor.execute(statement)
        except errors.ForeignKeyViolation as exc:
            if on_fk_violation is None:
                raise ImportValidationError(f"{table}: {exc.pgerror.strip()}") from exc
            for name, condef in internal:
                on_fk_violation(table, name, condef)
            try:
                cursor.execute(statement)
            except errors.ForeignKeyViolation as again:
                raise ImportValidationError(f"{table}: {again.pgerror.strip()}") from again

    @staticmethod
    def _staged_index(indexdef: str, table: str) -> str:
        live = f" ON {LIVE_SCHEMA}.{_quote(table)} "
        if live not in indexdef:
            raise ImportValidationError(f"Unexpected index definition: {indexdef}")
        return indexdef.replace(live, f" ON {STAGING_SCHEMA}.{_quote(table)} ", 1)

    @staticmethod
    def _staged_reference(condef: str, ref: str) -> str:
        live = f"REFERENCES {LIVE_SCHEMA}.{_quote(ref)}("
        if live not in condef:
            raise ImportValidationError(f"Unexpected foreign key definition: {condef}")
        return condef.replace(live, f"REFERENCES {STAGING_SCHEMA}.{_quote(ref)}(", 1)

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

    def validate(self) -> None:
        """Exact row counts of every table the loader declared with ``expect_rows``
        (counted by ``final_reads_run`` if the rows did not change since)."""
        with self.conn.cursor() as cursor:
            for table, expected in self._expected_counts.items():
                actual = self.read_results.get(_count_read_name(table))
                if actual is None and table in self._counted_by_reads:
                    name, rows = self._counted_by_reads[table]
                    if name in self.read_results:
                        actual = rows(self.read_results[name])
                if actual is None:
                    actual = _rows_count(cursor, table)
                if actual != expected:
                    raise ImportValidationError(
                        f"{table}: {actual:,} rows staged but {expected:,} expected"
                    )

    def final_read_add(self, name: str, read, *, rows_of: str | None = None,
                       rows: Callable[[object], int] | None = None) -> None:
        """Queue ``read(cursor)`` of the finished staged tables (see ``_final_reads``).

        If the read covers every row of the table ``rows_of``, ``rows(result)`` gives its
        exact row count and ``validate`` uses that instead of counting the table again.
        """
        self._final_reads.append((name, read))
        if rows_of is not None and rows is not None:
            self._counted_by_reads[rows_of] = (name, rows)

    def final_reads_run(self, conn) -> None:
        """Run queued final reads on ``conn`` until the queue is empty."""
        with conn.cursor() as cursor:
            for name, read in _taken(self._final_reads):
                with self.report.phase(f"read {name}"):
                    self.read_results[name] = read(cursor)

    def analyze(self) -> None:
        """Statistics are per table, so analysing in staging serves the swapped-in tables.

        The loaded tables were analysed before their FK checks; this covers the tables the
        post-load steps created and did not analyse themselves.
        """
        with self.conn.cursor() as cursor:
            for table in self._step_tables:
                cursor.execute(
                    "SELECT EXISTS (SELECT 1 FROM pg_statistic WHERE starelid = %s::regclass)",
                    [f"{STAGING_SCHEMA}.{table}"],
                )
                if not cursor.fetchone()[0]:
                    self.statistics_collect(table)

    # ---- swap -------------------------------------------------------------------------
    def swap(self) -> None:
        """Swap staging tables in; retries when readers hold locks longer than the timeout."""
        swapped = self.tables + self._step_tables
        conn = self.conn
        conn.autocommit = False
        attempt = 0
        while True:
            attempt += 1
            try:
                with conn.cursor() as cursor:
                    cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'")
                    cursor.execute(
                        sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                            sql.Identifier(OLD_SCHEMA)
                        )
                    )
                    # Lock every live table first (in one statement) so the moves are quick.
                    live = [t for t in swapped if table_exists(cursor, LIVE_SCHEMA, t)]
                    if live:
                        cursor.execute(
                            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                                sql.SQL(", ").join(
                                    sql.Identifier(LIVE_SCHEMA, t) for t in live
                                )
                            )
                        )
                    for statement, params in self._swap_statements:
                        cursor.execute(statement.replace("{staging}", STAGING_SCHEMA), params)
                    for table in live:
                        cursor.execute(
                            sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                                sql.Identifier(LIVE_SCHEMA), sql.Identifier(table),
                                sql.Identifier(OLD_SCHEMA),
                            )
                        )
                    for table in swapped:
                        cursor.execute(
                            sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                                sql.Identifier(STAGING_SCHEMA), sql.Identifier(table),
                                sql.Identifier(LIVE_SCHEMA),
                            )
                        )
                    for table, name, condef in self._deferred_fks_left():
                        cursor.execute(_alter(LIVE_SCHEMA, table)
                                       + f"ADD CONSTRAINT {_quote(name)} {condef} NOT VALID")
                conn.commit()
                break
            except (errors.LockNotAvailable, errors.DeadlockDetected) as exc:
                conn.rollback()
                if attempt >= SWAP_ATTEMPTS:
                    raise ImportValidationError(
                        f"Could not swap tables after {attempt} attempts: readers kept "
                        "locks for too long"
                    ) from exc
                logger.info("swap attempt %d waited too long for a lock; retrying", attempt)
                time.sleep(min(0.2 * attempt, 2.0))
            except Exception:
                conn.rollback()
                raise
        conn.autocommit = True
        self.report.notes.append(f"swap committed after {attempt} attempt(s)")

    def after_swap_run(self) -> None:
        """Validate deferred FKs, drop the old tables, run queued after-swap statements.

        The old tables' FKs to live tables go first (each briefly locks the live table
        it refers to, see ``schema_drop_politely``); the schemas are then dropped on
        another connection while the deferred FKs are validated (a scan of the new
        tables that only share-locks the tables they refer to)."""
        external_foreign_keys_drop_politely(self.conn, OLD_SCHEMA)
        external_foreign_keys_drop_politely(self.conn, STAGING_SCHEMA)
        with self.side_lane(cancel_on_error=False) as (drop_conn, submit):
            submit(_schemas_drop, drop_conn, (OLD_SCHEMA, STAGING_SCHEMA))
            with self.conn.cursor() as cursor:
                for table, name, _ in self._deferred_fks_left():
                    cursor.execute(_alter(LIVE_SCHEMA, table)
                                   + f"VALIDATE CONSTRAINT {_quote(name)}")
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

        # The loader's reads (of whole big tables) first, then the counts, biggest table
        # first: the last read to start is then a short one, and both connections
        # finish at about the same time.
        uncounted = sorted((table for table in self._expected_counts
                            if table not in self._counted_by_reads),
                           key=lambda table: -self._expected_counts[table])
        self._final_reads.extend(
            (_count_read_name(table), functools.partial(_rows_count, table=table))
            for table in uncounted)

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


STOPS_BY_AGENCY_READ = "stops by agency"


def _taken(work: collections.deque) -> Iterator:
    """The items of a queue that several connections' threads take from, until it is
    empty (``popleft`` is atomic)."""
    while True:
        try:
            yield work.popleft()
        except IndexError:
            return


def _count_read_name(table: str) -> str:
    return f"rows of {table}"


def _rows_count(cursor, table: str) -> int:
    cursor.execute(
        sql.SQL("SELECT count(*) FROM {s}.{t}").format(
            s=sql.Identifier(STAGING_SCHEMA), t=sql.Identifier(table)
        )
    )
    return cursor.fetchone()[0]


def _politely(conn, statement: str) -> None:
    """Run ``statement`` in its own transaction, giving up on a lock after 0.5 s and
    retrying, so that live readers never queue behind it for long."""
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        conn.autocommit = False
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'")
                cursor.execute(statement)
            conn.commit()
            return
        except (errors.LockNotAvailable, errors.DeadlockDetected):
            conn.rollback()
            if attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(min(0.2 * attempt, 2.0))
        except Exception:
            conn.rollback()
            raise
        finally:
            conn.autocommit = True


def schema_drop_politely(conn, schema: str) -> None:
    """Drop an import schema without stalling readers of live tables.

    Dropping a table with a foreign key to a live table (old ``nc_stop`` → ``nc_agency``)
    removes triggers on the live table, which needs an exclusive lock on it: those
    constraints are dropped first, each with a short lock timeout; the schema drop then
    only locks tables nobody reads any more.
    """
    external_foreign_keys_drop_politely(conn, schema)
    _politely(
        conn,
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)).as_string(
            conn
        ),
    )


def _schemas_drop(conn, schemas: Iterable[str]) -> None:
    for schema in schemas:
        schema_drop_politely(conn, schema)


def external_foreign_keys_drop_politely(conn, schema: str) -> None:
    """Drop the FKs from tables of ``schema`` to tables outside it, each in a short
    transaction that gives up on a lock after a moment and retries."""
    with conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, k.conname
              FROM pg_constraint k
              JOIN pg_class c ON c.oid = k.conrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_class r ON r.oid = k.confrelid
              JOIN pg_namespace rn ON rn.oid = r.relnamespace
             WHERE k.contype = 'f' AND n.nspname = %s AND rn.nspname <> %s
            """,
            [schema, schema],
        )
        external = cursor.fetchall()
    for table, constraint in external:
        _politely(conn, _alter(schema, table) + f"DROP CONSTRAINT IF EXISTS {_quote(constraint)}")


def _alter(schema: str, table: str) -> str:
    """``ALTER TABLE schema.table `` (quoted), for statements that append clauses."""
    return f"ALTER TABLE {_quote(schema)}.{_quote(table)} "


def _quote(identifier: str) -> str:
    """Quote an identifier like PostgreSQL's quote_ident (only when needed)."""
    if identifier.isidentifier() and identifier == identifier.lower() and identifier.isascii():
        return identifier
    return '"' + identifier.replace('"', '""') + '"'


@contextlib.contextmanager
def staging_import(
    state: str,
    tables: Iterable[str],
    *,
    report: ImportReport | None = None,
    on_fk_violation=None,
    finalize: bool = True,
    full_dataset: bool = True,
) -> Iterator[StagingImport]:
    """Stage, build, validate and swap ``tables`` of ``state``; see the module docstring.

    On a clean exit of the block the staged tables replace the live ones and (with
    ``finalize``) :func:`tsdata.imports.finalize.state_data_finalize` updates agency last
    stop dates, dataset facts and the data version (``full_dataset=False`` for a subset:
    no start-date override in the facts). Any exception drops the staging
    schema and leaves live data untouched; the exception propagates.
    """
    allocator_threshold_fix()
    staging = StagingImport(state, tables, report or ImportReport(state=state))
    staging.open()
    if finalize:
        from tsdata.dataset_facts import stop_table, stops_by_agency

        # Its per-agency counts add up to the stop table's row count (one scan less).
        staging.final_read_add(
            STOPS_BY_AGENCY_READ,
            lambda cursor: stops_by_agency(state, cursor=cursor, schema=STAGING_SCHEMA),
            rows_of=stop_table(state),
            rows=lambda per_agency: sum(agency.stops for agency in per_agency.values()),
        )
    success = False
    try:
        with collector_frozen():
            yield staging
            staging.finish(on_fk_violation=on_fk_violation)
        success = True
    finally:
        staging.close(success=success)
    if finalize:
        from tsdata.imports.finalize import state_data_finalize

        with staging.report.phase("finalize"):
            staging.report.notes.extend(state_data_finalize(
                state, full_dataset=full_dataset,
                per_agency=staging.read_results.get(STOPS_BY_AGENCY_READ),
            ))


class BytesIterReader(io.RawIOBase):
    """A file-like object over an iterator of bytes chunks (for ``copy_rows``)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buffer) < size:
            try:
                self._buffer += next(self._chunks)
            except StopIteration:
                break
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

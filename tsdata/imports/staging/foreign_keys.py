"""The foreign keys of the staged tables: staged, queued, checked and settled.

Foreign keys between staged tables are added ``NOT VALID`` (a catalog change, no scan) and
their validations queued, to be taken by whichever connection is free. Foreign keys to
tables that are not swapped (``nc_stop`` → ``nc_agency``) are checked in staging too when
every row they refer to is live already; the others are added by the swap and validated
after it. While connections work in parallel a violation is only noted; ``settle`` deals
with it once they are done. The queues are this object's own state, shared by the
connections' threads.
"""

from __future__ import annotations

import collections
import contextlib
import re
import threading
from collections.abc import Iterator

from psycopg2 import errors

from tsdata.imports.report import ImportReport
from tsdata.imports.staging.catalog import (
    STAGING_SCHEMA,
    TableDefinition,
    alter,
    quote,
    staged_reference,
)
from tsdata.imports.staging.connections import taken
from tsdata.imports.staging.errors import ImportValidationError
from tsdata.imports.staging.polite import politely

ForeignKey = tuple[str, str, str]  # (table, constraint name, definition)
StagedForeignKeys = list[tuple[str, str]]  # [(constraint name, staged definition)]


class ForeignKeyChecks:
    """The FK work of one staged import.

    ``tables`` and ``definitions`` are the import's (the definitions are read when the
    import opens); ``keys_done`` and ``indexes_done`` are the import's sets of tables
    whose keys and indexes are built, which tell what can be checked when.
    """

    def __init__(self, tables: list[str], definitions: dict[str, TableDefinition],
                 report: ImportReport, *, keys_done: set[str], indexes_done: set[str]) -> None:
        self.tables = tables
        self.report = report
        self._definitions = definitions
        self._keys_done = keys_done
        self._indexes_done = indexes_done
        self._deferred: list[ForeignKey] = []
        # Deferred FKs to check while still in staging (``_check_early``), and those that
        # passed there: added and validated with the staged table.
        self.early_queue: collections.deque = collections.deque()
        self._early_lock = threading.Lock()
        self._early_valid: set[tuple[str, str]] = set()
        # FKs between staging tables: (table, [(name, staged definition)]) as added NOT
        # VALID, those still to validate (taken by whichever connection is free), and the
        # tables where a validation found a violation.
        self._internal: list[tuple[str, StagedForeignKeys]] = []
        self._queue: collections.deque = collections.deque()
        self.violated: list[str] = []

    def stage(self, cursor, pending: list[str]) -> list:
        """Add the FKs between staging tables NOT VALID and queue their validation (those
        of ``pending`` tables are returned instead, for this connection alone); FKs to
        tables outside staging are deferred until after the swap."""
        own_queue = []
        for table in self.tables:
            for name, contype, condef, ref in self._definitions[table].constraints:
                if contype == "f" and ref not in self.tables:
                    self._deferred.append((table, name, condef))
                    self.early_queue.append((table, name, condef))
            internal = self._unstaged(table, references=self.tables)
            if not internal:
                continue
            self._stage_table(cursor, table, internal)
            (own_queue if table in pending else self._queue).append((table, internal))
        return own_queue

    def queue_first(self, checks: list) -> None:
        """Put ``checks`` (from ``stage``) at the head of the validation queue."""
        self._queue.extendleft(reversed(checks))

    def _unstaged(self, table: str, *, references) -> StagedForeignKeys:
        """(name, staged definition) of ``table``'s FKs to ``references`` (staging tables)
        that are not staged yet."""
        staged = {name for _, internal in self._internal for name, _ in internal}
        return [(name, staged_reference(condef, ref))
                for name, contype, condef, ref in self._definitions[table].constraints
                if contype == "f" and ref in references and name not in staged]

    def _stage_table(self, cursor, table: str, internal: StagedForeignKeys) -> None:
        cursor.execute(
            alter(STAGING_SCHEMA, table)
            + ", ".join(f"ADD CONSTRAINT {quote(name)} {condef} NOT VALID"
                        for name, condef in internal)
        )
        self._internal.append((table, internal))

    def ahead(self, conn) -> None:
        """Add and validate now, on ``conn``, the FKs between staging tables whose child
        is complete (keys and indexes built) and whose referenced table has its keys
        already (see ``StagingImport.foreign_keys_ahead``)."""
        keyed = set(self._keys_done)
        with conn.cursor() as cursor:
            for table in self.tables:
                if table not in keyed or table not in self._indexes_done:
                    continue
                ready = self._unstaged(table, references=keyed)
                if ready:
                    self._stage_table(cursor, table, ready)
                    self._check(cursor, table, ready)

    def validate(self, conn, *, indexed_only: bool) -> None:
        """Validate queued FKs on ``conn`` until the queues are empty; of the FKs to live
        tables, only those of indexed tables if ``indexed_only``."""
        with conn.cursor() as cursor:
            for table, internal in taken(self._queue):
                self._check(cursor, table, internal)
            while (fk := self.early_take(indexed_only=indexed_only)) is not None:
                self._check_early(cursor, *fk)

    def early_take(self, *, indexed_only: bool) -> ForeignKey | None:
        """The next queued FK to a live table (of an indexed table only, if asked)."""
        with self._early_lock:
            for fk in self.early_queue:
                if not indexed_only or fk[0] in self._indexes_done:
                    self.early_queue.remove(fk)
                    return fk
        return None

    def _check(self, cursor, table: str, internal: StagedForeignKeys) -> None:
        """Validate ``table``'s staged FKs ``internal``; a violation is noted for the
        settlement."""
        with self.report.phase(f"foreign keys {table}"), \
                foreign_keys_plan(cursor, table, internal):
            try:
                for name, _ in internal:
                    cursor.execute(alter(STAGING_SCHEMA, table)
                                   + f"VALIDATE CONSTRAINT {quote(name)}")
            except errors.ForeignKeyViolation:
                self.violated.append(table)

    def _check_early(self, cursor, table: str, name: str, condef: str) -> None:
        """Check an FK to a table that is not swapped (``nc_stop`` → ``nc_agency``) while
        still in staging, beside the other checks, instead of after the swap. It holds
        when every row it refers to is live already (an import without new agencies);
        otherwise (the swap adds them) it is dropped again and left to the swap."""
        with self.report.phase(f"foreign keys {table} to live tables"):
            staged = alter(STAGING_SCHEMA, table)
            cursor.execute(staged + f"ADD CONSTRAINT {quote(name)} {condef} NOT VALID")
            try:
                cursor.execute(staged + f"VALIDATE CONSTRAINT {quote(name)}")
            except errors.ForeignKeyViolation:
                # Dropping it removes triggers on the live table: politely.
                politely(cursor.connection, staged + f"DROP CONSTRAINT {quote(name)}")
                self.report.notes.append(f"{table}: {name} is checked after the swap "
                                         "(the swap adds rows it refers to)")
                return
            self._early_valid.add((table, name))

    def deferred_left(self) -> list[ForeignKey]:
        """The FKs to tables that are not swapped which the swap adds and validates (those
        not checked in staging already)."""
        return [fk for fk in self._deferred if fk[:2] not in self._early_valid]

    def settle(self, conn, on_fk_violation=None) -> None:
        """After a violation: drop the staged FKs and add them again on ``conn``, table by
        table (see ``StagingImport.foreign_keys_settle``)."""
        if not self.violated:
            return
        with conn.cursor() as cursor:
            for table, internal in self._internal:
                for name, _ in internal:
                    cursor.execute(alter(STAGING_SCHEMA, table)
                                   + f"DROP CONSTRAINT {quote(name)}")
            # Table by table in dependency order (a table's FKs may have been staged in
            # two goes, ``foreign_keys_ahead`` and ``build``).
            for table in self.tables:
                internal = [fk for staged, fks in self._internal if staged == table
                            for fk in fks]
                if internal:
                    with self.report.phase(f"foreign keys {table} again"):
                        self._add(cursor, table, internal, on_fk_violation)
        self.violated.clear()

    def _add(self, cursor, table, internal, on_fk_violation) -> None:
        with foreign_keys_plan(cursor, table, internal):
            self._try(cursor, table, internal, on_fk_violation)

    def _try(self, cursor, table, internal, on_fk_violation) -> None:
        statement = alter(STAGING_SCHEMA, table) + ", ".join(
            f"ADD CONSTRAINT {quote(name)} {condef}" for name, condef in internal)
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


@contextlib.contextmanager
def foreign_keys_plan(cursor, table: str, internal: StagedForeignKeys) -> Iterator[None]:
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
    elif all(_leads_index(cursor, table, condef) for _, condef in internal):
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
        [f"{STAGING_SCHEMA}.{quote(table)}", match.group(1).strip().strip('"')],
    )
    return cursor.fetchone()[0]

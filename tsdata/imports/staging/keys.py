"""Keys, indexes and statistics of the staged tables, built with the live names.

Staged tables are created without indexes so the COPY runs at full speed; their keys and
indexes are built afterwards from the live definitions, table by table, possibly on a
loader's own connection while other tables still load. Which tables have their keys,
indexes and statistics is recorded: the FK checks pick their work by it.
"""

from __future__ import annotations

from psycopg2 import errors, sql

from tsdata.imports.report import ImportReport
from tsdata.imports.staging.catalog import (
    STAGING_SCHEMA,
    TableDefinition,
    alter,
    quote,
    staged_index,
)
from tsdata.imports.staging.errors import ImportValidationError


class KeysAndStatistics:
    """Key and index builds, ``VACUUM`` and ``ANALYZE`` of staged tables.

    A part of ``StagingImport``: it uses the import connection ``conn``, ``report``, the
    live ``_definitions``, and records its progress in ``_keys_done``, ``_indexes_done``
    and ``_analyzed`` (sets of table names); ``analyze`` covers ``_step_tables``.
    """

    conn: object
    report: ImportReport
    _definitions: dict[str, TableDefinition]
    _keys_done: set[str]
    _indexes_done: set[str]
    _analyzed: set[str]
    _step_tables: list[str]

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
                    cursor.execute(staged_index(indexdef, table))
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

    def _maintenance_run(self, command: str, table: str, conn) -> None:
        """``command`` (VACUUM, ANALYZE) on a staged table, on ``conn`` or this one."""
        with (conn or self.conn).cursor() as cursor:
            cursor.execute(sql.SQL(command + " {}").format(
                sql.Identifier(STAGING_SCHEMA, table)))

    def _keys_add(self, cursor, table: str, keys) -> None:
        statement = alter(STAGING_SCHEMA, table) + ", ".join(
            f"ADD CONSTRAINT {quote(name)} {condef}" for name, _, condef, _ in keys
        )
        try:
            cursor.execute(statement)
        except (errors.UniqueViolation, errors.ExclusionViolation) as exc:
            raise ImportValidationError(
                f"{table}: the extract repeats a key ({exc.pgerror.strip()})"
            ) from exc

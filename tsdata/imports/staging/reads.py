"""Reads of the finished staged tables, taken by whichever connection is free.

Once the FKs are validated the staged tables do not change any more (unless an FK
fallback removes rows, which drops the results), so the loader's reads (the stops by
agency the finalization needs) and the row counts ``validate`` compares are queued and
run on both connections in parallel. A read that covers every row of a table yields that
table's row count too, which saves counting it.
"""

from __future__ import annotations

import collections
import functools
from collections.abc import Callable

from psycopg2 import sql

from tsdata.imports.report import ImportReport
from tsdata.imports.staging.catalog import STAGING_SCHEMA
from tsdata.imports.staging.connections import taken


class FinalReads:
    """The queue of final reads (name → ``read(cursor)``) and their results by name."""

    def __init__(self, report: ImportReport) -> None:
        self.report = report
        self._queue: collections.deque = collections.deque()
        self.results: dict[str, object] = {}
        # Tables whose exact row count a queued read yields besides its result (one scan
        # less): table → (read name, result → row count).
        self._counted_by: dict[str, tuple[str, Callable[[object], int]]] = {}

    def add(self, name: str, read, *, rows_of: str | None = None,
            rows: Callable[[object], int] | None = None) -> None:
        """Queue ``read(cursor)``; if it covers every row of the table ``rows_of``,
        ``rows(result)`` is that table's exact row count."""
        self._queue.append((name, read))
        if rows_of is not None and rows is not None:
            self._counted_by[rows_of] = (name, rows)

    def counts_queue(self, expected_counts: dict[str, int]) -> None:
        """Queue a count of each table in ``expected_counts`` that no read counts."""
        # The loader's reads (of whole big tables) first, then the counts, biggest table
        # first: the last read to start is then a short one, and both connections
        # finish at about the same time.
        uncounted = sorted((table for table in expected_counts
                            if table not in self._counted_by),
                           key=lambda table: -expected_counts[table])
        self._queue.extend(
            (_count_read_name(table), functools.partial(rows_count, table=table))
            for table in uncounted)

    def run(self, conn) -> None:
        """Run queued final reads on ``conn`` until the queue is empty."""
        with conn.cursor() as cursor:
            for name, read in taken(self._queue):
                with self.report.phase(f"read {name}"):
                    self.results[name] = read(cursor)

    def row_count(self, cursor, table: str) -> int:
        """``table``'s row count: from the final reads if they had it, counted otherwise."""
        actual = self.results.get(_count_read_name(table))
        if actual is None and table in self._counted_by:
            name, rows = self._counted_by[table]
            if name in self.results:
                actual = rows(self.results[name])
        if actual is None:
            actual = rows_count(cursor, table)
        return actual


def _count_read_name(table: str) -> str:
    return f"rows of {table}"


def rows_count(cursor, table: str) -> int:
    """``count(*)`` of a staged table."""
    cursor.execute(
        sql.SQL("SELECT count(*) FROM {s}.{t}").format(
            s=sql.Identifier(STAGING_SCHEMA), t=sql.Identifier(table)
        )
    )
    return cursor.fetchone()[0]

"""The import's connections to the state database, and sharing work between them.

Imports open their own psycopg2 connections instead of Django's shared one: they control
transactions themselves and run several connections at once in threads (index builds, FK
checks and post-load steps beside the load). Each gets the same session settings, which
keep the import's share of the database's memory bounded. ``ImportConnections`` is the
part of ``StagingImport`` a loader runs SQL through.
"""

from __future__ import annotations

import collections
import contextlib
import zlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg2
from django.db import connections

from tsdata.imports.staging.catalog import STAGING_SCHEMA
from tsdata.imports.staging.copyio import rows_copy
from tsdata.states import state_config

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


def lock_key(state: str) -> int:
    """A stable 63-bit advisory-lock key per state (one import per state at a time)."""
    return zlib.crc32(f"traffic-stops-import:{state}".encode()) + 7_000_000_000


def taken(work: collections.deque) -> Iterator:
    """The items of a queue that several connections' threads take from, until it is
    empty (``popleft`` is atomic)."""
    while True:
        try:
            yield work.popleft()
        except IndexError:
            return


class ImportConnections:
    """SQL and COPY on the import connection, and extra connections for work in threads.

    A part of ``StagingImport``: it uses the import's ``state``, its connection ``conn``
    and its list ``extra_connections`` (closed with the import).
    """

    state: str
    conn: object
    extra_connections: list

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
        return rows_copy(conn or self.conn, table, columns, file_like,
                         csv=csv, options=options)

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

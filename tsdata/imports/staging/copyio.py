"""Streaming rows into a staged table with client-side ``COPY ... FROM STDIN``.

Loaders produce their rows as chunks of bytes; ``BytesIterReader`` makes such a generator
the file-like object psycopg2's ``copy_expert`` reads, so the data goes from the source to
PostgreSQL without ever being held in memory whole.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from psycopg2 import sql

from tsdata.imports.staging.catalog import STAGING_SCHEMA


def rows_copy(connection, table: str, columns: list[str], file_like, *,
              csv: bool = True, options: str = "") -> int:
    """``COPY {staging}.table (columns) FROM STDIN`` on ``connection`` from ``file_like``
    (see ``StagingImport.copy_rows``); returns the number of rows copied."""
    statement = sql.SQL("COPY {s}.{t} ({cols}) FROM STDIN WITH ({fmt}{opts})").format(
        s=sql.Identifier(STAGING_SCHEMA),
        t=sql.Identifier(table),
        cols=sql.SQL(", ").join(sql.Identifier(c) for c in columns),
        fmt=sql.SQL("FORMAT csv" if csv else "FORMAT text"),
        opts=sql.SQL(", " + options if options else ""),
    )
    with connection.cursor() as cursor:
        cursor.copy_expert(statement.as_string(connection), file_like, size=1 << 20)
        return cursor.rowcount


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

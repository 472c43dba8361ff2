"""Stream a raw text file into a one-column "raw lines" table, line numbers kept.

The fastest robust way to get a dirty delimited file into PostgreSQL: Python only
removes bytes that cannot be loaded (NUL, CR, the two control bytes used as COPY's
delimiter and quote, and the five bytes CP1252 leaves undefined) with one
``bytes.translate`` per megabyte, and PostgreSQL decodes CP1252 (``client_encoding``
``WIN1252``) while COPY stores each line whole. Splitting, trimming, validation and
typing then happen in one ``INSERT ... SELECT`` per table (see ``nc.validation_sql``), with
malformed rows written to a rejects table instead of aborting the load.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from psycopg2 import sql

from tsdata.imports.report import Progress
from tsdata.imports.staging import STAGING_SCHEMA, BytesIterReader

CHUNK_SIZE = 1 << 20
DELETED_BYTES = b"\x00\x01\x02\r"
# Bytes CP1252 leaves undefined: PostgreSQL's WIN1252 conversion would refuse them.
UNDEFINED_CP1252 = b"\x81\x8d\x8f\x90\x9d"
_TRANSLATION = bytes.maketrans(UNDEFINED_CP1252, b"?" * len(UNDEFINED_CP1252))
# Every byte the cleaning changes, each tested with a memchr-speed ``in``: a chunk
# without any (the usual one) is kept as it is instead of going through ``translate``.
_CLEANED_BYTES = [bytes([value]) for value in DELETED_BYTES + UNDEFINED_CP1252]


def chunk_clean(chunk: bytes) -> tuple[bytes, int]:
    """``chunk`` without the bytes PostgreSQL would not load (``DELETED_BYTES`` removed,
    undefined CP1252 bytes made ``?``), and how many NUL bytes it removed."""
    if not any(value in chunk for value in _CLEANED_BYTES):
        return chunk, 0
    return chunk.translate(_TRANSLATION, DELETED_BYTES), chunk.count(b"\x00")


# psycopg2 COPY in CSV mode with delimiter and quote bytes that never reach the server.
RAW_COPY_OPTIONS = "FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02'"


def cleaned_chunks(
    stream: BinaryIO, *, progress: Progress | None = None, counts: dict | None = None
) -> Iterator[bytes]:
    """Yield the stream's bytes in chunks with unloadable bytes removed.

    ``counts['lines']`` receives the number of newline-terminated or final lines and
    ``counts['nul_bytes']`` how many NUL bytes were dropped.
    """
    lines = 0
    nul = 0
    last = b"\n"
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            break
        cleaned, removed = chunk_clean(chunk)
        nul += removed
        newlines = cleaned.count(b"\n")
        lines += newlines
        if cleaned:
            last = cleaned[-1:]
        if progress is not None:
            progress.update(len(chunk), newlines)
        yield cleaned
    if last != b"\n":
        lines += 1
        yield b"\n"
    if counts is not None:
        counts["lines"] = lines
        counts["nul_bytes"] = nul


def raw_table_create(cursor, name: str, *, identity: bool = True) -> None:
    """An unlogged staging table ``(line_no, line)``; with ``identity`` the line numbers
    follow COPY order, otherwise the loader supplies them."""
    numbering = "GENERATED ALWAYS AS IDENTITY (CACHE 10000)" if identity else ""
    cursor.execute(
        sql.SQL(
            "CREATE UNLOGGED TABLE {s}.{t} (line_no bigint " + numbering + ", line text)"
        ).format(s=sql.Identifier(STAGING_SCHEMA), t=sql.Identifier(name))
    )


def raw_lines_copy(
    conn, *, table: str, stream: BinaryIO, progress: Progress | None = None
) -> dict:
    """COPY a CP1252 text stream into ``{staging}.table``; returns counts (rows, lines, ...)."""
    counts: dict = {}
    with conn.cursor() as cursor:
        raw_table_create(cursor, table)
        cursor.execute("SET client_encoding = 'WIN1252'")
        try:
            statement = sql.SQL("COPY {s}.{t} (line) FROM STDIN WITH ({o})").format(
                s=sql.Identifier(STAGING_SCHEMA),
                t=sql.Identifier(table),
                o=sql.SQL(RAW_COPY_OPTIONS),
            )
            reader = BytesIterReader(cleaned_chunks(stream, progress=progress, counts=counts))
            cursor.copy_expert(statement.as_string(conn), reader, size=CHUNK_SIZE)
            counts["rows"] = cursor.rowcount
        finally:
            cursor.execute("SET client_encoding = 'UTF8'")
    return counts

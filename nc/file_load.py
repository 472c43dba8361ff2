"""One NC file into its staging table: the fast path, then its slow lines through SQL.

Each file is streamed from the zip (never extracted). Well-formed lines go straight into
a typed ``COPY`` (``tsdata.imports.fastpath``, on one or two connections); stops get
their agency id appended on the way, and stops the pre-2002 cut-off may concern go the
slow way (``nc.fast_rules``). The other lines wait in a raw-lines table until their
agency names are resolved (``nc.agency_resolution``), and are then classified once in
SQL (``nc.validation_sql``) into loaded rows and rejects. The streamed officer counts
(``nc.summary_stream``) see the loaded blocks and the classified slow stops.
"""

from __future__ import annotations

import io
import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nc.agency_resolution import AgencyResolution, agency_names_check, slow_agency_names
from nc.fast_rules import AGENCY_FIELD, agency_lookup
from nc.raw_files import CHARSETS, HIGHWAY_PATROL, TRIM_BYTES, FileSpec
from nc.state import STATE
from nc.summary_stream import SummaryStream
from nc.validation_sql import classified_select, field_column, insert_sql, rejects_sql
from tsdata.imports import fastpath
from tsdata.imports.fastpath import BlockLoader, KeyLookup, fast_copy
from tsdata.imports.inflate import zip_member_open
from tsdata.imports.memory import allocator_trim
from tsdata.imports.rawlines import CHUNK_SIZE, RAW_COPY_OPTIONS, raw_lines_copy, raw_table_create
from tsdata.imports.report import ImportReport, Progress
from tsdata.imports.staging import STAGING_SCHEMA as STAGING


def file_load(conn, spec: FileSpec, *, zip_path: Path, size: int, report: ImportReport,
              subset: tuple[int, int] | None, agencies: AgencyResolution,
              streamed: SummaryStream | None = None, helper_conn=None,
              helper_gate: threading.Event | None = None) -> None:
    """COPY one file (fast path, or everything through the raw table for a subset) and
    insert the rows of its slow lines.

    Well-formed stops go straight into ``nc_stop`` with the agency id appended to the line
    when their agency name is known (registry names and aliases); lines with other names
    take the slow path, and those names are resolved (new ids) before the slow lines are
    inserted. With an empty registry (a first import) a first pass over Stop.txt collects
    and resolves every name before the load instead, so that the stops still take the
    fast path. A ``helper_conn`` (idle meanwhile, or from when ``helper_gate`` is set)
    takes blocks of the fast path too (whichever connection is free takes the next), so
    that two backends parse the file.
    """
    counts = report.file(spec.filename)
    progress = Progress(f"NC {spec.filename}", size, listener=report.listener)
    fast_rows = 0
    lookup = None
    with zipfile.ZipFile(zip_path) as archive:
        if spec.table == "nc_stop" and subset is None:
            if not agencies.known:
                with report.phase("agencies"), zip_member_open(archive, spec.filename) as raw:
                    names = fastpath.field_values_distinct(raw, AGENCY_FIELD, TRIM_BYTES)
                    agencies.resolve(conn, {name.decode("cp1252") for name in names})
                lookup = agency_lookup(agencies.mapping, agencies.shp_id)
            else:
                lookup = agency_lookup(agencies.known, agencies.known.get(HIGHWAY_PATROL))
        with report.phase(f"copy {spec.filename}"), \
                zip_member_open(archive, spec.filename) as raw:
            if subset is not None:
                copied = raw_lines_copy(conn, table=spec.raw_table, stream=raw,
                                        progress=progress)
                nul_bytes = copied.get("nul_bytes", 0)
            else:
                result = _fast_file_copy(conn, spec, raw, progress, lookup, streamed,
                                         helper_conn=helper_conn, helper_gate=helper_gate)
                fast_rows, nul_bytes = result.fast_rows, result.nul_bytes
                if result.refused_by_copy:
                    report.notes.append(
                        f"{spec.filename}: {result.refused_by_copy:,} lines refused by the "
                        "typed COPY went through validation")
    if nul_bytes:
        report.notes.append(f"{spec.filename}: removed {nul_bytes:,} NUL bytes")
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FILTER (WHERE line IS NULL), count(*) "
                       f"FROM {STAGING}.{spec.raw_table}")
        blank, slow_total = cursor.fetchone()
    counts.blank = blank
    counts.read = fast_rows + slow_total - blank
    if spec.table == "nc_stop":
        if not agencies.resolved:
            with report.phase("agencies"):
                agencies.resolve(conn, slow_agency_names(conn))
        agency_names_check(conn)
    classified = classified_select(spec, subset=subset, shp_id=agencies.shp_id)
    with report.phase(f"insert {spec.table}"), conn.cursor() as cursor:
        # Classified once (trimming and checking every field is most of the cost), then
        # split into loaded rows and rejects.
        table = f"{STAGING}.classified_{spec.raw_table}"
        cursor.execute(f"CREATE UNLOGGED TABLE {table} AS "
                       + classified.replace("{staging}", STAGING))
        cursor.execute(insert_sql(spec, f"SELECT * FROM {table}").replace("{staging}", STAGING))
        counts.loaded = fast_rows + cursor.rowcount
        if streamed is not None and streamed.usable and spec.table == "nc_stop":
            chunks = _classified_stops(conn, table, streamed.layout.slow_stop_fields)
            try:
                streamed.run_guarded(streamed.slow_stops_classified, chunks)
            finally:
                chunks.close()  # its server-side cursor too, if the counting stopped early
        cursor.execute(rejects_sql(spec, f"SELECT * FROM {table}").replace("{staging}", STAGING))
        cursor.execute(f"DROP TABLE {STAGING}.{spec.raw_table}, {table}")


def _classified_stops(conn, table: str, fields: tuple[int, ...], rows_per_chunk: int = 20_000):
    """The classified slow Stop.txt lines with a stop id, for the officer counts: chunks
    of (stop id, loaded?, the ``fields`` they read, agency id), through a server-side cursor
    (a million slow lines would otherwise be a few hundred MB of Python objects)."""
    columns = ", ".join(field_column(index) for index in fields)
    with conn.cursor(name="classified_stops", withhold=True) as cursor:
        cursor.itersize = rows_per_chunk
        cursor.execute(f"SELECT own_key, reason IS NULL, {columns}, agency_id "
                       f"FROM {table} WHERE own_key IS NOT NULL")
        while rows := cursor.fetchmany(rows_per_chunk):
            yield rows


def _fast_file_copy(conn, spec: FileSpec, stream, progress, lookup: KeyLookup | None,
                    streamed: SummaryStream | None = None, helper_conn=None,
                    helper_gate: threading.Event | None = None):
    columns = [column.name for column in spec.columns]
    if lookup is not None:
        columns.append("agency_id")
    with conn.cursor() as cursor:
        raw_table_create(cursor, spec.raw_table, identity=False)
    loading = [conn] if helper_conn is None else [conn, helper_conn]
    # Connections set up for the load (each by its loader's thread, before its first
    # block: a gated one is busy elsewhere until it joins); the set-up is undone below.
    prepared: list = []
    copy_sql = f"COPY {STAGING}.{spec.table} ({', '.join(columns)}) FROM STDIN"
    raw_sql = (f"COPY {STAGING}.{spec.raw_table} (line_no, line) FROM STDIN WITH "
               f"({RAW_COPY_OPTIONS})")

    counting = slow_counting = None
    if streamed is not None:
        counting = {"nc_person": streamed.persons_loaded,
                    "nc_search": streamed.searches_loaded,
                    "nc_contraband": streamed.contraband_loaded,
                    "nc_stop": streamed.stops_loaded}.get(spec.table)
        # Slow Stop.txt lines are counted once the validation has decided on them
        # (``file_load``).
        slow_counting = {"nc_contraband": streamed.contraband_slow,
                         "nc_stop": None}.get(spec.table, streamed.lines_slow)
    # The counting runs on its own thread while the next block is copied, in file order
    # with one connection (any order is fine: see ``fast_copy``'s ``more_loaders``); at
    # most a few blocks wait for it (memory stays bounded if it falls behind).
    observer = ThreadPoolExecutor(max_workers=1) if counting else None
    in_flight = threading.BoundedSemaphore(4)

    def observe(method, *args) -> None:
        in_flight.acquire()
        observer.submit(streamed.run_guarded, method, *args).add_done_callback(
            lambda _: in_flight.release()
        )

    def on_loaded(*block) -> None:
        observe(counting, *block)

    def loader(connection) -> BlockLoader:
        def prepare() -> None:
            if not any(connection is done for done in prepared):
                with connection.cursor() as cursor:
                    cursor.execute("SET client_encoding = 'WIN1252'")
                    cursor.execute("SET TimeZone = %s", [STATE.time_zone])
                prepared.append(connection)

        def copy_block(data: bytes) -> int:
            prepare()
            with connection.cursor() as cursor:
                cursor.copy_expert(copy_sql, io.BytesIO(data), size=CHUNK_SIZE)
                return cursor.rowcount

        def slow_sink(lines: list[tuple[int, bytes]]) -> None:
            prepare()
            if observer is not None and slow_counting is not None:
                observe(slow_counting, spec.stop_field, lines)
            data = b"".join(b"%d\x01%s\n" % (number, line) for number, line in lines)
            with connection.cursor() as cursor:
                cursor.copy_expert(raw_sql, io.BytesIO(data), size=CHUNK_SIZE)

        return BlockLoader(copy_block, slow_sink,
                           None if connection is conn else helper_gate)

    first, *more = [loader(connection) for connection in loading]
    try:
        return fast_copy(
            stream, width=spec.width,
            non_text_columns=[column.kind != "text" for column in spec.columns],
            column_charsets=[CHARSETS.get(column.kind) for column in spec.columns],
            copy_block=first.copy_block, slow_sink=first.slow_sink, progress=progress,
            lookup=lookup, on_loaded=on_loaded if observer else None, more_loaders=more,
        )
    finally:
        if observer is not None:
            observer.shutdown(wait=True)
        allocator_trim()
        for connection in prepared:
            with connection.cursor() as cursor:
                cursor.execute("SET client_encoding = 'UTF8'")
                cursor.execute("SET TimeZone = 'UTC'")

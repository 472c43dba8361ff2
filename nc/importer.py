"""NC raw extract → staging tables: the five tab-delimited files, validated.

Each file is streamed from the zip (never extracted). Well-formed lines go straight into
a typed ``COPY`` into their staging tables (``tsdata.imports.fastpath``); stops get their
agency id appended on the way (a first pass over Stop.txt collects the names, resolved
before the load), and stops the pre-2002 cut-off may concern go the slow way. Every
other line (padded or missing fields, extra fields, unknown agency names, anything
PostgreSQL refuses) is classified in SQL from a raw-lines
table: trimmed and loaded, or rejected with its line number and reason. Rows whose stop,
person or search was excluded are then removed (``files_reconcile``), and the counts are
checked: read = loaded + rejected + cut off + outside the subset, for every file.

Why one module (782 lines): the five files share one load order and one set of decisions
made during the load (the agency ids resolved before Stop.txt, the stops that go the slow
way because of the cut-off, the ids each file's reconciliation removes), and the stream of
``nc.summary_stream`` is fed from the same callbacks. Splitting it along the files would
pass that state between modules; the split by responsibility (file definitions, agency
resolution, slow path, reconciliation) is open work listed in issue 20.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from nc.raw_files import (  # noqa: F401 - the file definitions stay importable from here
    CHARSETS,
    CUTOFF_YEAR,
    DATE_SHAPES,
    DIGITS,
    FILE_NAMES,
    FILES,
    FLOAT_RE,
    HIGHWAY_PATROL,
    PARENT_TABLES,
    SPEC_BY_TABLE,
    TABLES,
    TRIM,
    TRIM_BYTES,
    Column,
    FileSpec,
)
from nc.state import STATE
from nc.summary_stream import AgencyStopCounts, SummaryStream
from tsdata.imports import fastpath
from tsdata.imports.fastpath import BlockLoader, KeyLookup, fast_copy
from tsdata.imports.inflate import zip_member_open
from tsdata.imports.memory import allocator_trim
from tsdata.imports.rawlines import CHUNK_SIZE, RAW_COPY_OPTIONS, raw_lines_copy, raw_table_create
from tsdata.imports.report import ImportReport, Progress
from tsdata.imports.staging import STAGING_SCHEMA as STAGING
from tsdata.imports.staging import ImportValidationError, StagingImport
from tsdata.stats.summaries import STREAMED_INPUT

logger = logging.getLogger(__name__)

MAX_REJECT_EXAMPLES = 5
# The Stop.txt fields the officer summary's counting reads (``nc.summary_stream``):
# StopDate, Purpose, EngageForce, OfficerId.
STREAMED_STOP_FIELDS = (2, 3, 8, 12)


def _c(index: int) -> str:
    return f"c{index + 1}"


def _key(index: int) -> str:
    """A raw id field as bigint, NULL when it is not a plain number."""
    c = _c(index)
    return (f"(CASE WHEN {c} <> '' AND length({c}) <= 18 AND ltrim({c}, {DIGITS}) = '' "
            f"THEN {c}::bigint END)")


def _invalid(column: Column, c: str) -> list[tuple[str, str]]:
    """(condition, reason) pairs, checked in order, that reject a field.

    Plain string functions instead of regular expressions: they run on every field of
    tens of millions of rows.
    """
    raw = column.raw
    if column.kind == "int":
        return [(
            f"({c} = '' OR ltrim({c}, {DIGITS}) <> '' OR length({c}) > 10 OR "
            f"(length({c}) = 10 AND {c} COLLATE \"C\" > '2147483647'))",
            f"{raw} is not an integer",
        )]
    if column.kind == "small":
        return [(f"({c} = '' OR ltrim({c}, {DIGITS}) <> '' OR length({c}) > 4)",
                 f"{raw} is not a code number")]
    if column.kind == "flag":
        return [(f"{c} NOT IN ('0', '1')", f"{raw} is not 0 or 1")]
    if column.kind == "float":
        return [(f"{c} <> '' AND {c} !~ '{FLOAT_RE}'", f"{raw} is not a number")]
    if column.kind == "date":
        reason = f"{raw} is not a valid date (YYYY-MM-DD HH:MM:SS)"
        shapes = ", ".join(f"'{shape}'" for shape in DATE_SHAPES)
        month, day = f"substr({c}, 6, 2) COLLATE \"C\"", f"substr({c}, 9, 2) COLLATE \"C\""
        hour, minute = f"substr({c}, 12, 2) COLLATE \"C\"", f"substr({c}, 15, 2) COLLATE \"C\""
        second = f"substr({c}, 18, 2) COLLATE \"C\""
        return [
            (f"translate({c}, {DIGITS}, '9999999999') NOT IN ({shapes})", reason),
            (
                f"({month} NOT BETWEEN '01' AND '12' OR {day} NOT BETWEEN '01' AND '31' "
                f"OR left({c}, 1) NOT IN ('1', '2') OR {hour} > '23' OR {minute} > '59' "
                f"OR {second} > '59')",
                reason,
            ),
            (
                f"{day} > '28' AND substr({c}, 9, 2)::int > extract(day FROM "
                f"make_date(left({c}, 4)::int, substr({c}, 6, 2)::int, 1) "
                f"+ interval '1 month - 1 day')",
                reason,
            ),
        ]
    if column.kind == "text":
        return [(f"length({c}) > {column.max_length}",
                 f"{raw} longer than {column.max_length} characters")]
    raise ValueError(column.kind)


def _value(column: Column, c: str) -> str:
    if column.kind == "int":
        return f"{c}::integer"
    if column.kind == "small":
        return f"{c}::smallint"
    if column.kind == "flag":
        return f"({c} = '1')"
    if column.kind == "float":
        return f"NULLIF({c}, '')::double precision"
    if column.kind == "date":
        return f"({c}::timestamp AT TIME ZONE '{STATE.time_zone}')"
    return c


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def classified_select(
    spec: FileSpec,
    *,
    subset: tuple[int, int] | None,
    shp_id: int | None,
) -> str:
    """SELECT of raw lines with their trimmed fields and ``reason``.

    ``reason`` is NULL for a row to load, ``'~cut'`` for a cut-off row, ``'~subset'`` for a
    row outside the stop-id subset, otherwise the reject reason. Rows whose stop, person
    or search was excluded are removed later (``files_reconcile``).
    """
    n = spec.width
    fields = ", ".join(f"btrim(f[{i + 1}], {TRIM}) AS {_c(i)}" for i in range(n))
    joins = []
    cases = [(f"nf < {n}", _quote_literal(f"fewer than {n} fields"))]
    stop_c = _c(spec.stop_field)
    stop_col = spec.columns[spec.stop_field]
    for condition, reason in _invalid(stop_col, stop_c):
        cases.append((condition, _quote_literal(reason)))
    if subset is not None:
        cases.append((f"NOT {stop_c}::bigint BETWEEN {subset[0]} AND {subset[1]}", "'~subset'"))
    for index, column in enumerate(spec.columns):
        if index == spec.stop_field:
            continue
        for condition, reason in _invalid(column, _c(index)):
            cases.append((condition, _quote_literal(reason)))
    extra = ""
    if spec.table == "nc_stop":
        joins.append("LEFT JOIN {staging}.agency_map m ON m.raw_name = c2")
        extra = ", m.agency_id"
        shp = "NULL" if shp_id is None else str(int(shp_id))
        cases.append((
            f"left(c3, 4) < '{CUTOFF_YEAR}' AND m.agency_id IS DISTINCT FROM {shp}", "'~cut'"
        ))
    case = "CASE " + " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in cases) + " END"
    columns = ", ".join(_c(i) for i in range(n))
    source = f"{{staging}}.{spec.raw_table} r WHERE line IS NOT NULL"
    return (
        f"SELECT line_no, {columns}{extra}, {case} AS reason, {_key(0)} AS own_key "
        f"FROM (SELECT line_no, cardinality(f) AS nf, {fields} "
        f"      FROM (SELECT line_no, string_to_array(line, E'\\t') AS f "
        f"              FROM {source} OFFSET 0) a "
        f"      OFFSET 0) b "
        + " ".join(joins)
        + " OFFSET 0"
    )


def insert_sql(spec: FileSpec, classified: str) -> str:
    names = [column.name for column in spec.columns]
    values = [_value(column, _c(i)) for i, column in enumerate(spec.columns)]
    if spec.table == "nc_stop":
        names.append("agency_id")
        values.append("agency_id")
    return (
        f"INSERT INTO {{staging}}.{spec.table} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM ({classified}) k WHERE reason IS NULL"
    )


def rejects_sql(spec: FileSpec, classified: str) -> str:
    return (
        "INSERT INTO {staging}.import_rejects (file, line_no, reason, key) "
        f"SELECT {_quote_literal(spec.filename)}, line_no, reason, own_key "
        f"FROM ({classified}) k WHERE reason IS NOT NULL"
    )


# ---- the load ---------------------------------------------------------------------------
@dataclass
class AgencyResolution:
    """Raw agency names → ids for one import: the registry's (names and aliases) known up
    front, and ``resolver(conn, names) -> (name → id, Highway Patrol id)`` (the
    service's) for the names that take the slow path, or all of them when the registry
    is empty."""

    known: dict[str, int]
    resolver: Callable[[object, set[str]], tuple[dict[str, int], int | None]]
    mapping: dict[str, int] = field(default_factory=dict)
    shp_id: int | None = None
    resolved: bool = False

    def resolve(self, conn, names: set[str]) -> None:
        self.mapping, self.shp_id = self.resolver(conn, names)
        self.resolved = True


def agency_lookup(mapping: dict[str, int], shp_id: int | None) -> KeyLookup:
    """Fast-path lookup for Stop.txt: the agency id appended to each line, and lines that
    the cut-off may concern (before 2002, not the Highway Patrol) left to SQL."""
    return KeyLookup(
        field=1,
        ids={name.encode("cp1252"): agency_id for name, agency_id in mapping.items()},
        date_field=2,
        min_year=CUTOFF_YEAR,
        exempt_id=-1 if shp_id is None else shp_id,
    )


def _file_load(conn, spec: FileSpec, *, zip_path: Path, size: int, report: ImportReport,
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
                    names = fastpath.field_values_distinct(raw, 1, TRIM_BYTES)
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
                agencies.resolve(conn, _slow_agency_names(conn))
        _agency_names_check(conn)
    classified = classified_select(spec, subset=subset, shp_id=agencies.shp_id)
    with report.phase(f"insert {spec.table}"), conn.cursor() as cursor:
        # Classified once (trimming and checking every field is most of the cost), then
        # split into loaded rows and rejects.
        table = f"{STAGING}.classified_{spec.raw_table}"
        cursor.execute(f"CREATE UNLOGGED TABLE {table} AS "
                       + classified.replace("{staging}", STAGING))
        cursor.execute(insert_sql(spec, f"SELECT * FROM {table}").replace("{staging}", STAGING))
        counts.loaded = fast_rows + cursor.rowcount
        if streamed is not None and spec.table == "nc_stop":
            chunks = _classified_stops(conn, table)
            try:
                streamed.run_guarded(streamed.slow_stops_classified, chunks)
            finally:
                chunks.close()  # its server-side cursor too, if the counting stopped early
        cursor.execute(rejects_sql(spec, f"SELECT * FROM {table}").replace("{staging}", STAGING))
        cursor.execute(f"DROP TABLE {STAGING}.{spec.raw_table}, {table}")


def _classified_stops(conn, table: str, rows_per_chunk: int = 20_000):
    """The classified slow Stop.txt lines with a stop id, for the officer counts: chunks
    of (stop id, loaded?, the fields they read, agency id), through a server-side cursor
    (a million slow lines would otherwise be a few hundred MB of Python objects)."""
    columns = ", ".join(_c(index) for index in STREAMED_STOP_FIELDS)
    with conn.cursor(name="classified_stops", withhold=True) as cursor:
        cursor.itersize = rows_per_chunk
        cursor.execute(f"SELECT own_key, reason IS NULL, {columns}, agency_id "
                       f"FROM {table} WHERE own_key IS NOT NULL")
        while rows := cursor.fetchmany(rows_per_chunk):
            yield rows


def _slow_agency_names(conn) -> set[str]:
    """Distinct agency names of the slow Stop.txt lines, trimmed like their fields."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT btrim(split_part(line, E'\\t', 2), {TRIM}) "
            f"FROM {STAGING}.raw_stop WHERE line IS NOT NULL"
        )
        return {name for (name,) in cursor.fetchall()}


def _agency_names_check(conn) -> None:
    """Every name on a slow line must be in the agency map (after a first pass, only a
    64-bit hash collision between two names could make it miss one)."""
    with conn.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT btrim(split_part(line, E'\\t', 2), {TRIM}) AS name "
            f"FROM {STAGING}.raw_stop WHERE line IS NOT NULL "
            f"EXCEPT SELECT raw_name FROM {STAGING}.agency_map"
        )
        missing = [name for (name,) in cursor.fetchall() if name and len(name) <= 100]
    if missing:
        raise ImportValidationError(
            f"Agency names missed by the first pass over Stop.txt: {missing[:5]}"
        )


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
        # (``_file_load``).
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


def files_copy_and_insert(
    staging: StagingImport,
    *,
    zip_path: Path,
    report: ImportReport,
    subset: tuple[int, int] | None,
    agencies: AgencyResolution,
) -> int | None:
    """Load the five files on two connections (Stop alone; PERSON then the small ones).

    ``agencies.resolve`` runs on the Stop connection (see :func:`_file_load`) and must
    create the staging ``agency_map`` table the validation in SQL joins. Returns the
    Highway Patrol's id.
    """
    with zipfile.ZipFile(zip_path) as archive:
        sizes = {info.filename: info.file_size for info in archive.infolist()}
    missing = [name for name in FILE_NAMES if name not in sizes]
    if missing:
        raise ImportValidationError(f"{zip_path.name} lacks {', '.join(missing)}")
    staging.execute(
        "CREATE UNLOGGED TABLE {staging}.import_rejects "
        "(file text NOT NULL, line_no bigint, reason text NOT NULL, key bigint)"
    )
    connections = [staging.new_connection() for _ in range(2)]
    queues = [[FILES[0]], list(FILES[1:])]
    # Stop.txt waits for PERSON.txt and Search.txt: the simple stops are then counted
    # for the officer summary as they load (``nc.summary_stream``).
    children_loaded = threading.Event()
    # The other connection takes Stop.txt blocks too once its own files are indexed.
    other_free = threading.Event()
    streamed = SummaryStream() if subset is None else None

    def work(conn, specs: list[FileSpec]) -> None:
        try:
            for spec in specs:
                if spec.table == "nc_stop":
                    children_loaded.wait()
                # PERSON.txt, the biggest child file, borrows the Stop connection,
                # which waits for it anyway; Stop.txt borrows the other one once that
                # has indexed its files.
                helper = {"nc_person": connections[0], "nc_stop": connections[1]}.get(spec.table)
                _file_load(conn, spec, zip_path=zip_path, size=sizes[spec.filename],
                           report=report, subset=subset, agencies=agencies, streamed=streamed,
                           helper_conn=helper,
                           helper_gate=other_free if spec.table == "nc_stop" else None)
                if spec.table == "nc_search":
                    children_loaded.set()
        finally:
            children_loaded.set()
        if specs[0].table == "nc_stop" and streamed is not None and streamed.usable:
            with report.phase("store uncounted stop ids"):
                uncounted = streamed.dirty_store(conn, STAGING)
            staging.step_inputs[STREAMED_INPUT] = {
                "nc_officerstopsummary": streamed,
                "nc_stopsummary": AgencyStopCounts(streamed),
            }
            report.notes.append(f"officer summary: {streamed.groups_counted():,} rows "
                                f"counted while loading ({uncounted:,} stop ids left to SQL)")
        if specs[0].table != "nc_stop":
            # PERSON and the small files are done long before Stop: index and analyse them
            # meanwhile, serially: the Stop.txt load keeps both cores busy, so parallel
            # workers would only add their coordination and merge (measured: see
            # docs/benchmarks.md, "Measurements behind code choices").
            with conn.cursor() as cursor:
                cursor.execute("SET max_parallel_maintenance_workers = 0")
            for spec in specs:
                if spec.table == "nc_person":  # the big one: see ``visibility_set``
                    staging.visibility_set(spec.table, conn=conn)
                staging.keys_build(spec.table, conn=conn)
                staging.statistics_collect(spec.table, conn=conn)
            other_free.set()

    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = [
            pool.submit(work, conn, specs)
            for conn, specs in zip(connections, queues, strict=True)
        ]
        for future in futures:
            future.result()
    for conn in connections:
        staging.connection_release(conn)
    return agencies.shp_id


def files_reconcile(staging: StagingImport, *, report: ImportReport) -> None:
    """In dependency order: drop rows whose stop/person/search was excluded (recording
    them as cut off or rejected), then check the counts and the reject share."""
    max_share = float(getattr(settings, "IMPORT_MAX_REJECT_SHARE", 0.001))
    streamed = staging.step_inputs.get(STREAMED_INPUT, {}).get("nc_officerstopsummary")
    with staging.side_lane() as (keys_conn, submit):
        # The reconciliation removes no stop (Stop.txt has no parent file): nc_stop is
        # final, and its key is built meanwhile.
        submit(_stop_keys_build, staging, keys_conn)
        _files_reconcile(staging, report, max_share)
        if streamed is not None:
            with report.phase("settle counted searched stops"):
                _searched_settle(staging, streamed, report)
        # While nc_stop's key is built: the children's FKs to the people and searches.
        staging.foreign_keys_ahead()


def _searched_settle(staging: StagingImport, streamed: SummaryStream,
                     report: ImportReport) -> None:
    """Hand the streamed counts the searches and contraband rows the reconciliation
    removed (their stops go back to SQL)."""
    removed = {"Search.txt": [], "Contraband.txt": []}
    for file, key in staging.fetchall(
        "SELECT file, key FROM {staging}.import_rejects "
        "WHERE file IN ('Search.txt', 'Contraband.txt') AND key IS NOT NULL"
    ):
        removed[file].append(key)
    uncounted = streamed.searched_settle(staging.conn, STAGING, removed["Search.txt"],
                                         removed["Contraband.txt"])
    search_types = streamed.search_type_counts()
    if search_types is not None:
        staging.step_inputs[STREAMED_INPUT]["nc_officersearchtypesummary"] = search_types
    if uncounted:
        report.notes.append(f"officer summary: {uncounted:,} searched stops left to SQL "
                            "(rows of their searches were removed or went the slow way)")


def _stop_keys_build(staging: StagingImport, conn) -> None:
    """nc_stop's vacuum, primary key and statistics, while the children are reconciled."""
    staging.visibility_set("nc_stop", conn=conn)
    staging.keys_build("nc_stop", conn=conn, indexes=False)
    staging.statistics_collect("nc_stop", conn=conn)


def _files_reconcile(staging: StagingImport, report: ImportReport, max_share: float) -> None:
    for spec in FILES:
        counts = report.file(spec.filename)
        with report.phase(f"reconcile {spec.filename}"):
            own = spec.columns[0].name
            for index, parent in spec.parents:
                column = spec.columns[index].name
                counts.loaded -= staging.execute(
                    f"WITH gone AS (DELETE FROM {{staging}}.{spec.table} t "
                    f"USING {{staging}}.excluded_{parent} x WHERE t.{column} = x.id "
                    f"RETURNING t.{own} AS id, x.cut) "
                    f"INSERT INTO {{staging}}.import_rejects (file, line_no, reason, key) "
                    f"SELECT %s, NULL, CASE WHEN cut THEN '~cut' "
                    f"ELSE 'refers to a rejected row' END, id FROM gone",
                    [spec.filename],
                )
            _excluded_count(staging, spec, counts)
            accounted = counts.loaded + counts.rejected + counts.cut_off + counts.outside_subset
            if accounted != counts.read:
                raise ImportValidationError(
                    f"{spec.filename}: {counts.read:,} lines read but {accounted:,} accounted "
                    "for (loaded, rejected, cut off, outside the subset)"
                )
            reject_share_check(spec.filename, counts, max_share)
            staging.expect_rows(spec.table, counts.loaded)
            if spec.table in PARENT_TABLES:
                staging.execute(
                    f"CREATE TABLE {{staging}}.excluded_{spec.table} AS "
                    f"SELECT key AS id, bool_or(reason = '~cut') AS cut "
                    f"FROM {{staging}}.import_rejects "
                    f"WHERE file = %s AND key IS NOT NULL AND reason <> '~subset' "
                    f"GROUP BY key",
                    [spec.filename],
                )
                staging.execute(f"ANALYZE {{staging}}.excluded_{spec.table}")


def _excluded_count(staging: StagingImport, spec: FileSpec, counts) -> None:
    rows = staging.fetchall(
        "SELECT reason, count(*) FROM {staging}.import_rejects WHERE file = %s GROUP BY reason",
        [spec.filename],
    )
    counts.rejected = counts.cut_off = counts.outside_subset = 0
    counts.reasons = {}
    for reason, count in rows:
        if reason == "~cut":
            counts.cut_off = count
        elif reason == "~subset":
            counts.outside_subset = count
        else:
            counts.rejected += count
            counts.reasons[reason] = count
    counts.examples = [
        {"line": line_no, "reason": reason, "id": key}
        for line_no, reason, key in staging.fetchall(
            "SELECT line_no, reason, key FROM {staging}.import_rejects "
            "WHERE file = %s AND reason NOT IN ('~cut', '~subset') "
            "ORDER BY line_no NULLS LAST LIMIT %s",
            [spec.filename, MAX_REJECT_EXAMPLES],
        )
    ]


def reject_share_check(filename: str, counts, max_share: float) -> None:
    if counts.read and counts.rejected > max_share * counts.read:
        reasons = "; ".join(f"{reason}: {n:,}" for reason, n in counts.reasons.items())
        raise ImportValidationError(
            f"{filename}: {counts.rejected:,} of {counts.read:,} lines rejected "
            f"(more than {max_share:.2%}); live data left unchanged. Reasons: {reasons}"
        )


def orphans_reject(staging: StagingImport, report: ImportReport, table: str, condef: str) -> None:
    """Move rows whose parent does not exist to the rejects (fallback on an FK violation)."""
    match = re.search(r"FOREIGN KEY \((\w+)\) REFERENCES [\w.]+\.(\w+)\((\w+)\)", condef)
    if not match:
        return
    column, parent, parent_column = match.groups()
    spec = SPEC_BY_TABLE[table]
    own = spec.columns[0].name
    parent_raw = SPEC_BY_TABLE[parent].filename.removesuffix(".txt")
    moved = staging.execute(
        f"WITH gone AS (DELETE FROM {{staging}}.{table} c WHERE NOT EXISTS "
        f"(SELECT 1 FROM {{staging}}.{parent} p WHERE p.{parent_column} = c.{column}) "
        f"RETURNING c.{own}) "
        f"INSERT INTO {{staging}}.import_rejects (file, line_no, reason, key) "
        f"SELECT %s, NULL, %s, {own} FROM gone",
        [spec.filename, f"refers to a {parent_raw} that is not in the extract"],
    )
    if moved:
        counts = report.file(spec.filename)
        counts.loaded -= moved
        _excluded_count(staging, spec, counts)
        staging.expect_rows(table, counts.loaded)
        reject_share_check(spec.filename, counts,
                           float(getattr(settings, "IMPORT_MAX_REJECT_SHARE", 0.001)))
        logger.warning("%s: %d rows refer to missing %s rows; rejected", table, moved, parent)

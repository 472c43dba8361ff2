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

This module is the entry point: the load order of the five files on two connections
(:func:`files_copy_and_insert`), with the names the service and the benchmarks use
re-exported. The work is done by modules with one job each:

* ``nc.raw_files``: the files' fields, column kinds, trimming and cut-off constants;
* ``nc.file_load``: one file's fast path and slow lines (``file_load``);
* ``nc.fast_rules``: NC's rules on the fast path (agency lookup, StopDate shapes, cut-off);
* ``nc.agency_resolution``: the agency names of the slow lines → ids;
* ``nc.validation_sql``: the classifying SQL of the slow lines;
* ``nc.reconcile``: rows of excluded parents removed, counts and reject share checked.
"""

from __future__ import annotations

import threading
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from nc.agency_resolution import AgencyResolution  # noqa: F401 - importable from here
from nc.fast_rules import agency_lookup  # noqa: F401 - importable from here
from nc.file_load import file_load
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
from nc.reconcile import (  # noqa: F401 - importable from here
    MAX_REJECT_EXAMPLES,
    files_reconcile,
    orphans_reject,
    reject_share_check,
)
from nc.summary_stream import AgencyStopCounts, SummaryStream
from nc.validation_sql import (  # noqa: F401 - importable from here
    classified_select,
    insert_sql,
    rejects_sql,
)
from tsdata.imports.report import ImportReport
from tsdata.imports.staging import STAGING_SCHEMA as STAGING
from tsdata.imports.staging import ImportValidationError, StagingImport
from tsdata.stats.summaries import STREAMED_INPUT


def files_copy_and_insert(
    staging: StagingImport,
    *,
    zip_path: Path,
    report: ImportReport,
    subset: tuple[int, int] | None,
    agencies: AgencyResolution,
) -> int | None:
    """Load the five files on two connections (Stop alone; PERSON then the small ones).

    ``agencies.resolve`` runs on the Stop connection (see :func:`nc.file_load.file_load`)
    and must create the staging ``agency_map`` table the validation in SQL joins. Returns
    the Highway Patrol's id.
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
                file_load(conn, spec, zip_path=zip_path, size=sizes[spec.filename],
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

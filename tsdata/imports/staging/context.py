"""``staging_import``: the ``with`` block a loader stages a state's tables in.

It opens a ``StagingImport``, hands it to the block, and on a clean exit finishes it
(build, validate, swap) and then brings the state's derived data up to date; any exception
leaves the live tables as they were. The finalization's per-agency stop counts are read
from staging as a final read, so they cost no scan of their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator

from tsdata.imports.memory import allocator_threshold_fix, collector_frozen
from tsdata.imports.report import ImportReport
from tsdata.imports.staging.catalog import STAGING_SCHEMA
from tsdata.imports.staging.stage import StagingImport

STOPS_BY_AGENCY_READ = "stops by agency"


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
    """Stage, build, validate and swap ``tables`` of ``state``; see ``tsdata.imports.staging``.

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

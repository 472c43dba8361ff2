"""After the five files are loaded: the rows of excluded parents removed, every line
accounted for.

In dependency order, rows whose stop, person or search was rejected or cut off are
removed (recorded as cut off or as referring to a rejected row), and each file's counts
must add up: read = loaded + rejected + cut off + outside the subset; the reject share is
capped by ``IMPORT_MAX_REJECT_SHARE``. Meanwhile nc_stop, which loses no rows here, gets
its key, and the streamed officer counts learn which searches were removed.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings

from nc.raw_files import FILES, PARENT_TABLES, SPEC_BY_TABLE, FileSpec
from nc.summary_stream import SummaryStream
from tsdata.imports.report import ImportReport
from tsdata.imports.staging import STAGING_SCHEMA as STAGING
from tsdata.imports.staging import ImportValidationError, StagingImport
from tsdata.stats.summaries import STREAMED_INPUT

logger = logging.getLogger(__name__)

MAX_REJECT_EXAMPLES = 5


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

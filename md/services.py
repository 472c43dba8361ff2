"""Maryland writes: the stop import and the agency crosswalk."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from md import normalize
from md.analysis import workbook_statistics
from md.models import Agency
from md.purposes import PURPOSE_BY_STOP_REASON
from md.state import STATE
from md.workbook import workbook_rows, zip_first_entry_extract
from tsdata.agency_registry import agency_crosswalk_apply, agency_crosswalk_read
from tsdata.coded_stops_import import CodedStopsConfig, coded_stops_import, raw_zip_obtain
from tsdata.imports.report import ImportReport
from tsdata.imports.sources import working_directory

logger = logging.getLogger(__name__)

DEFAULT_URL = (
    "https://s3-us-west-2.amazonaws.com/openpolicingdata/md/merged/"
    "MD_Traffic_Stops_through_20171231.zip"
)
MD_LOAD = CodedStopsConfig(
    state=STATE.key,
    columns=(
        "stop_id", "date", "purpose", "stop_date_text", "stop_time_text", "stop_location",
        "duration_text", "stop_reason", "search_conducted", "search_reason", "seized",
        "gender", "date_of_birth_text", "ethnicity", "officer_id", "agency_description",
        "agency_id", "age",
    ),
    # The original COPY read '' as NULL except in its FORCE NOT NULL columns.
    empty_is_null=frozenset({"duration_text", "date_of_birth_text"}),
    drop_kinds={
        normalize.DROP_BEFORE_CUTOFF: "cut_off",
        normalize.DROP_PURPOSE: "outside_subset",
    },
)


def agency_crosswalk_load(*, path: Path) -> list[str]:
    """Create/update MD agencies from ``Agency Code,Agency Name,GEOID`` (ValueError if bad)."""
    rows = agency_crosswalk_read(path)
    return agency_crosswalk_apply(Agency, rows, using=STATE.db_alias)


def normalized_workbook_rows(
    workbook_path: Path, agency_names: dict[str, str], unmapped: Counter | None = None
) -> Iterator[tuple[dict, str | None]]:
    """Every row of the workbook, normalised (streamed, sheet by sheet).

    ``unmapped`` counts loaded stop reasons that the purpose table does not know (they
    become 11 Other/Unknown; the original logged each one), except blank and ``-``.
    """
    for raw in workbook_rows(workbook_path):
        row, reason = normalize.row_normalize(raw, agency_names)
        if (unmapped is not None and reason is None
                and row["stop_reason"] not in PURPOSE_BY_STOP_REASON
                and row["stop_reason"] not in ("", "-")):
            unmapped[row["stop_reason"]] += 1
        yield row, reason


def unmapped_reasons_note(unmapped: Counter, *, shown: int = 10) -> str:
    """One report line about stop reasons outside the purpose table."""
    top = ", ".join(f"{code!r} ({count:,})" for code, count in unmapped.most_common(shown))
    return (
        f"{sum(unmapped.values()):,} stops have a stop reason outside the purpose table "
        f"(purpose 11), {len(unmapped):,} distinct; most frequent: {top}"
    )


def md_import_run(
    *, url: str | None = None, zip_path: Path | None = None, dest: Path | None = None
) -> ImportReport:
    """Import an MSP workbook zip into the live MD tables (staged, swapped, finalised).

    Bad input raises ``ValueError`` subclasses naming the problem; live data stay as they were.
    """
    if url is None and zip_path is None:
        url = DEFAULT_URL
    report = ImportReport(state=STATE.key, source=str(url or zip_path))
    work_dir = working_directory(dest, state=STATE.key)
    with report.phase("obtain"):
        archive = raw_zip_obtain(url=url, zip_path=zip_path, work_dir=work_dir)
        workbook = zip_first_entry_extract(archive, work_dir)
    unmapped: Counter = Counter()
    try:
        with report.failure_recorded(logger):
            coded_stops_import(
                MD_LOAD,
                lambda names: normalized_workbook_rows(workbook, names, unmapped),
                report=report,
                file_label=workbook.name,
            )
    finally:
        if workbook.parent == work_dir and workbook != archive:
            workbook.unlink(missing_ok=True)
    if unmapped:
        report.notes.append(unmapped_reasons_note(unmapped))
    report.finish(successful=True)
    logger.info("\n".join(report.lines()))
    return report


def workbook_analyze(
    *,
    url: str | None = None,
    zip_path: Path | None = None,
    dest: Path | None = None,
    report_path: Path | None = None,
) -> list[str]:
    """Facts and per-column value counts of a workbook zip; nothing is loaded.

    What is counted: docs/data-formats.md, 'The analyze_md report'.

    Agency names come from the MD registry, exactly as an import would show them. With
    ``report_path`` the lines are also written to that file.
    """
    if url is None and zip_path is None:
        url = DEFAULT_URL
    work_dir = working_directory(dest, state=STATE.key)
    archive = raw_zip_obtain(url=url, zip_path=zip_path, work_dir=work_dir)
    workbook = zip_first_entry_extract(archive, work_dir)
    try:
        names = dict(
            Agency.objects.using(STATE.db_alias)
            .exclude(code=None).values_list("code", "name")
        )
        lines = workbook_statistics(workbook_rows(workbook), names).lines()
    finally:
        workbook.unlink(missing_ok=True)
    if report_path is not None:
        report_path.write_text("\n".join(lines) + "\n")
    return lines

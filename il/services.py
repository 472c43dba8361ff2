"""Illinois writes: the stop import and the agency crosswalk."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

from il import normalize
from il.models import Agency
from il.state import STATE
from tsdata.agency_registry import agency_crosswalk_apply, agency_crosswalk_read
from tsdata.coded_stops_import import CodedStopsConfig, coded_stops_import, raw_zip_obtain
from tsdata.imports.report import ImportReport
from tsdata.imports.sources import working_directory

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://s3-us-west-2.amazonaws.com/openpolicingdata/ILtrafficstops-2016-10-03.zip"
IL_LOAD = CodedStopsConfig(
    state=STATE.key,
    columns=(
        "stop_id", "year", "purpose", "search_conducted", "seized", "gender", "ethnicity",
        "agency_description", "agency_id",
    ),
    empty_is_null=frozenset(),
    drop_kinds={},
)


def agency_crosswalk_load(*, path: Path) -> list[str]:
    """Create/update IL agencies from ``Agency Code,Agency Name,GEOID`` (ValueError if bad)."""
    rows = agency_crosswalk_read(path)
    return agency_crosswalk_apply(Agency, rows, using=STATE.db_alias)


def normalized_csv_rows(
    zip_path: Path, agency_names: dict[str, str]
) -> Iterator[tuple[dict, str | None]]:
    """Every record of the zipped CSV, normalised and streamed from the zip.

    The rules: docs/data-formats.md, 'Illinois: Normalisation'.
    """
    for record in normalize.csv_records(zip_path):
        yield normalize.row_normalize(record, agency_names)


def il_import_run(
    *, url: str | None = None, zip_path: Path | None = None, dest: Path | None = None
) -> ImportReport:
    """Import the IL summary CSV zip into the live IL tables (staged, swapped, finalised)."""
    if url is None and zip_path is None:
        url = DEFAULT_URL
    report = ImportReport(state=STATE.key, source=str(url or zip_path))
    work_dir = working_directory(dest, state=STATE.key)
    with report.phase("obtain"):
        archive = raw_zip_obtain(url=url, zip_path=zip_path, work_dir=work_dir)
    with report.failure_recorded(logger):
        coded_stops_import(
            IL_LOAD,
            lambda names: normalized_csv_rows(archive, names),
            report=report,
            file_label=archive.name,
        )
    report.finish(successful=True)
    logger.info("\n".join(report.lines()))
    return report

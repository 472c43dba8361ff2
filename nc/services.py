"""NC writes: the import (``nc_import_run``), agency ids, the agency crosswalk."""

from __future__ import annotations

import csv
import datetime as dt
import logging
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connections, transaction
from psycopg2.extras import execute_values

from nc import importer
from nc.models import Agency, AgencyAlias
from nc.state import STATE
from tsdata.imports import sources
from tsdata.imports.report import ImportReport
from tsdata.imports.staging import STAGING_SCHEMA, StagingImport, staging_import

logger = logging.getLogger(__name__)

MAGIC_NC_FTP_URL = STATE.sources["ftp"]
NC_FTP_DIRECTORY = "/TSTOPextract"
NC_FTP_FILENAME = "STOPS_Extract.zip"
NEW_AGENCIES_SUBJECT = "New NC agencies were discovered during import"
DB_ALIAS = STATE.db_alias


class ImportArgumentError(ValueError):
    """Invalid combination of import arguments (docs/imports.md, 'Running the NC import')."""


def import_arguments_check(
    *, url: str | None, zip_path: Path | None, dest: Path | None,
    min_stop_id: int | None, max_stop_id: int | None,
) -> None:
    if url and zip_path:
        raise ImportArgumentError("Give either --url or --zip, not both.")
    if not url and not zip_path and not dest:
        raise ImportArgumentError("Give a source (--url or --zip) or a destination (--dest).")
    if (min_stop_id is None) != (max_stop_id is None):
        raise ImportArgumentError("--min-stop-id and --max-stop-id must be given together.")
    if min_stop_id is not None and min_stop_id > max_stop_id:
        raise ImportArgumentError(
            f"--min-stop-id ({min_stop_id}) must not exceed --max-stop-id ({max_stop_id})."
        )
    if min_stop_id is not None and min_stop_id < 0:
        raise ImportArgumentError("Stop ids are never negative.")
    if url:
        scheme = urlsplit(url).scheme
        if scheme not in ("ftp", "http", "https", "file"):
            raise ImportArgumentError(
                f"Unsupported URL {url!r}: use {MAGIC_NC_FTP_URL}, http(s)://... or file://..."
            )
        if scheme == "ftp" and url.rstrip("/") != MAGIC_NC_FTP_URL.rstrip("/"):
            raise ImportArgumentError(
                f"Only the state's FTP server ({MAGIC_NC_FTP_URL}) is supported for ftp URLs."
            )


def extract_obtain(*, url: str | None, zip_path: Path | None, dest: Path) -> Path:
    """The extract zip in (or referenced from) the working directory, verified."""
    required = importer.FILE_NAMES
    if zip_path:
        return sources.local_zip(Path(zip_path), required=required)
    url = url or MAGIC_NC_FTP_URL
    scheme = urlsplit(url).scheme
    if scheme == "ftp":
        today = dt.datetime.now(tz=dt.UTC).astimezone().date()
        target = dest / f"NC_STOPS_Extract_{today:%Y_%m_%d}.zip"
        return sources.ftp_download(
            host=settings.NC_FTP_HOST, user=settings.NC_FTP_USER,
            password=settings.NC_FTP_PASSWORD, directory=NC_FTP_DIRECTORY,
            filename=NC_FTP_FILENAME, target=target, use_tls=settings.NC_FTP_USE_TLS,
            required=required,
        )
    if scheme == "file":
        return sources.local_zip(sources.file_url_path(url), required=required)
    return sources.http_download(url, dest, required=required)


def nc_import_run(
    *,
    url: str | None = None,
    zip_path: Path | None = None,
    dest: Path | None = None,
    min_stop_id: int | None = None,
    max_stop_id: int | None = None,
    prime: bool = True,
) -> ImportReport:
    """Import an NC extract end to end; live data change only if everything succeeded.

    Raises ``ImportArgumentError``, ``tsdata.imports.sources.SourceError``,
    ``ImportValidationError`` or ``ImportBusyError`` with an operator-readable message;
    the report (also on failure, as ``exc.report``) has counts per file and phase times.
    """
    import_arguments_check(url=url, zip_path=zip_path, dest=dest,
                           min_stop_id=min_stop_id, max_stop_id=max_stop_id)
    report = ImportReport(state="nc", source=str(zip_path or url or MAGIC_NC_FTP_URL))
    logger.info("*** NC Data Import Started ***")
    subset = (min_stop_id, max_stop_id) if min_stop_id is not None else None
    new_names: list[str] = []
    new_rows: list[tuple[int, str]] = []
    with report.failure_recorded(logger):
        with report.phase("obtain extract"):
            workdir = sources.working_directory(dest, state="nc")
            archive = extract_obtain(url=url, zip_path=zip_path, dest=workdir)
            report.source = str(archive)
        with staging_import("nc", importer.TABLES, report=report,
                            full_dataset=subset is None) as staging:
            staging.on_fk_violation = _fk_fallback(staging, report)
            known = (dict(AgencyAlias.objects.values_list("raw_name", "agency_id")),
                     dict(Agency.objects.values_list("name", "id")))

            def resolve(conn, names: set[str]) -> tuple[dict[str, int], int | None]:
                mapping, rows, shp = agencies_resolve(conn=conn, known=known, raw_names=names)
                new_rows.extend(rows)
                return mapping, shp

            agencies = importer.AgencyResolution(known={**known[1], **known[0]},
                                                 resolver=resolve)
            importer.files_copy_and_insert(
                staging, zip_path=archive, report=report, subset=subset, agencies=agencies,
            )
            importer.files_reconcile(staging, report=report)
            new_names = agencies_new_register(staging, new_rows)
    report.finish(successful=True)
    if new_names and not known[1]:
        # An empty registry (no crosswalk loaded): every agency is "new", which tells the
        # monitors nothing; the run service mails only agencies added to a known registry.
        report.notes.append(f"first import: {len(new_names):,} agencies registered")
    elif new_names:
        report.new_agencies = new_names
        report.notes.append(f"new agencies: {', '.join(new_names)}")
    if prime:
        report.notes.append(_cache_prime())
    logger.info("NC Data Import Complete")
    for line in report.lines():
        logger.info(line)
    return report


def _fk_fallback(staging: StagingImport, report: ImportReport):
    def fallback(table: str, name: str, condef: str) -> None:
        importer.orphans_reject(staging, report, table, condef)

    return fallback


def _cache_prime() -> str:
    from nc.prime_cache import cache_prime  # imports the API stack only when priming

    return cache_prime()


# ---- agencies ------------------------------------------------------------------------
def agencies_resolve(
    *, conn, known: tuple[dict[str, int], dict[str, int]], raw_names: set[str]
) -> tuple[dict[str, int], list[tuple[int, str]], int | None]:
    """Map every raw agency name of the extract to a stable id (alias, name, or new id).

    New names get ids after the highest existing one, in code-point order; they are
    inserted into the live agency table inside the swap transaction, so a failed import
    adds nothing. The mapping is also written to the staging ``agency_map`` table for
    the validation in SQL. Returns (raw name → id, new (id, name) rows, id of the Highway
    Patrol or None).
    """
    aliases, by_name = known
    mapping: dict[str, int] = {}
    new_names: list[str] = []
    for raw in raw_names:
        if not raw or len(raw) > 100:
            continue
        if raw in aliases:
            mapping[raw] = aliases[raw]
        elif raw in by_name:
            mapping[raw] = by_name[raw]
        else:
            new_names.append(raw)
    next_id = max([0, *by_name.values()]) + 1
    new_names.sort()
    new_rows = []
    for offset, name in enumerate(new_names):
        mapping[name] = next_id + offset
        new_rows.append((next_id + offset, name))
    with conn.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {STAGING_SCHEMA}.agency_map "
            "(raw_name text PRIMARY KEY, agency_id integer)"
        )
        execute_values(
            cursor,
            f"INSERT INTO {STAGING_SCHEMA}.agency_map (raw_name, agency_id) VALUES %s",
            list(mapping.items()),
            page_size=1000,
        )
        cursor.execute(f"ANALYZE {STAGING_SCHEMA}.agency_map")
    shp_id = mapping.get(importer.HIGHWAY_PATROL, by_name.get(importer.HIGHWAY_PATROL))
    return mapping, new_rows, shp_id


def agencies_new_register(staging: StagingImport, new_rows: list[tuple[int, str]]) -> list[str]:
    """Queue the insert of new agencies that have loaded stops for the swap transaction.

    Names seen only on rejected or cut-off lines get no agency (a malformed line must not
    create a permanent id). Also moves the id sequence past the highest id
    (docs/decisions.md, 'NC agency ids never change').
    Returns the names that will be added.
    """
    kept: list[tuple[int, str]] = []
    if new_rows:
        used = {
            row[0]
            for row in staging.fetchall(
                "SELECT DISTINCT agency_id FROM {staging}.nc_stop WHERE agency_id >= %s",
                [min(agency_id for agency_id, _ in new_rows)],
            )
        }
        kept = [(agency_id, name) for agency_id, name in new_rows if agency_id in used]
    staging.on_swap("LOCK TABLE public.nc_agency IN SHARE ROW EXCLUSIVE MODE")
    if kept:
        values = ", ".join(["(%s, %s, '')"] * len(kept))
        staging.on_swap(
            f"INSERT INTO public.nc_agency (id, name, census_profile_id) VALUES {values}",
            [item for row in kept for item in row],
        )
    staging.on_swap(
        "SELECT setval(pg_get_serial_sequence('public.nc_agency', 'id'), "
        "GREATEST((SELECT max(id) FROM public.nc_agency), 1))"
    )
    return [name for _, name in kept]


def new_agencies_notify(names: list[str], *, run_label: str = "the import") -> int:
    """A short email to the monitors naming the new agencies; their rows as a CSV attachment.

    Sent by the run service after a successful import; returns the number of messages sent.
    """
    recipients = list(settings.NC_AUTO_IMPORT_MONITORS)
    if not recipients or not names:
        return 0
    shown = ", ".join(names[:10]) + (f" and {len(names) - 10:,} more" if len(names) > 10 else "")
    body = (
        f"{len(names):,} new NC agencies were discovered during {run_label} and given new "
        f"ids: {shown}.\n\nThe attached NC_agencies.csv lists them. Please add their Census "
        "GEOIDs in the admin (NC agencies), or map a renamed agency onto its existing id "
        "with an agency alias."
    )
    message = EmailMessage(NEW_AGENCIES_SUBJECT, body, settings.DEFAULT_FROM_EMAIL, recipients)
    rows = Agency.objects.filter(name__in=names).order_by("id")
    lines = ["Id,Agency Name,GEOID"] + [
        _csv_line([agency.id, agency.name, agency.census_profile_id]) for agency in rows
    ]
    message.attach("NC_agencies.csv", "\n".join(lines) + "\n", "text/csv")
    return message.send(fail_silently=True)


def _csv_line(values: list) -> str:
    import io

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue()


def agency_crosswalk_load(*, path: Path) -> list[str]:
    """Seed or update NC agency ids, names and GEOIDs from ``Id,Agency Name,GEOID``.

    Refuses (``ValueError``, nothing written) a file whose header is wrong, whose ids or
    names repeat, or whose id would rename an agency while another agency holds the name.
    """
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header != ["Id", "Agency Name", "GEOID"]:
            raise ValueError(f"{path}: expected header 'Id,Agency Name,GEOID', got {header}")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            if len(row) != 3 or not row[0].strip().isdigit() or not row[1].strip():
                raise ValueError(f"{path} line {number}: expected Id,Agency Name,GEOID: {row}")
            rows.append((int(row[0]), row[1].strip(), row[2].strip()))
    ids = [r[0] for r in rows]
    names = [r[1] for r in rows]
    for label, values in (("id", ids), ("name", names)):
        seen, dupes = set(), set()
        for value in values:
            (dupes if value in seen else seen).add(value)
        if dupes:
            raise ValueError(f"{path}: duplicate {label}s: {', '.join(map(str, sorted(dupes)))}")
    existing = {a.id: a for a in Agency.objects.all()}
    by_name = {a.name: a.id for a in existing.values()}
    conflicts = [
        f"id {agency_id} {name!r} is agency {by_name[name]} in the database"
        for agency_id, name, _ in rows
        if name in by_name and by_name[name] != agency_id and by_name[name] not in ids
    ]
    if conflicts:
        raise ValueError("Conflicting crosswalk: " + "; ".join(conflicts))
    created = updated = 0
    with transaction.atomic(using=DB_ALIAS):
        for agency_id, name, geoid in rows:
            agency = existing.get(agency_id)
            if agency is None:
                Agency.objects.create(id=agency_id, name=name, census_profile_id=geoid)
                created += 1
            elif (agency.name, agency.census_profile_id) != (name, geoid):
                agency.name, agency.census_profile_id = name, geoid
                agency.save(update_fields=["name", "census_profile_id"])
                updated += 1
        with connections[DB_ALIAS].cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('nc_agency', 'id'), "
                "GREATEST((SELECT max(id) FROM nc_agency), 1))"
            )
    return [f"{len(rows)} agencies in {path.name}: {created} created, {updated} updated"]

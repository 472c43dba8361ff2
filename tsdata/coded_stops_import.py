"""Streaming load of normalised stop rows for states whose agencies come as codes (MD, IL).

The state modules turn raw records into ``(row, drop reason)`` pairs; this module numbers
the surviving rows, resolves agency codes to stable ids, streams the rows with client-side
COPY into the staging schema of the shared import machinery, and reports what was
dropped and which agencies still lack a researched name. Nothing is held in memory but
one chunk of COPY text and the agency registry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.apps import apps

from tsdata.agency_registry import AgencyResolver
from tsdata.imports.report import ImportReport
from tsdata.imports.sources import SourceError, file_url_path, http_download, local_zip
from tsdata.imports.staging import BytesIterReader, staging_import
from tsdata.states import state_config

CHUNK_ROWS = 5_000
AGENCY_DESCRIPTION_LENGTH = 100  # md_stop/il_stop.agency_description
# COPY text format escapes; NUL cannot be stored in PostgreSQL text at all, so it is dropped.
_ESCAPES = str.maketrans(
    {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""}
)


def raw_zip_obtain(*, url: str | None, zip_path: Path | None, work_dir: Path) -> Path:
    """The raw zip: a local path, a ``file://`` URL, or an HTTP(S) download into ``work_dir``."""
    if (url is None) == (zip_path is None):
        raise SourceError("Give exactly one of a URL and a zip path")
    if zip_path is not None:
        return local_zip(Path(zip_path))
    if url.startswith("file://"):
        return local_zip(file_url_path(url))
    return http_download(url, work_dir)


def copy_text_field(value: object) -> str:
    """One field in PostgreSQL COPY text format (``\\N`` is NULL, '' stays '')."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def copy_text_line(row: dict, columns: tuple[str, ...]) -> str:
    """One COPY text line; text values (most of them) are escaped without a call each."""
    return "\t".join([
        value.translate(_ESCAPES) if value.__class__ is str else copy_text_field(value)
        for value in map(row.__getitem__, columns)
    ])


@dataclass(frozen=True)
class CodedStopsConfig:
    """What differs between MD and IL in the load (everything else is shared)."""

    state: str
    columns: tuple[str, ...]  # md_stop/il_stop columns written, agency_id last
    empty_is_null: frozenset[str]  # columns where '' is stored as NULL (original COPY)
    drop_kinds: dict[str, str]  # drop reason -> report counter (cut_off / outside_subset)


def coded_stops_import(
    config: CodedStopsConfig,
    normalized_rows: Callable[[dict[str, str]], Iterable[tuple[dict, str | None]]],
    *,
    report: ImportReport,
    file_label: str,
) -> ImportReport:
    """Load ``normalized_rows(agency_names)`` into the state's stop table and swap it in.

    Any exception (bad input found while streaming, database error) leaves the live
    tables, the agency registry included, untouched (ids reserved for new codes are skipped).
    """
    state = config.state
    alias = state_config(state).db_alias
    agency_model = apps.get_model(state, "Agency")
    stop_model = apps.get_model(state, "Stop")
    stop_table = stop_model._meta.db_table
    resolver = AgencyResolver(agency_model, using=alias)
    first_import = not stop_model.objects.using(alias).exists()
    counts = report.file(file_label)
    codes_seen: set[str] = set()

    source_errors: list[BaseException] = []

    def chunks() -> Iterator[bytes]:
        try:
            yield from rows_encode()
        except Exception as exc:  # psycopg2 would hide it inside a COPY error message
            source_errors.append(exc)
            raise

    def rows_encode() -> Iterator[bytes]:
        stop_id = 0
        lines: list[str] = []
        for row, reason in normalized_rows(resolver.names()):
            counts.read += 1
            if reason is not None:
                kind = config.drop_kinds.get(reason, "rejected")
                setattr(counts, kind, getattr(counts, kind) + 1)
                if kind == "rejected":
                    counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
                    if len(counts.examples) < 20:
                        counts.examples.append({"row": counts.read, "reason": reason})
                continue
            stop_id += 1
            row["stop_id"] = stop_id
            code = row["agency_code"]
            agency_id, name = resolver.resolve(code)
            codes_seen.add(code)
            row["agency_description"] = name[:AGENCY_DESCRIPTION_LENGTH]  # denormalised copy
            row["agency_id"] = agency_id
            for column in config.empty_is_null:
                if row[column] == "":
                    row[column] = None
            lines.append(copy_text_line(row, config.columns))
            if len(lines) >= CHUNK_ROWS:
                yield ("\n".join(lines) + "\n").encode()
                lines.clear()
        counts.loaded = stop_id
        if lines:
            yield ("\n".join(lines) + "\n").encode()

    with staging_import(state, [stop_table], report=report) as staging:
        staging.execute("SET TIME ZONE %s", [state_config(state).tz_name])
        with report.phase("stream and copy"):
            try:
                copied = staging.copy_rows(
                    stop_table, list(config.columns), BytesIterReader(chunks()), csv=False
                )
            except Exception:
                if source_errors:  # the raw file's problem, not the database's
                    raise source_errors[0] from None
                raise
        staging.execute("RESET TIME ZONE")
        if counts.loaded == 0:
            raise ValueError(f"{file_label}: no stop survived normalisation; nothing to load")
        staging.expect_rows(stop_table, copied)
        mapping = resolver.first_import_renumber(codes_seen) if first_import else {}
        if mapping:
            staging.execute(
                f"UPDATE {{staging}}.{stop_table} s SET agency_id = m.new_id "
                "FROM unnest(%s::int[], %s::int[]) AS m(old_id, new_id) "
                "WHERE s.agency_id = m.old_id",
                [list(mapping), list(mapping.values())],
            )
            report.notes.append("first import: agency ids assigned in the original's name order")
        for statement, params in resolver.swap_statements(mapping):
            staging.on_swap(statement, params)
        if resolver.created:
            report.notes.append(
                "new agency codes registered: " + ", ".join(sorted(resolver.created))
            )
        unnamed = resolver.codes_named_by_code(codes_seen)
        if unnamed:
            report.notes.append(
                "agency codes without a crosswalk name (shown by code): " + ", ".join(unnamed)
            )
    return report

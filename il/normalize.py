"""Illinois row normalisation and the streaming CSV reader.

The rules are written out in docs/data-formats.md, 'Illinois: Normalisation'.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from il.models import UNKNOWN_PURPOSE

RAW_COLUMNS = (
    "agencycode", "agencyname", "Gender", "Race", "Search", "Contraband", "StopPurpose", "year",
)
PURPOSES = {"Moving Violation": 1, "Equipment": 2, "Registration": 3}
STOP_COLUMNS = (
    "stop_id", "year", "purpose", "search_conducted", "seized", "gender", "ethnicity",
    "agency_description", "agency_code",
)
TEXT_LIMITS = {"search_conducted": 1, "seized": 1, "gender": 1, "ethnicity": 20,
               "agency_code": 64}
YEAR_MAX = 32767  # smallint


class CsvFormatError(ValueError):
    """The file is not the IL extract in the expected layout (message names the problem)."""


def race_normalize(raw: str) -> str:
    return "U" if raw == "O" else raw


def search_or_contraband_normalize(raw: str) -> str:
    return "U" if raw == "" else raw


def purpose_normalize(raw: str) -> int:
    return PURPOSES.get(raw, UNKNOWN_PURPOSE)


def row_normalize(raw: list[str], agency_names: dict[str, str]) -> tuple[dict, str | None]:
    """One raw CSV record → stop row; returns (row, reason it is rejected or None)."""
    if len(raw) != len(RAW_COLUMNS):
        return {}, f"{len(raw)} fields instead of {len(RAW_COLUMNS)}"
    code, _name, gender, race, search, contraband, stop_purpose, year_text = raw
    try:
        year = int(year_text)
    except ValueError:
        return {}, "year is not an integer"
    if not 0 <= year <= YEAR_MAX:
        return {}, "year out of range"
    row = {
        "stop_id": None,
        "year": year,
        "purpose": purpose_normalize(stop_purpose),
        "search_conducted": search_or_contraband_normalize(search),
        "seized": search_or_contraband_normalize(contraband),
        "gender": gender,
        "ethnicity": race_normalize(race),
        "agency_code": code,
        "agency_description": agency_names.get(code, code),
    }
    for column, limit in TEXT_LIMITS.items():
        if len(row[column]) > limit:
            return row, f"{column} longer than {limit} characters"
    return row, None


def csv_records(zip_path: Path) -> Iterator[list[str]]:
    """Stream the records of the zip's first entry without extracting it or holding it.

    The header must be exactly the documented one. Memory stays flat whatever the size.
    """
    if not zipfile.is_zipfile(zip_path):
        raise CsvFormatError(f"{zip_path} is not a zip file")
    with zipfile.ZipFile(zip_path) as archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if not entries:
            raise CsvFormatError(f"{zip_path} contains no files")
        with archive.open(entries[0]) as binary:
            text = io.TextIOWrapper(binary, encoding="utf-8-sig", errors="replace", newline="")
            reader = csv.reader(text)
            header = next(reader, None)
            if header is None:
                raise CsvFormatError(f"{entries[0].filename} is empty")
            if [name.strip() for name in header] != list(RAW_COLUMNS):
                raise CsvFormatError(
                    f"{entries[0].filename} has header {','.join(header)!r}; "
                    f"expected {','.join(RAW_COLUMNS)!r}"
                )
            try:
                yield from reader
            except csv.Error as exc:
                raise CsvFormatError(
                    f"{entries[0].filename} line {reader.line_num}: malformed CSV ({exc})"
                ) from exc

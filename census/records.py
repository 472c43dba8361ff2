"""The import format of census profiles: a JSON list of 15-key records, checked strictly.

A file that breaks a rule is refused as a whole with a message that names the record, so
an import never loads part of a vintage. The vintage of a record is the last year of its
``source`` ("ACS 5-Year Data (2012-2016)" -> 2016) unless the caller gives one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from census.acs import COUNT_KEYS, GEOGRAPHIES, RACE_KEYS, RECORD_KEYS, STATE_FIPS, races_add_up_to

MAX_COUNT = 2_147_483_647  # PostgreSQL integer, the column type of the counts
GEOID = re.compile(r"^[0-9]{7}US[0-9]{2,9}$")
SOURCE_YEAR = re.compile(r"((?:19|20)[0-9]{2})\D*$")


class CensusRecordError(ValueError):
    """Census input that cannot be imported; the message says which record and why."""


@dataclass(frozen=True)
class CensusRecord:
    """One valid record and its vintage."""

    year: int
    values: dict


def census_records_parse(raw: bytes | str, *, origin: str) -> list:
    """The JSON list in ``raw``; ``origin`` (file name or URL) is named in errors."""
    try:
        records = json.loads(raw)
    except ValueError as exc:
        raise CensusRecordError(f"{origin} is not valid JSON: {exc}") from exc
    if not isinstance(records, list):
        raise CensusRecordError(f"{origin} must hold a JSON list of records, not "
                                f"{type(records).__name__}")
    if not records:
        raise CensusRecordError(f"{origin} holds no records")
    return records


def _label(number: int, record: dict) -> str:
    parts = [repr(record[key]) for key in ("id", "location") if record.get(key) not in (None, "")]
    return f"record {number}" + (f" ({', '.join(parts)})" if parts else "")


def _whole_number(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # a data frame's JSON may write counts as 123.0
    return None


def _record_check(record: dict, *, year: int | None) -> tuple[int, dict]:
    """The record's vintage and cleaned values; raises ValueError with the reason."""
    keys = set(record)
    missing = [key for key in RECORD_KEYS if key not in keys]
    if missing:
        raise ValueError(f"missing key(s) {', '.join(missing)}")
    extra = sorted(keys - set(RECORD_KEYS))
    if extra:
        raise ValueError(f"unexpected key(s) {', '.join(extra)}")
    values: dict = {}
    for key, limit in (("id", 16), ("location", 255), ("source", 255)):
        value = record[key]
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"{key} must be a text of 1 to {limit} characters, got {value!r}")
        values[key] = value.strip()
    if not GEOID.match(values["id"]):
        raise ValueError(f"id {values['id']!r} is not a Census GEO_ID like 0500000US37063")
    if record["geography"] not in GEOGRAPHIES:
        raise ValueError(f"geography must be one of {', '.join(GEOGRAPHIES)}, "
                         f"got {record['geography']!r}")
    if record["state"] not in STATE_FIPS:
        raise ValueError(f"state must be one of {', '.join(STATE_FIPS)}, got {record['state']!r}")
    values["geography"], values["state"] = record["geography"], record["state"]
    for key in COUNT_KEYS:
        number = _whole_number(record[key])
        if number is None:
            raise ValueError(f"{key} must be a whole number, got {record[key]!r}")
        if number < 0:
            raise ValueError(f"{key} is negative ({number})")
        if number > MAX_COUNT:
            raise ValueError(f"{key} is too large ({number})")
        values[key] = number
    if values["hispanic"] + values["non_hispanic"] != values["total"]:
        raise ValueError(
            f"hispanic + non_hispanic = {values['hispanic'] + values['non_hispanic']}, "
            f"but total is {values['total']}"
        )
    races = sum(values[key] for key in RACE_KEYS)
    expected = races_add_up_to(values["state"])
    if races != values[expected]:
        raise ValueError(f"the seven races add up to {races}, but {expected} is "
                         f"{values[expected]}")
    found = SOURCE_YEAR.search(values["source"])
    source_year = int(found.group(1)) if found else None
    if year is None and source_year is None:
        raise ValueError(f"source {values['source']!r} names no ACS year; give the vintage")
    if year is not None and source_year is not None and source_year != year:
        raise ValueError(f"source {values['source']!r} is not vintage {year}")
    return (year if year is not None else source_year), values


def census_records_validate(records: list, *, year: int | None = None) -> list[CensusRecord]:
    """Every record checked; the first bad one raises ``CensusRecordError`` naming it.

    Checks: exactly the 15 keys, a GEO_ID, a known state and geography, whole non-negative
    counts, hispanic + non_hispanic = total, the races adding up (see ``census.acs``), a
    vintage, and no GEOID twice in a vintage.
    """
    valid: list[CensusRecord] = []
    seen: dict[tuple[str, int], int] = {}
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise CensusRecordError(f"record {number} is not an object: {record!r:.80}")
        try:
            vintage, values = _record_check(record, year=year)
        except ValueError as exc:
            raise CensusRecordError(f"{_label(number, record)}: {exc}") from None
        identity = (values["id"], vintage)
        if identity in seen:
            raise CensusRecordError(
                f"{_label(number, record)}: GEOID {values['id']} appears twice in vintage "
                f"{vintage} (also record {seen[identity]})"
            )
        seen[identity] = number
        valid.append(CensusRecord(year=vintage, values=values))
    return valid


def census_record_dump(record: CensusRecord) -> dict:
    """A valid record back in import format (keys in their usual order)."""
    return {key: record.values[key] for key in RECORD_KEYS}

"""Census writes: loading ACS records from a file, a URL or the Census API, and storing
them one vintage at a time; GEOIDs proposed by name matching written to agencies."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections, router, transaction

from census import acs
from census.models import CensusProfile
from census.records import (
    CensusRecord,
    CensusRecordError,
    census_records_parse,
    census_records_validate,
)
from census.selectors import CensusMatch
from tsdata.data_version import data_version_bump
from tsdata.states import state_config


class CensusImportError(Exception):
    """An import that was refused or failed; nothing was changed."""


def census_records_download(url: str, *, timeout: float = 120) -> bytes:
    """The body of ``url`` (http, https or file); any failure names the URL."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            status = getattr(response, "status", 200) or 200
            if status != 200:
                raise CensusImportError(f"Failed to access {url} (HTTP {status})")
            return response.read()
    except urllib.error.HTTPError as exc:
        raise CensusImportError(f"Failed to access {url} (HTTP {exc.code})") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise CensusImportError(f"Failed to access {url}: {exc}") from exc


def census_records_load(
    *, url: str | None = None, path: Path | None = None, use_api: bool = False,
    year: int | None = None,
) -> list[CensusRecord]:
    """Validated records from one source: the Census API, a local file or a URL.

    With no source the pre-built file at ``settings.CENSUS_DEFAULT_URL`` is read. ``year``
    is the vintage asked from the API, or for a file the vintage its records must have.
    """
    try:
        if use_api:
            if year is None:
                raise CensusImportError("--use-api needs the ACS vintage (--year)")
            raw_records = acs.acs_records(year=year)
        elif path is not None:
            try:
                raw = path.read_bytes()
            except OSError as exc:
                raise CensusImportError(f"Cannot read {path}: {exc.strerror or exc}") from exc
            raw_records = census_records_parse(raw, origin=str(path))
        else:
            url = url or settings.CENSUS_DEFAULT_URL
            raw_records = census_records_parse(census_records_download(url), origin=url)
        return census_records_validate(raw_records, year=year)
    except (acs.CensusApiError, CensusRecordError) as exc:
        raise CensusImportError(str(exc)) from exc


def census_profiles_replace(records: list[CensusRecord]) -> list[str]:
    """Store the records' vintages, each replacing all profiles of that vintage.

    One transaction for everything: readers see the old profiles until it commits, and a
    failure (or a concurrent import, which waits for the lock) leaves them as they were.
    Other vintages are never touched. The data versions of the states in the records are
    bumped in the same transaction. Returns one summary line per vintage.
    """
    if not records:
        raise CensusImportError("No census records to import")
    try:
        return _profiles_replace(records)
    except DatabaseError as exc:
        raise CensusImportError(f"Census import failed, nothing was changed: {exc}") from exc


def _profiles_replace(records: list[CensusRecord]) -> list[str]:
    using = router.db_for_write(CensusProfile)
    per_year = Counter(record.year for record in records)
    lines = []
    with transaction.atomic(using=using):
        with connections[using].cursor() as cursor:
            # Writers queue up, readers carry on (they see the committed profiles).
            cursor.execute(
                f"LOCK TABLE {CensusProfile._meta.db_table} IN SHARE ROW EXCLUSIVE MODE"
            )
        for year in sorted(per_year):
            replaced, _ = CensusProfile.objects.using(using).filter(year=year).delete()
            CensusProfile.objects.using(using).bulk_create(
                [_profile(record) for record in records if record.year == year],
                batch_size=2000,
            )
            states = sorted({r.values["state"] for r in records if r.year == year})
            lines.append(f"ACS {year}: {per_year[year]:,} profiles ({', '.join(states)}), "
                         f"{replaced:,} replaced")
        # Cached pages of these states show census figures: new versions invalidate them.
        for postal in sorted({record.values["state"] for record in records}):
            data_version_bump(postal.lower())
    return lines


def _profile(record: CensusRecord) -> CensusProfile:
    values = dict(record.values)
    return CensusProfile(geoid=values.pop("id"), year=record.year, **values)


def census_profile_ids_apply(*, state: str, matches: list[CensusMatch]) -> int:
    """Write matched GEOIDs to agencies that still have none; returns how many were set.

    The condition is part of each UPDATE, so a GEOID typed in the admin meanwhile is kept.
    """
    from django.apps import apps

    agency_model = apps.get_model(state, "Agency")
    using = state_config(state).db_alias
    applied = 0
    with transaction.atomic(using=using):
        for match in matches:
            applied += agency_model.objects.using(using).filter(
                pk=match.agency_id, census_profile_id=""
            ).update(census_profile_id=match.geoid)
    if applied:
        data_version_bump(state)  # cached pages of the state show the agencies' profiles
    return applied

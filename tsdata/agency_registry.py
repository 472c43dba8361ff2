"""Stable agency ids for states whose raw data name agencies by code (MD, IL; fix 9.2.8).

The state's Agency table is the registry: one row per raw agency code, its id never
changes once data referencing it are published. Names and GEOIDs come from a crosswalk
(``Agency Code,Agency Name,GEOID``) or the admin; imports never overwrite them (9.2.9).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.db import models, transaction
from django.db.models import Max

CROSSWALK_HEADER = ["Agency Code", "Agency Name", "GEOID"]
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def agency_name_rank_key(name: str) -> tuple[str, str]:
    """Order of the original ids: names lower-cased with non-alphanumerics removed (2.3.3)."""
    return (_NOT_ALNUM.sub("", name.lower()), name)


def agency_crosswalk_read(path: Path) -> list[tuple[str, str, str]]:
    """Rows (code, name, geoid) of a crosswalk; malformed files raise ValueError."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or [cell.strip() for cell in header] != CROSSWALK_HEADER:
            raise ValueError(
                f"{path.name}: header must be {','.join(CROSSWALK_HEADER)!r}, got {header!r}"
            )
        rows: list[tuple[str, str, str]] = []
        seen: dict[str, int] = {}
        duplicates = []
        for line_number, record in enumerate(reader, start=2):
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != 3:
                raise ValueError(
                    f"{path.name} line {line_number}: expected 3 fields, got {len(record)}"
                )
            code, name, geoid = (cell.strip() for cell in record)
            if not code or not name:
                raise ValueError(f"{path.name} line {line_number}: empty agency code or name")
            if len(geoid) > 16 or len(name) > 100 or len(code) > 64:
                raise ValueError(f"{path.name} line {line_number}: value too long")
            if code in seen:
                duplicates.append(f"{code} (lines {seen[code]} and {line_number})")
                continue
            seen[code] = line_number
            rows.append((code, name, geoid))
    if duplicates:
        raise ValueError(f"{path.name}: duplicate agency codes: " + ", ".join(duplicates))
    return rows


def agency_crosswalk_apply(
    agency_model: type[models.Model], rows: list[tuple[str, str, str]], *, using: str
) -> list[str]:
    """Create or update registry rows from a crosswalk; returns printable summary lines.

    Loading a crosswalk is an explicit edit, so it sets names and GEOIDs of listed codes;
    agencies not listed are left alone. New codes get the next free ids in name order.
    A name already used by another code is refused (agency names must stay unambiguous).
    """
    lines: list[str] = []
    with transaction.atomic(using=using):
        registry = agency_model.objects.using(using).select_for_update().exclude(code=None)
        existing = {agency.code: agency for agency in registry}
        names_by_code = {a.code: a.name for a in existing.values()}
        names_by_code.update({code: name for code, name, _ in rows})
        owners: dict[str, str] = {}
        for code, name in sorted(names_by_code.items()):
            if name in owners and owners[name] != code:
                raise ValueError(
                    f"Agency name {name!r} would belong to codes {owners[name]} and {code}"
                )
            owners[name] = code
        created = updated = 0
        next_id = (agency_model.objects.using(using).aggregate(top=Max("id"))["top"] or 0) + 1
        for code, name, geoid in sorted(rows, key=lambda row: agency_name_rank_key(row[1])):
            agency = existing.get(code)
            if agency is None:
                agency_model.objects.using(using).create(
                    id=next_id, code=code, name=name, census_profile_id=geoid
                )
                next_id += 1
                created += 1
                continue
            if (agency.name, agency.census_profile_id) != (name, geoid):
                lines.append(
                    f"Updated {code}: {agency.name!r} / {agency.census_profile_id!r} -> "
                    f"{name!r} / {geoid!r}"
                )
                agency.name, agency.census_profile_id = name, geoid
                agency.save(using=using, update_fields=["name", "census_profile_id"])
                updated += 1
        sequence_advance(agency_model, using=using)
    lines.append(f"Crosswalk: {len(rows)} agencies, {created} created, {updated} updated")
    return lines


def sequence_advance(agency_model: type[models.Model], *, using: str) -> None:
    """Keep the id sequence past the highest id (ids may be written explicitly)."""
    from django.db import connections

    table = agency_model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


class AgencyResolver:
    """Maps raw agency codes to (id, name) during an import, registering unknown codes.

    Unknown codes become agencies named by their code, committed at once so their ids are
    never reused, and are reported as missing from the crosswalk.
    """

    def __init__(self, agency_model: type[models.Model], *, using: str) -> None:
        self.agency_model = agency_model
        self.using = using
        self.by_code: dict[str, tuple[int, str]] = {
            code: (pk, name)
            for pk, code, name in agency_model.objects.using(using)
            .exclude(code=None).values_list("id", "code", "name")
        }
        self.created: list[str] = []

    def names(self) -> dict[str, str]:
        return {code: name for code, (_, name) in self.by_code.items()}

    def resolve(self, code: str) -> tuple[int, str]:
        found = self.by_code.get(code)
        if found is None:
            manager = self.agency_model.objects.using(self.using)
            next_id = (manager.aggregate(top=Max("id"))["top"] or 0) + 1
            agency = manager.create(id=next_id, code=code, name=code)
            sequence_advance(self.agency_model, using=self.using)
            found = self.by_code[code] = (agency.pk, agency.name)
            self.created.append(code)
        return found


def agency_ids_rank_for_first_import(
    agency_model: type[models.Model], codes_in_data: set[str], *, using: str
) -> dict[int, int]:
    """Renumber a never-published registry like the original: data names ranked first.

    Only valid while no live stop references an agency. Returns old id -> new id.
    """
    agencies = list(agency_model.objects.using(using).values_list("id", "code", "name"))
    def rank(agency: tuple[int, str, str]) -> tuple[str, str]:
        return agency_name_rank_key(agency[2])

    in_data = sorted((a for a in agencies if a[1] in codes_in_data), key=rank)
    others = sorted((a for a in agencies if a[1] not in codes_in_data), key=rank)
    mapping = {old: new for new, (old, _, _) in enumerate(in_data + others, start=1)}
    if all(old == new for old, new in mapping.items()):
        return {}
    table = agency_model._meta.db_table
    from django.db import connections

    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET id = -id")
        for old, new in mapping.items():
            cursor.execute(f"UPDATE {table} SET id = %s WHERE id = %s", [new, -old])
    sequence_advance(agency_model, using=using)
    return mapping

"""Stable agency ids for states whose raw data name agencies by code (MD, IL).

Why: docs/decisions.md, 'Stable MD/IL agency ids'.

The state's Agency table is the registry: one row per raw agency code, its id never
changes once data referencing it are published. Names and GEOIDs come from a crosswalk
(``Agency Code,Agency Name,GEOID``) or the admin; imports never overwrite them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from django.db import connections, models, transaction
from django.db.models import Max

CROSSWALK_HEADER = ["Agency Code", "Agency Name", "GEOID"]
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def agency_name_rank_key(name: str) -> tuple[str, str]:
    """Order of the original ids: names lower-cased with non-alphanumerics removed."""
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
    table = agency_model._meta.db_table
    with connections[using].cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST(COALESCE(MAX(id), 0), 1), MAX(id) IS NOT NULL) FROM {table}"
        )


class AgencyResolver:
    """Maps raw agency codes to (id, name) during an import.

    A code the registry lacks gets an id reserved from the table's sequence at once (so
    nothing else can take it) but its row is only written when the import's tables are
    swapped in (``swap_statements``): a failed import leaves the registry as it was.
    New agencies are named by their code and reported as missing from the crosswalk.
    """

    def __init__(self, agency_model: type[models.Model], *, using: str) -> None:
        self.agency_model = agency_model
        self.using = using
        self.table = agency_model._meta.db_table
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
            with connections[self.using].cursor() as cursor:
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id'))"
                )
                found = self.by_code[code] = (cursor.fetchone()[0], code)
            self.created.append(code)
        return found

    def first_import_renumber(self, codes_in_data: set[str]) -> dict[int, int]:
        """Ids like the original's for a never-published registry: old id -> new id.

        Names present in the data are ranked by "lower-cased, non-alphanumerics removed"
        (docs/data-formats.md, 'Agency codes (MD, IL)'), the registry's other agencies follow.
        Only valid while no live stop
        references an agency; updates the resolver so later statements use the new ids.
        """
        agencies = [(pk, code, name) for code, (pk, name) in self.by_code.items()]
        agencies += list(
            self.agency_model.objects.using(self.using).filter(code=None)
            .values_list("id", "code", "name")
        )

        def rank(agency: tuple[int, str | None, str]) -> tuple[str, str]:
            return agency_name_rank_key(agency[2])

        in_data = sorted((a for a in agencies if a[1] in codes_in_data), key=rank)
        others = sorted((a for a in agencies if a[1] not in codes_in_data), key=rank)
        mapping = {old: new for new, (old, _, _) in enumerate(in_data + others, start=1)}
        if all(old == new for old, new in mapping.items()):
            return {}
        self.by_code = {code: (mapping[pk], name) for code, (pk, name) in self.by_code.items()}
        return mapping

    def swap_statements(self, mapping: dict[int, int]) -> list[tuple[str, list]]:
        """SQL for the swap transaction: renumber (first import), add new codes, sequence."""
        statements: list[tuple[str, list]] = []
        if mapping:
            statements.append((f"UPDATE {self.table} SET id = -id", []))
            statements.append((
                f"UPDATE {self.table} a SET id = m.new_id "
                "FROM unnest(%s::int[], %s::int[]) AS m(old_id, new_id) WHERE a.id = -m.old_id",
                [list(mapping), list(mapping.values())],
            ))
        if self.created:
            statements.append((
                f"INSERT INTO {self.table} (id, code, name, census_profile_id) "
                "SELECT id, code, code, '' FROM unnest(%s::int[], %s::text[]) AS n(id, code)",
                [[self.by_code[code][0] for code in self.created], list(self.created)],
            ))
        if mapping or self.created:
            statements.append((
                f"SELECT setval(pg_get_serial_sequence('{self.table}', 'id'), "
                f"(SELECT max(id) FROM {self.table}))",
                [],
            ))
        return statements

    def codes_named_by_code(self, codes: set[str]) -> list[str]:
        """Codes in the data whose agency has no researched name (name equals the code)."""
        return sorted(code for code in codes if self.by_code[code][1] == code)

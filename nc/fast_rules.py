"""What the fast path checks on Stop.txt beyond the generic screen: NC's rules.

A stop line goes straight into the typed ``COPY`` only if its agency name is known (its
id is appended to the line) and its StopDate has one of the shapes the validation in SQL
accepts (``DATE_SHAPES``) with plain ranges, and is not before the cut-off year unless
the agency is the Highway Patrol (docs/data-formats.md, "Cut-off before 2002"). Every
other line takes the slow path, where the SQL decides (``nc.validation_sql``). The rules
are data (a ``FieldShapeRule``) that the shared screen applies inside its one pass over
every byte.
"""

from __future__ import annotations

from nc.raw_files import CUTOFF_YEAR, DATE_SHAPES, field_index
from tsdata.imports.line_screen import FieldShapeRule, KeyLookup

AGENCY_FIELD = field_index("Stop.txt", "agency_description")
DATE_FIELD = field_index("Stop.txt", "date")
# The plain ranges of a StopDate (``YYYY-MM-DD[ HH:MM[:SS[.fraction]]]``), as the validation
# in SQL checks them: (offset, digits, lowest, highest). PostgreSQL alone would also take
# other values, e.g. ``24:00:00``; days beyond the month's end are left to it.
DATE_RANGES = (
    (0, 1, 1, 2),  # the year's first digit
    (5, 2, 1, 12),  # month
    (8, 2, 1, 31),  # day
    (11, 2, 0, 23),  # hour
    (14, 2, 0, 59),  # minute
    (17, 2, 0, 59),  # second
)
YEAR = (0, 4)  # offset and digits of the year in a StopDate


def stop_date_rule(*, date_field: int = DATE_FIELD, cutoff_year: int = CUTOFF_YEAR,
                   exempt_id: int = -1) -> FieldShapeRule:
    """Stop lines whose date has another shape or range than the SQL validation accepts,
    or is before ``cutoff_year`` unless their agency id is ``exempt_id``, go the slow way."""
    return FieldShapeRule(field=date_field, shapes=DATE_SHAPES, ranges=DATE_RANGES,
                          minimum=(*YEAR, cutoff_year), exempt_id=exempt_id)


def agency_lookup(mapping: dict[str, int], shp_id: int | None) -> KeyLookup:
    """Fast-path lookup for Stop.txt: the agency id appended to each line, and lines that
    the cut-off may concern (before 2002, not the Highway Patrol) left to SQL."""
    return KeyLookup(
        field=AGENCY_FIELD,
        ids={name.encode("cp1252"): agency_id for name, agency_id in mapping.items()},
        line_rule=stop_date_rule(exempt_id=-1 if shp_id is None else shp_id),
    )

"""The NC extract's five files: their fields, column kinds and the rules shared by every reader.

One place for what a raw NC line looks like (docs/data-formats.md, "North Carolina"): the
importer's fast path and SQL validation, the streamed officer counts
(``nc.summary_stream``) and the benchmarks all read field positions and trimming from
here, by column name, instead of repeating them.
"""

from __future__ import annotations

from dataclasses import dataclass

CUTOFF_YEAR = 2002
HIGHWAY_PATROL = "NC State Highway Patrol"
# Characters Python's str.strip() removes that can occur in CP1252 text (not the tab).
TRIM = "U&' \\000A\\000B\\000C\\00A0'"
TRIM_BYTES = b" \n\x0b\x0c\xa0"  # the same characters in CP1252


@dataclass(frozen=True)
class Column:
    name: str  # column of the table
    raw: str  # column name in the raw data key (for messages)
    kind: str  # int | small | flag | date | float | text
    max_length: int = 0


@dataclass(frozen=True)
class FileSpec:
    filename: str
    table: str
    columns: tuple[Column, ...]
    stop_field: int  # 0-based index of the StopID field (subset and cut-off)
    parents: tuple[tuple[int, str], ...] = ()  # (field index, parent table) to cascade
    raw_table: str = ""

    @property
    def width(self) -> int:
        return len(self.columns)


def _flags(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, raw, "flag") for name, raw in pairs)


FILES: tuple[FileSpec, ...] = (
    FileSpec(
        "Stop.txt", "nc_stop",
        (
            Column("stop_id", "StopID", "int"),
            Column("agency_description", "AgencyDescription", "text", 100),
            Column("date", "StopDate", "date"),
            Column("purpose", "Purpose", "small"),
            Column("action", "Action", "small"),
            *_flags(
                ("driver_arrest", "DriverArrest"), ("passenger_arrest", "PassengerArrest"),
                ("encounter_force", "EncounterForce"), ("engage_force", "EngageForce"),
                ("officer_injury", "OfficerInjury"), ("driver_injury", "DriverInjury"),
                ("passenger_injury", "PassengerInjury"),
            ),
            Column("officer_id", "OfficerId", "text", 15),
            Column("stop_location", "StopLocation", "text", 15),
            Column("stop_city", "StopCity", "text", 20),
        ),
        stop_field=0, raw_table="raw_stop",
    ),
    FileSpec(
        "PERSON.txt", "nc_person",
        (
            Column("person_id", "PersonID", "int"),
            Column("stop_id", "StopID", "int"),
            Column("type", "Type", "text", 2),
            Column("age", "Age", "small"),
            Column("gender", "Gender", "text", 2),
            Column("ethnicity", "Ethnicity", "text", 2),
            Column("race", "Race", "text", 2),
        ),
        stop_field=1, parents=((1, "nc_stop"),), raw_table="raw_person",
    ),
    FileSpec(
        "Search.txt", "nc_search",
        (
            Column("search_id", "SearchID", "int"),
            Column("stop_id", "StopID", "int"),
            Column("person_id", "PersonID", "int"),
            Column("type", "Type", "small"),
            *_flags(
                ("vehicle_search", "VehicleSearch"), ("driver_search", "DriverSearch"),
                ("passenger_search", "PassengerSearch"), ("property_search", "PropertySearch"),
                ("vehicle_siezed", "VehicleSeized"),
                ("personal_property_siezed", "PersonalPropertySeized"),
                ("other_property_sized", "OtherPropertySeized"),
            ),
        ),
        stop_field=1, parents=((1, "nc_stop"), (2, "nc_person")), raw_table="raw_search",
    ),
    FileSpec(
        "Contraband.txt", "nc_contraband",
        (
            Column("contraband_id", "ContrabandID", "int"),
            Column("search_id", "SearchID", "int"),
            Column("person_id", "PersonID", "int"),
            Column("stop_id", "StopID", "int"),
            *(
                Column(name, raw, "float")
                for name, raw in (
                    ("ounces", "Ounces"), ("pounds", "Pounds"), ("pints", "Pints"),
                    ("gallons", "Gallons"), ("dosages", "Dosages"), ("grams", "Grams"),
                    ("kilos", "Kilos"), ("money", "Money"), ("weapons", "Weapons"),
                    ("dollar_amount", "DollarAmt"),
                )
            ),
        ),
        stop_field=3, parents=((3, "nc_stop"), (2, "nc_person"), (1, "nc_search")),
        raw_table="raw_contraband",
    ),
    FileSpec(
        "SearchBasis.txt", "nc_searchbasis",
        (
            Column("search_basis_id", "SearchBasisID", "int"),
            Column("search_id", "SearchID", "int"),
            Column("person_id", "PersonID", "int"),
            Column("stop_id", "StopID", "int"),
            Column("basis", "Basis", "text", 4),
        ),
        stop_field=3, parents=((3, "nc_stop"), (2, "nc_person"), (1, "nc_search")),
        raw_table="raw_searchbasis",
    ),
)
FILE_NAMES = tuple(spec.filename for spec in FILES)
TABLES = tuple(spec.table for spec in FILES)
SPEC_BY_TABLE = {spec.table: spec for spec in FILES}
FILES_BY_NAME = {spec.filename: spec for spec in FILES}
# Tables whose excluded ids cascade to the rows referring to them.
PARENT_TABLES = ("nc_stop", "nc_person", "nc_search")

# Characters the fast path lets through per column kind (the rest is validated in SQL).
CHARSETS = {
    "int": b"0123456789", "small": b"0123456789", "flag": b"01",
    "date": b"0123456789-: .", "float": b"0123456789.-+eE",
}
FLOAT_RE = r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$"
DIGITS = "'0123456789'"
# Accepted StopDate shapes after mapping every digit to 9 (cheaper than a regex).
DATE_SHAPES = (
    "9999-99-99 99:99:99.999", "9999-99-99 99:99:99", "9999-99-99 99:99:99.9999999",
    "9999-99-99 99:99:99.9", "9999-99-99 99:99:99.99", "9999-99-99 99:99", "9999-99-99",
)


def column_spec(filename: str, column: str) -> Column:
    """The definition of ``column`` (a table column name) in the raw file ``filename``."""
    return FILES_BY_NAME[filename].columns[field_index(filename, column)]


def field_index(filename: str, column: str) -> int:
    """0-based position of ``column`` (a table column name) in the raw file ``filename``."""
    for index, candidate in enumerate(FILES_BY_NAME[filename].columns):
        if candidate.name == column:
            return index
    raise KeyError(f"{filename} has no column {column!r}")

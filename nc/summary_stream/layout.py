"""What the streamed counts read and write, derived from NC's statistic definitions.

The counting kernels know only roles (a stop's id, date, detail, officer, the flags its
measures depend on); this module fills those roles from ``nc.stats`` (the measures, the
grouping, the category scheme, the driver type) and ``nc.raw_files`` (field positions), so
that a measure or a column declared there reaches the stream without an edit here. A
definition the stream cannot count (a new kind of unit, say) makes ``stream_layout`` raise
``LayoutUnsupported``; the import then builds that summary in SQL only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nc.raw_files import Column, column_spec, field_index
from tsdata.stats.definitions import (
    PURPOSE,
    SEARCH_TYPE,
    SEARCH_TYPE_TABLE,
    STOP_TABLE,
    Measure,
    StateStats,
)

# Units the stream counts per stop (``SummaryStream.searched_settle``).
STREAMED_UNITS = ("stop", "search", "contraband")
# Where the detail column of each summary comes from in the raw files.
DETAIL_SOURCES = {PURPOSE: ("Stop.txt", "purpose"), SEARCH_TYPE: ("Search.txt", "type")}
MAX_CONDITIONS = 8  # stop flags a listed stop carries above its packed group


class LayoutUnsupported(ValueError):
    """The definitions ask for something the streamed counts cannot count."""


@dataclass(frozen=True)
class TableLayout:
    """An officer summary as the stream writes it: its detail column (the 5-bit field of a
    packed group after the year) and its measures, in column order."""

    field: str
    measures: tuple[Measure, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(measure.name for measure in self.measures)


@dataclass(frozen=True)
class FieldRoles:
    """Raw fields of one file the stream reads: ``fields`` in ascending order (as the
    line scanner wants them) and, per role, the column of that role in the scanned rows."""

    fields: np.ndarray
    column: dict[str, int]

    @classmethod
    def of(cls, filename: str, roles: dict[str, str]) -> FieldRoles:
        try:
            positions = {role: field_index(filename, column) for role, column in roles.items()}
        except KeyError as error:
            raise LayoutUnsupported(str(error)) from None
        fields = sorted(set(positions.values()))
        return cls(np.array(fields, np.int64),
                   {role: fields.index(position) for role, position in positions.items()})

    def raw(self, role: str) -> int:
        """The 0-based raw field of ``role`` in its file."""
        return int(self.fields[self.column[role]])


@dataclass(frozen=True)
class StreamLayout:
    stops: TableLayout
    search_types: TableLayout
    stop: FieldRoles  # id, date, detail, officer and the condition columns
    conditions: tuple[str, ...]  # Stop.txt flags the measures count on; bit k = conditions[k]
    list_mask: int  # conditions that list an unsearched stop (they gate a per-stop measure)
    person: FieldRoles  # stop id, type and the category scheme's columns
    category_columns: tuple[str, str]  # SQL names key_for takes, in packed order
    driver_type: bytes
    search: FieldRoles  # search id, stop id, detail of the search-type summary
    contraband: FieldRoles  # contraband id, search id

    @property
    def count_column(self) -> int:
        """The stop summary's plain count of stops, which the group table carries."""
        return next(index for index, measure in enumerate(self.stops.measures)
                    if measure.unit == "stop" and measure.when is None)

    @property
    def stop_roles(self) -> np.ndarray:
        """Columns of id, date, detail and officer in the scanned Stop.txt rows."""
        return np.array([self.stop.column[role] for role in ("id", "date", "detail", "officer")],
                        np.int64)

    @property
    def condition_roles(self) -> np.ndarray:
        return np.array([self.stop.column[f"when:{name}"] for name in self.conditions],
                        np.int64)

    @property
    def slow_stop_fields(self) -> tuple[int, ...]:
        """Stop.txt fields (0-based) besides the id that the counting reads, ascending: the
        columns the validation in SQL hands back for its loaded lines."""
        id_field = self.stop.raw("id")
        return tuple(int(field) for field in self.stop.fields if field != id_field)


def _table_layout(stats: StateStats, table: str) -> TableLayout:
    summary = stats.tables[table]
    if summary.detail not in DETAIL_SOURCES:
        raise LayoutUnsupported(f"{table}: no raw source for the detail {summary.detail!r}")
    for measure in summary.measures:
        if measure.unit not in STREAMED_UNITS:
            raise LayoutUnsupported(f"{table}.{measure.name}: unit {measure.unit!r}")
    return TableLayout(summary.detail, summary.measures)


def _column(filename: str, column: str) -> Column:
    try:
        return column_spec(filename, column)
    except KeyError as error:
        raise LayoutUnsupported(str(error)) from None


def stream_layout(stats: StateStats, *, driver_type: str) -> StreamLayout:
    """The layout of NC's streamed counts for these definitions."""
    stops = _table_layout(stats, STOP_TABLE)
    search_types = _table_layout(stats, SEARCH_TYPE_TABLE)
    plain_stops = [m for m in stops.measures if m.unit == "stop" and m.when is None]
    if len(plain_stops) != 1:
        raise LayoutUnsupported("the stop summary needs exactly one plain count of stops")
    if DETAIL_SOURCES[stops.field][0] != "Stop.txt":
        raise LayoutUnsupported("the stop summary's detail must be a Stop.txt field")
    if DETAIL_SOURCES[search_types.field][0] != "Search.txt":
        raise LayoutUnsupported("the search-type summary's detail must be a Search.txt field")
    if any(m.unit != "search" for m in search_types.measures):
        raise LayoutUnsupported("the search-type summary counts searches only")
    conditions = tuple(dict.fromkeys(
        m.when for m in (*stops.measures, *search_types.measures) if m.when))
    if any(_column("Stop.txt", name).kind != "flag" for name in conditions):
        raise LayoutUnsupported("a measure's condition is not a Stop.txt flag")
    if len(conditions) > MAX_CONDITIONS:
        raise LayoutUnsupported(f"more than {MAX_CONDITIONS} stop flags")
    list_mask = 0
    for measure in stops.measures:
        if measure.unit == "stop" and measure.when:
            list_mask |= 1 << conditions.index(measure.when)
    scheme = stats.categories
    sql_columns = (scheme.override[0] if scheme.override else scheme.label_column,
                   scheme.label_column)
    raw_columns = [column.split(".", 1)[-1] for column in sql_columns]
    if any(_column("PERSON.txt", column).max_length > 2 for column in raw_columns):
        raise LayoutUnsupported("a category column longer than two bytes")
    return StreamLayout(
        stops=stops,
        search_types=search_types,
        stop=FieldRoles.of("Stop.txt", {
            "id": "stop_id", "date": "date", "detail": DETAIL_SOURCES[stops.field][1],
            "officer": "officer_id", **{f"when:{name}": name for name in conditions},
        }),
        conditions=conditions,
        list_mask=list_mask,
        person=FieldRoles.of("PERSON.txt", {
            "stop": "stop_id", "type": "type", "first": raw_columns[0], "second": raw_columns[1],
        }),
        category_columns=sql_columns,
        driver_type=driver_type.encode("ascii"),
        search=FieldRoles.of("Search.txt", {
            "id": "search_id", "stop": "stop_id", "detail": DETAIL_SOURCES[search_types.field][1],
        }),
        contraband=FieldRoles.of("Contraband.txt", {"id": "contraband_id", "search": "search_id"}),
    )

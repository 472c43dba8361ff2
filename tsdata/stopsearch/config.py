"""What a state declares to get a Find a Stop page: its rows, filters, key and columns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from django.db import models

if TYPE_CHECKING:
    from tsdata.stopsearch.forms import StopSearchForm

# How a form value restricts the rows: equality, membership, or a local-date bound.
Lookup = Literal["exact", "in", "date_from", "date_until"]
# How a column's value is shown on the page.
ColumnKind = Literal["text", "date", "agency", "officer"]

PAGE_SIZE = 30


@dataclass(frozen=True)
class SearchFilter:
    """One form field's restriction of the rows (``path`` is an ORM path of the row model).

    ``person`` marks attributes of a person: when any is given, the state's
    ``person_restriction`` is added too (NC: only drivers).
    """

    path: str
    lookup: Lookup = "exact"
    person: bool = False


@dataclass(frozen=True)
class SearchColumn:
    """A column of the results table or of the CSV export (``key`` names a row value)."""

    key: str
    label: str
    kind: ColumnKind = "text"
    choices: Mapping[object, str] | None = None  # code → label, for coded columns


@dataclass(frozen=True)
class StopSearchConfig:
    """Everything that differs between the states' Find a Stop pages.

    ``values`` maps row keys to ORM paths of ``row_model``; ``keyset`` lists the row keys of
    the newest-first order, the stop date first (unique together, so pages are stable).
    """

    state: str
    row_model: type[models.Model]
    agency_model: type[models.Model]
    form_class: type[StopSearchForm]
    filters: Mapping[str, SearchFilter]
    values: Mapping[str, str]
    keyset: tuple[str, ...]
    columns: tuple[SearchColumn, ...]
    csv_columns: tuple[SearchColumn, ...]
    person_restriction: Mapping[str, object] = field(default_factory=dict)
    always: Mapping[str, object] = field(default_factory=dict)  # restrictions of every search

    def path_of(self, key: str) -> str:
        """The ORM path of a row key."""
        return self.values[key]

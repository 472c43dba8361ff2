"""One declarative definition of every statistics endpoint, shared by the three states.

A state differs only by configuration (``StateStats``): its summary models, how raw codes map
to category keys, its purpose and search-type labels, whether it has an officer dimension,
which endpoints it offers, and the set-based SQL that fills its summary tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import models
from psycopg2 import sql

# Response group keys (in ``by`` order) and their columns in the summary tables.
YEAR = "year"
PURPOSE = "purpose"
SEARCH_TYPE = "search_type"

# Summary table kinds a series reads from.
STOP_TABLE = "stop"
SEARCH_TYPE_TABLE = "search_type"


@dataclass(frozen=True)
class Series:
    """One array of grouped counts: a measure of a summary table, grouped by ``group_by``."""

    table: str
    measure: str
    group_by: tuple[str, ...]

    @property
    def row_order(self) -> tuple[str, ...]:
        """Rows are ordered by year first, then the other group keys (docs/decisions.md)."""
        return (YEAR, *(key for key in self.group_by if key != YEAR))


@dataclass(frozen=True)
class Endpoint:
    """A statistics endpoint: one series (an array) or named parts (an object of arrays)."""

    name: str
    title: str
    description: str
    series: Series | None = None
    parts: tuple[tuple[str, Series], ...] = ()

    @property
    def all_series(self) -> tuple[tuple[str | None, Series], ...]:
        return ((None, self.series),) if self.series else self.parts


_STOPS = Series(STOP_TABLE, "stops", (YEAR,))
_SEARCHES = Series(STOP_TABLE, "searches", (YEAR,))

ENDPOINTS: dict[str, Endpoint] = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint(
            "stops",
            "Stops by year",
            "Stops per year and race/ethnicity category.",
            series=_STOPS,
        ),
        Endpoint(
            "stops_by_reason",
            "Stops and searches by stop purpose",
            "Stops and searches per stop purpose, year and race/ethnicity category.",
            parts=(
                ("stops", Series(STOP_TABLE, "stops", (PURPOSE, YEAR))),
                ("searches", Series(STOP_TABLE, "searches", (PURPOSE, YEAR))),
            ),
        ),
        Endpoint(
            "searches",
            "Searches by year",
            "Searches per year and race/ethnicity category.",
            series=_SEARCHES,
        ),
        Endpoint(
            "searches_by_type",
            "Searches by search type",
            "Searches per search type, year and race/ethnicity category.",
            series=Series(SEARCH_TYPE_TABLE, "searches", (SEARCH_TYPE, YEAR)),
        ),
        Endpoint(
            "contraband_hit_rate",
            "Searches and contraband finds",
            "Searches and contraband finds per year and race/ethnicity category "
            "(the hit rate is contraband / searches).",
            parts=(
                ("searches", _SEARCHES),
                ("contraband", Series(STOP_TABLE, "contraband", (YEAR,))),
            ),
        ),
        Endpoint(
            "use_of_force",
            "Use of force by year",
            "Searched stops where the officer engaged force, per year and race/ethnicity.",
            series=Series(STOP_TABLE, "use_of_force", (YEAR,)),
        ),
    )
}


@dataclass(frozen=True)
class CategoryScheme:
    """How the raw person codes of a stop become its category key (the JSON key).

    ``label_column`` and the override column are SQL expressions over the raw tables (e.g.
    ``p.race``). ``override`` is ``(column, code, key)``: rows whose ``column`` equals
    ``code`` go to ``key`` whatever the label column says (NC's Hispanic rule). Codes
    without a label are used verbatim as keys (docs/decisions.md, 'Unknown codes kept as
    keys'). The mapping is applied when the summaries are built, so the API reads finished
    keys.
    """

    label_column: str
    labels: dict[str, str]
    defaults: tuple[str, ...]
    override: tuple[str, str, str] | None = None

    def key_for(self, values: dict[str, str]) -> str:
        """The key ``case_sql`` gives a row whose columns (by their SQL expression, e.g.
        ``p.race``) have these non-NULL values (for the streamed counts of an import)."""
        if self.override is not None:
            override_column, code, key = self.override
            if values[override_column] == code:
                return key
        value = values[self.label_column]
        return self.labels.get(value, value)

    def case_sql(self) -> sql.Composable:
        """``CASE ... END`` computing the key in SQL (literals quoted by psycopg2)."""
        column = sql.SQL(self.label_column)
        branches = []
        if self.override is not None:
            override_column, code, key = self.override
            branches.append(
                sql.SQL("WHEN {} = {} THEN {}").format(
                    sql.SQL(override_column), sql.Literal(code), sql.Literal(key)
                )
            )
        branches += [
            sql.SQL("WHEN {} = {} THEN {}").format(column, sql.Literal(code), sql.Literal(key))
            for code, key in self.labels.items()
        ]
        # Bytewise collation: the build groups and sorts millions of these keys.
        return sql.SQL('(CASE {} ELSE {} END) COLLATE "C"').format(
            sql.SQL(" ").join(branches), column
        )


@dataclass(frozen=True)
class Measure:
    """A count column of a summary table: per group, how many ``unit`` rows its stops
    have, counting only stops whose boolean stop column ``when`` is true (if given).

    ``unit`` is in the state's terms (NC: ``stop``, ``search``, ``contraband``). A state
    that declares its measures builds its summary SQL from them, and NC's import counts
    them while loading (``nc.summary_stream``), so a measure is declared once.
    """

    name: str
    unit: str
    when: str | None = None


@dataclass(frozen=True)
class SummaryTable:
    """An agency-level summary model and, for states with officers, its officer-level twin.

    ``detail`` is the group column besides year and category (``purpose``,
    ``search_type``), ``measures`` the count columns, for a state that declares them.
    """

    agency_model: type[models.Model]
    officer_model: type[models.Model] | None = None
    detail: str | None = None
    measures: tuple[Measure, ...] = ()

    def measure_names(self) -> tuple[str, ...]:
        return tuple(measure.name for measure in self.measures)

    @property
    def models(self) -> tuple[type[models.Model], ...]:
        return (self.officer_model, self.agency_model) if self.officer_model else (
            self.agency_model,
        )


@dataclass(frozen=True)
class StateStats:
    """Everything that differs between states for the statistics API."""

    state: str
    agency_model: type[models.Model]
    tables: dict[str, SummaryTable]
    categories: CategoryScheme
    labels: dict[str, dict[int, str]]  # group key → code → label
    endpoints: tuple[str, ...]
    officer_filter: bool
    # Set-based SQL statements filling the summary tables, in order. Placeholders: ``{src}``
    # (schema of the raw tables), ``{dst}`` (schema of the summary tables), ``{category}``
    # (``categories.case_sql()``), ``{part}`` (a condition on ``split_by``, see below);
    # the parameter ``%(tz)s`` is the state's time zone.
    fill_sql: tuple[str, ...] = field(default=())
    # (raw table, column, SQL expression of that column in the templates): an import may
    # fill a ``{part}`` template in two ranges of the column on two connections and merge
    # the partial counts (every measure of a summary table is a count).
    split_by: tuple[str, str, str] | None = None
    # More placeholders of a ``{part}`` template (placeholder → another SQL expression of
    # the same column), restricted like ``{part}``: a grouped subquery joined on that
    # column then only reads the part's rows.
    part_also: dict[str, str] = field(default_factory=dict)
    # Planner settings for one summary table's fill, over the build's (summary table name
    # → settings), for a template whose best plan the estimates miss.
    fill_settings: dict[str, dict[str, str]] = field(default_factory=dict)

    def endpoint(self, name: str) -> Endpoint:
        if name not in self.endpoints:
            raise KeyError(f"{self.state} has no statistics endpoint {name!r}")
        return ENDPOINTS[name]

    @property
    def summary_models(self) -> tuple[type[models.Model], ...]:
        return tuple(model for table in self.tables.values() for model in table.models)

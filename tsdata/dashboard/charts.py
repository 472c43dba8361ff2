"""The charts of an agency dashboard: for each, the table of its numbers, what to draw, a
one-sentence summary and a small-count warning, computed from the API's arrays.

The page, the table view, the CSV download and the drawn chart all read the ``Chart`` built
here, and every number comes from ``tsdata.stats.metrics`` applied to the statistics API's
own response bodies (docs/dashboards.md lists each chart and what it counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tsdata.dashboard.config import DashboardConfig
from tsdata.dashboard.summaries import (
    hit_rate_summary,
    likelihood_summary,
    over_time_summary,
    rate_summary,
    reason_summary,
    share_summary,
)
from tsdata.stats import metrics

# Fewer observations than this behind a chart get a visible warning.
SMALL_COUNT = 30

INT, PCT, SIGNED_PCT, TEXT = "int", "pct", "signed_pct", "text"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = INT


@dataclass
class Chart:
    """One chart: ``rows`` hold raw values in ``columns`` order; ``points`` feed the drawing."""

    id: str
    title: str
    help: str
    mark: str  # "hbar" | "lines" | "grouped"
    columns: list[Column]
    rows: list[list[Any]]
    points: list[dict[str, Any]]
    summary: str
    basis: int  # how many stops or searches the chart rests on
    basis_noun: str
    value_kind: str = PCT
    x_label: str = ""
    shown_series: list[str] = field(default_factory=list)
    # Series in display order when some have no point to draw (undefined rates).
    series_names: list[str] = field(default_factory=list)
    # Where the numbers come from, when not the state's stop data (the census).
    source: str = ""

    @property
    def series(self) -> list[str]:
        """Names of the drawn series (bars or lines) in display order."""
        if self.series_names:
            return self.series_names
        key = "label" if self.mark == "hbar" else "series"
        return list(dict.fromkeys(point[key] for point in self.points))

    @property
    def display_rows(self) -> list[list[str]]:
        """The table as shown: every cell formatted by its column's kind."""
        return [[cell_text(value, column.kind) for value, column in zip(row, self.columns,
                                                                        strict=True)]
                for row in self.rows]

    @property
    def drawable(self) -> bool:
        """Whether any value can be drawn (all can be undefined, e.g. nobody searched)."""
        return any(point["value"] is not None for point in self.points)

    @property
    def small(self) -> bool:
        return self.basis < SMALL_COUNT

    @property
    def empty(self) -> bool:
        return not self.rows


def cell_text(value: Any, kind: str) -> str:
    """A table cell: counts with thousands separators, percentages with one decimal and a
    sign where it is a difference; undefined values are an en dash (never "NaN")."""
    if value is None:
        return "–"
    if kind == INT:
        return f"{value:,}"
    if kind == PCT:
        return f"{value:.1f}%"
    if kind == SIGNED_PCT:
        return f"{value:+.1f}%"
    return str(value)


@dataclass(frozen=True)
class Scope:
    """What the charts show: the year (None = all years) and the state's configuration."""

    config: DashboardConfig
    year: int | None

    @property
    def when(self) -> str:
        return f"In {self.year}" if self.year else "Over all years"


def categories_of(config: DashboardConfig, *arrays: list[dict]) -> list[tuple[str, str]]:
    """The state's categories in display order, then any unknown codes the data carry."""
    known = dict(config.categories)
    extra = [
        (key, f"Code “{key}”" if key else "Blank code")
        for array in arrays
        for key in metrics.row_categories(array)
        if key not in known
    ]
    return list(config.categories) + list(dict.fromkeys(extra))


def _pct(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def share_chart(
    chart_id: str, title: str, help_text: str, rows: list[dict], scope: Scope, *, noun: str
) -> Chart:
    """Each category's share of the stops (or searches) of the chosen year."""
    categories = categories_of(scope.config, rows)
    keys = [key for key, _ in categories]
    counts = metrics.CategoryCounts(rows, keys).counts(
        year=scope.year, start_year=scope.config.start_year)
    shares = metrics.shares(counts)
    table = [[label, counts[key], _pct(shares[key])] for key, label in categories]
    total = sum(counts.values())
    return Chart(
        id=chart_id, title=title, help=help_text, mark="hbar",
        columns=[Column("category", "Race/ethnicity", TEXT), Column("count", noun.title()),
                 Column("share", "Share", PCT)],
        rows=table if total else [],
        points=[{"label": label, "value": _pct(shares[key])} for key, label in categories],
        summary=share_summary(scope, counts, shares, categories, noun=noun),
        basis=total, basis_noun=noun,
    )


def over_time_chart(
    chart_id: str, title: str, help_text: str, rows: list[dict], scope: Scope, *, noun: str,
    as_share: bool,
) -> Chart:
    """Counts per year and category; drawn as each category's share (or its count)."""
    config = scope.config
    categories = categories_of(config, rows)
    keys = [key for key, _ in categories]
    years = metrics.years_of(rows, start_year=config.start_year)
    indexed = metrics.CategoryCounts(rows, keys)
    table, points = [], []
    for year in years:
        counts = indexed.counts(year=year)
        shares = metrics.shares(counts)
        table.append([year, *(counts[key] for key in keys)])
        for key, label in categories:
            value = _pct(shares[key]) if as_share else counts[key]
            points.append({"x": year, "series": label, "value": value})
    totals = indexed.counts(start_year=config.start_year)
    return Chart(
        id=chart_id, title=title, help=help_text, mark="lines",
        columns=[Column("year", "Year", TEXT), *(Column(key, label) for key, label in categories)],
        rows=table, points=points,
        summary=over_time_summary(years, table, noun=noun),
        basis=sum(totals.values()), basis_noun=noun,
        value_kind=PCT if as_share else INT, x_label="Year",
    )


def by_reason_chart(
    chart_id: str, title: str, help_text: str, rows: list[dict], scope: Scope, *,
    group_key: str, group_label: str, order: tuple[str, ...], noun: str,
) -> Chart:
    """Counts per stop purpose (or search type) and category for the chosen year."""
    config = scope.config
    categories = categories_of(config, rows)
    keys = [key for key, _ in categories]
    present = {row[group_key] for row in rows}
    groups = [group for group in order if group in present]
    # Codes without a label (kept verbatim by the API) come last; hidden ones never show.
    groups += sorted((group for group in present if group not in order
                      and group not in config.purpose_hidden), key=str)
    indexed = metrics.CategoryCounts(rows, keys, group_key)
    table, points = [], []
    for group in groups:
        counts = indexed.counts(year=scope.year, start_year=config.start_year, group=group)
        if not any(counts.values()):
            continue
        table.append([group, *(counts[key] for key in keys), sum(counts.values())])
        points += [{"group": group, "series": label, "value": counts[key]}
                   for key, label in categories]
    return Chart(
        id=chart_id, title=title, help=help_text, mark="grouped",
        columns=[Column(group_key, group_label, TEXT),
                 *(Column(key, label) for key, label in categories), Column("total", "Total")],
        rows=table, points=points,
        summary=reason_summary(scope, table, noun=noun, group_label=group_label),
        basis=sum(row[-1] for row in table), basis_noun=noun, value_kind=INT,
    )


def search_rate_chart(stops: list[dict], searches: list[dict], scope: Scope) -> Chart:
    """Searches per stop, per year and category, with the all-drivers Total line."""
    config = scope.config
    categories = categories_of(config, stops, searches)
    keys = [key for key, _ in categories]
    years = metrics.years_of(stops, start_year=config.start_year)
    columns = [Column("year", "Year", TEXT)]
    for key, label in [*categories, ("total", "Total")]:
        columns += [Column(f"{key}_rate", f"{label} rate", PCT),
                    Column(f"{key}_searches", f"{label} searches"),
                    Column(f"{key}_stops", f"{label} stops")]
    stops_indexed = metrics.CategoryCounts(stops, keys)
    searches_indexed = metrics.CategoryCounts(searches, keys)
    table, points = [], []
    for year in years:
        stop_counts = stops_indexed.counts(year=year)
        search_counts = searches_indexed.counts(year=year)
        rates = metrics.search_rates(stop_counts, search_counts)
        stop_counts["total"] = sum(stop_counts[key] for key in keys)
        search_counts["total"] = sum(search_counts[key] for key in keys)
        row: list[Any] = [year]
        for key, label in [*categories, ("total", "Total")]:
            row += [_pct(rates[key]), search_counts[key], stop_counts[key]]
            if rates[key] is not None:
                points.append({"x": year, "series": label, "value": _pct(rates[key])})
        table.append(row)
    chosen_stops = stops_indexed.counts(year=scope.year, start_year=config.start_year)
    chosen_searches = searches_indexed.counts(year=scope.year, start_year=config.start_year)
    labels = dict(categories) | {"total": "Total"}
    return Chart(
        id="search_rate", title="Search rate",
        help="Searches per stop for each group of drivers, by year; the Total line is all "
             "drivers together.",
        mark="lines", columns=columns, rows=table, points=points,
        summary=rate_summary(scope, metrics.search_rates(chosen_stops, chosen_searches)),
        basis=sum(chosen_searches.values()), basis_noun="searches", x_label="Year",
        shown_series=[labels[key] for key in config.search_rate_defaults if key in labels],
        series_names=list(labels.values()),
    )


def likelihood_chart(by_reason: dict[str, list[dict]], scope: Scope) -> Chart:
    """Per stop purpose, how much more likely each group is searched than the base group."""
    config = scope.config
    stops, searches = by_reason["stops"], by_reason["searches"]
    categories = categories_of(config, stops, searches)
    keys = [key for key, _ in categories]
    compared = [(key, label) for key, label in categories if key != config.base_category]
    base_label = dict(categories)[config.base_category]
    columns = [Column("purpose", "Stop purpose", TEXT)]
    columns += [Column(key, f"{label} vs. {base_label}", SIGNED_PCT) for key, label in compared]
    columns += [Column(f"{key}_ratio", f"{label} searches/stops", TEXT)
                for key, label in categories]
    stops_indexed = metrics.CategoryCounts(stops, keys, "purpose")
    searches_indexed = metrics.CategoryCounts(searches, keys, "purpose")
    table, points, basis = [], [], 0
    present = {row["purpose"] for row in stops} & {row["purpose"] for row in searches}
    for purpose in config.purpose_order:
        if purpose in config.likelihood_skip or purpose not in present:
            continue
        stop_counts = stops_indexed.counts(year=scope.year, start_year=config.start_year,
                                           group=purpose)
        search_counts = searches_indexed.counts(year=scope.year, start_year=config.start_year,
                                                group=purpose)
        if not any(stop_counts.values()):
            continue
        basis += sum(search_counts.values())
        differences = metrics.likelihood_vs_base(
            stop_counts, search_counts, base=config.base_category
        )
        table.append([purpose, *(_pct(differences[key]) for key, _ in compared),
                      *(f"{search_counts[key]}/{stop_counts[key]}" for key in keys)])
        points += [{"group": purpose, "series": f"{label} vs. {base_label}",
                    "value": _pct(differences[key])}
                   for key, label in compared if differences[key] is not None]
    return Chart(
        id="likelihood", title="Likelihood of search by stop cause",
        help=f"For each stop purpose: how much more (or less) likely each group is to be "
             f"searched than {base_label.rstrip('*')} drivers stopped for the same reason. "
             "+100% means twice as likely.",
        mark="grouped", columns=columns, rows=table, points=points,
        summary=likelihood_summary(scope, table, compared, base_label),
        basis=basis, basis_noun="searches", value_kind=SIGNED_PCT,
        series_names=[f"{label} vs. {base_label}" for _, label in compared],
    )


def hit_rate_chart(parts: dict[str, list[dict]], scope: Scope) -> Chart:
    """Share of searches that found contraband, per category, for the chosen year."""
    config = scope.config
    searches, contraband = parts["searches"], parts["contraband"]
    categories = categories_of(config, searches, contraband)
    keys = [key for key, _ in categories]
    search_counts = metrics.CategoryCounts(searches, keys).counts(
        year=scope.year, start_year=config.start_year)
    found = metrics.CategoryCounts(contraband, keys).counts(
        year=scope.year, start_year=config.start_year)
    rates = metrics.hit_rates(search_counts, found)
    table = [[label, search_counts[key], found[key], _pct(rates[key])]
             for key, label in categories if search_counts[key] or found[key]]
    return Chart(
        id="hit_rate", title="Contraband hit rate",
        help="Of the searches of each group, the share that found contraband (drugs, "
             "weapons, money, other property).",
        mark="hbar",
        columns=[Column("category", "Race/ethnicity", TEXT), Column("searches", "Searches"),
                 Column("contraband", "Searches with contraband"),
                 Column("hit_rate", "Hit rate", PCT)],
        rows=table,
        points=[{"label": label, "value": _pct(rates[key])}
                for key, label in categories if rates[key] is not None],
        summary=hit_rate_summary(scope, rates, categories),
        basis=sum(search_counts.values()), basis_noun="searches",
    )

"""An agency dashboard as data: its sections and charts for one agency, officer and year.

``dashboard_api_bodies`` reads exactly what the statistics API would answer (same selector,
same arguments); ``dashboard_sections`` turns those bodies into the charts. A test builds the
charts from real API responses and compares them with the page's, so the page cannot drift
from the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tsdata.dashboard import charts
from tsdata.dashboard.charts import Chart, Column, Scope
from tsdata.dashboard.config import DashboardConfig
from tsdata.stats import metrics
from tsdata.stats.definitions import ENDPOINTS
from tsdata.stats.registry import stats_config
from tsdata.stats.selectors import endpoint_data


@dataclass
class Section:
    id: str
    heading: str
    charts: list[Chart]


def dashboard_api_bodies(*, state: str, agency_id: int, officer: str | None) -> dict[str, Any]:
    """The body of every statistics endpoint of the state for this agency (and officer)."""
    config = stats_config(state)
    return {
        name: endpoint_data(config=config, endpoint=ENDPOINTS[name], agency_id=agency_id,
                            officer=officer)
        for name in config.endpoints
    }


def dashboard_years(config: DashboardConfig, bodies: dict[str, Any]) -> list[int]:
    """The years the year selector offers: those with stops, from the state's start year."""
    return metrics.years_of(bodies["stops"], start_year=config.start_year)


def census_chart(config: DashboardConfig, census: dict[str, int], census_year: Any) -> Chart:
    """The agency's population by race/ethnicity: counts and each count's share of its group."""
    rows, points = [], []
    for group in config.census_groups:
        group_total = sum(census.get(key, 0) for key, _ in group)
        for key, label in group:
            share = metrics.ratio(census.get(key, 0), group_total)
            percent = None if share is None else round(share * 100, 1)
            rows.append([label, census.get(key, 0), percent])
            points.append({"label": label, "value": percent})
    total = census.get("total", 0)
    vintage = f"the {census_year} American Community Survey" if census_year else "the ACS"
    top = max(rows, key=lambda row: row[1]) if rows else None
    summary = (f"According to {vintage}, {total:,} people live in the agency's area; the "
               f"largest group is {top[0].rstrip('*')} ({top[2]:.1f}%)."
               if top and top[2] is not None else "No population figures are available.")
    return Chart(
        id="census", title="Local population",
        help=f"Residents of the agency's jurisdiction by race and ethnicity, from {vintage} "
             "(5-year estimates). Percentages are shares of each group shown.",
        mark="hbar",
        columns=[Column("category", "Race/ethnicity", charts.TEXT), Column("population",
                 "Population"), Column("share", "Percent", charts.PCT)],
        rows=rows, points=points, summary=summary, basis=total, basis_noun="residents",
        source="U.S. Census Bureau, American Community Survey",
    )


def dashboard_sections(config: DashboardConfig, bodies: dict[str, Any], *, year: int | None,
                       census: dict[str, int], census_year: Any,
                       officer: bool) -> list[Section]:
    """Every section of the state's dashboard, top to bottom, with its charts."""
    scope = Scope(config=config, year=year)
    who = "Officer" if officer else "Departmental"
    sections = [
        Section("census", "Census demographics",
                [census_chart(config, census, census_year)] if census else []),
        Section("stops", "Traffic stops", [
            charts.share_chart(
                "stop_shares", "Stops by race/ethnicity",
                "Each group's share of the drivers stopped in the chosen year.",
                bodies["stops"], scope, noun="stops"),
            charts.over_time_chart(
                "stops_over_time", "Stops over time",
                "Stops per year of each group; the chart shows each group's share of the "
                "year's stops, the table the counts.",
                bodies["stops"], scope, noun="stops", as_share=True),
        ]),
        Section("stop_purpose", f"{who} stop count by purpose", [
            charts.by_reason_chart(
                "stops_by_purpose", "Stops by purpose",
                "Stops of each group by the reason the officer gave for the stop.",
                bodies["stops_by_reason"]["stops"], scope, group_key="purpose",
                group_label="Stop purpose", order=config.purpose_order, noun="stops"),
        ]),
    ]
    if "searches_by_type" in bodies:
        sections.append(Section("search_type", f"{who} search count by search type", [
            charts.by_reason_chart(
                "searches_by_type", "Searches by type",
                "Searches of each group by the legal basis of the search.",
                bodies["searches_by_type"], scope, group_key="search_type",
                group_label="Search type", order=config.search_type_order, noun="searches"),
        ]))
    sections += [
        Section("search_rate", f"{who} search rate", [
            charts.search_rate_chart(bodies["stops"], bodies["searches"], scope)]),
        Section("searches", "Searches by race/ethnicity", [
            charts.share_chart(
                "search_shares", "Searches by race/ethnicity",
                "Each group's share of the searches in the chosen year.",
                bodies["searches"], scope, noun="searches"),
        ]),
        Section("likelihood", "Likelihood of search by stop cause", [
            charts.likelihood_chart(bodies["stops_by_reason"], scope)]),
        Section("contraband", "Contraband hit rate", [
            charts.hit_rate_chart(bodies["contraband_hit_rate"], scope)]),
    ]
    if "use_of_force" in bodies:
        sections.append(Section("use_of_force", "Use of force", [
            charts.share_chart(
                "use_of_force_shares", "Use of force by race/ethnicity",
                "Each group's share of the searched stops in which the officer used force.",
                bodies["use_of_force"], scope, noun="uses of force"),
            charts.over_time_chart(
                "use_of_force_over_time", "Use of force over time",
                "Searched stops with use of force per year and group.",
                bodies["use_of_force"], scope, noun="uses of force", as_share=False),
        ]))
    return sections


def chart_find(sections: list[Section], chart_id: str) -> Chart | None:
    return next((chart for section in sections for chart in section.charts
                 if chart.id == chart_id), None)

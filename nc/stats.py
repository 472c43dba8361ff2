"""NC configuration of the statistics API: driver-only, joined-row counts.

What the numbers mean: docs/api.md, 'North Carolina'.
"""

from __future__ import annotations

from nc import models
from tsdata.stats.definitions import (
    PURPOSE,
    SEARCH_TYPE,
    SEARCH_TYPE_TABLE,
    STOP_TABLE,
    CategoryScheme,
    Measure,
    StateStats,
    SummaryTable,
)

DRIVER_TYPE = "D"  # PERSON.txt Type of the driver: the only person a stop is counted for

# The count columns, declared once: the SQL below and the counts NC's import streams while
# loading (``nc.summary_stream``) are both built from them. ``searches`` = driver × search
# rows of the stop, ``use_of_force`` = the same on stops with engage_force, ``contraband``
# = driver × search × contraband rows (contraband joined through its search, as the
# original SQL).
STOP_MEASURES = (
    Measure("stops", "stop"),
    Measure("searches", "search"),
    Measure("use_of_force", "search", when="engage_force"),
    Measure("contraband", "contraband"),
)
SEARCH_TYPE_MEASURES = (Measure("searches", "search"),)

# Per joined stop row, how many rows of each unit it stands for (see ``_OFFICER_STOPS``).
_UNIT_ROWS = {"search": "se.n", "contraband": "co.n"}


def _stop_measure_sql(measure: Measure) -> str:
    when = f" FILTER (WHERE s.{measure.when})" if measure.when else ""
    if measure.unit == "stop":
        return f"COUNT(*){when}"
    return f"COALESCE(SUM({_UNIT_ROWS[measure.unit]}){when}, 0)"


def _search_measure_sql(measure: Measure) -> str:
    """A measure of the search-type summary, whose joined rows are one per search."""
    if measure.unit != "search":
        raise ValueError(f"the search-type summary counts searches, not {measure.unit!r}")
    return "COUNT(*)" + (f" FILTER (WHERE s.{measure.when})" if measure.when else "")


def _columns(measures: tuple[Measure, ...]) -> str:
    return ", ".join(measure.name for measure in measures)


def _sums(measures: tuple[Measure, ...]) -> str:
    return ", ".join(f"SUM({measure.name})" for measure in measures)


def fill_sql(stop_measures: tuple[Measure, ...] = STOP_MEASURES,
             search_type_measures: tuple[Measure, ...] = SEARCH_TYPE_MEASURES
             ) -> tuple[str, ...]:
    """The statements filling NC's four summary tables, built from their measures.

    Rows are inserted in primary-key order, so the rows of one agency (or officer) sit on a
    few pages and an API read touches only those. Text keys group and sort bytewise ("C"):
    several times faster than the database collation at millions of rows. Literal braces
    of the templates' own placeholders are doubled for ``str.format`` here.
    """
    officer_stops = f"""
INSERT INTO {{dst}}.nc_officerstopsummary
    (agency_id, officer_id, year, purpose, category, {_columns(stop_measures)})
SELECT s.agency_id, s.officer_id COLLATE "C",
       EXTRACT(YEAR FROM s.date AT TIME ZONE %(tz)s)::smallint,
       s.purpose, {{category}},
       {", ".join(_stop_measure_sql(measure) for measure in stop_measures)}
FROM {{src}}.nc_stop s
JOIN {{src}}.nc_person p ON p.stop_id = s.stop_id AND p.type = '{DRIVER_TYPE}'
LEFT JOIN (SELECT stop_id, COUNT(*) AS n FROM {{src}}.nc_search
            WHERE {{searches_part}} GROUP BY stop_id) se
       ON se.stop_id = s.stop_id
LEFT JOIN (SELECT se.stop_id, COUNT(*) AS n
             FROM {{src}}.nc_search se
             JOIN {{src}}.nc_contraband c ON c.search_id = se.search_id
            WHERE {{contraband_part}}
            GROUP BY se.stop_id) co
       ON co.stop_id = s.stop_id
WHERE s.agency_id IS NOT NULL AND {{part}}
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
"""

    officer_search_types = f"""
INSERT INTO {{dst}}.nc_officersearchtypesummary
    (agency_id, officer_id, year, search_type, category, {_columns(search_type_measures)})
SELECT s.agency_id, s.officer_id COLLATE "C",
       EXTRACT(YEAR FROM s.date AT TIME ZONE %(tz)s)::smallint,
       se.type, {{category}},
       {", ".join(_search_measure_sql(measure) for measure in search_type_measures)}
FROM {{src}}.nc_stop s
JOIN {{src}}.nc_person p ON p.stop_id = s.stop_id AND p.type = '{DRIVER_TYPE}'
JOIN {{src}}.nc_search se ON se.stop_id = s.stop_id
WHERE s.agency_id IS NOT NULL AND {{part}}
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
"""

    # The agency summaries are the officer summaries summed over an agency's officers.
    agency_stops = f"""
INSERT INTO {{dst}}.nc_stopsummary
    (agency_id, year, purpose, category, {_columns(stop_measures)})
SELECT agency_id, year, purpose, category COLLATE "C", {_sums(stop_measures)}
FROM {{dst}}.nc_officerstopsummary
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""

    agency_search_types = f"""
INSERT INTO {{dst}}.nc_searchtypesummary
    (agency_id, year, search_type, category, {_columns(search_type_measures)})
SELECT agency_id, year, search_type, category COLLATE "C", {_sums(search_type_measures)}
FROM {{dst}}.nc_officersearchtypesummary
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""
    return officer_stops, officer_search_types, agency_stops, agency_search_types


def nc_stats(stop_measures: tuple[Measure, ...] = STOP_MEASURES,
             search_type_measures: tuple[Measure, ...] = SEARCH_TYPE_MEASURES) -> StateStats:
    """NC's statistics configuration for these measures (tests declare more)."""
    return StateStats(
        state="nc",
        agency_model=models.Agency,
        tables={
            STOP_TABLE: SummaryTable(
                models.StopSummary, models.OfficerStopSummary,
                detail=PURPOSE, measures=stop_measures,
            ),
            SEARCH_TYPE_TABLE: SummaryTable(
                models.SearchTypeSummary, models.OfficerSearchTypeSummary,
                detail=SEARCH_TYPE, measures=search_type_measures,
            ),
        },
        categories=CategoryScheme(
            label_column="p.race",
            labels={
                "A": "asian",
                "B": "black",
                "I": "native_american",
                "U": "other",
                "W": "white",
            },
            defaults=("asian", "black", "native_american", "other", "white", "hispanic"),
            override=("p.ethnicity", "H", "hispanic"),
        ),
        labels={
            PURPOSE: dict(models.PURPOSE_CHOICES),
            SEARCH_TYPE: dict(models.SEARCH_TYPE_CHOICES),
        },
        endpoints=(
            "stops",
            "stops_by_reason",
            "searches",
            "searches_by_type",
            "contraband_hit_rate",
            "use_of_force",
        ),
        officer_filter=True,
        fill_sql=fill_sql(stop_measures, search_type_measures),
        split_by=("nc_stop", "stop_id", "s.stop_id"),
        part_also={"searches_part": "stop_id", "contraband_part": "se.stop_id"},
        # About 3 % of stops are searched: looking up each search's stop and driver by index
        # reads a fraction of what the merge join along all stops reads (timings:
        # docs/benchmarks.md, "Measurements behind code choices").
        fill_settings={
            "nc_officersearchtypesummary": {
                "enable_mergejoin": "off", "enable_memoize": "off", "enable_nestloop": "on",
            },
        },
    )


STATS = nc_stats()

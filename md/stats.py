"""MD configuration of the statistics API: one person per stop, inline flags.

What the numbers mean: docs/api.md, 'Maryland'.
"""

from __future__ import annotations

from md import models
from tsdata.stats.definitions import PURPOSE, STOP_TABLE, CategoryScheme, StateStats, SummaryTable

# Stops without a date have no year and are never counted (the original's COUNT(date)).
# Rows are inserted in primary-key order, so the rows of one agency (or officer) sit on a
# few pages and an API read touches only those. Text keys group and sort bytewise ("C"):
# several times faster than the database collation at millions of rows.
_OFFICER_STOPS = """
INSERT INTO {dst}.md_officerstopsummary
    (agency_id, officer_id, year, purpose, category, stops, searches, contraband)
SELECT agency_id, officer_id COLLATE "C",
       EXTRACT(YEAR FROM date AT TIME ZONE %(tz)s)::smallint,
       purpose, {category},
       COUNT(*),
       COUNT(*) FILTER (WHERE search_conducted = 'Y'),
       COUNT(*) FILTER (WHERE seized = 'Y')
FROM {src}.md_stop
WHERE agency_id IS NOT NULL AND date IS NOT NULL
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1, 2, 3, 4, 5
"""

_AGENCY_STOPS = """
INSERT INTO {dst}.md_stopsummary
    (agency_id, year, purpose, category, stops, searches, contraband)
SELECT agency_id, year, purpose, category COLLATE "C", SUM(stops), SUM(searches), SUM(contraband)
FROM {dst}.md_officerstopsummary
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""

STATS = StateStats(
    state="md",
    agency_model=models.Agency,
    tables={STOP_TABLE: SummaryTable(models.StopSummary, models.OfficerStopSummary)},
    categories=CategoryScheme(
        label_column="ethnicity",
        labels=dict(models.ETHNICITY_CHOICES),
        defaults=tuple(label for _, label in models.ETHNICITY_CHOICES),
    ),
    labels={PURPOSE: dict(models.PURPOSE_CHOICES)},
    endpoints=("stops", "stops_by_reason", "searches", "contraband_hit_rate"),
    officer_filter=True,
    fill_sql=(_OFFICER_STOPS, _AGENCY_STOPS),
)

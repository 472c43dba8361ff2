"""IL configuration of the statistics API: stored year, no officer dimension.

What the numbers mean: docs/api.md, 'Illinois'.
"""

from __future__ import annotations

from il import models
from tsdata.stats.definitions import PURPOSE, STOP_TABLE, CategoryScheme, StateStats, SummaryTable

# Search/Contraband 'U' (blank in the raw data) never match 'Y' and are simply not counted.
# Rows are inserted in primary-key order, so the rows of one agency (or officer) sit on a
# few pages and an API read touches only those.
_AGENCY_STOPS = """
INSERT INTO {dst}.il_stopsummary
    (agency_id, year, purpose, category, stops, searches, contraband)
SELECT agency_id, year, purpose, {category},
       COUNT(*),
       COUNT(*) FILTER (WHERE search_conducted = 'Y'),
       COUNT(*) FILTER (WHERE seized = 'Y')
FROM {src}.il_stop
WHERE agency_id IS NOT NULL
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2, 3, 4
"""

STATS = StateStats(
    state="il",
    agency_model=models.Agency,
    tables={STOP_TABLE: SummaryTable(models.StopSummary)},
    categories=CategoryScheme(
        label_column="ethnicity",
        labels=dict(models.ETHNICITY_CHOICES),
        defaults=tuple(label for _, label in models.ETHNICITY_CHOICES),
    ),
    labels={PURPOSE: dict(models.PURPOSE_CHOICES)},
    endpoints=("stops", "stops_by_reason", "searches", "contraband_hit_rate"),
    officer_filter=False,
    fill_sql=(_AGENCY_STOPS,),
)

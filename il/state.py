"""Illinois as the rest of the project sees it (registered by ``il`` in STATE_APPS)."""

from tsdata.states import FactsConfig, StateDefinition

STATE = StateDefinition(
    key="il",
    name="Illinois",
    time_zone="America/Chicago",
    importer="il.services.il_import_run",
    # The data are pre-summarised by year: no stop timestamp, searches are a column.
    facts=FactsConfig(date_field=None, search_model=None),
    stats="il.stats.STATS",
    dashboard="il.dashboard.DASHBOARD",
)

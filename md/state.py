"""Maryland as the rest of the project sees it (registered by ``md`` in STATE_APPS)."""

from tsdata.states import FactsConfig, StateDefinition

STATE = StateDefinition(
    key="md",
    name="Maryland",
    time_zone="America/New_York",
    importer="md.services.md_import_run",
    facts=FactsConfig(date_field="date", search_model=None),
    stats="md.stats.STATS",
    dashboard="md.dashboard.DASHBOARD",
    stop_search="md.stopsearch.SEARCH",
)

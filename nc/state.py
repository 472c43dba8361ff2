"""North Carolina as the rest of the project sees it (registered by ``nc`` in STATE_APPS)."""

from tsdata.states import FactsConfig, StateDefinition

STATE = StateDefinition(
    key="nc",
    name="North Carolina",
    time_zone="America/New_York",
    importer="nc.services.nc_import_run",
    facts=FactsConfig(
        date_field="date", search_model="Search", full_import_start="Jan 01, 2002",
        note="Very few agencies reported before 2000, so the claimed start date is 2002.",
    ),
    stats="nc.stats.STATS",
    dashboard="nc.dashboard.DASHBOARD",
    stop_search="nc.stopsearch.SEARCH",
    # The state's FTP server (``NC_FTP_HOST`` and its credentials) stands behind this URL.
    sources={"ftp": "ftp://nc.us/"},
)

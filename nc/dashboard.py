"""NC agency dashboard configuration (labels, orders and defaults of the 2019 dashboards)."""

from tsdata.dashboard.config import DashboardConfig

# The census groups of NC are the stop categories (Hispanic of any race, other groups
# non-Hispanic), so both use one list.
_CATEGORIES = (
    ("white", "White*"),
    ("black", "Black*"),
    ("native_american", "Native American*"),
    ("asian", "Asian*"),
    ("other", "Other*"),
    ("hispanic", "Hispanic"),
)

DASHBOARD = DashboardConfig(
    state="nc",
    categories=_CATEGORIES,
    base_category="white",
    focus_category="black",
    purpose_order=(
        "Driving While Impaired",
        "Safe Movement Violation",
        "Vehicle Equipment Violation",
        "Other Motor Vehicle Violation",
        "Investigation",
        "Stop Light/Sign Violation",
        "Speed Limit Violation",
        "Vehicle Regulatory Violation",
        "Seat Belt Violation",
        "Checkpoint",
    ),
    likelihood_skip=("Checkpoint",),
    search_type_order=(
        "Consent",
        "Search Warrant",
        "Probable Cause",
        "Search Incident to Arrest",
        "Protective Frisk",
    ),
    search_rate_defaults=("total", "white", "black", "hispanic"),
    start_year=2002,
    data_source="NC Department of Justice (State Bureau of Investigation) traffic-stop reports",
    category_note="* Non-Hispanic. Hispanic drivers of any race are counted as Hispanic.",
    census_groups=(_CATEGORIES,),
)

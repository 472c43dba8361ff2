"""MD agency dashboard configuration (labels, orders and defaults of the 2019 dashboards)."""

from tsdata.dashboard.config import DashboardConfig

_RACES = (
    ("white", "White"),
    ("black", "Black"),
    ("native_american", "Native American"),
    ("asian", "Asian"),
    ("other", "Other"),
)

DASHBOARD = DashboardConfig(
    state="md",
    categories=(
        ("White", "White"),
        ("Black", "Black"),
        ("Native American", "Native American"),
        ("Hispanic", "Hispanic"),
        ("Asian", "Asian"),
        ("Unknown", "Unknown"),
    ),
    base_category="White",
    focus_category="Black",
    purpose_order=(
        "Driving While Impaired",
        "Safe Movement Violation",
        "Vehicle Equipment Violation",
        "Other Motor Vehicle Violation",
        "Stop Light/Sign Violation",
        "Speed Limit Violation",
        "Vehicle Regulatory Violation",
        "Seat Belt Violation",
        "Non-motor Vehicle Violations",
        "Other/Unknown",
    ),
    search_rate_defaults=("total", "White", "Black"),
    start_year=2013,
    data_source="Maryland State Police traffic-stop reports (Public Information Act)",
    census_groups=(_RACES, (("hispanic", "Hispanic"), ("non_hispanic", "Non-Hispanic"))),
)

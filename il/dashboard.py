"""IL agency dashboard configuration (labels, orders and defaults of the 2019 dashboards)."""

from tsdata.dashboard.config import DashboardConfig

DASHBOARD = DashboardConfig(
    state="il",
    categories=(
        ("White", "White"),
        ("Black", "Black"),
        ("Hispanic", "Hispanic"),
        ("Unknown", "Unknown"),
    ),
    base_category="White",
    focus_category="Black",
    purpose_order=("Equipment", "Moving Violation", "Registration"),
    purpose_hidden=("Unknown",),
    search_rate_defaults=("total", "White", "Black", "Hispanic"),
    start_year=2005,
    data_source="Illinois Department of Transportation traffic-stop study",
    census_groups=(
        (
            ("white", "White"),
            ("black", "Black"),
            ("native_american", "Native American"),
            ("asian", "Asian"),
            ("other", "Other"),
        ),
        (("hispanic", "Hispanic"), ("non_hispanic", "Non-Hispanic")),
    ),
)

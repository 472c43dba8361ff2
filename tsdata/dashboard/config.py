"""What differs between states on the agency dashboard: labels, orders, defaults, sources.

Each state declares one ``DashboardConfig`` (``<state>/dashboard.py``, named by its
``StateDefinition``); the machinery in this package builds every page from it
(docs/dashboards.md explains each choice).
"""

from __future__ import annotations

from dataclasses import dataclass

from tsdata.states import state_definition


@dataclass(frozen=True)
class DashboardConfig:
    state: str
    # API category key → display label, in display order.
    categories: tuple[tuple[str, str], ...]
    # The category every other one is compared with (likelihood of search, rate ratios).
    base_category: str
    # The category named in the one-sentence summaries ("Black drivers were searched ...").
    focus_category: str
    # Stop purposes (API labels) in display order; purposes left out are never charted.
    purpose_order: tuple[str, ...]
    # Purposes never charted (IL's "Unknown", as in 2019).
    purpose_hidden: tuple[str, ...] = ()
    # Purposes left out of the likelihood-of-search chart (too few searches by design).
    likelihood_skip: tuple[str, ...] = ()
    search_type_order: tuple[str, ...] = ()
    # Series shown at first on the search-rate chart (the others are one click away).
    search_rate_defaults: tuple[str, ...] = ()
    # Years before this are not charted (reporting started then; see docs/dashboards.md).
    start_year: int | None = None
    data_source: str = ""
    # Footnote shown under charts whose race labels exclude Hispanic drivers.
    category_note: str = ""
    # Census keys shown in the population section, as (key, label) groups.
    census_groups: tuple[tuple[tuple[str, str], ...], ...] = ()
    noun: str = "drivers"

    @property
    def stop_search(self) -> bool:
        """Whether the state has Find a Stop (its definition names a stop-search config)."""
        from tsdata.states import state_config

        return state_config(self.state).stop_search is not None

    @property
    def labels(self) -> dict[str, str]:
        return dict(self.categories)


def dashboard_config(state: str) -> DashboardConfig:
    """The dashboard configuration of ``state``; unknown states raise ``KeyError``."""
    return state_definition(state).dashboard_config()

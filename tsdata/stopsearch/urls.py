"""The URL of a state's Find a Stop page (``<state>:stops-search``)."""

from __future__ import annotations

from django.urls import URLPattern, path


def stop_search_path(state: str) -> URLPattern:
    """``search/`` for ``state``, configured by what its ``StateDefinition`` names."""
    from tsdata.states import state_definition
    from tsdata.stopsearch.views import stop_search_view

    config = state_definition(state).stop_search_config()
    return path("search/", stop_search_view(config), name="stops-search")

"""The URL of a state's Find a Stop page (``<state>:stops-search``)."""

from __future__ import annotations

from django.urls import URLPattern, path


def stop_search_path(state: str) -> URLPattern:
    """``search/`` for ``state``; its configuration is read from ``<state>.stopsearch``."""
    from importlib import import_module

    from tsdata.stopsearch.views import stop_search_view

    config = import_module(f"{state}.stopsearch").SEARCH
    return path("search/", stop_search_view(config), name="stops-search")

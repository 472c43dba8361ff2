"""Template context of every page: the states for the navigation bar and the current one."""

from __future__ import annotations

from django.http import HttpRequest

from tsdata.dashboard.config import dashboard_config
from tsdata.states import STATE_CHOICES


def site_navigation(request: HttpRequest) -> dict:
    current = getattr(request, "state", None)
    return {
        "nav_states": [
            {"key": key, "name": name, "stop_search": dashboard_config(key).stop_search}
            for key, name in STATE_CHOICES
        ],
        "nav_current": current,
    }

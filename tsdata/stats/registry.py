"""Look up a state's statistics configuration (``<state>/stats.py``)."""

from __future__ import annotations

from importlib import import_module

from tsdata.states import STATE_KEYS
from tsdata.stats.definitions import StateStats


def stats_config(state: str) -> StateStats:
    """The ``StateStats`` of ``state``; unknown states raise ``KeyError``."""
    if state not in STATE_KEYS:
        raise KeyError(f"Unknown state {state!r}; expected one of {', '.join(STATE_KEYS)}")
    return import_module(f"{state}.stats").STATS

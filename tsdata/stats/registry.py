"""Look up a state's statistics configuration (named by its ``StateDefinition``)."""

from __future__ import annotations

from tsdata.states import state_definition
from tsdata.stats.definitions import StateStats


def stats_config(state: str) -> StateStats:
    """The ``StateStats`` of ``state``; unknown states raise ``KeyError``."""
    return state_definition(state).stats_config()

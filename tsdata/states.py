"""The three states: their keys, names, time zones and database aliases.

Everything that differs between states in configuration (not in schema) starts here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

NC = "nc"
MD = "md"
IL = "il"
STATE_KEYS = (NC, MD, IL)
STATE_CHOICES = ((NC, "North Carolina"), (MD, "Maryland"), (IL, "Illinois"))


@dataclass(frozen=True)
class StateConfig:
    key: str
    name: str
    tz_name: str

    @property
    def db_alias(self) -> str:
        return f"traffic_stops_{self.key}"


def state_config(key: str) -> StateConfig:
    """Configuration of one state; unknown keys raise ``KeyError`` with the valid ones."""
    names = dict(STATE_CHOICES)
    if key not in names:
        raise KeyError(f"Unknown state {key!r}; expected one of {', '.join(STATE_KEYS)}")
    tz_name = getattr(settings, f"{key.upper()}_TIME_ZONE")
    return StateConfig(key=key, name=names[key], tz_name=tz_name)

"""The states: one ``StateDefinition`` per state, declared by the state's app, and the registry.

Each state app declares ``STATE`` in ``<app>/state.py`` (key, name, time zone, importer,
dataset facts, post-load steps, sources and where its statistics, dashboard and Find a Stop
configurations live). The app registers once, by its name in ``STATE_APPS``
(``traffic_stops/settings/env.py``): settings cannot import apps, so that list is where the
state databases and ``INSTALLED_APPS`` come from, and the registry below imports
``<app>.state`` for each name in it. Every lookup of a state goes through the registry;
``STATE_KEYS``, ``STATE_CHOICES``, ``state_config()`` and the other old names are views of it.

``<app>/state.py`` must stay light (no models): ``tsdata/models.py`` reads ``STATE_CHOICES``
while the apps load. That is why the importer and the configurations are dotted paths,
resolved on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

from traffic_stops.settings.env import state_db_alias

# A dotted path ``"package.module.NAME"`` resolved on first use, or the object itself (a
# state defined in memory, e.g. in a test, has no module to point at).
Reference = Any


@dataclass(frozen=True)
class FactsConfig:
    """How ``manage.py dataset_facts`` counts a state (docs/data-formats.md, 'Dataset facts')."""

    date_field: str | None  # stop timestamp; None → use ``year`` (IL)
    search_model: str | None  # count this model's rows as searches (NC); else flag on stop
    # Start text of a full import's time frame, whatever the data say (NC drops most stops
    # before 2002, so its earliest stop would misstate when reporting began).
    full_import_start: str | None = None
    note: str = ""  # printed after the facts by ``manage.py dataset_facts``


def _resolve(reference: Reference) -> Any:
    if not isinstance(reference, str):
        return reference
    module_path, _, name = reference.rpartition(".")
    return getattr(import_module(module_path), name)


@dataclass(frozen=True)
class StateDefinition:
    key: str  # URL prefix, app label and database suffix
    name: str
    time_zone: str  # the zone of the raw data's local times
    importer: Reference  # ``<state>_import_run(**options) -> ImportReport``
    facts: FactsConfig
    stats: Reference  # the state's ``StateStats``
    dashboard: Reference  # the state's ``DashboardConfig``
    stop_search: Reference = None  # the state's ``StopSearchConfig``; None: no Find a Stop
    # Factories ``(state key) -> PostLoadStep`` run in the staging schema before the swap.
    post_load_steps: tuple[Reference, ...] = (
        "tsdata.stats.summaries.summary_post_load_step",
    )
    # Named source URLs the importer understands besides http(s) and files (NC: its FTP
    # server behind ``ftp://nc.us/``).
    sources: Mapping[str, str] = field(default_factory=dict)

    @property
    def db_alias(self) -> str:
        return state_db_alias(self.key)

    @property
    def tz_name(self) -> str:
        return self.time_zone

    def import_function(self) -> Callable[..., Any]:
        return _resolve(self.importer)

    def stats_config(self) -> Any:
        return _resolve(self.stats)

    def dashboard_config(self) -> Any:
        return _resolve(self.dashboard)

    def stop_search_config(self) -> Any:
        if self.stop_search is None:
            raise LookupError(f"{self.name} has no Find a Stop (its StateDefinition names none)")
        return _resolve(self.stop_search)

    def post_load_step_list(self) -> list[Any]:
        return [_resolve(factory)(self.key) for factory in self.post_load_steps]


# Kept for the code that named the old, smaller record.
StateConfig = StateDefinition

_registry: dict[str, StateDefinition] | None = None


def _definitions() -> dict[str, StateDefinition]:
    """The registry, filled on first use from ``settings.STATE_APPS``."""
    global _registry
    if _registry is None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        registry = {}
        for app in settings.STATE_APPS:
            try:
                definition = import_module(f"{app}.state").STATE
            except (ModuleNotFoundError, AttributeError) as exc:
                if getattr(exc, "name", None) not in (f"{app}.state", "STATE"):
                    raise
                raise ImproperlyConfigured(
                    f"{app!r} is in STATE_APPS but {app}/state.py does not declare STATE, "
                    "its StateDefinition"
                ) from exc
            if definition.key != app:
                raise ImproperlyConfigured(
                    f"{app}/state.py declares the key {definition.key!r}, not {app!r}"
                )
            registry[app] = definition
        _registry = registry
    return _registry


def state_definitions() -> tuple[StateDefinition, ...]:
    """Every registered state, in the order of ``STATE_APPS``."""
    return tuple(_definitions().values())


def state_definition(key: str) -> StateDefinition:
    """The definition of one state; unknown keys raise ``KeyError`` naming the valid ones."""
    definitions = _definitions()
    if key not in definitions:
        raise KeyError(f"Unknown state {key!r}; expected one of {', '.join(definitions)}")
    return definitions[key]


def state_register(definition: StateDefinition) -> None:
    """Add a state defined in memory (apps register through ``STATE_APPS``; tests use this)."""
    definitions = _definitions()
    if definition.key in definitions:
        raise ValueError(f"The state {definition.key!r} is already registered")
    definitions[definition.key] = definition


def state_unregister(key: str) -> None:
    _definitions().pop(key)


def state_config(key: str) -> StateDefinition:
    """The definition of one state (the older name of ``state_definition``)."""
    return state_definition(key)


class StateMapping(Mapping):
    """A read-only ``{state key: one field of its definition}`` that follows the registry."""

    def __init__(self, value: Callable[[StateDefinition], Any]) -> None:
        self._value = value

    def __getitem__(self, key: str) -> Any:
        return self._value(state_definition(key))

    def __iter__(self) -> Iterator[str]:
        return iter(_definitions())

    def __len__(self) -> int:
        return len(_definitions())


def __getattr__(name: str) -> Any:
    # Computed when first asked for, so that importing this module never imports the apps.
    if name == "STATE_KEYS":
        return tuple(_definitions())
    if name == "STATE_CHOICES":
        return tuple((definition.key, definition.name) for definition in state_definitions())
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

"""The state registry is the one source of what the states are (``tsdata/states.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from traffic_stops import routers
from tsdata import states
from tsdata.dashboard.config import DashboardConfig, dashboard_config
from tsdata.dataset_facts import FACTS_CONFIG
from tsdata.imports.runs import STATE_IMPORTERS, _state_importer
from tsdata.imports.steps import PostLoadStep, post_load_steps
from tsdata.models import Import, StateFacts
from tsdata.states import (
    FactsConfig,
    StateDefinition,
    state_config,
    state_definition,
    state_definitions,
    state_register,
    state_unregister,
)
from tsdata.stats.registry import stats_config

ROOT = Path(__file__).resolve().parents[2]
KEYS = ("nc", "md", "il")


def test_every_list_of_states_is_the_registry():
    keys = tuple(definition.key for definition in state_definitions())
    assert keys == KEYS
    assert tuple(settings.STATE_APPS) == keys
    assert keys == states.STATE_KEYS
    assert tuple(key for key, _ in states.STATE_CHOICES) == keys
    assert keys == routers.STATE_APP_LABELS
    assert tuple(STATE_IMPORTERS) == keys and tuple(FACTS_CONFIG) == keys
    state_aliases = {alias for alias in settings.DATABASES
                     if alias != "default" and not alias.endswith(routers.REPLICA_SUFFIX)}
    assert state_aliases == {definition.db_alias for definition in state_definitions()}
    for definition in state_definitions():
        assert definition.key in settings.INSTALLED_APPS
        assert apps.get_app_config(definition.key).verbose_name == definition.name
        assert reverse(f"{definition.key}:home") == f"/{definition.key}/"
    # The field choices (and so the migrations) are the registry's names.
    assert Import._meta.get_field("state").choices == list(states.STATE_CHOICES)
    assert StateFacts._meta.get_field("state_key").choices == list(states.STATE_CHOICES)


def test_each_definition_names_what_the_state_has():
    for definition in state_definitions():
        assert definition.db_alias == f"traffic_stops_{definition.key}"
        assert stats_config(definition.key).state == definition.key
        assert dashboard_config(definition.key).state == definition.key
        assert callable(definition.import_function())
        assert [step.name for step in post_load_steps(definition.key)] == ["api_summaries"]
    assert state_definition("nc").stop_search_config().state == "nc"
    assert state_definition("md").stop_search_config().state == "md"
    with pytest.raises(LookupError, match="Illinois has no Find a Stop"):
        state_definition("il").stop_search_config()
    assert state_definition("il").tz_name == "America/Chicago"


def test_no_module_keeps_its_own_list_of_states():
    """Outside tests, migrations (frozen history) and each app's own ``state.py``."""
    pattern = re.compile(r"""["']nc["'],\s*["']md["'],\s*["']il["']|traffic_stops_(nc|md|il)\b""")
    found = []
    for package in ("nc", "md", "il", "tsdata", "census", "traffic_stops"):
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts:
                continue
            for line in path.read_text().splitlines():
                code = line.split("#", 1)[0]
                if pattern.search(code) and '"""' not in code and "``" not in code:
                    found.append((str(path.relative_to(ROOT)), line.strip()))
    # env.py holds STATE_APPS, the settings-side list the registry reads.
    assert found == [("traffic_stops/settings/env.py", 'STATE_APPS = ("nc", "md", "il")')]


def _fake_import(**options) -> str:
    return "imported"


def _fake_step(state: str) -> PostLoadStep:
    return PostLoadStep(name=f"probe_{state}", tables=(), run=lambda cursor, schema, inputs: None)


@pytest.fixture
def zedland():
    """A fourth state defined in memory, without an app, for as long as the test runs."""
    dashboard = DashboardConfig(state="zz", categories=(("w", "White"),), base_category="w",
                                focus_category="w", purpose_order=())
    definition = StateDefinition(
        key="zz", name="Zedland", time_zone="America/Denver", importer=_fake_import,
        facts=FactsConfig(date_field="date", search_model=None, note="made up"),
        stats=stats_config("il"), dashboard=dashboard, post_load_steps=(_fake_step,),
        sources={"ftp": "ftp://zz.example/"},
    )
    state_register(definition)
    try:
        yield definition
    finally:
        state_unregister("zz")


def test_a_registered_fourth_state_is_found_by_every_lookup(zedland):
    assert state_definition("zz") is zedland and state_config("zz") is zedland
    assert state_definitions()[-1] is zedland
    assert "zz" in states.STATE_KEYS and ("zz", "Zedland") in states.STATE_CHOICES
    assert state_config("zz").db_alias == "traffic_stops_zz"
    assert state_config("zz").tz_name == "America/Denver"
    assert stats_config("zz") is stats_config("il")
    assert dashboard_config("zz") is zedland.dashboard
    assert FACTS_CONFIG["zz"].note == "made up"
    assert _state_importer("zz")() == "imported"
    assert [step.name for step in post_load_steps("zz")] == ["probe_zz"]
    assert zedland.sources["ftp"] == "ftp://zz.example/"
    with pytest.raises(LookupError, match="Zedland has no Find a Stop"):
        zedland.stop_search_config()
    with pytest.raises(ValueError, match="'zz' is already registered"):
        state_register(zedland)


def test_an_unknown_state_fails_clearly():
    for lookup in (state_config, stats_config, dashboard_config, post_load_steps,
                   STATE_IMPORTERS.__getitem__):
        with pytest.raises(KeyError, match=r"Unknown state 'zz'; expected one of nc, md, il"):
            lookup("zz")
    assert "zz" not in states.STATE_KEYS


def test_a_state_app_without_a_definition_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(states, "_registry", None)
    monkeypatch.setattr(settings, "STATE_APPS", ("nc", "census"), raising=False)
    with pytest.raises(ImproperlyConfigured, match=r"'census' is in STATE_APPS but census/state"):
        state_definitions()
    monkeypatch.setattr(states, "_registry", None)
    monkeypatch.setattr(settings, "STATE_APPS", ("nc", "il"), raising=False)
    assert [definition.key for definition in state_definitions()] == ["nc", "il"]

"""Small helpers to read typed values from the environment (loaded from ``.env``)."""

from __future__ import annotations

import os
from urllib.parse import urlsplit, urlunsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

# The state apps, in display order: the one list of states on the settings side. Settings
# cannot import apps, so the state databases and INSTALLED_APPS are derived from it here;
# everything else about a state is its ``<app>/state.py`` (``tsdata.states`` reads this list).
STATE_APPS = ("nc", "md", "il")


def state_db_alias(state: str) -> str:
    """The database alias (and default database name) of a state: ``traffic_stops_<state>``."""
    return f"traffic_stops_{state}"


DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/traffic_stops"


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from exc


def env_list(name: str, default: tuple[str, ...] = ()) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_crontab_fields(name: str, default: str) -> dict[str, str]:
    """Five crontab fields (minute hour day-of-month month day-of-week) as ``crontab()``
    keyword arguments, e.g. ``NC_AUTO_IMPORT_SCHEDULE="0 3 * * 1"`` (Mondays 03:00)."""
    value = os.environ.get(name) or default
    fields = value.split()
    if len(fields) != 5:
        raise ImproperlyConfigured(
            f"{name} must have five crontab fields (minute hour day-of-month month "
            f"day-of-week), got {value!r}"
        )
    keys = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")
    return dict(zip(keys, fields, strict=True))


def url_with_database(url: str, database: str) -> str:
    """Return ``url`` pointing at another database on the same server.

    Works for host URLs and for socket URLs that carry the host in the query string.
    """
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + database, parts.query, parts.fragment))


def database_settings(state_apps: tuple[str, ...] = STATE_APPS) -> dict[str, dict]:
    """Build ``DATABASES``: the primary DB plus one database per state.

    Each state URL defaults to the primary URL with the database name
    ``traffic_stops_<state>``. ``DATABASE_URL_<STATE>_REPLICA``, when set, adds the alias
    ``traffic_stops_<state>_replica`` that web processes read from (``routers.py``).
    """
    primary_url = env_str("DATABASE_URL") or DEFAULT_DATABASE_URL
    databases = {"default": parse_database_url(primary_url)}
    for state in state_apps:
        alias = state_db_alias(state)
        state_url = env_str(f"DATABASE_URL_{state.upper()}") or url_with_database(
            primary_url, alias
        )
        databases[alias] = parse_database_url(state_url)
        replica_url = env_str(f"DATABASE_URL_{state.upper()}_REPLICA")
        if replica_url:
            databases[f"{alias}_replica"] = parse_database_url(replica_url)
    return databases


def parse_database_url(url: str) -> dict:
    """Parse a database URL; a socket directory given as ``?host=`` becomes ``HOST``."""
    config = dj_database_url.parse(url, conn_max_age=60)
    options = config.setdefault("OPTIONS", {})
    if "host" in options:
        config["HOST"] = options.pop("host")
    if "port" in options:
        config["PORT"] = options.pop("port")
    return config

"""``migrate_all_dbs.sh`` migrates four fresh databases and is idempotent."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from psycopg2 import sql

ROOT = Path(__file__).resolve().parents[2]


def _connect(database: str):
    config = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=database,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )


def _url(database: str) -> str:
    config = settings.DATABASES["default"]
    host = config["HOST"] or "127.0.0.1"
    user = config["USER"] or "postgres"
    if host.startswith("/"):
        return f"postgres://{user}@/{database}?host={host}"
    port = config["PORT"] or 5432
    return f"postgres://{user}@{host}:{port}/{database}"


@pytest.fixture
def fresh_databases():
    names = {alias: f"migtest_{os.getpid()}_{alias}" for alias in ("default", "nc", "md", "il")}
    admin = _connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        for name in names.values():
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield names
    with admin.cursor() as cursor:
        for name in names.values():
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
    admin.close()


def _run_script(names: dict[str, str]) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "traffic_stops.settings.test"
    env["DATABASE_URL"] = _url(names["default"])
    for state in ("nc", "md", "il"):
        env[f"DATABASE_URL_{state.upper()}"] = _url(names[state])
    return subprocess.run(
        ["sh", str(ROOT / "migrate_all_dbs.sh")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def _tables(database: str) -> set[str]:
    conn = _connect(database)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
            )
            return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


def test_migrate_all_dbs_twice(fresh_databases) -> None:
    first = _run_script(fresh_databases)
    assert first.returncode == 0, first.stdout + first.stderr
    second = _run_script(fresh_databases)
    assert second.returncode == 0, second.stdout + second.stderr
    assert second.stdout.count("No migrations to apply.") == 4

    assert {"auth_user", "tsdata_dataset", "tsdata_censusprofile"} <= _tables(
        fresh_databases["default"]
    )
    assert "nc_stop" not in _tables(fresh_databases["default"])
    nc_tables = _tables(fresh_databases["nc"])
    assert {"nc_stop", "nc_person", "nc_search", "nc_agency", "django_migrations"} <= nc_tables
    assert "auth_user" not in nc_tables and "md_stop" not in nc_tables
    assert "md_stop" in _tables(fresh_databases["md"])
    assert "il_stop" in _tables(fresh_databases["il"])

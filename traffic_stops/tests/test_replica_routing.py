"""Read replicas: web reads of a state go to its replica, writes and imports to the primary.

The "replica" here is a second, real PostgreSQL database with the state's schema that the
test fills itself (a copy of the primary's MD tables, then a different import on the
primary, like a replica that has not caught up). Its content differs from the primary's
on purpose: every read shows which database answered. The test creates and drops it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections

from md.models import Agency, Stop
from md.sample_data import sample_zip_write
from traffic_stops.routers import StateDatasetRouter, read_alias, replica_reads_enable
from traffic_stops.settings.env import database_settings

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)

PRIMARY = "traffic_stops_md"
REPLICA = "traffic_stops_md_replica"


def _tables(alias: str) -> list[str]:
    with connections[alias].cursor() as cursor:
        names = connections[alias].introspection.table_names(cursor)
    return [name for name in names if name != "django_migrations"]


def _replica_fill_from_primary() -> None:
    """Copy every MD table of the primary into the replica (COPY out, COPY in)."""
    source = connections[PRIMARY]
    target = connections[REPLICA]
    source.ensure_connection()
    target.ensure_connection()
    with target.cursor() as out:
        out.execute("SET session_replication_role = replica")  # rows in any table order
        for table in _tables(PRIMARY):
            buffer = io.BytesIO()
            with source.cursor() as cursor:
                cursor.cursor.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
            buffer.seek(0)
            out.execute(f'TRUNCATE "{table}" CASCADE')
            out.cursor.copy_expert(f'COPY "{table}" FROM STDIN', buffer)
        out.execute("SET session_replication_role = DEFAULT")


def _replica_drop(name: str) -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def md_replica(transactional_db) -> Iterator[str]:
    """A replica alias for MD backed by its own migrated test database (dropped after).

    The alias is added after the test's database access is set up, so Django's check of
    which databases a test may use does not know it. It lets a connection that is already
    open through: the replica's is opened here and kept open (no CONN_MAX_AGE closing).
    """
    name = f"{settings.DATABASES[PRIMARY]['NAME']}_replica"
    _replica_drop(name)
    with connections["default"].cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    # connections.settings is settings.DATABASES (one dict): the alias is usable at once.
    settings.DATABASES[REPLICA] = {**settings.DATABASES[PRIMARY], "NAME": name,
                                   "TEST": {"NAME": name}, "CONN_MAX_AGE": None}
    previous = replica_reads_enable(False)
    try:
        connections[REPLICA].connect()
        call_command("migrate", database=REPLICA, verbosity=0)
        yield REPLICA
    finally:
        replica_reads_enable(previous)
        connections[REPLICA].close()
        del connections[REPLICA]
        settings.DATABASES.pop(REPLICA, None)
        _replica_drop(name)


def _stops_total(client, agency_id: int) -> int:
    rows = client.get(f"/md/api/agency/{agency_id}/stops/").json()
    return sum(value for row in rows for key, value in row.items() if key != "year")


def test_web_reads_use_the_replica_and_writes_and_imports_the_primary(
    md_replica, tmp_path, client
):
    call_command("import_md", zip_path=sample_zip_write(out_dir=tmp_path, stops=300, seed=1))
    _replica_fill_from_primary()
    msp = Agency.objects.using(PRIMARY).get(code="MSP")
    Agency.objects.using(REPLICA).filter(pk=msp.pk).update(name="MSP as the replica has it")

    replica_reads_enable(True)  # what wsgi.py does in a web process
    cache.clear()
    # A later import while the web process reads the replica: it lands on the primary only.
    second = tmp_path / "second"
    second.mkdir()
    call_command("import_md", zip_path=sample_zip_write(out_dir=second, stops=120, seed=2))
    primary_stops = Stop.objects.using(PRIMARY).count()
    replica_stops = Stop.objects.using(REPLICA).count()
    assert primary_stops < 120 < replica_stops  # about 5 % of the sample rows are dropped

    # ORM reads (router), the API's raw summary reads (read_alias) and pages: the replica.
    assert read_alias("md") == REPLICA
    assert Stop.objects.count() == replica_stops
    assert Agency.objects.get(pk=msp.pk).name == "MSP as the replica has it"
    names = {row["id"]: row["name"] for row in client.get("/md/api/agency/").json()}
    assert names[msp.pk] == "MSP as the replica has it"
    replica_total = _stops_total(client, msp.pk)
    assert replica_total == Stop.objects.using(REPLICA).filter(agency_id=msp.pk).count()
    assert "MSP as the replica has it" in client.get(f"/md/agency/{msp.pk}/").content.decode()

    # Writes go to the primary, even for an instance that was read from the replica.
    agency = Agency.objects.get(pk=msp.pk)
    agency.name = "Edited through the admin"
    agency.save()
    assert Agency.objects.using(PRIMARY).get(pk=msp.pk).name == "Edited through the admin"
    assert Agency.objects.using(REPLICA).get(pk=msp.pk).name == "MSP as the replica has it"

    # Workers and commands (replica reads off) read the primary: the second import's data.
    replica_reads_enable(False)
    cache.clear()
    assert read_alias("md") == PRIMARY
    assert Stop.objects.count() == primary_stops
    assert _stops_total(client, msp.pk) == (
        Stop.objects.using(PRIMARY).filter(agency_id=msp.pk).count()
    )
    assert _stops_total(client, msp.pk) != replica_total


def test_replica_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example:5432/traffic_stops")
    monkeypatch.setenv("DATABASE_URL_NC_REPLICA", "postgres://ro@replica.example:5433/ts_nc")
    monkeypatch.delenv("DATABASE_URL_MD_REPLICA", raising=False)
    monkeypatch.delenv("DATABASE_URL_IL_REPLICA", raising=False)
    monkeypatch.delenv("DATABASE_URL_NC", raising=False)
    databases = database_settings()
    assert set(databases) == {
        "default", "traffic_stops_nc", "traffic_stops_md", "traffic_stops_il",
        "traffic_stops_nc_replica",
    }
    replica = databases["traffic_stops_nc_replica"]
    assert (replica["HOST"], replica["PORT"], replica["NAME"], replica["USER"]) == (
        "replica.example", 5433, "ts_nc", "ro"
    )
    assert databases["traffic_stops_nc"]["HOST"] == "db.example"


def test_replicas_get_their_state_schema_only():
    router = StateDatasetRouter()
    assert router.allow_migrate("traffic_stops_nc_replica", "nc") is True
    assert router.allow_migrate("traffic_stops_nc_replica", "md") is False
    assert router.allow_migrate("traffic_stops_nc_replica", "auth") is False
    assert router.allow_migrate("traffic_stops_nc_replica", "tsdata") is False

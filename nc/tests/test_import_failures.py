"""NC import failures and operation against real PostgreSQL: a bad extract, a killed or
concurrent import, readers during the swap, checks in staging."""

from __future__ import annotations

import datetime as dt
import threading
import time
import zipfile

import psycopg2
import pytest
from django.db import connections

from nc.models import (
    Agency,
    Stop,
)
from nc.services import nc_import_run
from nc.tests.db_state import all_rows, schema_exists
from nc.tests.extracts import simple_extract, stop, tsv, zip_write
from tsdata.imports.sources import SourceError
from tsdata.imports.staging import (
    STAGING_SCHEMA,
    ImportBusyError,
    ImportValidationError,
    StagingImport,
    state_connection,
)
from tsdata.imports.staging.connections import lock_key
from tsdata.models import StateFacts

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)
UTC = dt.UTC
SHP = "NC State Highway Patrol"
DURHAM = "Durham Police Department"
RALEIGH = "Raleigh Police Department"
PENA = "Pe\u00f1a Police Department"


def test_corrupt_second_extract_leaves_first_import_served(tmp_path):
    nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH, SHP]), prime=False)
    before = (list(Stop.objects.values_list("stop_id", "agency_id", "date").order_by("stop_id")),
              list(Agency.objects.values_list("id", "name").order_by("id")),
              StateFacts.objects.get(state_key="nc").data_version)
    # Too many malformed lines (above IMPORT_MAX_REJECT_SHARE) and a new agency.
    bad = zip_write(tmp_path / "bad.zip", {
        "Stop.txt": tsv(stop(1, "Brand New PD", "2019-01-01 00:00:00"), (2, RALEIGH, "bad")),
        "PERSON.txt": tsv((1, 1, "D", 30, "M", "N", "W")),
    })
    with pytest.raises(ImportValidationError, match="Stop.txt: 1 of 2 lines rejected"):
        nc_import_run(zip_path=bad, prime=False)
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(simple_extract(tmp_path / "c.zip", [DURHAM]).read_bytes()[:-60])
    with pytest.raises(SourceError, match="not a valid zip"):
        nc_import_run(zip_path=truncated, prime=False)
    after = (list(Stop.objects.values_list("stop_id", "agency_id", "date").order_by("stop_id")),
             list(Agency.objects.values_list("id", "name").order_by("id")),
             StateFacts.objects.get(state_key="nc").data_version)
    assert after == before
    assert not schema_exists(STAGING_SCHEMA)


def test_killed_import_leftovers_are_cleaned_on_next_run(tmp_path):
    with state_connection("nc") as conn, conn.cursor() as cursor:
        cursor.execute(f"CREATE SCHEMA {STAGING_SCHEMA}; "
                       f"CREATE TABLE {STAGING_SCHEMA}.nc_stop (x int)")
    conn.close()
    nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH]), prime=False)
    assert Stop.objects.count() == 3
    assert not schema_exists(STAGING_SCHEMA)


def test_concurrent_import_is_refused(tmp_path):
    holder = state_connection("nc")
    try:
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [lock_key("nc")])
        with pytest.raises(ImportBusyError, match="Another NC import is running"):
            nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH]), prime=False)
    finally:
        holder.close()


def test_readers_never_block_and_never_see_a_mix(tmp_path):
    from nc.sample_data import sample_zip_write

    nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH]), prime=False)
    archive = sample_zip_write(out_dir=tmp_path, stops=60_000, seed=3)
    with zipfile.ZipFile(archive) as zf:
        persons_in_file = zf.read("PERSON.txt").count(b"\n")
    errors: list[BaseException] = []
    latencies: list[float] = []
    seen: set[tuple[int, int]] = set()
    done = threading.Event()

    def reader() -> None:
        conn = state_connection("nc")
        try:
            with conn.cursor() as cursor:
                while not done.is_set():
                    started = time.monotonic()
                    cursor.execute("SELECT (SELECT count(*) FROM nc_stop), "
                                   "(SELECT count(*) FROM nc_person)")
                    latencies.append(time.monotonic() - started)
                    seen.add(cursor.fetchone())
                    time.sleep(0.01)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        report = nc_import_run(zip_path=archive, prime=False)
    finally:
        done.set()
        thread.join()
    assert errors == []
    assert len(latencies) > 20
    assert max(latencies) < 1.0
    new = (report.files["Stop.txt"].loaded, report.files["PERSON.txt"].loaded)
    assert 0 < new[1] <= persons_in_file
    assert seen <= {(3, 3), new}  # old or new, never a mix


@pytest.mark.parametrize("table", ["nc_stop", "nc_person"])
def test_staged_rows_that_do_not_add_up_fail_the_import(tmp_path, monkeypatch, table):
    """The exact row counts are checked before the swap (nc_stop's is the sum of the
    per-agency counts the facts read, nc_person's a count of its own): if the loader's
    accounting and the staged table disagree, the import fails and the live data stay."""
    report = nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH]), prime=False)
    # nc_stop is not counted again.
    assert "read rows of nc_stop" not in report.phases
    assert "read rows of nc_person" in report.phases
    before = all_rows()
    expect_rows = StagingImport.expect_rows

    def miscounted(self, staged: str, count: int) -> None:
        expect_rows(self, staged, count + (staged == table))

    monkeypatch.setattr(StagingImport, "expect_rows", miscounted)
    with pytest.raises(ImportValidationError, match=f"{table}: 3 rows staged but 4 expected"):
        nc_import_run(zip_path=simple_extract(tmp_path / "b.zip", [DURHAM]), prime=False)
    assert all_rows() == before
    assert not schema_exists(STAGING_SCHEMA)


def _agency_fk_state() -> tuple[bool, int]:
    """(nc_stop's FK to nc_agency validated, triggers on nc_agency)."""
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT convalidated FROM pg_constraint "
                       "WHERE conrelid = 'public.nc_stop'::regclass AND contype = 'f'")
        (validated,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM pg_trigger "
                       "WHERE tgrelid = 'public.nc_agency'::regclass")
        return validated, cursor.fetchone()[0]


def test_agency_fk_is_checked_in_staging_unless_the_swap_adds_agencies(tmp_path, monkeypatch):
    """nc_stop → nc_agency refers to a table that is not swapped: checked in staging when
    every agency is live already, after the swap when the swap adds new ones. Either way
    the live constraint ends validated, and no trigger is left behind on nc_agency, also
    when the import fails after the check."""
    note = "nc_stop: nc_stop_agency_id_0ed9c64b_fk_nc_agency_id is checked after the swap"
    first = nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH]), prime=False)
    assert any(n.startswith(note) for n in first.notes)  # a new agency
    after_first = _agency_fk_state()
    assert after_first[0]
    second = nc_import_run(zip_path=simple_extract(tmp_path / "b.zip", [RALEIGH]), prime=False)
    assert not any(n.startswith(note) for n in second.notes)
    assert "foreign keys nc_stop to live tables" in second.phases
    assert _agency_fk_state() == after_first
    # A failure after the check (a count that does not add up): the staged FK goes with
    # the staging schema.
    monkeypatch.setattr(StagingImport, "validate", lambda self: (_ for _ in ()).throw(
        ImportValidationError("counts do not add up")))
    with pytest.raises(ImportValidationError, match="counts do not add up"):
        nc_import_run(zip_path=simple_extract(tmp_path / "c.zip", [RALEIGH]), prime=False)
    assert not schema_exists(STAGING_SCHEMA)
    assert _agency_fk_state() == after_first


def test_state_connection_uses_the_test_database():
    conn = state_connection("nc")
    try:
        assert conn.get_dsn_parameters()["dbname"] == (
            connections["traffic_stops_nc"].settings_dict["NAME"])
    finally:
        conn.close()
    assert isinstance(conn, psycopg2.extensions.connection)


def test_repeated_stop_id_fails_with_a_clear_message(tmp_path):
    path = zip_write(tmp_path / "d.zip", {
        "Stop.txt": tsv(stop(1, RALEIGH, "2015-01-01 10:00:00"),
                        stop(1, RALEIGH, "2015-01-02 10:00:00")),
    })
    with pytest.raises(ImportValidationError, match="nc_stop: the extract repeats a key"):
        nc_import_run(zip_path=path, prime=False)
    assert not schema_exists(STAGING_SCHEMA)
    assert Stop.objects.count() == 0


def test_demo_load_imports_once(tmp_path, monkeypatch):
    from nc import demo

    monkeypatch.setattr(demo, "DEMO_STOPS", 2_000)
    message = demo.demo_load(force=False)
    assert message.startswith("NC import succeeded")
    count = Stop.objects.count()
    assert count > 1_900
    skipped = f"{count:,} stops present, skipped (use --force to replace)"
    assert demo.demo_load(force=False) == skipped
    monkeypatch.setenv("DEMO_STOPS", "500")
    assert demo.demo_load(force=True).startswith("NC import succeeded")
    assert 450 < Stop.objects.count() <= 500


def _vacuums(table: str) -> int:
    """How many times the live ``table`` (under its current oid) was vacuumed."""
    with connections["traffic_stops_nc"].cursor() as cursor:
        cursor.execute("SELECT vacuum_count FROM pg_stat_all_tables "
                       "WHERE relid = %s::regclass", [f"public.{table}"])
        return cursor.fetchone()[0]


def test_big_tables_are_vacuumed_in_staging(tmp_path):
    """nc_stop and nc_person are vacuumed in staging before their index builds (hint bits
    and visibility map set once: cheaper index builds, index-only FK checks and counts,
    and no autovacuum pass over the live tables after the swap); the small tables are
    not worth the pass."""
    from nc.sample_data import sample_zip_write

    nc_import_run(zip_path=sample_zip_write(out_dir=tmp_path, stops=3000, seed=5), prime=False)
    assert (_vacuums("nc_stop"), _vacuums("nc_person"), _vacuums("nc_search")) == (1, 1, 0)

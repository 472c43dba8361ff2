"""NC import end to end against real PostgreSQL: exact contents, the decisions taken on
every dirty case, stable ids (failures: test_import_failures.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connections

from nc.models import (
    Agency,
    AgencyAlias,
    Contraband,
    OfficerStopSummary,
    Person,
    Search,
    SearchBasis,
    Stop,
    StopSummary,
)
from nc.services import nc_import_run
from nc.tests.db_state import all_rows, schema_exists
from nc.tests.extracts import simple_extract, stop, tsv, zip_write
from tsdata.imports.staging import (
    STAGING_SCHEMA,
)
from tsdata.imports.steps import POST_LOAD_STEPS, PostLoadStep, post_load_step_register
from tsdata.models import StateFacts

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)
UTC = dt.UTC
SHP = "NC State Highway Patrol"
DURHAM = "Durham Police Department"
RALEIGH = "Raleigh Police Department"
PENA = "Pe\u00f1a Police Department"



def dirty_extract(path):
    """Every dirty case of the raw format in one extract."""
    stops = tsv(
        stop(1, RALEIGH, "2016-01-01 00:30:00.000", 1, 3, "0000000", "OFF1", "Wake", "RALEIGH"),
        # padded fields, a NUL byte inside the city, two spurious extra fields
        stop(2, f"  {RALEIGH}  ", "2015-12-31 23:59:59.000", 2, 1, "1001000", "  OFF2 ",
             "Wake", b"RAL\x00EIGH") + ("EXTRA", "MORE"),
        # CP1252 agency name, quote characters inside fields, no fraction of seconds
        stop(3, PENA, "2010-07-04 12:00:00", 5, 2, "0000001", 'O"3', "Durham", '"CITY'),
        stop(4, DURHAM, "2001-06-01 08:00:00.000"),  # before 2002, not the patrol: cut off
        stop(5, SHP, "2000-03-05 10:00:00.000", 8, 4, "0100000", "T1", "Orange", "HILLSBOROUGH"),
        stop(6, DURHAM, "2019-02-30 10:00:00.000"),  # impossible date: rejected
        (7, DURHAM, "2019-03-01 10:00:00.000", 1),  # too few fields: rejected
        stop("X8", DURHAM, "2018-05-05 05:05:05.000"),  # non-numeric id: rejected
        stop(9, DURHAM, "2018-05-05 05:05:05.000", "A"),  # non-numeric code: rejected
    ).replace(b"\n", b"\r\n", 1) + b"\n"  # a CRLF line ending and a blank line
    people = tsv(
        (1, 1, "D", 30, "M", "N", "W"),
        (2, 1, "P", " 25 ", "F", "H", "B"),
        (20, 2, "D", 40, "F", "N", "B"),
        (30, 3, "D", 50, "M", "N", "A"),
        (40, 4, "D", 22, "M", "N", "W"),  # stop cut off → cut off
        (50, 5, "D", 33, "M", "N", "I"),
        (60, 6, "D", 44, "F", "N", "U"),  # stop rejected → rejected
        (70, 999, "D", 20, "M", "N", "W"),  # stop not in the extract → rejected
        (80, 1, "D", "abc", "M", "N", "W"),  # age not a number → rejected
    )
    searches = tsv(
        (100, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0),
        (101, 1, 2, 3, 0, 1, 1, 0, 1, 0, 1),
        (400, 4, 40, 2, 1, 0, 0, 0, 0, 0, 0),  # cut off with its stop
    )
    contraband = tsv(
        (1000, 100, 1, 1, "1.5", "0", "", "0", "0", "0", "0", "20", "1", "150.25"),
        (1001, 101, 2, 1, "0", "0", "0", "0", "0", "3", "0", "0", "0", "0"),
    )
    bases = tsv((2000, 100, 1, 1, "OB"), (2001, 100, 1, 1, "TIP"), (2002, 400, 40, 4, "ER"))
    return zip_write(path, {
        "Stop.txt": stops, "PERSON.txt": people, "Search.txt": searches,
        "Contraband.txt": contraband, "SearchBasis.txt": bases,
    })


def test_dirty_extract_exact_contents(tmp_path, settings):
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    report = nc_import_run(zip_path=dirty_extract(tmp_path / "x.zip"), prime=False)

    ids = dict(Agency.objects.values_list("name", "id"))
    # New names get ids in code-point order; a name seen only on lines that were not loaded
    # (Durham: cut off or rejected) gets no agency, and its id stays unused.
    assert ids == {SHP: 2, PENA: 3, RALEIGH: 4}
    rows = list(Stop.objects.order_by("stop_id").values_list(
        "stop_id", "agency_description", "agency_id", "date", "purpose", "action",
        "driver_arrest", "passenger_arrest", "encounter_force", "engage_force",
        "officer_injury", "driver_injury", "passenger_injury", "officer_id", "stop_location",
        "stop_city"))
    f, t = False, True
    assert rows == [
        (1, RALEIGH, 4, dt.datetime(2016, 1, 1, 5, 30, tzinfo=UTC), 1, 3,
         f, f, f, f, f, f, f, "OFF1", "Wake", "RALEIGH"),
        (2, RALEIGH, 4, dt.datetime(2016, 1, 1, 4, 59, 59, tzinfo=UTC), 2, 1,
         t, f, f, t, f, f, f, "OFF2", "Wake", "RALEIGH"),
        (3, PENA, 3, dt.datetime(2010, 7, 4, 16, 0, tzinfo=UTC), 5, 2,
         f, f, f, f, f, f, t, 'O"3', "Durham", '"CITY'),
        (5, SHP, 2, dt.datetime(2000, 3, 5, 15, 0, tzinfo=UTC), 8, 4,
         f, t, f, f, f, f, f, "T1", "Orange", "HILLSBOROUGH"),
    ]
    assert list(Person.objects.order_by("person_id").values_list(
        "person_id", "stop_id", "type", "age", "gender", "ethnicity", "race")) == [
        (1, 1, "D", 30, "M", "N", "W"), (2, 1, "P", 25, "F", "H", "B"),
        (20, 2, "D", 40, "F", "N", "B"), (30, 3, "D", 50, "M", "N", "A"),
        (50, 5, "D", 33, "M", "N", "I"),
    ]
    assert list(Search.objects.order_by("search_id").values_list(
        "search_id", "stop_id", "person_id", "type", "vehicle_search", "driver_search",
        "passenger_search", "property_search", "vehicle_siezed", "personal_property_siezed",
        "other_property_sized")) == [
        (100, 1, 1, 1, t, f, f, f, f, f, f), (101, 1, 2, 3, f, t, t, f, t, f, t),
    ]
    assert list(Contraband.objects.order_by("contraband_id").values_list(
        "contraband_id", "search_id", "person_id", "stop_id", "ounces", "pounds", "pints",
        "gallons", "dosages", "grams", "kilos", "money", "weapons", "dollar_amount")) == [
        (1000, 100, 1, 1, 1.5, 0.0, None, 0.0, 0.0, 0.0, 0.0, 20.0, 1.0, 150.25),
        (1001, 101, 2, 1, 0.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0),
    ]
    assert list(SearchBasis.objects.order_by("search_basis_id").values_list(
        "search_basis_id", "search_id", "person_id", "stop_id", "basis")) == [
        (2000, 100, 1, 1, "OB"), (2001, 100, 1, 1, "TIP"),
    ]

    files = report.as_dict()["files"]
    assert files["Stop.txt"] | {"reject_examples": None} == {
        "read": 9, "loaded": 4, "rejected": 4, "cut_off": 1, "outside_subset": 0,
        "blank_lines": 1,
        "reject_reasons": {
            "StopDate is not a valid date (YYYY-MM-DD HH:MM:SS)": 1,
            "fewer than 15 fields": 1, "StopID is not an integer": 1,
            "Purpose is not a code number": 1,
        },
        "reject_examples": None,
    }
    assert [e["line"] for e in files["Stop.txt"]["reject_examples"]] == [6, 7, 8, 9]
    person = files["PERSON.txt"]
    assert (person["read"], person["loaded"], person["rejected"], person["cut_off"]) == (9, 5, 3, 1)
    assert person["reject_reasons"] == {
        "refers to a rejected row": 1, "Age is not a code number": 1,
        "refers to a Stop that is not in the extract": 1,
    }
    for name, expected in (("Search.txt", (3, 2, 0, 1)), ("Contraband.txt", (2, 2, 0, 0)),
                           ("SearchBasis.txt", (3, 2, 0, 1))):
        counts = files[name]
        assert (counts["read"], counts["loaded"], counts["rejected"], counts["cut_off"]) == expected
    assert "Stop.txt: removed 1 NUL bytes" in report.notes
    assert not schema_exists(STAGING_SCHEMA) and not schema_exists("import_old")

    # After the swap: last stop per agency, facts, the id sequence moved past the ids.
    assert Agency.objects.get(id=4).last_reported_stop == dt.datetime(2016, 1, 1, 5, 30,
                                                                      tzinfo=UTC)
    assert Agency.objects.get(id=2).last_reported_stop == dt.datetime(2000, 3, 5, 15, 0,
                                                                      tzinfo=UTC)
    facts = StateFacts.objects.get(state_key="nc")
    assert (facts.total_stops, facts.total_searches, facts.total_agencies) == (4, 2, 3)
    assert facts.start_date == "Jan 01, 2002" and facts.end_date == "Jan 01, 2016"
    assert facts.data_version == 1
    assert not StateFacts.objects.filter(state_key="md", data_version__gt=0).exists()
    assert Agency.objects.create(name="Added in the admin").id == 5
    # Constraints and indexes have the live names (the swapped tables look migrated).
    with connections["traffic_stops_nc"].cursor() as cursor:
        # contype 'n': PostgreSQL 18 also catalogues NOT NULL constraints; 15 does not.
        cursor.execute("SELECT conname, convalidated FROM pg_constraint "
                       "WHERE conrelid = 'public.nc_stop'::regclass AND contype <> 'n' "
                       "ORDER BY conname")
        constraints = cursor.fetchall()
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'nc_stop' "
                       "ORDER BY indexname")
        indexes = [row[0] for row in cursor.fetchall()]
    assert constraints == [
        ("nc_stop_action_check", True), ("nc_stop_agency_id_0ed9c64b_fk_nc_agency_id", True),
        ("nc_stop_pkey", True), ("nc_stop_purpose_check", True), ("nc_stop_stop_id_check", True),
    ]
    assert indexes == ["nc_stop_agency_date_idx", "nc_stop_pkey"]
    # A first import into an empty registry names no "new" agencies (no email to monitors).
    assert report.new_agencies == [] and mail.outbox == []
    assert "first import: 3 agencies registered" in report.notes



def test_known_agencies_take_the_same_decisions_as_a_first_import(tmp_path, settings):
    """A first import resolves every name before the load (first pass); later imports map
    registry names on the fast path and resolve only the slow lines' names. Same data,
    same tables: cut-off, rejects, agency ids."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    first_report = nc_import_run(zip_path=dirty_extract(tmp_path / "x.zip"), prime=False)
    first = all_rows()
    assert "agencies" in first_report.phases
    second_report = nc_import_run(zip_path=dirty_extract(tmp_path / "y.zip"), prime=False)
    assert all_rows() == first
    assert {name: counts.as_dict() for name, counts in second_report.files.items()} == {
        name: counts.as_dict() for name, counts in first_report.files.items()}


def test_ids_stable_across_imports_with_new_and_renamed_agencies(tmp_path):
    nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH, DURHAM, SHP]),
                  prime=False)
    first = dict(Agency.objects.values_list("name", "id"))
    assert first == {DURHAM: 1, SHP: 2, RALEIGH: 3}
    Agency.objects.filter(id=3).update(census_profile_id="1600000US3755000")  # admin edit
    # The state renames Durham's department; an operator maps the new name in the admin.
    AgencyAlias.objects.create(raw_name="Durham City Police Department", agency_id=1)
    mail.outbox.clear()
    report = nc_import_run(zip_path=simple_extract(
        tmp_path / "b.zip",
        ["Apex Police Department", "Durham City Police Department", RALEIGH, SHP, "Zebulon PD"],
    ), prime=False)
    second = dict(Agency.objects.values_list("name", "id"))
    assert second == {DURHAM: 1, SHP: 2, RALEIGH: 3, "Apex Police Department": 4,
                      "Zebulon PD": 5}
    assert Agency.objects.get(id=3).census_profile_id == "1600000US3755000"
    assert set(Stop.objects.filter(agency_description="Durham City Police Department")
               .values_list("agency_id", flat=True)) == {1}
    # The run service mails these to the monitors (tsdata/tests/test_import_runs.py).
    assert report.new_agencies == ["Apex Police Department", "Zebulon PD"]
    # Same names again: no new ids, nothing to report.
    report = nc_import_run(zip_path=simple_extract(tmp_path / "c.zip", [RALEIGH, "Zebulon PD"]),
                           prime=False)
    assert dict(Agency.objects.values_list("name", "id")) == second
    assert report.new_agencies == [] and mail.outbox == []


def test_subset_keeps_only_the_stop_id_range(tmp_path):
    report = nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", [RALEIGH, SHP]),
                           min_stop_id=2, max_stop_id=4, prime=False)
    assert list(Stop.objects.order_by("stop_id").values_list("stop_id", flat=True)) == [2, 3, 4]
    assert list(Person.objects.order_by("person_id").values_list("stop_id", flat=True)) == [
        2, 3, 4]
    assert report.files["Stop.txt"].outside_subset == 3
    assert report.files["Search.txt"].outside_subset == 1  # its stop (1) is outside
    # A subset shows its real first date (no 2002 override).
    assert StateFacts.objects.get(state_key="nc").start_date == "May 03, 2015"


def test_orphans_only_in_children_are_rejected_not_fatal(tmp_path, settings):
    settings.IMPORT_MAX_REJECT_SHARE = 0.5
    path = zip_write(tmp_path / "o.zip", {
        "Stop.txt": tsv(stop(1, RALEIGH, "2015-01-01 10:00:00")),
        "PERSON.txt": tsv((1, 1, "D", 30, "M", "N", "W")),
        "Search.txt": tsv((10, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0), (11, 1, 77, 1, 1, 0, 0, 0, 0, 0, 0)),
        "SearchBasis.txt": tsv((5, 11, 77, 1, "OB"), (6, 10, 1, 1, "ER")),
    })
    searches_seen = []

    def count_searches(cursor, schema: str, _inputs) -> None:
        cursor.execute(f"SELECT count(*) FROM {schema}.nc_search")
        searches_seen.append(cursor.fetchone()[0])

    post_load_step_register("nc", PostLoadStep("count_searches", (), count_searches))
    try:
        report = nc_import_run(zip_path=path, prime=False)
    finally:
        POST_LOAD_STEPS["nc"][:] = [s for s in POST_LOAD_STEPS["nc"] if s.name != "count_searches"]
    # The steps run while the FKs are checked, and again once the orphan was removed.
    assert len(searches_seen) == 2 and searches_seen[-1] == 1
    assert list(Search.objects.values_list("search_id", flat=True)) == [10]
    assert list(SearchBasis.objects.values_list("search_basis_id", flat=True)) == [6]
    assert report.files["Search.txt"].reasons == {
        "refers to a PERSON that is not in the extract": 1}
    assert report.files["SearchBasis.txt"].rejected == 1
    # The summaries (built while the FKs were checked) were rebuilt after the orphan was
    # removed: they count the one search that is left.
    for summary in (StopSummary, OfficerStopSummary):
        assert sum(summary.objects.values_list("searches", flat=True)) == 1


def test_values_typed_input_would_accept_are_validated_like_the_rest(tmp_path, settings):
    """The fast path must not load what the SQL validation rejects (signs, other date
    notations, boolean words), nor reject what it accepts."""
    settings.IMPORT_MAX_REJECT_SHARE = 0.9
    path = zip_write(tmp_path / "t.zip", {
        "Stop.txt": tsv(
            stop(1, RALEIGH, "2015-01-01 10:00:00"),
            stop(2, RALEIGH, "01/05/2019 10:00:00"),
            stop(3, RALEIGH, "2015-01-01 10:00:00", purpose="+3"),
            stop(4, RALEIGH, "2015-01-01 10:00:00", flags="t000000"),
            stop(5, RALEIGH, "2015-01-01"),  # date without a time: midnight
        ),
        "PERSON.txt": tsv((1, 1, "D", 30, "M", "N", "W"), ("-7", 1, "D", 30, "M", "N", "W")),
    })
    report = nc_import_run(zip_path=path, prime=False)
    assert list(Stop.objects.order_by("stop_id").values_list("stop_id", "date")) == [
        (1, dt.datetime(2015, 1, 1, 15, 0, tzinfo=UTC)),
        (5, dt.datetime(2015, 1, 1, 5, 0, tzinfo=UTC)),
    ]
    assert report.files["Stop.txt"].reasons == {
        "StopDate is not a valid date (YYYY-MM-DD HH:MM:SS)": 1,
        "Purpose is not a code number": 1, "DriverArrest is not 0 or 1": 1,
    }
    assert list(Person.objects.values_list("person_id", flat=True)) == [1]
    assert report.files["PERSON.txt"].reasons == {"PersonID is not an integer": 1}

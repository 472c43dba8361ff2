"""``import_nc`` argument errors, ``dataset_facts nc`` output (and its alias), crosswalks."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from nc.models import Agency
from nc.services import nc_import_run
from nc.tests.extracts import simple_extract

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference-data"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--min-stop-id", "5"], "must be given together"),
        (["--max-stop-id", "5", "--zip", "x.zip"], "must be given together"),
        (["--min-stop-id", "9", "--max-stop-id", "5", "--zip", "x.zip"], "must not exceed"),
        (["--url", "gopher://example.com/x.zip"], "Unsupported URL"),
        (["--url", "ftp://example.com/x.zip"], "Only the state's FTP server"),
        (["--zip", "/nonexistent/extract.zip", "--noprime"], "No such file"),
    ],
)
@pytest.mark.django_db(databases="__all__")
def test_import_nc_argument_errors(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("import_nc", *args)


@pytest.mark.parametrize("command", [("nc_dataset_facts",), ("dataset_facts", "nc")])
@pytest.mark.django_db(databases="__all__", transaction=True)
def test_nc_dataset_facts_prints_2019_lines(tmp_path, command):
    nc_import_run(zip_path=simple_extract(
        tmp_path / "a.zip",
        ["Raleigh Police Department", "NC State Highway Patrol", "Apex Police Department"],
        stops_per_agency=2,
    ), prime=False)
    # Ties in stop counts are ordered by id.
    out = StringIO()
    call_command(*command, stdout=out)
    assert out.getvalue().splitlines() == [
        "Timeframe: Jan 01, 2002 - May 07, 2015",
        "Stops: 6",
        "Searches: 1",
        "Agencies: 3",
        "",
        "Top 5:",
        "Id 1: Apex Police Department 2",
        "Id 2: NC State Highway Patrol 2",
        "Id 3: Raleigh Police Department 2",
        "",
        "Very few agencies reported before 2000, so the claimed start date is 2002.",
    ]


@pytest.mark.django_db(databases="__all__")
def test_crosswalk_reference_file():
    path = REFERENCE / "NC_agencies.csv"
    if not path.is_file():
        pytest.skip(f"reference data not available at {path}")
    out = StringIO()
    call_command("load_agency_crosswalk", "nc", str(path), stdout=out)
    assert "317 agencies" in out.getvalue()
    assert Agency.objects.get(id=194).name == "NC State Highway Patrol"
    assert Agency.objects.get(id=52).name == "Charlotte-Mecklenburg Police Department"
    assert Agency.objects.get(id=80).name == "Durham Police Department"
    assert Agency.objects.get(id=191).name == (
        "NC Division of Motor Vehicles, License and Theft Bureau")
    # The id sequence is past the loaded ids (an admin-added agency does not collide).
    assert Agency.objects.create(name="New in the admin").id == 318


@pytest.mark.django_db(databases="__all__")
def test_crosswalk_refuses_conflicting_input(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("Id,Agency Name,GEOID\n1,Apex Police Department,1600000US3701520\n"
                    "2,Wake County Sheriff's Office,0500000US37183\n")
    call_command("load_agency_crosswalk", "nc", str(good), stdout=StringIO())
    cases = {
        "Id,Name\n1,x\n": "expected header",
        "Id,Agency Name,GEOID\n1,A,\n1,B,\n": "duplicate ids: 1",
        "Id,Agency Name,GEOID\n5,A,\n6,A,\n": "duplicate names: A",
        "Id,Agency Name,GEOID\n7,Apex Police Department,\n": "is agency 1 in the database",
        "Id,Agency Name,GEOID\nx,Apex,\n": "expected Id,Agency Name,GEOID",
    }
    for text, message in cases.items():
        bad = tmp_path / "bad.csv"
        bad.write_text(text)
        with pytest.raises(CommandError, match=message):
            call_command("load_agency_crosswalk", "nc", str(bad), stdout=StringIO())
    assert list(Agency.objects.values_list("id", "name", "census_profile_id")) == [
        (1, "Apex Police Department", "1600000US3701520"),
        (2, "Wake County Sheriff's Office", "0500000US37183"),
    ]


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_sample_data_imports_with_realistic_shape(tmp_path):
    out = StringIO()
    call_command("make_sample_data", "nc", "--stops", "3000", "--seed", "7",
                 "--out", str(tmp_path), stdout=out)
    archive = Path(out.getvalue().strip())
    report = nc_import_run(zip_path=archive, prime=False)
    stops = report.files["Stop.txt"]
    assert stops.read == 3000 and stops.rejected == 0
    assert report.files["PERSON.txt"].loaded > 3000  # passengers
    assert Agency.objects.count() > 30
    from django.db.models import Count

    biggest = Agency.objects.annotate(n=Count("stops")).order_by("-n").first()
    assert biggest.name == "NC State Highway Patrol"
    # Deterministic for a seed.
    again = tmp_path / "again"
    call_command("make_sample_data", "nc", "--stops", "3000", "--seed", "7",
                 "--out", str(again), stdout=StringIO())
    assert (again / archive.name).read_bytes() == archive.read_bytes()

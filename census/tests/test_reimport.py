"""GEOIDs of agencies (from a crosswalk, the admin or name matching) survive re-imports of
the state's stop data and keep the agency's census profile in the API."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from census.tests.fakes import record
from il.models import Agency as ILAgency
from il.sample_data import sample_zip_write as il_sample_zip_write
from md.models import Agency as MDAgency
from md.sample_data import sample_zip_write as md_sample_zip_write
from nc.models import Agency as NCAgency
from nc.services import nc_import_run
from nc.tests.extracts import simple_extract

pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)


def census_import(tmp_path: Path, records: list[dict]) -> None:
    path = tmp_path / "acs.json"
    path.write_text(json.dumps(records))
    call_command("import_census", "--file", str(path), stdout=StringIO())


def crosswalk(tmp_path: Path, header: list[str], rows: list[tuple]) -> Path:
    path = tmp_path / "crosswalk.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def census_year_of(state: str, agency_id: int) -> int | None:
    return APIClient().get(f"/{state}/api/agency/{agency_id}/").json()["census_year"]


def test_nc_geoids_survive_a_reimport(tmp_path) -> None:
    census_import(tmp_path, [
        record("1600000US3719000", "Durham city, North Carolina"),
        record("0500000US37183", "Wake County, North Carolina"),
        record("1600000US3755000", "Raleigh city, North Carolina"),
    ])
    names = ["Durham Police Department", "Wake County Sheriff's Office",
             "Raleigh Police Department", "NC State Highway Patrol"]
    nc_import_run(zip_path=simple_extract(tmp_path / "a.zip", names), prime=False)
    ids = dict(NCAgency.objects.values_list("name", "id"))
    call_command("load_agency_crosswalk", "nc", str(crosswalk(
        tmp_path, ["Id", "Agency Name", "GEOID"],
        [(ids["Durham Police Department"], "Durham Police Department", "1600000US3719000")],
    )), stdout=StringIO())
    NCAgency.objects.filter(name="Raleigh Police Department").update(
        census_profile_id="1600000US3755000")  # typed in the admin
    call_command("match_census_profiles", "nc", "--apply", stdout=StringIO())  # Wake County
    linked = dict(NCAgency.objects.values_list("name", "census_profile_id"))
    assert linked == {"Durham Police Department": "1600000US3719000",
                      "Wake County Sheriff's Office": "0500000US37183",
                      "Raleigh Police Department": "1600000US3755000",
                      "NC State Highway Patrol": ""}

    nc_import_run(zip_path=simple_extract(tmp_path / "b.zip", [*names, "Apex Police Department"],
                                          first_id=100), prime=False)
    after = dict(NCAgency.objects.values_list("name", "census_profile_id"))
    assert after == {**linked, "Apex Police Department": ""}
    assert dict(NCAgency.objects.values_list("name", "id")).items() >= ids.items()
    assert census_year_of("nc", ids["Wake County Sheriff's Office"]) == 2016


def test_md_geoids_survive_a_reimport(tmp_path) -> None:
    census_import(tmp_path, [
        record("0500000US24005", "Baltimore County, Maryland", state="MD"),
        record("0500000US24031", "Montgomery County, Maryland", state="MD"),
    ])
    call_command("load_agency_crosswalk", "md", str(crosswalk(
        tmp_path, ["Agency Code", "Agency Name", "GEOID"],
        [("BACOPD", "Baltimore County Police Department", "0500000US24005"),
         ("MONTGOMERY", "Montgomery County Police Department", "")],
    )), stdout=StringIO())
    call_command("import_md", zip_path=md_sample_zip_write(out_dir=tmp_path, stops=300, seed=1),
                 stdout=StringIO())
    call_command("match_census_profiles", "md", "--apply", stdout=StringIO())
    MDAgency.objects.filter(code="CECIL").update(census_profile_id="0500000US24015")  # admin
    linked = dict(MDAgency.objects.values_list("code", "census_profile_id"))
    assert (linked["BACOPD"], linked["MONTGOMERY"], linked["CECIL"]) == (
        "0500000US24005", "0500000US24031", "0500000US24015")

    call_command("import_md", zip_path=md_sample_zip_write(out_dir=tmp_path, stops=400, seed=2),
                 stdout=StringIO())
    assert dict(MDAgency.objects.values_list("code", "census_profile_id")) == linked
    montgomery = MDAgency.objects.get(code="MONTGOMERY")
    assert census_year_of("md", montgomery.pk) == 2016


def test_il_geoids_survive_a_reimport(tmp_path) -> None:
    census_import(tmp_path, [record("1600000US1720292", "Dolton village, Illinois",
                                    state="IL")])
    call_command("import_il", zip_path=il_sample_zip_write(out_dir=tmp_path, stops=300, seed=1),
                 stdout=StringIO())
    ILAgency.objects.filter(code="10011").update(name="Dolton Police")  # researched name
    call_command("match_census_profiles", "il", "--apply", stdout=StringIO())
    ILAgency.objects.filter(code="13462").update(census_profile_id="1600000US1700113")
    linked = dict(ILAgency.objects.values_list("code", "census_profile_id"))
    assert (linked["10011"], linked["13462"]) == ("1600000US1720292", "1600000US1700113")

    call_command("import_il", zip_path=il_sample_zip_write(out_dir=tmp_path, stops=200, seed=3),
                 stdout=StringIO())
    assert dict(ILAgency.objects.values_list("code", "census_profile_id")) == linked
    dolton = ILAgency.objects.get(code="10011")
    assert (dolton.name, census_year_of("il", dolton.pk)) == ("Dolton Police", 2016)
    assert census_year_of("il", ILAgency.objects.get(code="13462").pk) is None  # dangling

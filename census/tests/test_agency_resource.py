"""The census part of ``/<state>/api/agency/``: the newest profile of the agency's GEOID in
one query for the whole list, ``{}`` / null when there is none or the GEOID is dangling."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from census.tests.fakes import record
from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.stats.registry import stats_config
from tsdata.stats.selectors import agencies_with_census

pytestmark = pytest.mark.django_db(databases="__all__")
DURHAM = ("1600000US3719000", "Durham city, North Carolina")


@pytest.fixture
def vintages(tmp_path) -> None:
    path = tmp_path / "acs.json"
    path.write_text(json.dumps([
        record(*DURHAM, year=2016, total=100, non_hispanic=90),
        record(*DURHAM, year=2022, total=120, non_hispanic=100, hispanic=20, other=5,
               native_hawaiian=2, two_or_more_races=3),
        record("0500000US37063", "Durham County, North Carolina", year=2016, total=300,
               non_hispanic=250, hispanic=50),
        record("1600000US2404000", "Baltimore city, Maryland", state="MD", year=2019),
    ]))
    call_command("import_census", "--file", str(path))


def test_with_without_and_dangling_profile(vintages) -> None:
    city = NCAgency.objects.create(name="Durham Police Department", census_profile_id=DURHAM[0])
    county = NCAgency.objects.create(name="Durham County Sheriff's Office",
                                     census_profile_id="0500000US37063")
    none = NCAgency.objects.create(name="NC State Highway Patrol")
    dangling = NCAgency.objects.create(name="Typo PD", census_profile_id="1600000US3700000")
    client = APIClient()
    with CaptureQueriesContext(connections["default"]) as census_queries:
        listing = client.get("/nc/api/agency/").json()
    assert len([q for q in census_queries if "tsdata_censusprofile" in q["sql"]]) == 1
    by_id = {item["id"]: item for item in listing}
    assert by_id[city.pk] == {
        "id": city.pk, "name": "Durham Police Department",
        "census_profile": {"white": 100 - (30 + 1 + 4 + 2 + 5 + 3), "black": 30,
                           "native_american": 1, "asian": 4, "other": 5 + 2 + 3, "hispanic": 20,
                           "non_hispanic": 100, "total": 120},
        "census_year": 2022,  # the newest vintage by default
    }
    assert by_id[county.pk]["census_year"] == 2016  # its only vintage
    assert by_id[county.pk]["census_profile"]["total"] == 300
    for agency in (none, dangling):
        assert by_id[agency.pk]["census_profile"] == {}
        assert by_id[agency.pk]["census_year"] is None
        detail = client.get(f"/nc/api/agency/{agency.pk}/")
        assert detail.status_code == 200
        assert detail.json()["census_profile"] == {} and detail.json()["census_year"] is None
    assert client.get(f"/nc/api/agency/{city.pk}/").json() == by_id[city.pk]
    assert city.census_profile == by_id[city.pk]["census_profile"]  # the model's property


def test_the_selector_the_dashboards_call(vintages) -> None:
    agency = MDAgency.objects.create(name="Baltimore Police Department",
                                     census_profile_id="1600000US2404000")
    MDAgency.objects.create(name="Maryland State Police")
    config = stats_config("md")
    [one] = agencies_with_census(config=config, agency_id=agency.pk)
    assert (one["census_year"], one["census_profile"]["total"]) == (2019, 100)
    assert len(agencies_with_census(config=config)) == 2
    assert agencies_with_census(config=config, agency_id=agency.pk + 100) == []


def test_before_any_census_import() -> None:
    agency = NCAgency.objects.create(name="Durham Police Department", census_profile_id=DURHAM[0])
    body = APIClient().get(f"/nc/api/agency/{agency.pk}/").json()
    assert (body["census_profile"], body["census_year"]) == ({}, None)

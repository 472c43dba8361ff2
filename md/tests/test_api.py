"""MD API: the scenarios of the 2019 test suite (ethnicity labels, Eastern-time years, officer
filter, search/seizure flags) with exact numbers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from census.models import CensusProfile
from md.models import Agency
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import local_datetime, md_stop

pytestmark = pytest.mark.django_db(databases="__all__")
ZERO = {"White": 0, "Black": 0, "Hispanic": 0, "Asian": 0, "Native American": 0, "Unknown": 0}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def agency() -> Agency:
    return Agency.objects.create(name="Maryland State Police")


def get(client, agency, endpoint: str, **params):
    summary_rebuild("md")
    response = client.get(f"/md/api/agency/{agency.pk}/{endpoint}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def row(**counts) -> dict:
    return {**ZERO, **{key.replace("_", " "): value for key, value in counts.items()}}


def test_agency_list_and_census(client) -> None:
    profile = CensusProfile.objects.create(
        geoid="1600000US2404000", year=2016, location="Baltimore", geography="place", state="MD",
        source="ACS", white=5, black=7, hispanic=2, non_hispanic=10, total=12,
    )
    agency = Agency.objects.create(name="Baltimore PD", census_profile_id=profile.geoid)
    assert {"id": agency.pk, "name": "Baltimore PD"}.items() <= client.get(
        "/md/api/agency/"
    ).json()[0].items()
    census = client.get(f"/md/api/agency/{agency.pk}/").json()["census_profile"]
    assert (census["hispanic"], census["non_hispanic"], census["total"]) == (2, 10, 12)


def test_stops_empty(client, agency) -> None:
    assert get(client, agency, "stops") == []


def test_stops_by_ethnicity_label(client, agency) -> None:
    md_stop(agency, ethnicity="B", year=2010)
    md_stop(agency, ethnicity="B", year=2010)
    md_stop(agency, ethnicity="A", year=2012)
    md_stop(agency, ethnicity="Q", year=2012)  # unknown code: kept verbatim
    data = get(client, agency, "stops")
    assert data == [
        {"year": 2010, **row(Black=2)},
        {"year": 2012, **row(Asian=1), "Q": 1},
    ]


def test_year_in_eastern_time(client, agency) -> None:
    last_minute = local_datetime(2015, 12, 31, 23, 59)
    md_stop(agency, ethnicity="W", date=last_minute)
    md_stop(agency, ethnicity="H", date=last_minute + timedelta(days=1))
    assert get(client, agency, "stops") == [
        {"year": 2015, **row(White=1)},
        {"year": 2016, **row(Hispanic=1)},
    ]


def test_stops_without_date_are_not_counted(client, agency) -> None:
    stop = md_stop(agency, ethnicity="W", year=2014)
    stop.date = None
    stop.save()
    md_stop(agency, ethnicity="B", year=2014)
    assert get(client, agency, "stops") == [{"year": 2014, **row(Black=1)}]


def test_officer_filter(client, agency) -> None:
    md_stop(agency, ethnicity="I", year=2016, officer_id="1")
    md_stop(agency, ethnicity="H", year=2017, officer_id="1")
    md_stop(agency, ethnicity="H", year=2017, officer_id="1")
    md_stop(agency, ethnicity="B", year=2017, officer_id="2")
    assert get(client, agency, "stops", officer="1") == [
        {"year": 2016, **row(Native_American=1)},
        {"year": 2017, **row(Hispanic=2)},
    ]


def test_stops_by_reason(client, agency) -> None:
    safe_movement = 4
    md_stop(agency, ethnicity="B", year=2010, purpose=safe_movement)
    md_stop(agency, ethnicity="B", year=2010, purpose=safe_movement, search_conducted="Y")
    md_stop(agency, ethnicity="H", year=2010, purpose=safe_movement, search_conducted="Y")
    md_stop(agency, ethnicity="B", year=2012, purpose=safe_movement, search_conducted="Y")
    data = get(client, agency, "stops_by_reason")
    label = "Safe Movement Violation"
    assert list(data) == ["stops", "searches"]
    assert data["stops"] == [
        {"purpose": label, "year": 2010, **row(Black=2, Hispanic=1)},
        {"purpose": label, "year": 2012, **row(Black=1)},
    ]
    assert data["searches"] == [
        {"purpose": label, "year": 2010, **row(Black=1, Hispanic=1)},
        {"purpose": label, "year": 2012, **row(Black=1)},
    ]


def test_searches(client, agency) -> None:
    md_stop(agency, ethnicity="B", year=2015, search_conducted="Y")
    md_stop(agency, ethnicity="B", year=2016, search_conducted="N")
    md_stop(agency, ethnicity="I", year=2016, search_conducted="Y")
    assert get(client, agency, "searches") == [
        {"year": 2015, **row(Black=1)},
        {"year": 2016, **row(Native_American=1)},
    ]


def test_contraband_hit_rate(client, agency) -> None:
    md_stop(agency, ethnicity="B", year=2010, search_conducted="Y", seized="Y")
    md_stop(agency, ethnicity="W", year=2010, search_conducted="Y", seized="N")
    md_stop(agency, ethnicity="B", year=2012, search_conducted="Y", seized="N")
    # Seizure without a recorded search still counts as contraband (docs/decisions.md, "MD
    # seizures need no search").
    md_stop(agency, ethnicity="H", year=2012, search_conducted="N", seized="Y")
    data = get(client, agency, "contraband_hit_rate")
    assert list(data) == ["searches", "contraband"]
    assert data["searches"] == [
        {"year": 2010, **row(Black=1, White=1)},
        {"year": 2012, **row(Black=1)},
    ]
    assert data["contraband"] == [
        {"year": 2010, **row(Black=1)},
        {"year": 2012, **row(Hispanic=1)},
    ]
    assert sum(sum(r[k] for k in ZERO) for r in data["searches"]) == 3
    assert sum(sum(r[k] for k in ZERO) for r in data["contraband"]) == 2


def test_nc_only_endpoints_are_404(client, agency) -> None:
    for endpoint in ("use_of_force", "searches_by_type"):
        assert client.get(f"/md/api/agency/{agency.pk}/{endpoint}/").status_code == 404

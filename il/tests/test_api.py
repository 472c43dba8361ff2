"""IL API: the scenarios of the 2019 test suite (stored year, labels, search/seizure flags,
no officer)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from census.models import CensusProfile
from il.models import Agency
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import il_stop

pytestmark = pytest.mark.django_db(databases="__all__")
ZERO = {"White": 0, "Black": 0, "Hispanic": 0, "Unknown": 0}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def agency() -> Agency:
    return Agency.objects.create(name="Dolton Police")


def get(client, agency, endpoint: str, **params):
    summary_rebuild("il")
    response = client.get(f"/il/api/agency/{agency.pk}/{endpoint}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def row(**counts) -> dict:
    return {**ZERO, **counts}


def test_agency_list_and_census(client) -> None:
    profile = CensusProfile.objects.create(
        geoid="1600000US1720149", year=2016, location="Dolton", geography="place", state="IL",
        source="ACS", white=3, black=9, hispanic=1, non_hispanic=11, total=12,
    )
    agency = Agency.objects.create(name="Dolton Police", census_profile_id=profile.geoid)
    listing = client.get("/il/api/agency/").json()
    assert [item["name"] for item in listing] == ["Dolton Police"]
    census = client.get(f"/il/api/agency/{agency.pk}/").json()["census_profile"]
    assert (census["hispanic"], census["non_hispanic"], census["total"]) == (1, 11, 12)


def test_stops_empty(client, agency) -> None:
    assert get(client, agency, "stops") == []


def test_stops_by_label_and_officer_is_ignored(client, agency) -> None:
    il_stop(agency, ethnicity="W", year=2010)
    il_stop(agency, ethnicity="W", year=2010)
    il_stop(agency, ethnicity="H", year=2012)
    expected = [{"year": 2010, **row(White=2)}, {"year": 2012, **row(Hispanic=1)}]
    assert get(client, agency, "stops") == expected
    assert get(client, agency, "stops", officer="1") == expected


def test_stops_by_reason(client, agency) -> None:
    equipment = 2
    il_stop(agency, ethnicity="B", year=2010, purpose=equipment)
    il_stop(agency, ethnicity="B", year=2010, purpose=equipment, search_conducted="Y")
    il_stop(agency, ethnicity="H", year=2010, purpose=equipment, search_conducted="Y")
    il_stop(agency, ethnicity="B", year=2012, purpose=equipment, search_conducted="Y")
    data = get(client, agency, "stops_by_reason")
    assert data == {
        "stops": [
            {"purpose": "Equipment", "year": 2010, **row(Black=2, Hispanic=1)},
            {"purpose": "Equipment", "year": 2012, **row(Black=1)},
        ],
        "searches": [
            {"purpose": "Equipment", "year": 2010, **row(Black=1, Hispanic=1)},
            {"purpose": "Equipment", "year": 2012, **row(Black=1)},
        ],
    }


def test_searches(client, agency) -> None:
    il_stop(agency, ethnicity="B", year=2015, search_conducted="Y")
    il_stop(agency, ethnicity="W", year=2015, search_conducted="U")  # unknown: not counted
    il_stop(agency, ethnicity="H", year=2016, search_conducted="Y")
    assert get(client, agency, "searches") == [
        {"year": 2015, **row(Black=1)},
        {"year": 2016, **row(Hispanic=1)},
    ]


def test_contraband_hit_rate(client, agency) -> None:
    il_stop(agency, ethnicity="B", year=2010, search_conducted="Y", seized="Y")
    il_stop(agency, ethnicity="W", year=2010, search_conducted="Y", seized="N")
    il_stop(agency, ethnicity="B", year=2012, search_conducted="Y", seized="Y")
    il_stop(agency, ethnicity="U", year=2012, search_conducted="Y", seized="U")
    data = get(client, agency, "contraband_hit_rate")
    assert data == {
        "searches": [
            {"year": 2010, **row(Black=1, White=1)},
            {"year": 2012, **row(Black=1, Unknown=1)},
        ],
        "contraband": [
            {"year": 2010, **row(Black=1)},
            {"year": 2012, **row(Black=1)},
        ],
    }

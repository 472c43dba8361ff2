"""NC API: the scenarios of the 2019 test suite with their exact numbers, plus join-multiplicity,
use-of-force and agency/census cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connections
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from census.models import CensusProfile
from nc.models import Agency
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import (
    local_datetime,
    nc_contraband,
    nc_driver_stop,
    nc_person,
    nc_search,
    nc_stop,
)

pytestmark = pytest.mark.django_db(databases="__all__")
ZERO = {"asian": 0, "black": 0, "native_american": 0, "other": 0, "white": 0, "hispanic": 0}


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def client() -> APIClient:
    return APIClient()


@pytest.fixture
def agency() -> Agency:
    return Agency.objects.create(name="Durham Police Department")


def get(client: APIClient, agency: Agency, endpoint: str, **params):
    summary_rebuild("nc")
    response = client.get(f"/nc/api/agency/{agency.pk}/{endpoint}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def row(**counts) -> dict:
    return {**ZERO, **counts}


def test_agency_list_and_detail_with_census_profile(client) -> None:
    profile = CensusProfile.objects.create(
        geoid="1600000US3719000", year=2016, location="Durham city", geography="place", state="NC",
        source="ACS", white=10, black=20, native_american=1, asian=2, native_hawaiian=3,
        other=4, two_or_more_races=5, hispanic=9, non_hispanic=36, total=45,
    )
    durham = Agency.objects.create(name="Durham", census_profile_id=profile.geoid)
    unknown = Agency.objects.create(name="Unknown profile", census_profile_id="1600000US0000000")
    none = Agency.objects.create(name="No profile")
    with CaptureQueriesContext(connections["default"]) as census_queries:
        listing = client.get("/nc/api/agency/").json()
    assert len(census_queries) == 1  # one census query for the whole list
    ids = [item["id"] for item in listing]
    assert ids == sorted(ids)
    by_id = {item["id"]: item for item in listing}
    assert by_id[durham.pk]["name"] == "Durham"
    assert list(by_id[durham.pk]) == ["id", "name", "census_profile", "census_year"]
    assert by_id[durham.pk]["census_year"] == 2016
    assert by_id[unknown.pk]["census_year"] is None
    assert by_id[unknown.pk]["census_profile"] == {}
    assert by_id[none.pk]["census_profile"] == {}

    detail = client.get(f"/nc/api/agency/{durham.pk}/").json()
    census = detail["census_profile"]
    assert (census["hispanic"], census["non_hispanic"], census["total"]) == (9, 36, 45)
    assert census["other"] == 4 + 3 + 5
    assert client.get(f"/nc/api/agency/{unknown.pk}/").json()["census_profile"] == {}


@pytest.mark.parametrize("pk", ["999999", "abc", "99999999999999999999", "-1", "1e3"])
def test_unknown_or_non_numeric_agency_is_404(client, pk) -> None:
    for suffix in ("", "stops/", "use_of_force/", "stops_by_reason/"):
        response = client.get(f"/nc/api/agency/{pk}/{suffix}")
        assert response.status_code == 404
        assert response.content == b'{"detail":"Not found."}'


def test_router_root_and_formats(client, agency) -> None:
    root = client.get("/nc/api/")
    assert root.json() == {"agency": "http://testserver/nc/api/agency/"}
    assert client.get(f"/nc/api/agency/{agency.pk}/stops.json").json() == []
    browsable = client.get(f"/nc/api/agency/{agency.pk}/stops/", HTTP_ACCEPT="text/html")
    assert browsable.status_code == 200 and browsable["Content-Type"].startswith("text/html")


def test_stops_empty(client, agency) -> None:
    assert get(client, agency, "stops") == []


def test_stops_hispanic_carve_out(client, agency) -> None:
    for race, ethnicity in [("B", "N"), ("B", "N"), ("W", "N"), ("W", "H"), ("A", "H"),
                            ("A", "H")]:
        nc_driver_stop(agency, race, ethnicity, year=2010)
    for race, ethnicity in [("W", "H"), ("W", "N"), ("B", "H"), ("B", "H"), ("I", "H")]:
        nc_driver_stop(agency, race, ethnicity, year=2012)
    data = get(client, agency, "stops")
    assert data == [
        {"year": 2010, **row(black=2, white=1, asian=0, hispanic=3)},
        {"year": 2012, **row(black=0, white=1, hispanic=4)},
    ]


def test_stops_compact_json_key_order(client, agency) -> None:
    nc_driver_stop(agency, "B", "N", year=2010)
    summary_rebuild("nc")
    body = client.get(f"/nc/api/agency/{agency.pk}/stops/").content
    assert body == (
        b'[{"year":2010,"asian":0,"black":1,"native_american":0,"other":0,"white":0,'
        b'"hispanic":0}]'
    )


def test_grouping_by_year_in_eastern_time(client, agency) -> None:
    last_minute = local_datetime(2015, 12, 31, 23, 59)
    nc_driver_stop(agency, "B", "N", date=last_minute)
    nc_driver_stop(agency, "W", "H", date=last_minute + timedelta(days=1))
    assert get(client, agency, "stops") == [
        {"year": 2015, **row(black=1)},
        {"year": 2016, **row(hispanic=1)},
    ]


def test_officer_filter(client, agency) -> None:
    nc_driver_stop(agency, "I", "N", year=2016, officer_id="1")
    nc_driver_stop(agency, "W", "H", year=2017, officer_id="1")
    nc_driver_stop(agency, "B", "H", year=2017, officer_id="1")
    nc_driver_stop(agency, "B", "N", year=2017, officer_id="2")
    nc_driver_stop(agency, "B", "N", year=2018, officer_id="10")
    assert get(client, agency, "stops", officer="1") == [
        {"year": 2016, **row(native_american=1)},
        {"year": 2017, **row(hispanic=2)},
    ]
    assert get(client, agency, "stops", officer="") == get(client, agency, "stops")
    assert get(client, agency, "stops", officer="nobody") == []


def test_stops_by_reason(client, agency) -> None:
    purpose = 5  # Vehicle Equipment Violation
    stops = [
        nc_driver_stop(agency, "B", "N", year=2010, purpose=purpose),
        nc_driver_stop(agency, "B", "H", year=2010, purpose=purpose),
        nc_driver_stop(agency, "I", "H", year=2010, purpose=purpose),
        nc_driver_stop(agency, "I", "H", year=2010, purpose=purpose),
        nc_driver_stop(agency, "B", "N", year=2012, purpose=purpose),
    ]
    for stop in stops[1:]:
        nc_search(stop)
    data = get(client, agency, "stops_by_reason")
    label = "Vehicle Equipment Violation"
    assert list(data) == ["stops", "searches"]
    assert data["stops"] == [
        {"purpose": label, "year": 2010, **row(black=1, hispanic=3)},
        {"purpose": label, "year": 2012, **row(black=1)},
    ]
    assert data["searches"] == [
        {"purpose": label, "year": 2010, **row(black=0, hispanic=3)},
        {"purpose": label, "year": 2012, **row(black=1)},
    ]


def test_stops_by_reason_orders_by_year_then_purpose_and_keeps_unknown_codes(
    client, agency
) -> None:
    nc_driver_stop(agency, "B", "N", year=2011, purpose=2)
    nc_driver_stop(agency, "B", "N", year=2010, purpose=9)
    nc_driver_stop(agency, "B", "N", year=2010, purpose=1)
    nc_driver_stop(agency, "Z", "N", year=2010, purpose=42)
    nc_driver_stop(agency, "", "N", year=2010, purpose=42)
    stops = get(client, agency, "stops_by_reason")["stops"]
    assert [(r["year"], r["purpose"]) for r in stops] == [
        (2010, "Speed Limit Violation"),
        (2010, "Other Motor Vehicle Violation"),
        (2010, 42),
        (2011, "Stop Light/Sign Violation"),
    ]
    assert list(stops[2]) == ["purpose", "year", *ZERO, "", "Z"]
    assert stops[2][""] == 1 and stops[2]["Z"] == 1


def test_searches(client, agency) -> None:
    nc_search(nc_driver_stop(agency, "B", "N", year=2015))
    nc_driver_stop(agency, "B", "N", year=2016)  # not searched
    nc_search(nc_driver_stop(agency, "I", "N", year=2016))
    for race in ("B", "W", "A"):
        nc_search(nc_driver_stop(agency, race, "H", year=2016))
    assert get(client, agency, "searches") == [
        {"year": 2015, **row(black=1)},
        {"year": 2016, **row(black=0, native_american=1, hispanic=3)},
    ]


def test_searches_by_type(client, agency) -> None:
    probable_cause = 3
    nc_search(nc_driver_stop(agency, "B", "N", year=2015), type=probable_cause)
    nc_search(nc_driver_stop(agency, "I", "N", year=2016), type=probable_cause)
    for race in ("B", "W", "A"):
        nc_search(nc_driver_stop(agency, race, "H", year=2016), type=probable_cause)
    data = get(client, agency, "searches_by_type")
    assert data == [
        {"search_type": "Probable Cause", "year": 2015, **row(black=1)},
        {"search_type": "Probable Cause", "year": 2016, **row(native_american=1, hispanic=3)},
    ]


def test_contraband_hit_rate(client, agency) -> None:
    black_2010 = nc_search(nc_driver_stop(agency, "B", "N", year=2010))
    native_2010 = nc_search(nc_driver_stop(agency, "I", "N", year=2010))
    hispanic = [nc_search(nc_driver_stop(agency, r, "H", year=2010)) for r in ("B", "W", "A")]
    black_2012 = nc_search(nc_driver_stop(agency, "B", "N", year=2012))
    for search in (black_2010, native_2010, hispanic[0], hispanic[1], black_2012):
        nc_contraband(search)
    data = get(client, agency, "contraband_hit_rate")
    assert list(data) == ["searches", "contraband"]
    assert data["searches"] == [
        {"year": 2010, **row(black=1, native_american=1, hispanic=3)},
        {"year": 2012, **row(black=1)},
    ]
    assert data["contraband"] == [
        {"year": 2010, **row(black=1, native_american=1, hispanic=2)},
        {"year": 2012, **row(black=1)},
    ]


def test_use_of_force_only_counts_searched_stops_with_force(client, agency) -> None:
    nc_search(nc_driver_stop(agency, "B", "N", year=2014, engage_force=True))  # counted
    nc_driver_stop(agency, "W", "N", year=2014, engage_force=True)  # force, no search
    nc_search(nc_driver_stop(agency, "W", "N", year=2014, engage_force=False))  # no force
    searched_twice = nc_driver_stop(agency, "A", "H", year=2015, engage_force=True)
    nc_search(searched_twice)
    nc_search(searched_twice)
    assert get(client, agency, "use_of_force") == [
        {"year": 2014, **row(black=1)},
        {"year": 2015, **row(hispanic=2)},
    ]


def test_join_multiplicity(client, agency) -> None:
    """Counts are joined rows: drivers × searches × contraband, passengers never counted."""
    two_drivers = nc_stop(agency, year=2013)
    nc_person(two_drivers, race="B", ethnicity="N")
    nc_person(two_drivers, race="W", ethnicity="N")
    no_driver = nc_stop(agency, year=2013)
    passenger = nc_person(no_driver, race="A", ethnicity="N", type="P")
    nc_search(no_driver, person=passenger)
    passenger_searched = nc_driver_stop(agency, "I", "N", year=2013)
    rider = nc_person(passenger_searched, race="W", ethnicity="H", type="P")
    search = nc_search(passenger_searched, person=rider, type=5)
    nc_contraband(search)
    nc_contraband(search)
    nc_search(passenger_searched, type=1)
    assert get(client, agency, "stops") == [
        {"year": 2013, **row(black=1, white=1, native_american=1)}
    ]
    assert get(client, agency, "searches") == [{"year": 2013, **row(native_american=2)}]
    assert get(client, agency, "contraband_hit_rate")["contraband"] == [
        {"year": 2013, **row(native_american=2)}
    ]
    assert get(client, agency, "searches_by_type") == [
        {"search_type": "Consent", "year": 2013, **row(native_american=1)},
        {"search_type": "Protective Frisk", "year": 2013, **row(native_american=1)},
    ]


def test_other_agencies_do_not_leak(client, agency) -> None:
    other = Agency.objects.create(name="Other")
    nc_driver_stop(other, "B", "N", year=2010)
    nc_driver_stop(agency, "W", "N", year=2011)
    assert get(client, agency, "stops") == [{"year": 2011, **row(white=1)}]

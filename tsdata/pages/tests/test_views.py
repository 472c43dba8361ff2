"""State pages: landing pages from the dataset facts, the agency finder and its messages, the
grouped agency list, dashboard 404s and the officer view."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from census.models import CensusProfile
from il.models import Agency as ILAgency
from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.models import StateFacts, TopAgencyFacts
from tsdata.pages.forms import REQUIRED_MESSAGE
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import md_stop, nc_driver_stop

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.mark.parametrize(("state", "model", "name"), [
    ("nc", NCAgency, "North Carolina"), ("md", MDAgency, "Maryland"), ("il", ILAgency, "Illinois"),
])
def test_landing_page_is_rendered_from_the_facts(client, state, model, name) -> None:
    agency = model.objects.create(name="Springfield Police Department")
    facts, _ = StateFacts.objects.update_or_create(state_key=state, defaults={
        "total_stops": 1234567, "total_searches": 4321, "total_agencies": 77,
        "start_date": "Jan 01, 2013", "end_date": "Dec 31, 2017",
    })
    facts.topagencyfacts_set.all().delete()
    TopAgencyFacts.objects.create(state_facts=facts, rank=1, agency_id=agency.pk,
                                  stops=98765, name=agency.name)
    body = client.get(f"/{state}/").content.decode()
    assert f"{name} traffic stops" in body
    for text in ("1,234,567", "4,321", "Jan 01, 2013", "Dec 31, 2017", "98,765"):
        assert text in body
    assert f'href="/{state}/agency/{agency.pk}/"' in body
    assert ('action="/nc/search/"' in body) == (state == "nc")
    assert ('placeholder="ex: Durham Police Department"' in body) == (state == "nc")
    assert ("Find a stop" in body) == (state != "il")


def test_landing_page_before_any_import(client) -> None:
    body = client.get("/il/").content.decode()
    assert "No Illinois data have been imported yet." in body


def test_finder_messages_and_redirects(client) -> None:
    durham = NCAgency.objects.create(name="Durham Police Department")
    NCAgency.objects.create(name="Durham County Sheriff's Office")
    empty = client.get("/nc/", {"agency": ""})
    assert empty.status_code == 200
    assert REQUIRED_MESSAGE in empty.content.decode()
    unknown = client.get("/nc/", {"agency": "Gotham"})
    assert "No agency name contains “Gotham”" in unknown.content.decode()
    several = client.get("/nc/", {"agency": "durham"})
    assert several.status_code == 200
    assert "2 agencies match" in several.content.decode()
    exact = client.get("/nc/", {"agency": "durham police department"})
    assert exact.status_code == 302 and exact["Location"] == f"/nc/agency/{durham.pk}/"
    picked = client.get("/nc/agency/", {"agency": durham.name, "agency_id": durham.pk})
    assert picked.status_code == 302 and picked["Location"] == f"/nc/agency/{durham.pk}/"
    # An id that does not belong to the typed name is ignored, the name decides.
    stale = client.get("/nc/", {"agency": "Gotham", "agency_id": durham.pk})
    assert stale.status_code == 200 and "No agency name contains" in stale.content.decode()
    bad_id = client.get("/nc/", {"agency": "Durham Police Department", "agency_id": "x"})
    assert bad_id.status_code == 302 and bad_id["Location"] == f"/nc/agency/{durham.pk}/"


def test_lookup_is_case_insensitive_contains_and_capped_at_30(client) -> None:
    for number in range(40):
        NCAgency.objects.create(name=f"Town {number:02d} Police Department")
    NCAgency.objects.create(name="Raleigh Police Department")
    results = client.get("/nc/agency/lookup/", {"term": "TOWN"}).json()["results"]
    assert len(results) == 30
    assert all("Town" in result["name"] for result in results)
    assert results[0]["url"] == f"/nc/agency/{results[0]['id']}/"
    assert client.get("/nc/agency/lookup/", {"term": "leig"}).json()["results"][0]["name"] == (
        "Raleigh Police Department")
    assert client.get("/nc/agency/lookup/", {"term": ""}).json() == {"results": []}
    assert client.get("/nc/agency/lookup/", {"term": "a\x00b"}).json() == {"results": []}


def test_agency_list_grouped_by_first_letter_in_three_columns(client) -> None:
    for name in ("Apex PD", "Asheville PD", "aberdeen PD", "Angier PD", "Ayden PD", "Boone PD"):
        NCAgency.objects.create(name=name)
    grouped = dict(client.get("/nc/agency/").context["sorted_agencies"])
    assert list(grouped) == ["A", "B", "a"]
    names = [[agency["name"] for agency in chunk] for chunk in grouped["A"]]
    assert names == [["Angier PD", "Apex PD"], ["Asheville PD", "Ayden PD"]]
    assert [len(chunk) for chunk in grouped["B"]] == [1]
    five = dict(client.get("/nc/agency/").context["sorted_agencies"])
    assert five == grouped
    NCAgency.objects.create(name="Archdale PD")
    chunks = dict(client.get("/nc/agency/").context["sorted_agencies"])["A"]
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]


def test_dashboard_not_found_cases(client) -> None:
    nc_agency = NCAgency.objects.create(name="Durham Police Department")
    nc_driver_stop(nc_agency, "W", "N", year=2015, officer_id="42")
    summary_rebuild("nc")
    missing = client.get("/nc/agency/999999/")
    assert missing.status_code == 404
    assert "There is no agency with id 999999" in missing.content.decode()
    stranger = client.get(f"/nc/agency/{nc_agency.pk}/", {"officer_id": "43"})
    assert stranger.status_code == 404
    assert "has no stop by an officer with id “43”" in stranger.content.decode()
    officer = client.get(f"/nc/agency/{nc_agency.pk}/", {"officer_id": "42"})
    assert officer.status_code == 200
    assert "Data for Officer ID: 42" in officer.content.decode()
    assert "Officer search rate" in officer.content.decode()
    il_agency = ILAgency.objects.create(name="Chicago Police")
    il_officer = client.get(f"/il/agency/{il_agency.pk}/", {"officer_id": "1"})
    assert il_officer.status_code == 404
    assert "do not identify officers" in il_officer.content.decode()
    unknown_chart = client.get(f"/nc/agency/{nc_agency.pk}/charts/nothing.csv")
    assert unknown_chart.status_code == 404


def test_year_outside_the_data_shows_all_years_with_a_notice(client) -> None:
    agency = MDAgency.objects.create(name="Montgomery County Police Department")
    md_stop(agency, ethnicity="W", year=2015)
    summary_rebuild("md")
    for value in ("1999", "abc", "2015x"):
        response = client.get(f"/md/agency/{agency.pk}/", {"year": value})
        assert response.status_code == 200
        assert response.context["year"] is None
        assert "showing all years" in response.content.decode()


def test_census_section_with_and_without_a_profile(client) -> None:
    agency = NCAgency.objects.create(name="Durham Police Department")
    nc_driver_stop(agency, "B", "N", year=2015)
    summary_rebuild("nc")
    assert "No census data for this agency." in client.get(
        f"/nc/agency/{agency.pk}/").content.decode()
    CensusProfile.objects.create(
        geoid="1600000US3719000", year=2016, location="Durham city", geography="place",
        state="NC", source="ACS", white=600, black=300, native_american=10, asian=40,
        native_hawaiian=0, other=50, two_or_more_races=0, hispanic=100, non_hispanic=900,
        total=1000,
    )
    agency.census_profile_id = "1600000US3719000"
    agency.save()
    cache.clear()
    response = client.get(f"/nc/agency/{agency.pk}/")
    census = next(chart for section in response.context["sections"]
                  for chart in section.charts if chart.id == "census")
    rows = {row[0]: row[1:] for row in census.rows}
    assert rows["Black*"] == [300, round(300 / 1100 * 100, 1)]
    assert "1,000 people live" in response.content.decode()


def test_dashboard_is_cached_per_data_version_with_etag(client) -> None:
    agency = NCAgency.objects.create(name="Durham Police Department")
    nc_driver_stop(agency, "B", "N", year=2015)
    summary_rebuild("nc")
    first = client.get(f"/nc/agency/{agency.pk}/")
    assert first.status_code == 200 and first["ETag"]
    again = client.get(f"/nc/agency/{agency.pk}/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    other_year = client.get(f"/nc/agency/{agency.pk}/", {"year": "2015"})
    assert other_year["ETag"] != first["ETag"]


def test_about_page_explains_every_measure_from_its_definition(client) -> None:
    from tsdata.stats.definitions import ENDPOINTS
    from tsdata.stats.metrics import DERIVED_MEASURES

    body = client.get("/about").content.decode()
    for endpoint in ENDPOINTS.values():
        assert endpoint.title in body
    for name, _ in DERIVED_MEASURES:
        assert name in body
    assert "NC Department of Justice" in body

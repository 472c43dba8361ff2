"""Response cache and HTTP validators keyed by the per-state data version."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings
from rest_framework.test import APIClient

from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.data_version import data_version_bump
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import md_stop, nc_driver_stop

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


def black_count(response) -> int:
    return sum(row.get("black", row.get("Black", 0)) for row in response.json())


@override_settings(API_HTTP_MAX_AGE=321)
def test_bump_invalidates_only_its_own_state() -> None:
    client = APIClient()
    nc_agency = NCAgency.objects.create(name="NC")
    md_agency = MDAgency.objects.create(name="MD")
    nc_driver_stop(nc_agency, "B", "N", year=2010)
    md_stop(md_agency, ethnicity="B", year=2010)
    summary_rebuild("nc")
    summary_rebuild("md")
    data_version_bump("nc")
    nc_url = f"/nc/api/agency/{nc_agency.pk}/stops/"
    md_url = f"/md/api/agency/{md_agency.pk}/stops/"

    first_nc, first_md = client.get(nc_url), client.get(md_url)
    assert black_count(first_nc) == 1 and black_count(first_md) == 1
    assert first_nc["Cache-Control"] == "public, max-age=321"
    assert first_nc["Last-Modified"].endswith("GMT")
    assert first_nc["ETag"].startswith('"nc-')

    # New raw data in both states, summaries rebuilt, but no version bump yet: cached answers.
    nc_driver_stop(nc_agency, "B", "N", year=2010)
    md_stop(md_agency, ethnicity="B", year=2010)
    summary_rebuild("nc")
    summary_rebuild("md")
    assert client.get(nc_url).content == first_nc.content
    assert client.get(md_url).content == first_md.content

    data_version_bump("nc")  # what an NC import does after its swap
    second_nc = client.get(nc_url)
    assert black_count(second_nc) == 2
    assert second_nc["ETag"] != first_nc["ETag"]
    second_md = client.get(md_url)
    assert second_md.content == first_md.content  # MD untouched by the NC import
    assert second_md["ETag"] == first_md["ETag"]


def test_if_none_match_gives_304_until_the_data_change() -> None:
    client = APIClient()
    agency = NCAgency.objects.create(name="NC")
    nc_driver_stop(agency, "W", "N", year=2011)
    summary_rebuild("nc")
    url = f"/nc/api/agency/{agency.pk}/searches/"
    etag = client.get(url)["ETag"]
    not_modified = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200
    data_version_bump("nc")
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_representations_have_their_own_keys_and_etags() -> None:
    client = APIClient()
    agency = NCAgency.objects.create(name="NC")
    nc_driver_stop(agency, "W", "N", year=2011, officer_id="5")
    nc_driver_stop(agency, "B", "N", year=2011, officer_id="6")
    summary_rebuild("nc")
    base = f"/nc/api/agency/{agency.pk}/stops"
    responses = {
        "json": client.get(base + "/"),
        "csv": client.get(base + ".csv"),
        "officer5": client.get(base + "/", {"officer": "5"}),
        "officer6": client.get(base + "/", {"officer": "6"}),
    }
    assert len({r["ETag"] for r in responses.values()}) == 4
    assert responses["csv"]["Content-Type"].startswith("text/csv")
    # Served again from the cache: same bytes and headers.
    again = client.get(base + ".csv")
    assert again.content == responses["csv"].content
    assert again["Content-Disposition"] == responses["csv"]["Content-Disposition"]
    assert black_count(responses["officer5"]) == 0 and black_count(responses["officer6"]) == 1


def test_errors_are_not_cached() -> None:
    client = APIClient()
    url = "/nc/api/agency/424242/stops/"
    assert client.get(url).status_code == 404
    agency = NCAgency.objects.create(id=424242, name="Late")
    nc_driver_stop(agency, "B", "N", year=2011)
    summary_rebuild("nc")
    assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    "accept",
    ["text/csv", "text/csv, application/json", "application/json;q=0.1, text/csv", "*/*", ""],
)
def test_a_cached_answer_is_never_served_in_another_format(accept) -> None:
    client = APIClient()
    agency = NCAgency.objects.create(name="NC")
    nc_driver_stop(agency, "B", "N", year=2011)
    summary_rebuild("nc")
    url = f"/nc/api/agency/{agency.pk}/stops/"
    first = client.get(url, HTTP_ACCEPT=accept)
    for header, prefix in (("application/json", "application/json"), ("text/csv", "text/csv"),
                           (accept, first["Content-Type"])):
        response = client.get(url, HTTP_ACCEPT=header)
        assert response.status_code == 200
        assert response["Content-Type"].startswith(prefix.split(";")[0]), (accept, header)

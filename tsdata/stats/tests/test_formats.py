"""CSV output (tidy, header row) and the legacy un-prefixed NC paths."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from nc.models import Agency
from tsdata.stats.registry import stats_config
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import nc_contraband, nc_driver_stop, nc_search

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def agency() -> Agency:
    agency = Agency.objects.create(name="Durham")
    stop = nc_driver_stop(agency, "B", "N", year=2010, purpose=5, engage_force=True)
    nc_contraband(nc_search(stop, type=3))
    nc_driver_stop(agency, "W", "H", year=2011, purpose=1)
    summary_rebuild("nc")
    return agency


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_is_tidy_and_equals_the_json(agency) -> None:
    client = APIClient()
    for endpoint in stats_config("nc").endpoints:
        url = f"/nc/api/agency/{agency.pk}/{endpoint}"
        data = client.get(url + "/").json()
        by_suffix = client.get(url + ".csv")
        by_param = client.get(url + "/", {"format": "csv"})
        assert by_suffix.content == by_param.content
        rows = csv_rows(by_suffix)
        parts = data.items() if isinstance(data, dict) else [(None, data)]
        expected = []
        for name, items in parts:
            for item in items:
                groups = {k: str(v) for k, v in item.items() if k in ("year", "purpose",
                                                                      "search_type")}
                for key, count in item.items():
                    if key not in groups:
                        expected.append({**({"series": name} if name else {}), **groups,
                                         "category": key, "count": str(count)})
        assert rows == expected, endpoint
        assert rows, endpoint


def test_csv_header_and_example(agency) -> None:
    response = APIClient().get(f"/nc/api/agency/{agency.pk}/stops_by_reason.csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "series,purpose,year,category,count"
    assert "stops,Vehicle Equipment Violation,2010,black,1" in lines
    assert "searches,Speed Limit Violation,2011,hispanic,0" not in lines  # no search that year
    assert 'filename="nc-agency-' in response["Content-Disposition"]


def test_csv_of_an_empty_agency_is_a_header_only() -> None:
    empty = Agency.objects.create(name="Empty")
    response = APIClient().get(f"/nc/api/agency/{empty.pk}/stops.csv")
    assert response.content == b"year,category,count\n"


def test_csv_error_is_readable() -> None:
    response = APIClient().get("/nc/api/agency/999999/stops.csv")
    assert response.status_code == 404
    assert response.content.decode().splitlines() == ["error", "Not found."]


@pytest.mark.parametrize(
    "suffix",
    ["", "{pk}/", *(f"{{pk}}/{name}/" for name in stats_config("nc").endpoints),
     "{pk}/stops.json"],
)
def test_legacy_paths_answer_like_the_nc_ones(agency, suffix) -> None:
    client = APIClient()
    path = "agency/" + suffix.format(pk=agency.pk)
    legacy = client.get(f"/api/{path}?officer=")
    canonical = client.get(f"/nc/api/{path}?officer=")
    assert legacy.status_code == 200
    assert legacy.content == canonical.content
    assert legacy["Link"] == f'<http://testserver/nc/api/{path}?officer=>; rel="canonical"'


def test_legacy_unknown_agency_is_404() -> None:
    response = APIClient().get("/api/agency/abc/stops/")
    assert response.status_code == 404
    assert response.content == b'{"detail":"Not found."}'

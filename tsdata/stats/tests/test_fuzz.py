"""Property-based fuzzing of the API: any query string or agency id gives a correct answer or
a clear 4xx, never a 500."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.stats.registry import stats_config
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import md_stop, nc_driver_stop, nc_search

pytestmark = pytest.mark.django_db(databases="__all__")

nasty_text = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["'", '"', "%", "%%", "%s", "%(tz)s", "\x00", "1' OR '1'='1", "\\", "7"]),
    # ~10,000 characters built from a short random piece
    st.builds(lambda piece: (piece * 10_000)[:10_000], st.text(min_size=1, max_size=4)),
)
param_names = st.one_of(
    st.sampled_from(["officer", "officer", "format", "page", "year", "callback"]),
    st.text(min_size=1, max_size=10),
)
params = st.lists(st.tuples(param_names, nasty_text), max_size=3)
officer_values = st.lists(nasty_text, max_size=2)
formats = st.sampled_from(["", ".json", ".csv", ".api", ".xml", ".JSON"])


@pytest.mark.parametrize("state", ["nc", "md", "il"])
def test_api_never_answers_500(state) -> None:
    if state == "nc":
        agency = NCAgency.objects.create(name="Fuzz NC")
        nc_search(nc_driver_stop(agency, "B", "N", year=2015, officer_id="7"))
    elif state == "md":
        agency = MDAgency.objects.create(name="Fuzz MD")
        md_stop(agency, ethnicity="W", year=2015, officer_id="7", search_conducted="Y")
    else:
        agency = None
    summary_rebuild(state)
    client = APIClient()
    endpoints = ["", *(f"{name}" for name in stats_config(state).endpoints)]
    known_pk = str(agency.pk) if agency else "1"

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(
        pk=st.one_of(st.just(known_pk), st.text(min_size=1, max_size=30)),
        endpoint=st.sampled_from(endpoints),
        fmt=formats,
        officers=officer_values,
        query=params,
    )
    def check(
        pk: str, endpoint: str, fmt: str, officers: list[str], query: list[tuple[str, str]]
    ) -> None:
        cache.clear()
        query = [("officer", officer) for officer in officers] + query
        path = f"/{state}/api/agency/{quote(pk, safe='')}/"
        if endpoint:
            path += endpoint + (fmt if fmt else "/")
        response = client.get(path + "?" + urlencode(query, safe=""))
        assert response.status_code < 500, (path, query, response.content[:300])
        if response.status_code == 200 and response["Content-Type"].startswith(
            "application/json"
        ):
            json.loads(response.content)

    check()


@pytest.mark.parametrize(
    "officer",
    ["\x00", "a\x00b", "'", '"; DROP TABLE nc_stop; --', "%", "%s", "%(tz)s", "x" * 10_000, "7"],
)
def test_nasty_officer_values(officer) -> None:
    agency = NCAgency.objects.create(name="Officer NC")
    nc_driver_stop(agency, "B", "N", year=2015, officer_id="7")
    summary_rebuild("nc")
    response = APIClient().get(f"/nc/api/agency/{agency.pk}/stops/", {"officer": officer})
    assert response.status_code == 200
    expected = [{"year": 2015, "asian": 0, "black": 1, "native_american": 0, "other": 0,
                 "white": 0, "hispanic": 0}]
    assert response.json() == (expected if officer == "7" else [])


def test_repeated_officer_is_a_clear_400() -> None:
    agency = NCAgency.objects.create(name="Repeated")
    response = APIClient().get(f"/nc/api/agency/{agency.pk}/stops/?officer=1&officer=2")
    assert response.status_code == 400
    assert response.json() == {"officer": ["Give the officer parameter at most once."]}

"""Errors under the API stay JSON; everywhere else the site's own 404 and 500 pages answer.

Run with DEBUG off (the test settings), which is how the site and the demo serve by default.
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client, override_settings

API_PATHS_THAT_MATCH_NO_PATTERN = [
    "/nc/api/agency/1.2/stops/",
    "/nc/api/agency/abc/stops/xyz",
    "/md/api/agency/-1/searches/",
    "/il/api/no-such-endpoint/",
    "/api/agency/a%2Fb/",
    "/api/agency/1/not-a-statistic/",
    "/api/schema/nothing-here",
]


def test_debug_is_off_in_these_tests() -> None:
    assert settings.DEBUG is False  # the handlers below are only used without DEBUG


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("path", API_PATHS_THAT_MATCH_NO_PATTERN)
def test_api_paths_that_match_nothing_answer_json_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Not found."}


@pytest.mark.django_db(databases="__all__")
@pytest.mark.parametrize("path", ["/no-such-page/", "/nc/agency/1.2/", "/apiary/"])
def test_page_paths_answer_the_custom_html_404(client, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Page not found" in body
    assert 'href="/"' in body  # a way home
    for state in ("nc", "md", "il"):
        assert f'href="/{state}/"' in body
    assert "Traceback" not in body and "Using the URLconf" not in body  # not the debug page


@override_settings(ROOT_URLCONF="traffic_stops.tests.urls_raising")
@pytest.mark.parametrize("path", ["/nc/api/boom/", "/api/boom/"])
def test_exception_under_the_api_answers_json_500(path: str) -> None:
    client = Client(raise_request_exception=False)
    response = client.get(path)
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Server error."}


@override_settings(ROOT_URLCONF="traffic_stops.tests.urls_raising")
def test_exception_in_a_page_answers_the_custom_html_500() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "RuntimeError" not in body  # nothing of the failure leaks to the visitor


@override_settings(ROOT_URLCONF="traffic_stops.tests.urls_raising")
def test_the_real_urlconf_still_routes_under_the_test_urlconf(client) -> None:
    # The raising views are added in front of the real site, not instead of it.
    assert client.get("/about").status_code == 200


@pytest.mark.django_db(databases="__all__")
def test_disallowed_host_under_the_api_answers_json_400(client) -> None:
    response = client.get("/nc/api/agency/", HTTP_HOST="evil.example.net")
    assert response.status_code == 400
    assert json.loads(response.content) == {"detail": "Bad request."}

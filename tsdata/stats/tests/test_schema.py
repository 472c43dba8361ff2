"""The OpenAPI schema generates, documents every endpoint, and real responses validate
against it; the human reference page renders with local assets only."""

from __future__ import annotations

import json
import re

import jsonschema
import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from il.models import Agency as ILAgency
from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.stats.registry import stats_config
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import (
    il_stop,
    md_stop,
    nc_contraband,
    nc_driver_stop,
    nc_search,
)

pytestmark = pytest.mark.django_db(databases="__all__")


@pytest.fixture(scope="module")
def openapi(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def json_schema(node):
    """OpenAPI 3.0 ``nullable: true`` as JSON Schema (which ignores that keyword)."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def operation_schema(openapi: dict, path: str, status: str) -> dict:
    """The JSON schema of ``path``'s GET response, with components for ``$ref``."""
    for template, methods in openapi["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path):
            content = methods["get"]["responses"][status]["content"]["application/json"]
            return json_schema(
                {**content["schema"], "components": openapi.get("components", {})}
            )
    raise AssertionError(f"{path} is not in the schema")


def sample_agencies() -> dict[str, int]:
    nc = NCAgency.objects.create(name="NC", census_profile_id="missing")
    stop = nc_driver_stop(nc, "B", "N", year=2010, purpose=42, engage_force=True)
    nc_contraband(nc_search(stop, type=9))
    nc_driver_stop(nc, "Z", "N", year=2011)  # unknown race code → extra key
    md = MDAgency.objects.create(name="MD")
    md_stop(md, ethnicity="B", year=2012, search_conducted="Y", seized="Y")
    il = ILAgency.objects.create(name="IL")
    il_stop(il, ethnicity="W", year=2013, search_conducted="Y", seized="Y")
    for state in ("nc", "md", "il"):
        summary_rebuild(state)
    return {"nc": nc.pk, "md": md.pk, "il": il.pk}


def test_every_endpoint_is_documented(openapi) -> None:
    paths = set(openapi["paths"])
    for state in ("nc", "md", "il"):
        assert f"/{state}/api/agency/" in paths
        assert f"/{state}/api/agency/{{id}}/" in paths
        for endpoint in stats_config(state).endpoints:
            operation = openapi["paths"][f"/{state}/api/agency/{{id}}/{endpoint}/"]["get"]
            ok = operation["responses"]["200"]["content"]
            assert {"application/json", "text/csv"} <= set(ok)
            assert ok["application/json"]["examples"]
            names = {p["name"] for p in operation.get("parameters", [])}
            assert ("officer" in names) == (state != "il")
    assert not any(path.startswith("/api/agency") for path in paths)  # legacy aliases


def test_real_responses_validate(openapi) -> None:
    cache.clear()
    client = APIClient()
    agencies = sample_agencies()
    checked = 0
    for state, pk in agencies.items():
        paths = [f"/{state}/api/agency/", f"/{state}/api/agency/{pk}/"]
        paths += [f"/{state}/api/agency/{pk}/{name}/" for name in stats_config(state).endpoints]
        for path in paths:
            response = client.get(path)
            assert response.status_code == 200, path
            body = response.json()
            assert body, path
            jsonschema.validate(body, operation_schema(openapi, path, "200"))
            checked += 1
        missing = f"/{state}/api/agency/999999/stops/"
        jsonschema.validate(
            client.get(missing).json(), operation_schema(openapi, missing, "404")
        )
    assert checked == 3 * 2 + 6 + 4 + 4


def test_schema_rejects_a_wrong_shape(openapi) -> None:
    """The validation above can fail: a row without its categories does not validate."""
    schema = operation_schema(openapi, "/nc/api/agency/1/stops/", "200")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{"year": 2010, "black": 1}], schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"stops": []}, schema)


def test_reference_page_has_examples_and_no_external_assets() -> None:
    response = APIClient().get("/api/docs/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    html = response.content.decode()
    for path in ("/nc/api/agency/{id}/use_of_force/", "/md/api/agency/{id}/stops_by_reason/",
                 "/il/api/agency/{id}/contraband_hit_rate/"):
        assert path in html
    assert "&quot;hispanic&quot;" in html  # an example body
    assert not re.search(r"""(src|href)=["']https?://""", html)

"""URL names of the 2019 site: namespaces per state, router names with hyphens."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

NAMES = {
    "agency-api-stops": "stops",
    "agency-api-stops-by-reason": "stops_by_reason",
    "agency-api-searches": "searches",
    "agency-api-contraband-hit-rate": "contraband_hit_rate",
}
NC_ONLY = {"agency-api-use-of-force": "use_of_force",
           "agency-api-searches-by-type": "searches_by_type"}


@pytest.mark.parametrize("state", ["nc", "md", "il"])
def test_url_names(state) -> None:
    assert reverse(f"{state}:api-root") == f"/{state}/api/"
    assert reverse(f"{state}:agency-api-list") == f"/{state}/api/agency/"
    assert reverse(f"{state}:agency-api-detail", kwargs={"pk": 7}) == f"/{state}/api/agency/7/"
    for name, segment in NAMES.items():
        assert reverse(f"{state}:{name}", kwargs={"pk": 7}) == (
            f"/{state}/api/agency/7/{segment}/"
        )
    assert reverse(f"{state}:agency-api-stops", kwargs={"pk": 7, "format": "csv"}) == (
        f"/{state}/api/agency/7/stops.csv"
    )
    for name, segment in NC_ONLY.items():
        if state == "nc":
            assert reverse(f"nc:{name}", kwargs={"pk": 7}) == f"/nc/api/agency/7/{segment}/"
        else:
            with pytest.raises(NoReverseMatch):
                reverse(f"{state}:{name}", kwargs={"pk": 7})


def test_schema_and_docs_urls() -> None:
    assert reverse("api-schema") == "/api/schema/"
    assert reverse("api-docs") == "/api/docs/"
    assert reverse("nc-legacy:agency-api-stops", kwargs={"pk": 3}) == "/api/agency/3/stops/"

"""A GEOID typed into the agency admin shows on the dashboard at once (no stale cache)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

from census.models import CensusProfile
from md.models import Agency
from tsdata.data_version import data_version_get
from tsdata.stats.services import summary_rebuild
from tsdata.stats.testing import md_stop

pytestmark = pytest.mark.django_db(databases="__all__")


def test_admin_edit_of_a_geoid_refreshes_the_cached_dashboard(client) -> None:
    cache.clear()
    agency = Agency.objects.create(name="Montgomery County Police Department", code="MCPD")
    md_stop(agency, ethnicity="B", year=2015)
    summary_rebuild("md")
    CensusProfile.objects.create(
        geoid="0500000US24031", year=2016, location="Montgomery County, Maryland",
        geography="county", state="MD", source="ACS", white=500, black=200,
        native_american=5, asian=150, native_hawaiian=0, other=45, two_or_more_races=100,
        hispanic=190, non_hispanic=810, total=1000,
    )
    assert "No census data for this agency." in client.get(
        f"/md/agency/{agency.pk}/").content.decode()
    before = data_version_get("md")[0]
    User.objects.create_superuser("admin", "admin@example.com", "s3cret-pass")
    client.login(username="admin", password="s3cret-pass")
    response = client.post(f"/admin/md/agency/{agency.pk}/change/", {
        "name": agency.name, "census_profile_id": "0500000US24031", "code": "MCPD",
    })
    assert response.status_code == 302, response.content[:2000]
    assert data_version_get("md")[0] == before + 1
    client.logout()
    body = client.get(f"/md/agency/{agency.pk}/").content.decode()
    assert "No census data for this agency." not in body
    assert "1,000 people live" in body

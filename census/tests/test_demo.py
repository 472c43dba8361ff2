"""The census step of ``make demo`` gives the sample agencies of every state profiles."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from census.demo import census_demo_load
from census.models import CensusProfile
from census.sample_data import sample_geographies
from il import demo as il_demo
from il.models import Agency as ILAgency
from md import demo as md_demo
from md.models import Agency as MDAgency
from nc import demo as nc_demo
from nc.models import Agency as NCAgency


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_demo_links_the_sample_agencies(monkeypatch) -> None:
    monkeypatch.setenv("DEMO_STOPS", "2000")
    for demo in (nc_demo, md_demo, il_demo):
        demo.demo_load(force=False)
    lines = list(census_demo_load())
    assert lines[:2] == [
        f"census: ACS 2016: {len(sample_geographies())} profiles (IL, MD, NC), 0 replaced",
        f"census: ACS 2022: {len(sample_geographies())} profiles (IL, MD, NC), 0 replaced",
    ]
    geoids = set(CensusProfile.objects.values_list("geoid", flat=True))

    nc = dict(NCAgency.objects.values_list("name", "census_profile_id"))
    assert nc["NC State Highway Patrol"] == ""
    assert nc["Charlotte-Mecklenburg Police Department"] == CensusProfile.objects.filter(
        location="Charlotte city, North Carolina").values_list("geoid", flat=True)[0]
    municipal = [name for name in nc if name.endswith(("Police Department", "Sheriff's Office"))
                 and "State" not in name and "Pe\u00f1a" not in name]
    assert len(municipal) > 20
    assert all(nc[name] in geoids for name in municipal), [n for n in municipal if not nc[n]]
    assert nc["Durham Police Department"] == next(
        geoid for _, _, geoid, location in sample_geographies()
        if location == "Durham city, North Carolina")

    md = {code: (name, geoid) for code, name, geoid in
          MDAgency.objects.values_list("code", "name", "census_profile_id")}
    assert md["BACOPD"] == ("Baltimore County Police Department", "0500000US24005")
    assert md["MSP"] == ("Maryland State Police", "")
    il = {code: (name, geoid) for code, name, geoid in
          ILAgency.objects.values_list("code", "name", "census_profile_id")}
    assert il["10011"] == ("Dolton Police", "1600000US1720292")
    assert il["20002"] == ("Sample City Police Dept.", "1600000US1767005")  # matched by name
    assert il["20003"][1] == "0500000US17997"  # "Sample County Sheriff", matched by name
    assert il["20001"][1] == ""

    durham = NCAgency.objects.get(name="Durham Police Department")
    body = APIClient().get(f"/nc/api/agency/{durham.pk}/").json()
    assert body["census_year"] == 2022 and body["census_profile"]["total"] > 0

    # A second run keeps what is there (including edits made in the admin meanwhile).
    NCAgency.objects.filter(pk=durham.pk).update(census_profile_id="0500000US37063")
    assert list(census_demo_load()) == [
        f"census: {2 * len(sample_geographies()):,} profiles present, skipped "
        "(use --force to replace)"]
    assert NCAgency.objects.get(pk=durham.pk).census_profile_id == "0500000US37063"

"""Proposing GEOIDs from agency names: realistic names, the ones that must not match, and
``match_census_profiles`` never touching a GEOID that is already set."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from census.matching import Target, agency_target, profile_key
from census.tests.fakes import record
from il.models import Agency as ILAgency
from md.models import Agency as MDAgency
from nc.models import Agency as NCAgency
from tsdata.models import StateFacts


@pytest.mark.parametrize(("name", "target"), [
    ("Durham Police Department", Target("place", ("durham",))),
    ("DURHAM POLICE DEPT.", Target("place", ("durham",))),
    ("Winston-Salem Police Department", Target("place", ("winston salem",))),
    ("Elizabeth City Police Department", Target("place", ("elizabeth city", "elizabeth"))),
    ("Town of Cary Police Department", Target("place", ("cary",))),
    ("DOLTON POLICE", Target("place", ("dolton",))),
    ("SAMPLE CITY POLICE, DEPT", Target("place", ("sample city", "sample"))),
    ("Durham County Sheriff's Office", Target("county", ("durham",))),
    ("Wake County Sheriff\u2019s Department", Target("county", ("wake",))),
    ("Baltimore County Police Department", Target("county", ("baltimore",))),
    ("Baltimore City Sheriff's Office", Target("county", ("baltimore city",))),
    ("Charlotte-Mecklenburg Police Department", Target("place", ("charlotte mecklenburg",))),
    # Not a municipal police department or a county agency: no geography at all.
    ("NC State University Police Department", None),
    ("UNC Chapel Hill University Police", None),
    ("NC State Highway Patrol", None),
    ("Maryland State Police", None),
    ("Maryland Transportation Authority Police", None),
    ("NC Division of Motor Vehicles, License and Theft Bureau", None),
    ("Alcohol Law Enforcement", None),
    ("Police Department", None),
])
def test_agency_targets(name, target) -> None:
    assert agency_target(name) == target


def test_profile_keys() -> None:
    assert profile_key("Durham city, North Carolina", "place") == "durham"
    assert profile_key("Elizabeth City city, North Carolina", "place") == "elizabeth city"
    assert profile_key("Wake Forest town, North Carolina", "place") == "wake forest"
    assert profile_key("Dolton village, Illinois", "place") == "dolton"
    assert profile_key("Durham County, North Carolina", "county") == "durham"
    assert profile_key("Prince George's County, Maryland", "county") == "prince georges"
    assert profile_key("Baltimore city, Maryland", "county") == "baltimore city"


NC_PROFILES = [
    record("0500000US37063", "Durham County, North Carolina"),
    record("0500000US37119", "Mecklenburg County, North Carolina"),
    record("1600000US3719000", "Durham city, North Carolina"),
    record("1600000US3712000", "Charlotte city, North Carolina"),
    record("1600000US3775000", "Winston-Salem city, North Carolina"),
    record("1600000US3720580", "Elizabeth City city, North Carolina"),
    record("1600000US3770540", "Wake Forest town, North Carolina"),
    record("1600000US3755000", "Raleigh city, North Carolina"),
    # Two places that reduce to the same name: ambiguous, so never guessed.
    record("1600000US3724000", "Franklin town, North Carolina"),
    record("1600000US3724010", "Franklin village, North Carolina"),
    record("0500000US24005", "Baltimore County, Maryland", state="MD"),
    record("0500000US24510", "Baltimore city, Maryland", state="MD"),
    record("1600000US2404000", "Baltimore city, Maryland", state="MD"),
    record("1600000US1720292", "Dolton village, Illinois", state="IL"),
]


@pytest.fixture
def profiles(tmp_path) -> None:
    path = tmp_path / "acs.json"
    path.write_text(json.dumps(NC_PROFILES))
    call_command("import_census", "--file", str(path), stdout=StringIO())


def match(*args: str) -> str:
    out = StringIO()
    call_command("match_census_profiles", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(databases="__all__")
def test_proposals_then_apply_never_overwrite(profiles) -> None:
    names = [
        "Durham Police Department", "Durham County Sheriff's Office",
        "Winston-Salem Police Dept.", "Elizabeth City Police Department",
        "Wake Forest Police Department", "Charlotte-Mecklenburg Police Department",
        "NC State University Police Department", "NC State Highway Patrol",
        "Franklin Police Department", "Asheville Police Department",
    ]
    agencies = {name: NCAgency.objects.create(name=name) for name in names}
    raleigh = NCAgency.objects.create(name="Raleigh Police Department",
                                      census_profile_id="1600000US3799999")  # set by hand
    output = match("nc")
    assert (f"{agencies['Durham Police Department'].pk}\tDurham Police Department -> "
            "1600000US3719000\tDurham city, North Carolina") in output
    assert ("Durham County Sheriff's Office -> 0500000US37063\tDurham County, "
            "North Carolina") in output
    assert "Winston-Salem Police Dept. -> 1600000US3775000" in output
    assert "Elizabeth City Police Department -> 1600000US3720580" in output
    assert "Wake Forest Police Department -> 1600000US3770540" in output
    assert ("Charlotte-Mecklenburg Police Department: no proposal (no place "
            "'charlotte mecklenburg' in North Carolina)") in output
    assert ("NC State University Police Department: no proposal (not a municipal police "
            "or county agency)") in output
    assert "NC State Highway Patrol: no proposal" in output
    assert ("Franklin Police Department: no proposal (several places fit: Franklin town, "
            "North Carolina; Franklin village, North Carolina)") in output
    assert "Asheville Police Department: no proposal (no place 'asheville'" in output
    assert "Raleigh" not in output
    assert output.endswith("5 proposed, 5 without a match, 1 already linked (left alone); "
                           "run again with --apply to store them\n")
    assert set(NCAgency.objects.values_list("census_profile_id", flat=True)) == {
        "", "1600000US3799999"}  # a dry run writes nothing

    # An operator links Durham's department by hand between the dry run and --apply.
    NCAgency.objects.filter(name="Durham Police Department").update(
        census_profile_id="1600000US3700001")
    version = StateFacts.objects.get(state_key="nc").data_version
    output = match("nc", "--apply")
    assert StateFacts.objects.get(state_key="nc").data_version == version + 1
    assert output.endswith("4 proposed, 5 without a match, 2 already linked (left alone); "
                           "4 applied\n")
    linked = dict(NCAgency.objects.values_list("name", "census_profile_id"))
    assert linked["Durham Police Department"] == "1600000US3700001"
    assert linked["Durham County Sheriff's Office"] == "0500000US37063"
    assert linked["Winston-Salem Police Dept."] == "1600000US3775000"
    assert linked["Charlotte-Mecklenburg Police Department"] == ""
    assert linked["NC State Highway Patrol"] == ""
    raleigh.refresh_from_db()
    assert raleigh.census_profile_id == "1600000US3799999"
    assert match("nc", "--apply").endswith("0 proposed, 5 without a match, 6 already linked "
                                           "(left alone); 0 applied\n")


@pytest.mark.django_db(databases="__all__")
def test_md_and_il_names_match_their_own_state(profiles) -> None:
    county = MDAgency.objects.create(name="Baltimore County Police Department", code="BACOPD")
    city = MDAgency.objects.create(name="Baltimore City Police Department", code="BPD")
    state = MDAgency.objects.create(name="Maryland State Police", code="MSP")
    match("md", "--apply")
    assert [MDAgency.objects.get(pk=a.pk).census_profile_id for a in (county, city, state)] == [
        "0500000US24005", "1600000US2404000", ""]
    dolton = ILAgency.objects.create(name="DOLTON POLICE", code="10011")
    durham = ILAgency.objects.create(name="Durham Police Department", code="1")  # NC's
    match("il", "--apply")
    assert ILAgency.objects.get(pk=dolton.pk).census_profile_id == "1600000US1720292"
    assert ILAgency.objects.get(pk=durham.pk).census_profile_id == ""


@pytest.mark.django_db(databases="__all__")
def test_matching_needs_profiles() -> None:
    with pytest.raises(CommandError, match="run import_census first"):
        match("nc")

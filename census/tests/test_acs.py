"""The Census API client: which variables each state asks for, and what it makes of the
answers of a local server that behaves like the Census API."""

from __future__ import annotations

import pytest

from census import acs
from census.records import census_records_validate
from census.tests.fakes import Area, FakeCensus, counts_nc, counts_race_alone, fake_census_api

NC_VARIABLES = {
    "B03002_001E", "B03002_003E", "B03002_004E", "B03002_005E", "B03002_006E",
    "B03002_007E", "B03002_008E", "B03002_009E", "B03002_012E", "B03002_002E",
}
RACE_ALONE_VARIABLES = {
    "C02003_001E", "C02003_003E", "C02003_004E", "C02003_005E", "C02003_006E",
    "C02003_007E", "C02003_008E", "C02003_009E", "B03002_012E", "B03002_002E",
}


def test_variables_per_state() -> None:
    assert set(acs.acs_variables("NC").values()) == NC_VARIABLES
    for state in ("MD", "IL"):
        assert set(acs.acs_variables(state).values()) == RACE_ALONE_VARIABLES
    for state in ("NC", "MD", "IL"):
        fields = acs.acs_get_fields(state)
        assert len(fields) == 2 + 10 and fields[:2] == ["NAME", "GEO_ID"]
        assert set(acs.acs_variables(state)) == set(acs.COUNT_KEYS)
    assert acs.acs_variables("NC")["hispanic"] == acs.acs_variables("IL")["hispanic"]
    assert acs.acs_variables("NC")["white"] == "B03002_003E"  # white, not Hispanic
    assert acs.acs_variables("MD")["white"] == "C02003_003E"  # white alone


def test_race_keys_and_what_they_add_up_to() -> None:
    assert acs.RACE_KEYS == ("white", "black", "native_american", "asian", "native_hawaiian",
                             "other", "two_or_more_races")
    assert len(acs.COUNT_KEYS) == 10 and len(acs.RECORD_KEYS) == 15
    assert acs.races_add_up_to("NC") == "non_hispanic"
    assert acs.races_add_up_to("MD") == acs.races_add_up_to("IL") == "total"


def test_unknown_state_raises_key_error() -> None:
    with pytest.raises(KeyError):
        acs.acs_variables("NY")
    with pytest.raises(KeyError):
        acs.acs_get_fields("NY")


def test_source_names_the_five_year_period() -> None:
    assert acs.acs_source(2016) == "ACS 5-Year Data (2012-2016)"
    assert acs.acs_source(2022) == "ACS 5-Year Data (2018-2022)"


def sample_areas() -> list[Area]:
    return [
        Area("NC", "county", "063", "Durham County, North Carolina",
             counts_nc(300_000, 40_000, [120_000, 100_000, 1_000, 15_000, 200, 800, 23_000])),
        Area("NC", "place", "19000", "Durham city, North Carolina",
             counts_nc(260_000, 35_000, [95_000, 100_000, 700, 14_000, 100, 600, 14_600])),
        Area("NC", "place", "09000", "Butner CDP, North Carolina",  # not a municipality
             counts_nc(8_000, 500, [4_000, 3_000, 50, 50, 0, 100, 300])),
        Area("MD", "county", "510", "Baltimore city, Maryland",
             counts_race_alone(600_000, 30_000, [170_000, 370_000, 2_000, 15_000, 300,
                                                 12_000, 30_700])),
        Area("MD", "place", "04000", "Baltimore city, Maryland",
             counts_race_alone(600_000, 30_000, [170_000, 370_000, 2_000, 15_000, 300,
                                                 12_000, 30_700])),
        Area("IL", "place", "20292", "Dolton village, Illinois",
             counts_race_alone(23_000, 1_000, [2_000, 20_000, 50, 40, 0, 500, 410])),
    ]


def test_records_from_the_census_api() -> None:
    with fake_census_api(FakeCensus(sample_areas())) as census:
        records = acs.acs_records(year=2016, key="test-key", base_url=census.url)
    # Counties then places of each state; IL has no county here; the CDP is left out.
    assert [(r["state"], r["geography"], r["location"]) for r in records] == [
        ("NC", "county", "Durham County, North Carolina"),
        ("NC", "place", "Durham city, North Carolina"),
        ("MD", "county", "Baltimore city, Maryland"),
        ("MD", "place", "Baltimore city, Maryland"),
        ("IL", "place", "Dolton village, Illinois"),
    ]
    durham = records[1]
    assert list(durham) == list(acs.RECORD_KEYS)
    assert durham["id"] == "1600000US3719000"
    assert durham["source"] == "ACS 5-Year Data (2012-2016)"
    assert (durham["white"], durham["hispanic"], durham["total"]) == (95_000, 35_000, 260_000)
    assert all(isinstance(durham[key], int) for key in acs.COUNT_KEYS)
    assert len(census_records_validate(records)) == 5  # the sums hold for both tables

    # Six queries: counties and places of each state, with the state's variables and key.
    assert [(q["path"], q["for"], q["in"]) for q in census.requests] == [
        ("/data/2016/acs/acs5", geography, f"state:{fips}")
        for fips in ("37", "24", "17") for geography in ("county:*", "place:*")
    ]
    for query in census.requests:
        fields = query["get"].split(",")
        state = {"state:37": "NC", "state:24": "MD", "state:17": "IL"}[query["in"]]
        assert fields == acs.acs_get_fields(state)
        assert query["key"] == "test-key"


def test_api_failures_are_reported_without_the_key() -> None:
    with fake_census_api(FakeCensus(sample_areas())) as census:
        with pytest.raises(acs.CensusApiError, match="not JSON") as invalid_key:
            acs.acs_records(year=2016, key="wrong-key", base_url=census.url)
        assert "wrong-key" not in str(invalid_key.value)
        with pytest.raises(acs.CensusApiError, match="HTTP 404"):
            acs.acs_records(year=1999, key="test-key", base_url=census.url)
    with pytest.raises(acs.CensusApiError, match="Failed to access the Census API"):
        acs.acs_records(year=2016, key="test-key", base_url=census.url)  # server stopped


def test_missing_estimates_reach_validation_as_they_are() -> None:
    """The API marks unavailable estimates with negative numbers; they are kept so that
    validation refuses the record by name instead of storing a wrong count."""
    areas = sample_areas()[:1]
    areas[0].counts["asian"] = -666666666
    with fake_census_api(FakeCensus(areas)) as census:
        records = acs.acs_records(year=2016, key="test-key", base_url=census.url,
                                  states=("NC",))
    assert records[0]["asian"] == -666666666

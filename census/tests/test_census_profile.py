"""A profile's API dict, and the sums every generated profile satisfies."""

from __future__ import annotations

from census.acs import COUNT_KEYS, RACE_KEYS, RECORD_KEYS, races_add_up_to
from census.models import CensusProfile
from census.records import census_records_validate
from census.sample_data import sample_geographies, sample_records

API_KEYS = {"white", "black", "native_american", "asian", "other", "hispanic", "non_hispanic",
            "total"}


def test_census_dict_keys_and_other() -> None:
    profile = CensusProfile(
        geoid="0500000US37063", year=2016, location="Durham County, North Carolina",
        geography="county", state="NC", source="ACS 5-Year Data (2012-2016)", white=40,
        black=30, native_american=2, asian=5, native_hawaiian=1, other=3,
        two_or_more_races=4, hispanic=15, non_hispanic=85, total=100,
    )
    census = profile.get_census_dict()
    assert set(census) == API_KEYS
    assert census["other"] == 3 + 1 + 4
    assert sum(census[key] for key in ("white", "black", "native_american", "asian",
                                       "other")) + census["hispanic"] == census["total"]
    assert str(profile) == "Durham County, North Carolina"


def test_sample_records_keys_and_sums() -> None:
    records = sample_records()
    assert len(records) > 400
    for record in records:
        label = f"{record['location']} {record['source']}"
        assert list(record) == list(RECORD_KEYS), label
        races = sum(record[key] for key in RACE_KEYS)
        assert record["hispanic"] + record["non_hispanic"] == record["total"], label
        assert races == record[races_add_up_to(record["state"])], label
        if record["state"] == "NC":  # the shown races and Hispanic people make everyone
            assert races + record["hispanic"] == record["total"], label
        else:
            assert races == record["total"], label
        assert all(record[key] >= 0 for key in COUNT_KEYS), label


def test_sample_file_covers_every_geography_in_two_vintages() -> None:
    records = census_records_validate(sample_records())
    assert {record.year for record in records} == {2016, 2022}
    geoids = [geoid for _, _, geoid, _ in sample_geographies()]
    assert len(geoids) == len(set(geoids))
    assert len(records) == 2 * len(geoids)
    assert "0500000US37063" in geoids  # Durham County's real FIPS code
    assert "0500000US24510" in geoids  # Baltimore city, MD's county equivalent

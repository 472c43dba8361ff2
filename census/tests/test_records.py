"""Bad census input is refused as a whole, with a message naming the record and the rule."""

from __future__ import annotations

import pytest

from census.records import CensusRecordError, census_records_parse, census_records_validate
from census.tests.fakes import record

DURHAM = ("0500000US37063", "Durham County, North Carolina")


def refused(records: list, **options) -> str:
    with pytest.raises(CensusRecordError) as error:
        census_records_validate(records, **options)
    return str(error.value)


def test_valid_records_and_their_vintage() -> None:
    valid = census_records_validate([record(*DURHAM), record(*DURHAM, year=2022),
                                     record("1600000US2404000", "Baltimore city, Maryland",
                                            state="MD")])
    assert [(r.year, r.values["id"]) for r in valid] == [
        (2016, "0500000US37063"), (2022, "0500000US37063"), (2016, "1600000US2404000")]


def test_missing_and_unexpected_keys() -> None:
    incomplete = record(*DURHAM)
    del incomplete["total"]
    message = refused([record("1600000US3719000", "Durham city, North Carolina"), incomplete])
    assert message == ("record 2 ('0500000US37063', 'Durham County, North Carolina'): "
                       "missing key(s) total")
    assert "unexpected key(s) year" in refused([{**record(*DURHAM), "year": 2016}])


def test_negative_and_non_numeric_counts() -> None:
    assert refused([record(*DURHAM, asian=-4)]) == (
        "record 1 ('0500000US37063', 'Durham County, North Carolina'): asian is negative (-4)")
    assert "white must be a whole number, got '12'" in refused([record(*DURHAM, white="12")])
    assert "total must be a whole number, got True" in refused([record(*DURHAM, total=True)])
    assert "too large" in refused([record(*DURHAM, total=3_000_000_000)])
    # Whole numbers written as floats (a data frame's JSON) are fine.
    assert census_records_validate([record(*DURHAM, total=100.0)])[0].values["total"] == 100


def test_sums_must_hold() -> None:
    message = refused([record(*DURHAM, total=101, non_hispanic=91, white=50)])
    assert message.startswith("record 1 ('0500000US37063', 'Durham County, North Carolina'):")
    assert "the seven races add up to 90, but non_hispanic is 91" in message
    assert "hispanic + non_hispanic = 100, but total is 120" in refused(
        [record(*DURHAM, total=120)])
    # MD's races (C02003) include Hispanic people, so they must add up to the total.
    md = record("0500000US24005", "Baltimore County, Maryland", state="MD", white=50)
    assert census_records_validate([{**md, "white": 60}])
    assert "the seven races add up to 90, but total is 100" in refused([md])


def test_identity_fields() -> None:
    assert "state must be one of NC, MD, IL, got 'NY'" in refused([record(*DURHAM, state="NY")])
    assert "geography must be one of county, place" in refused(
        [record(*DURHAM, geography="tract")])
    assert "is not a Census GEO_ID" in refused([record("37063", "Durham County")])
    assert "location must be a text" in refused([record("0500000US37063", "")])


def test_vintage_rules() -> None:
    no_year = {**record(*DURHAM), "source": "ACS 5-Year Data"}
    assert "names no ACS year; give the vintage" in refused([no_year])
    assert census_records_validate([no_year], year=2019)[0].year == 2019
    assert "is not vintage 2022" in refused([record(*DURHAM)], year=2022)
    twice = [record(*DURHAM), record("1600000US3719000", "Durham city"), record(*DURHAM)]
    assert refused(twice) == (
        "record 3 ('0500000US37063', 'Durham County, North Carolina'): GEOID 0500000US37063 "
        "appears twice in vintage 2016 (also record 1)")


def test_file_level_errors() -> None:
    with pytest.raises(CensusRecordError, match="acs.json is not valid JSON"):
        census_records_parse(b"[{", origin="acs.json")
    with pytest.raises(CensusRecordError, match="must hold a JSON list of records, not dict"):
        census_records_parse(b'{"id": 1}', origin="acs.json")
    with pytest.raises(CensusRecordError, match="holds no records"):
        census_records_parse(b"[]", origin="acs.json")
    assert refused(["0500000US37063"]) == "record 1 is not an object: '0500000US37063'"

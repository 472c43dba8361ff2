"""``import_census`` against real PostgreSQL: from a file, a URL (local server) and the Census
API (local fake); vintages side by side; a vintage replaced in one transaction or not at all."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from census.models import CensusProfile
from census.selectors import census_profiles_by_geoid, census_years
from census.tests.fakes import (
    Area,
    FakeCensus,
    counts_nc,
    counts_race_alone,
    fake_census_api,
    file_server,
    record,
)
from tsdata.models import StateFacts

pytestmark = pytest.mark.django_db(databases="__all__")
DURHAM_COUNTY = ("0500000US37063", "Durham County, North Carolina")
DURHAM_CITY = ("1600000US3719000", "Durham city, North Carolina")
BALTIMORE = ("1600000US2404000", "Baltimore city, Maryland")


def write(path: Path, records: list[dict]) -> Path:
    path.write_text(json.dumps(records))
    return path


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_census", *args, stdout=out)
    return out.getvalue()


def stored() -> set[tuple[str, int, int]]:
    return set(CensusProfile.objects.values_list("geoid", "year", "total"))


def test_import_from_file(tmp_path) -> None:
    path = write(tmp_path / "acs.json", [
        record(*DURHAM_COUNTY, total=1000, non_hispanic=990),
        record(*DURHAM_CITY),
        record(*BALTIMORE, state="MD"),
    ])
    versions = dict(StateFacts.objects.values_list("state_key", "data_version"))
    assert run("--file", str(path)) == "ACS 2016: 3 profiles (MD, NC), 0 replaced\n"
    # Cached dashboards of NC and MD show census figures: their data versions move on.
    assert dict(StateFacts.objects.values_list("state_key", "data_version")) == {
        **versions, "nc": versions["nc"] + 1, "md": versions["md"] + 1}
    durham = CensusProfile.objects.get(geoid=DURHAM_COUNTY[0])
    assert (durham.year, durham.location, durham.geography, durham.state) == (
        2016, DURHAM_COUNTY[1], "county", "NC")
    assert (durham.white, durham.hispanic, durham.non_hispanic, durham.total) == (
        950, 10, 990, 1000)
    assert durham.source == "ACS 5-Year Data (2012-2016)"
    assert CensusProfile.objects.count() == 3


def test_import_from_url_and_the_default_url(tmp_path, settings) -> None:
    body = json.dumps([record(*DURHAM_CITY), record(*DURHAM_COUNTY)]).encode()
    with file_server({"/acs-2016.json": body}) as base:
        assert "ACS 2016: 2 profiles (NC)" in run("--url", f"{base}/acs-2016.json")
        with pytest.raises(CommandError, match=f"Failed to access {base}/missing.json "
                                               r"\(HTTP 404\)"):
            run("--url", f"{base}/missing.json")
        settings.CENSUS_DEFAULT_URL = f"{base}/acs-2016.json"
        assert "2 profiles (NC), 2 replaced" in run()  # no source: the pre-built file
    assert {geoid for geoid, _, _ in stored()} == {DURHAM_CITY[0], DURHAM_COUNTY[0]}
    with pytest.raises(CommandError, match="Failed to access http://127.0.0.1:9/x.json"):
        run("--url", "http://127.0.0.1:9/x.json")  # nothing listens on port 9


def test_import_from_the_census_api(settings) -> None:
    areas = [
        Area("NC", "county", "063", DURHAM_COUNTY[1],
             counts_nc(300_000, 40_000, [120_000, 100_000, 1_000, 15_000, 200, 800, 23_000])),
        Area("NC", "place", "19000", DURHAM_CITY[1],
             counts_nc(260_000, 35_000, [95_000, 100_000, 700, 14_000, 100, 600, 14_600])),
        Area("NC", "place", "09000", "Butner CDP, North Carolina",
             counts_nc(8_000, 500, [4_000, 3_000, 50, 50, 0, 100, 300])),
        Area("IL", "county", "031", "Cook County, Illinois",
             counts_race_alone(5_000_000, 1_300_000, [2_900_000, 1_200_000, 20_000,
                                                      370_000, 2_000, 350_000, 158_000])),
    ]
    with fake_census_api(FakeCensus(areas)) as census:
        settings.CENSUS_API_URL, settings.CENSUS_API_KEY = census.url, census.key
        assert run("--use-api", "--year", "2022") == (
            "ACS 2022: 3 profiles (IL, NC), 0 replaced\n")
        printed = json.loads(run("--use-api", "--year", "2022", "--output", "--indent", "2"))
        with pytest.raises(CommandError, match="--use-api needs the ACS vintage"):
            run("--use-api")
        settings.CENSUS_API_KEY = "expired"
        with pytest.raises(CommandError, match="is not JSON"):
            run("--use-api", "--year", "2022")
    assert {(geoid, year) for geoid, year, _ in stored()} == {
        (DURHAM_COUNTY[0], 2022), (DURHAM_CITY[0], 2022), ("0500000US17031", 2022)}
    cook = CensusProfile.objects.get(geoid="0500000US17031")
    assert (cook.white, cook.hispanic, cook.total, cook.source) == (
        2_900_000, 1_300_000, 5_000_000, "ACS 5-Year Data (2018-2022)")
    assert [item["location"] for item in printed] == [
        DURHAM_COUNTY[1], DURHAM_CITY[1], "Cook County, Illinois"]
    assert len(census.requests) == 6 + 6 + 1  # two full runs, the expired key's first query


def test_output_prints_instead_of_importing(tmp_path) -> None:
    path = write(tmp_path / "acs.json", [record(*DURHAM_CITY, total=100.0)])
    text = run("--file", str(path), "--output", "--indent", "4")
    assert json.loads(text) == [record(*DURHAM_CITY)]
    assert '\n    {\n        "id": "1600000US3719000"' in "\n" + text
    assert CensusProfile.objects.count() == 0


def test_vintages_side_by_side_and_replaced_one_at_a_time(tmp_path) -> None:
    run("--file", str(write(tmp_path / "a.json", [
        record(*DURHAM_CITY, year=2016), record(*DURHAM_COUNTY, year=2016),
        record(*DURHAM_CITY, year=2022, total=110, non_hispanic=100),
    ])))
    assert census_years() == [2022, 2016]
    # A new 2016 file replaces all of 2016 (Durham County is gone), 2022 is untouched.
    output = run("--file", str(write(tmp_path / "b.json", [
        record(*DURHAM_CITY, year=2016, total=105, non_hispanic=95),
    ])))
    assert output == "ACS 2016: 1 profiles (NC), 2 replaced\n"
    assert stored() == {(DURHAM_CITY[0], 2016, 105), (DURHAM_CITY[0], 2022, 110)}


def test_newest_vintage_is_the_default(tmp_path) -> None:
    run("--file", str(write(tmp_path / "a.json", [
        record(*DURHAM_CITY, year=2016), record(*DURHAM_COUNTY, year=2016),
        record(*DURHAM_CITY, year=2022, total=110, non_hispanic=100),
        record(*DURHAM_CITY, year=2019, total=107, non_hispanic=97),
    ])))
    newest = census_profiles_by_geoid([DURHAM_CITY[0], DURHAM_COUNTY[0], "0500000US37001"])
    assert {geoid: (p.year, p.total) for geoid, p in newest.items()} == {
        DURHAM_CITY[0]: (2022, 110),  # its newest vintage
        DURHAM_COUNTY[0]: (2016, 100),  # only in 2016: still shown
    }
    in_2019 = census_profiles_by_geoid([DURHAM_CITY[0], DURHAM_COUNTY[0]], year=2019)
    assert {geoid: p.total for geoid, p in in_2019.items()} == {DURHAM_CITY[0]: 107}


def test_bad_input_is_refused_and_changes_nothing(tmp_path) -> None:
    run("--file", str(write(tmp_path / "good.json", [record(*DURHAM_CITY),
                                                     record(*DURHAM_COUNTY)])))
    before = stored()
    versions = dict(StateFacts.objects.values_list("state_key", "data_version"))
    bad = write(tmp_path / "bad.json", [record(*DURHAM_CITY), record(*DURHAM_COUNTY, black=-1)])
    with pytest.raises(CommandError, match=r"record 2 \('0500000US37063', 'Durham County, "
                                           r"North Carolina'\): black is negative \(-1\)"):
        run("--file", str(bad))
    with pytest.raises(CommandError, match="missing.json"):
        run("--file", str(tmp_path / "missing.json"))
    (tmp_path / "broken.json").write_text('[{"id": ')
    with pytest.raises(CommandError, match="broken.json is not valid JSON"):
        run("--file", str(tmp_path / "broken.json"))
    assert stored() == before
    assert dict(StateFacts.objects.values_list("state_key", "data_version")) == versions


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_a_vintage_is_replaced_in_one_transaction(tmp_path) -> None:
    """The database refuses the last row of the new vintage (a trigger, i.e. a real failure
    after the old rows were deleted and most new ones written): the old vintage stays."""
    run("--file", str(write(tmp_path / "old.json", [
        record(*DURHAM_CITY, year=2016), record(*DURHAM_COUNTY, year=2016),
        record(*DURHAM_CITY, year=2022, total=110, non_hispanic=100),
    ])))
    before = stored()
    with connections["default"].cursor() as cursor:
        cursor.execute("""
            CREATE FUNCTION census_test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.geoid = '1600000US3755000' THEN
                    RAISE EXCEPTION 'refused by the test';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER census_test_refuse BEFORE INSERT ON tsdata_censusprofile
                FOR EACH ROW EXECUTE FUNCTION census_test_refuse();
        """)
    try:
        new = [record(*DURHAM_COUNTY, year=2016, total=200, non_hispanic=190),
               record("1600000US3755000", "Raleigh city, North Carolina", year=2016)]
        with pytest.raises(CommandError, match="Census import failed, nothing was changed: "
                                               "refused by the test"):
            run("--file", str(write(tmp_path / "new.json", new)))
        assert stored() == before
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute("DROP TRIGGER census_test_refuse ON tsdata_censusprofile; "
                           "DROP FUNCTION census_test_refuse()")

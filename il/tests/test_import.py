"""End-to-end IL imports into real PostgreSQL: table contents, stable ids, bad input."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from il.models import Agency, Stop
from il.normalize import RAW_COLUMNS, csv_records
from il.sample_data import sample_zip_write
from tsdata.models import StateFacts

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference-data"
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)
HEADER = ",".join(RAW_COLUMNS)


def _csv_zip(tmp_path: Path, text: str, name: str = "il.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ILtrafficstops.csv", text)
    return path


def test_sample_import_matches_the_raw_counts(tmp_path):
    archive = sample_zip_write(out_dir=tmp_path, stops=3_000, seed=2)
    call_command("import_il", zip_path=archive)
    raw = list(csv_records(archive))
    assert Stop.objects.count() == len(raw)
    assert list(Stop.objects.order_by("stop_id").values_list("stop_id", flat=True)) == list(
        range(1, len(raw) + 1))
    # Counts per normalised category equal counts of the raw values they come from.
    assert Counter(Stop.objects.values_list("ethnicity", flat=True)) == Counter(
        "U" if r[3] == "O" else r[3] for r in raw)
    assert Counter(Stop.objects.values_list("search_conducted", flat=True)) == Counter(
        r[4] or "U" for r in raw)
    assert Counter(Stop.objects.values_list("seized", flat=True)) == Counter(
        r[5] or "U" for r in raw)
    purposes = {"Moving Violation": 1, "Equipment": 2, "Registration": 3}
    assert Counter(Stop.objects.values_list("purpose", flat=True)) == Counter(
        purposes.get(r[6], 11) for r in raw)
    assert Counter(Stop.objects.values_list("gender", flat=True)) == Counter(r[2] for r in raw)
    first = Stop.objects.get(stop_id=1)
    assert (first.year, first.agency_description, first.agency.code) == (
        int(raw[0][7]), raw[0][0], raw[0][0])
    facts = StateFacts.objects.get(state_key="il")
    assert (facts.start_date, facts.end_date) == ("2005", "2014")
    assert facts.total_stops == len(raw)
    assert facts.total_searches == sum(r[4] == "Y" for r in raw)


def test_malformed_rows_are_rejected_and_reported(tmp_path, capsys):
    text = (HEADER + "\n10011,DOLTON POLICE,M,O,,,Equipment,2014\n"
            "10011,DOLTON POLICE,M,W,N,N,Equipment\n"
            "10011,DOLTON POLICE,MALE,W,N,N,Equipment,2014\n"
            "10011,DOLTON POLICE,F,B,Y,Y,Moving Violation,20x4\n")
    call_command("import_il", zip_path=_csv_zip(tmp_path, text))
    out = capsys.readouterr().out
    assert "read 4, loaded 1, rejected 3" in out
    assert "rejected 1: 7 fields instead of 8" in out
    assert "rejected 1: gender longer than 1 characters" in out
    stop = Stop.objects.get()
    assert (stop.ethnicity, stop.search_conducted, stop.seized, stop.purpose) == ("U", "U", "U", 2)


def test_wrong_header_and_non_zip_leave_live_data_untouched(tmp_path):
    call_command("import_il", zip_path=_csv_zip(
        tmp_path, HEADER + "\n1,A,M,W,N,N,Equipment,2010\n", name="good.zip"))
    before = list(Stop.objects.values_list("stop_id", "year", "agency_id"))
    bad = _csv_zip(tmp_path, HEADER.replace("Race", "Ethnicity") + "\n1,A,M,W,N,N,E,2010\n")
    with pytest.raises(CommandError, match="expected 'agencycode,agencyname,Gender,Race"):
        call_command("import_il", zip_path=bad)
    not_zip = tmp_path / "x.zip"
    not_zip.write_bytes(b"PK but not really")
    with pytest.raises(CommandError, match="is not a (valid )?zip file"):
        call_command("import_il", zip_path=not_zip)
    assert list(Stop.objects.values_list("stop_id", "year", "agency_id")) == before


def test_reference_crosswalk_gives_names_and_the_original_ids(tmp_path):
    path = REFERENCE / "IL_agencies.csv"
    if not path.is_file():
        pytest.skip(f"reference data not present ({path})")
    call_command("load_agency_crosswalk", "il", str(path))
    assert Agency.objects.get(code="10011").name == "Dolton Police"
    landing_ids = {"Illinois State Police": 446, "Chicago Police": 168, "Aurora Police": 43,
                   "Hoffman Estates Police": 431, "Springfield Police": 895}
    assert {name: Agency.objects.get(name=name).id for name in landing_ids} == landing_ids
    text = (HEADER + "\n10011,DOLTON POLICE,M,W,N,N,Equipment,2014\n"
            "910011,NOWHERE,F,B,N,N,Equipment,2014\n")
    call_command("import_il", zip_path=_csv_zip(tmp_path, text))
    assert Stop.objects.get(stop_id=1).agency_description == "Dolton Police"
    assert Stop.objects.get(stop_id=1).agency == Agency.objects.get(code="10011")
    assert Stop.objects.get(stop_id=2).agency_description == "910011"
    assert Agency.objects.count() == 1063
    # Once stops are published, ids never move again, whatever the next file holds.
    ids = dict(Agency.objects.values_list("code", "id"))
    call_command("import_il", zip_path=_csv_zip(
        tmp_path, HEADER + "\n99,NEW,M,W,N,N,Equipment,2014\n" + text.split("\n", 1)[1],
        name="second.zip"))
    assert {c: i for c, i in Agency.objects.values_list("code", "id") if c in ids} == ids
    assert Agency.objects.get(code="99").id == 1064

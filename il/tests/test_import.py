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


def test_failed_import_carries_its_report(tmp_path):
    from il.services import il_import_run
    from tsdata.imports.sources import SourceError

    bad = _csv_zip(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ValueError, match="expected 'agencycode") as caught:
        il_import_run(zip_path=bad)
    assert caught.value.report.successful is False
    assert "expected 'agencycode" in caught.value.report.error
    with pytest.raises(SourceError):
        il_import_run(zip_path=tmp_path / "missing.zip")


def test_api_answers_follow_the_import_without_a_manual_rebuild(tmp_path):
    from django.core.cache import cache
    from django.db.models import Count
    from rest_framework.test import APIClient

    from il.models import ETHNICITY_CHOICES

    cache.clear()
    call_command("import_il", zip_path=sample_zip_write(out_dir=tmp_path, stops=2_000, seed=9))
    agency = Agency.objects.get(code="20001")
    response = APIClient().get(f"/il/api/agency/{agency.pk}/searches/")
    assert response.status_code == 200
    labels = dict(ETHNICITY_CHOICES)
    expected: dict[int, dict[str, int]] = {}
    for row in (Stop.objects.filter(agency=agency, search_conducted="Y")
                .values("year", "ethnicity").annotate(n=Count("stop_id"))):
        expected.setdefault(row["year"], dict.fromkeys(labels.values(), 0))[
            labels[row["ethnicity"]]] += row["n"]
    assert response.json() == [
        {"year": year, **counts} for year, counts in sorted(expected.items())]

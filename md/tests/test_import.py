"""End-to-end MD imports into real PostgreSQL: table contents, stable ids, bad input."""

from __future__ import annotations

import csv
import zipfile
from datetime import datetime
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from md.models import Agency, Stop
from md.normalize import RAW_COLUMNS
from md.sample_data import sample_zip_write, workbook_write
from tsdata.models import StateFacts

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference-data"
pytestmark = pytest.mark.django_db(databases="__all__", transaction=True)
NEW_YORK = ZoneInfo("America/New_York")


def _crosswalk(tmp_path: Path, rows: list[tuple[str, str, str]]) -> Path:
    path = tmp_path / "crosswalk.csv"
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Agency Code", "Agency Name", "GEOID"])
        writer.writerows(rows)
    return path


def _workbook_zip(tmp_path: Path, sheets, name: str = "book.zip") -> Path:
    book = tmp_path / "book.xlsx"
    workbook_write(book, sheets)
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.write(book, book.name)
    return path


def _raw_row(**values: str) -> list[str]:
    row = dict.fromkeys(RAW_COLUMNS, "")
    row.update(STOPDATE="03/04/13", TIME_OF_STOP="00:21", STOP_REASON="21-801", AGENCY="MSP",
               GENDER="M", ETHNICITY="WHITE", SEIZED="Nothing", DOB="05/27/89",
               OFFICERID="4711", SEARCH_CONDUCTED="N", LOCATION="I-95")
    row.update(values)
    return [row[column] for column in RAW_COLUMNS]


def test_sample_import_loads_normalised_rows(tmp_path):
    call_command("load_agency_crosswalk", "md", str(_crosswalk(tmp_path, [
        ("MSP", "Maryland State Police", "0500000US24001"),
        ("BACOPD", "Baltimore County Police Department", ""),
    ])))
    archive = sample_zip_write(out_dir=tmp_path, stops=400, seed=5)
    call_command("import_md", zip_path=archive)

    stops = Stop.objects.order_by("stop_id")
    count = stops.count()
    assert list(stops.values_list("stop_id", flat=True)) == list(range(1, count + 1))
    assert 250 < count < 400
    # Row 1 of the sample: 01/02/13 11:23, 21-202(h1), M, WHITE, Nothing, DOB 05/27/89, MSP.
    first = stops.first()
    assert first.date == datetime(2013, 1, 2, 11, 23, tzinfo=NEW_YORK)
    assert (first.stop_date_text, first.stop_time_text) == ("01/02/13", "11:23")
    assert (first.stop_reason, first.purpose, first.gender, first.ethnicity) == (
        "21-202", 2, "M", "W")
    assert (first.seized, first.age, first.officer_id) == ("N", 23, "4711")
    assert first.agency_description == "Maryland State Police"
    assert first.agency.name == "Maryland State Police"
    assert first.stop_location == "I-95 N AT EXIT 27"
    # Values that need escaping in COPY arrive intact; '' is NULL where the original did so.
    assert Stop.objects.filter(stop_location="US 50\tE").exists()
    assert Stop.objects.filter(stop_location="RT 1 \\ 2").exists()
    assert Stop.objects.filter(duration_text=None).exists()
    assert not Stop.objects.filter(duration_text="").exists()
    assert Stop.objects.filter(officer_id="").exists()
    assert not Stop.objects.filter(purpose__in=(7, 10)).exists()
    assert not Stop.objects.filter(date__lt=datetime(2013, 1, 1, tzinfo=NEW_YORK)).exists()
    assert set(Stop.objects.values_list("gender", flat=True)) == {"M", "F", "U"}
    assert set(Stop.objects.values_list("ethnicity", flat=True)) == set("WBHAIU")
    assert set(Stop.objects.values_list("seized", flat=True)) == {"Y", "N"}
    # Agencies: stop names follow the registry; an unknown code is its own name.
    assert Agency.objects.get(code="ZZSAMPLE").name == "ZZSAMPLE"
    for stop in Stop.objects.select_related("agency")[:50]:
        assert stop.agency_description == stop.agency.name
    # Facts and data version follow the import (docs/decisions.md, "Dataset facts for every
    # state after every import").
    facts = StateFacts.objects.get(state_key="md")
    assert facts.total_stops == count
    assert facts.total_searches == Stop.objects.filter(search_conducted="Y").count()
    assert facts.data_version >= 1
    assert facts.topagencyfacts_set.get(rank=1).stops > 0


def test_row_counts_add_up_and_reimport_keeps_ids_and_admin_edits(tmp_path):
    archive = sample_zip_write(out_dir=tmp_path, stops=300, seed=1)
    call_command("import_md", zip_path=archive)
    ids = dict(Agency.objects.values_list("code", "id"))
    msp = Agency.objects.get(code="MSP")
    msp.name, msp.census_profile_id = "Maryland State Police (edited)", "1600000US2400000"
    msp.save()
    version = StateFacts.objects.get(state_key="md").data_version

    rows = [_raw_row(AGENCY="NEWCODE", STOP_REASON="99-999(a)"),
            _raw_row(AGENCY="MSP", DOB="02/30/85", OFFICERID="")]
    out = StringIO()
    call_command("import_md", zip_path=_workbook_zip(
        tmp_path, [("Sheet1", list(RAW_COLUMNS), iter(rows))]), stdout=out)
    assert ("1 stops have a stop reason outside the purpose table (purpose 11), 1 distinct; "
            "most frequent: '99-999' (1)") in out.getvalue()
    assert "new agency codes registered: NEWCODE" in out.getvalue()

    assert {code: ids[code] for code in ids} == {
        code: pk for code, pk in Agency.objects.values_list("code", "id") if code in ids}
    assert Agency.objects.get(code="NEWCODE").id == max(ids.values()) + 1
    msp.refresh_from_db()
    assert (msp.name, msp.census_profile_id) == (
        "Maryland State Police (edited)", "1600000US2400000")
    second = Stop.objects.get(stop_id=2)
    assert (second.age, second.officer_id, second.agency_id) == (0, "", msp.id)
    assert second.agency_description == "Maryland State Police (edited)"
    assert Stop.objects.count() == 2
    assert StateFacts.objects.get(state_key="md").data_version == version + 1


@pytest.mark.parametrize(
    ("sheets", "message"),
    [
        ([("S", [c for c in RAW_COLUMNS if c != "GENDER"], iter([]))], "missing column(s) GENDER"),
        ([("S", [c if c != "DOB" else "BIRTHDATE" for c in RAW_COLUMNS], iter([]))],
         "missing column(s) DOB; unexpected column(s) BIRTHDATE"),
        ([("S", list(RAW_COLUMNS), iter([_raw_row(AGENCY="NEWONE")])), ("Empty", [], iter([]))],
         "Sheet 'Empty' is empty"),
        ([("S", list(RAW_COLUMNS), iter([]))], "no stop survived"),
    ],
)
def test_bad_workbooks_leave_live_data_untouched(tmp_path, sheets, message):
    call_command("import_md", zip_path=_workbook_zip(
        tmp_path, [("S", list(RAW_COLUMNS), iter([_raw_row()]))], name="good.zip"))
    before = list(Stop.objects.values_list("stop_id", "stop_reason"))
    facts_before = StateFacts.objects.get(state_key="md").data_version
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("import_md", zip_path=_workbook_zip(tmp_path, sheets))
    assert list(Stop.objects.values_list("stop_id", "stop_reason")) == before
    assert StateFacts.objects.get(state_key="md").data_version == facts_before
    assert list(Agency.objects.values_list("code", flat=True)) == ["MSP"]


def test_non_zip_and_non_workbook_are_refused(tmp_path):
    text = tmp_path / "data.zip"
    text.write_text("not a zip")
    with pytest.raises(CommandError, match="is not a (valid )?zip file"):
        call_command("import_md", zip_path=text)
    csv_zip = tmp_path / "csv.zip"
    with zipfile.ZipFile(csv_zip, "w") as archive:
        archive.writestr("data.csv", "a,b\n1,2\n")
    with pytest.raises(CommandError, match="not a readable Excel workbook"):
        call_command("import_md", zip_path=csv_zip)


def test_reference_crosswalk_and_first_import_reproduce_original_ids(tmp_path):
    path = REFERENCE / "MD_agencies.csv"
    if not path.is_file():
        pytest.skip(f"reference data not present ({path})")
    call_command("load_agency_crosswalk", "md", str(path))
    assert Agency.objects.get(code="BACOPD").name == "Baltimore County Police Department"
    assert Agency.objects.get(code="CECIL").name == "Cecil County Sheriff's Office"
    codes = list(Agency.objects.values_list("code", flat=True))
    # The 2013-2017 data hold every crosswalk code plus four codes the crosswalk lacks.
    codes += ["FROSTBURGUNIV", "MOUNTAIRY", "MONTFIRE", "CRISFIELD"]
    rows = (_raw_row(AGENCY=code) for code in codes)
    call_command("import_md", zip_path=_workbook_zip(
        tmp_path, [("S", list(RAW_COLUMNS), rows)]))
    assert Agency.objects.count() == 131
    landing_ids = {"Maryland State Police": 79, "Montgomery County Police Department": 83,
                   "Baltimore County Police Department": 10,
                   "Maryland Transportation Authority Police": 81,
                   "Anne Arundel County Police Department": 5}
    assert {name: Agency.objects.get(name=name).id for name in landing_ids} == landing_ids
    assert Agency.objects.get(code="CRISFIELD").name == "CRISFIELD"


def test_crosswalk_with_duplicate_codes_is_refused(tmp_path):
    path = _crosswalk(tmp_path, [("MSP", "A", ""), ("MSP", "B", "")])
    with pytest.raises(CommandError, match="duplicate agency codes: MSP"):
        call_command("load_agency_crosswalk", "md", str(path))
    assert not Agency.objects.exists()


def test_api_answers_follow_the_import_without_a_manual_rebuild(tmp_path):
    from django.core.cache import cache
    from django.db.models import Count
    from django.db.models.functions import ExtractYear
    from rest_framework.test import APIClient

    from md.models import ETHNICITY_CHOICES

    cache.clear()
    call_command("import_md", zip_path=sample_zip_write(out_dir=tmp_path, stops=400, seed=9))
    agency = Agency.objects.get(code="MSP")
    response = APIClient().get(f"/md/api/agency/{agency.pk}/stops/")
    assert response.status_code == 200
    labels = dict(ETHNICITY_CHOICES)
    expected: dict[int, dict[str, int]] = {}
    for row in (Stop.objects.filter(agency=agency)
                .annotate(year=ExtractYear("date", tzinfo=NEW_YORK))
                .values("year", "ethnicity").annotate(n=Count("stop_id"))):
        expected.setdefault(row["year"], dict.fromkeys(labels.values(), 0))[
            labels[row["ethnicity"]]] += row["n"]
    assert response.json() == [
        {"year": year, **counts} for year, counts in sorted(expected.items())]
    assert sum(sum(counts.values()) for counts in expected.values()) == agency.stops.count() > 0

"""IL normalisation vectors of the 2019 importer and its tests (docs/data-formats.md), and the
streaming CSV reader."""

from __future__ import annotations

import zipfile

import pytest

from il import normalize


@pytest.mark.parametrize(("raw", "expected"), [("", "U"), ("Y", "Y"), ("N", "N")])
def test_search_and_contraband(raw, expected):
    assert normalize.search_or_contraband_normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"), [("O", "U"), ("W", "W"), ("B", "B"), ("H", "H"), ("U", "U")]
)
def test_race(raw, expected):
    assert normalize.race_normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Moving Violation", 1), ("Equipment", 2), ("Registration", 3), ("xxMoving Violation", 11),
     ("moving violation", 11), ("", 11), ("Moving Violation ", 11)],
)
def test_purpose(raw, expected):
    assert normalize.purpose_normalize(raw) == expected


def test_row_normalize_maps_agency_code_and_keeps_unknown_codes():
    names = {"10011": "Dolton Police"}
    row, reason = normalize.row_normalize(
        ["10011", "DOLTON POLICE", "M", "O", "", "N", "Equipment", "2014"], names)
    assert reason is None
    assert row == {"stop_id": None, "year": 2014, "purpose": 2, "search_conducted": "U",
                   "seized": "N", "gender": "M", "ethnicity": "U",
                   "agency_description": "Dolton Police", "agency_code": "10011"}
    row, _ = normalize.row_normalize(
        ["910011", "X", "F", "W", "Y", "", "Moving Violation", "2010"], names)
    assert (row["agency_description"], row["seized"], row["gender"]) == ("910011", "U", "F")
    assert set(row) == set(normalize.STOP_COLUMNS)


def test_row_normalize_keeps_blank_gender_and_rejects_malformed_rows():
    row, reason = normalize.row_normalize(["1", "A", "", "W", "N", "N", "Equipment", "2014"], {})
    assert (row["gender"], reason) == ("", None)
    assert normalize.row_normalize(["1", "A", "M"], {})[1] == "3 fields instead of 8"
    assert normalize.row_normalize(["1", "A", "M", "W", "N", "N", "E", "x"], {})[1] == (
        "year is not an integer")
    assert normalize.row_normalize(["1", "A", "MM", "W", "N", "N", "E", "2014"], {})[1] == (
        "gender longer than 1 characters")


def _zip(tmp_path, text: str, name: str = "il.csv"):
    path = tmp_path / "il.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(name, text)
    return path


def test_csv_records_streams_rows_after_checking_the_header(tmp_path):
    path = _zip(tmp_path, ",".join(normalize.RAW_COLUMNS) + "\r\n"
                "13462,ABINGDON POLICE,M,W,N,N,Moving Violation,2014\r\n"
                '1,"A, B",F,B,,,Equipment,2015\r\n')
    assert list(normalize.csv_records(path)) == [
        ["13462", "ABINGDON POLICE", "M", "W", "N", "N", "Moving Violation", "2014"],
        ["1", "A, B", "F", "B", "", "", "Equipment", "2015"],
    ]


def test_csv_records_refuses_wrong_header_and_non_zip(tmp_path):
    path = _zip(tmp_path, "agencycode,agencyname,Sex,Race,Search,Contraband,StopPurpose,year\n")
    with pytest.raises(normalize.CsvFormatError, match="expected 'agencycode,agencyname,Gender"):
        list(normalize.csv_records(path))
    not_zip = tmp_path / "x.zip"
    not_zip.write_text("hello")
    with pytest.raises(normalize.CsvFormatError, match="is not a zip file"):
        list(normalize.csv_records(not_zip))


def test_csv_records_reports_malformed_csv_with_its_line(tmp_path):
    path = _zip(tmp_path, ",".join(normalize.RAW_COLUMNS) + "\n1,A,M,W,N,N,E,2014\n"
                '2,"B\x00,F,B,N,N,E,2014\n' + "x" * 200_000 + "\n")
    with pytest.raises(normalize.CsvFormatError, match=r"il.csv line \d+: malformed CSV"):
        list(normalize.csv_records(path))


def test_sample_zips_are_deterministic(tmp_path):
    from il.sample_data import sample_zip_write as il_sample
    from md.sample_data import sample_zip_write as md_sample

    for write in (il_sample, md_sample):
        first = write(out_dir=tmp_path, stops=200, seed=3).read_bytes()
        assert write(out_dir=tmp_path, stops=200, seed=3).read_bytes() == first
        assert write(out_dir=tmp_path, stops=200, seed=4).read_bytes() != first

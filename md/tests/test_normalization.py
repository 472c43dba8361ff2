"""Every MD normalisation vector of the 2019 importer and its tests (docs/data-formats.md),
plus the fallbacks of docs/decisions.md, 'MD: explicit formats, no aborts'."""

from __future__ import annotations

import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from md import normalize
from md.purposes import CODES_BY_PURPOSE, PURPOSE_BY_STOP_REASON

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference-data"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("11:23", "11:23"), ("11:23 AM", "11:23 AM"), ("24:44", "00:00"), ("23:60", "00:00"),
     (":", "00:00"), (" 9:05 PM ", "9:05 PM"), ("11:23:00", "00:00"), ("11:23  AM", "00:00"),
     ("", "00:00"), ("1123", "00:00")],
)
def test_time_of_stop_clean(raw, expected):
    assert normalize.time_of_stop_clean(raw) == expected


@pytest.mark.parametrize(
    ("stop_date", "time", "expected"),
    [("02/11/12", "20:53 PM", datetime(2012, 2, 11, 20, 53)),
     ("12/31/2015", "8:53 PM", datetime(2015, 12, 31, 20, 53)),
     ("6/6/2014", "18:06", datetime(2014, 6, 6, 18, 6)),
     ("03/04/13", "00:21", datetime(2013, 3, 4, 0, 21)),
     ("1/1/2015", "12:10 AM", datetime(2015, 1, 1, 0, 10)),
     ("1/1/2015", "12:10 PM", datetime(2015, 1, 1, 12, 10)),
     ("1/1/2015", "11:10 AM", datetime(2015, 1, 1, 11, 10))],
)
def test_stop_datetime_parse(stop_date, time, expected):
    assert normalize.stop_datetime_parse(stop_date, time) == expected


@pytest.mark.parametrize("stop_date", ["2015-01-01", "02/30/2015", "", "13/01/2015", "Jan 1 2015"])
def test_stop_datetime_parse_refuses_other_formats(stop_date):
    assert normalize.stop_datetime_parse(stop_date, "10:00") is None


def _raw(**overrides) -> dict[str, str]:
    row = dict.fromkeys(normalize.RAW_COLUMNS, "")
    row.update(STOPDATE="01/02/14", TIME_OF_STOP="10:00", STOP_REASON="21-801", AGENCY="MSP",
               GENDER="M", ETHNICITY="W", SEIZED="Nothing", DOB="05/27/89", OFFICERID="123")
    row.update(overrides)
    return row


def test_2013_cutoff_keeps_exactly_the_rows_from_2013_on():
    dates = [("12/31/12", "23:59"), ("12/31/2012", "11:59 PM"), ("01/01/13", "00:00"),
             ("1/1/2013", "12:00 AM"), ("01/01/13", "00:01"), ("6/6/2014", "18:06")]
    kept = [normalize.row_normalize(_raw(STOPDATE=d, TIME_OF_STOP=t), {})[1] is None
            for d, t in dates]
    assert kept == [False, False, True, True, True, True]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("M", "M"), ("male", "M"), ("MALE", "M"), ("m ", "M"), ("m   ", "M"), ("m", "U"),
     ("F", "F"), ("female", "F"), ("w", "F"), ("F ", "F"), ("f", "U"), ("U", "U"), ("", "U"),
     ("MD", "U"), ("n", "U")],
)
def test_gender(raw, expected):
    assert normalize.gender_normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Nothing", "N"), ("Contraband Only", "Y"), ("Contraband and Property", "Y"),
     ("Property", "N"), ("Property Only", "N"), ("n/a", "N"), ("", "N"), ("12", "N"),
     ("paraphernalia", "Y"), ("Both", "Y"), ("Both ", "N"), ("contraband", "N")],
)
def test_seized(raw, expected):
    assert normalize.seized_normalize(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("WHITE", "W"), ("W", "W"), ("W`", "W"), ("WX", "W"), ("WXY", "U"), ("BLACK", "B"),
     ("BLK", "B"), ("HISPANIC", "H"), ("ASIAN", "A"), ("NATIVE AMERICAN", "I"),
     ("UNKNOWN", "U"), ("OTHER", "U"), ("", "U"), ("M", "U"), ("F", "U"), ("hiq", "U"),
     ("f", "U"), ("white", "U")],
)
def test_ethnicity(raw, expected):
    assert normalize.ethnicity_normalize(raw) == expected


STOP_REASON_VECTORS = [
    ("21-202(h1)", "21-202"), (" 16-303(c)", "16-303"), ("21-901.1(b)", "21-901"),
    ("21-1124.1(b)", "21-1124"), ("64*", "64"), ("64*-", "64"), ("64 ", "64"), ("64-", "64"),
    ("64*-` ", "64"), ("409-b", "409"), ("412-3", "412"), ("412.3-b", "412"), ("801.1", "801"),
    ("801-1", "801"), ("201-a(1)", "201"), (" 22 - 216", "22-216"), ("22-412.3(b)", "22-412"),
    ("22-412.3(c2)", "22-412"), ("22-412", "22-412"), ("21-201.A1", "21-201"),
    ("21-707A", "21-707"), ("21-707a", "21-707"), ("21-507G3I(i1)", "21-507"),
    ("13-936E  (2i)", "13-936"), ("13-936  E(2i)", "13-936"), ("13-936  E(2iI)", "13-936"),
    ("21-2091(iiT)", "21-2091"), ("21-201-a(1)", "21-201"), ("9-220", "9-220"),
    ("06-B1B", "06-B1B"), ("21-904", "21-904"), ("20-102", "20-102"),
    # unmatched values are kept exactly, not even stripped
    (" -201(a) ", " -201(a) "), ("", ""), ("-", "-"), ("4091", "4091"),
]


@pytest.mark.parametrize(("raw", "expected"), STOP_REASON_VECTORS)
def test_stop_reason_clean(raw, expected):
    assert normalize.stop_reason_clean(raw) == expected


@pytest.mark.parametrize(
    ("raw", "purpose", "dropped"),
    [("21-202(h1)", 2, False), (" 16-303(c)", 9, False), ("21-901.1(b)", 1, False),
     ("21-1124.1(b)", 9, False), ("64*", 5, False), ("22-412.3(c2)", 0, False),
     ("21-707a", 2, False), ("13-936E  (2i)", 6, False), ("06-B1B", 11, False),
     ("9-220", 11, False), ("21-904", 7, True), ("20-102", 10, True), ("20-108(a)", 10, True),
     ("99-999", 11, False), ("", 11, False), ("10-303", 8, False), ("21-902", 3, False),
     ("21-201", 4, False)],
)
def test_purpose_and_dropping(raw, purpose, dropped):
    assert normalize.purpose_lookup(normalize.stop_reason_clean(raw)) == purpose
    row, reason = normalize.row_normalize(_raw(STOP_REASON=raw), {})
    assert (reason == normalize.DROP_PURPOSE) is dropped
    assert row["purpose"] == purpose


@pytest.mark.parametrize(
    ("dob", "stop", "age"),
    [("05/27/89", datetime(2013, 3, 4, 0, 21), 23), ("", datetime(2013, 3, 4), 0),
     ("01/01/20", datetime(2015, 1, 1), 95), ("02/30/85", datetime(2015, 1, 1), 0),
     ("1985-01-01", datetime(2015, 1, 1), 0), ("01/01/1985", datetime(2015, 1, 1), 0),
     ("1/2/15", datetime(2015, 1, 1), 99), ("1/1/14", datetime(2015, 1, 1), 0),
     ("1/1/14", datetime(2015, 1, 2), 1),
     ("3/5/9", datetime(2015, 3, 5), 5), ("3/5/9", datetime(2015, 3, 6), 6)],
)
def test_age(dob, stop, age):
    assert normalize.age_compute(dob, stop) == age


def test_row_normalize_impossible_dob_and_empty_officer_do_not_abort():
    row, reason = normalize.row_normalize(_raw(DOB="02/30/85", OFFICERID=""), {})
    assert reason is None
    assert (row["age"], row["officer_id"]) == (0, "")


def test_agency_mapping_keeps_unknown_codes():
    names = {"BACOPD": "Baltimore County Police Department"}
    assert normalize.row_normalize(_raw(AGENCY="BACOPD"), names)[0]["agency_description"] == (
        "Baltimore County Police Department")
    assert normalize.row_normalize(_raw(AGENCY="!@#$"), names)[0]["agency_description"] == "!@#$"


def test_overall_row_has_the_stop_columns_and_not_the_dropped_ones():
    row, reason = normalize.row_normalize(_raw(), {"MSP": "Maryland State Police"})
    assert reason is None
    assert set(row) == set(normalize.STOP_COLUMNS)
    assert not set(row) & set(normalize.DROPPED_COLUMNS)
    assert (row["date"], row["purpose"], row["age"]) == (datetime(2014, 1, 2, 10), 1, 24)


def test_cell_text_renders_numbers_without_decimal_point():
    assert normalize.cell_text(1234.0) == "1234"
    assert normalize.cell_text(None) == ""
    assert normalize.cell_text(0.5) == "0.5"


def test_purpose_table_has_316_codes():
    assert sum(len(codes) for codes in CODES_BY_PURPOSE.values()) == 316
    assert len(PURPOSE_BY_STOP_REASON) == 316


# --- Comparison with the original CSV (the 2019 lookup's cell rules) ----------------------
PURPOSE_LABELS = (
    "Seat Belt Violation", "Speed Limit Violation", "Stop Light/Sign Violation",
    "Driving While Impaired", "Safe Movement Violation", "Vehicle Equipment Violation",
    "Vehicle Regulatory Violation", "Investigation", "Non-motor Vehicle Violations",
    "Other Motor Vehicle Violation", "Failure to remain at scene of accident", "Other/Unknown",
)
_CELL_TWO_DIGITS = re.compile(r"^(\d{2})\*?\s*$")
_CELL_STATUTE = re.compile(r"^(\d{1,2}-\d{3,4})(?=[(.\- ]|$)")
_CELL_THREE_DIGITS = re.compile(r"^(\d{3})$")
_CELL_ODD = re.compile(r"^(06-b1b|11-140210)\s*$", re.IGNORECASE)


def _cell_code(cell: str) -> str:
    for pattern in (_CELL_TWO_DIGITS, _CELL_STATUTE, _CELL_THREE_DIGITS):
        match = pattern.match(cell)
        if match:
            return match.group(1)
    match = _CELL_ODD.match(cell)
    if match:
        return match.group(1).upper()
    raise ValueError(f"Unrecognised STOP_REASON cell {cell!r}")


def test_purpose_table_matches_the_original_csv():
    path = REFERENCE / "STOP_REASON-normalization.csv"
    if not path.is_file():
        pytest.skip(f"reference data not present ({path})")
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    for heading, label in zip(rows[1], PURPOSE_LABELS, strict=True):
        assert heading.lower().startswith(label.lower())
    from_csv: dict[str, int] = {}
    for row in rows[2:]:
        for column, cell in enumerate(row):
            if not cell.strip():
                continue
            code = _cell_code(cell)
            assert from_csv.setdefault(code, column) == column, f"{code} in two columns"
    assert from_csv == PURPOSE_BY_STOP_REASON


def test_copy_text_field_escapes_copy_specials_and_drops_nul():
    from tsdata.coded_stops_import import copy_text_field

    assert copy_text_field("a\\b\tc\nd\re\x00f") == "a\\\\b\\tc\\nd\\re" + "f"
    assert copy_text_field(None) == "\\N"
    assert copy_text_field("") == ""
    assert copy_text_field(datetime(2014, 1, 2, 3, 4)) == "2014-01-02 03:04:00"


def test_cell_text_renders_real_excel_dates_and_times_in_the_extract_formats():
    from datetime import date, time

    assert normalize.cell_text(date(2014, 6, 6)) == "06/06/2014"
    assert normalize.cell_text(datetime(2014, 6, 6)) == "06/06/2014"
    assert normalize.cell_text(time(18, 6)) == "18:06"
    # and the row still parses: a date cell plus a time cell
    parsed = normalize.stop_datetime_parse(
        normalize.cell_text(date(2014, 6, 6)), normalize.cell_text(time(18, 6)))
    assert parsed == datetime(2014, 6, 6, 18, 6)

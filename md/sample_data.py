"""Synthetic MSP workbook (exact raw layout) covering every rule of docs/data-formats.md.

Written as a minimal .xlsx (inline strings, two sheets) directly, because a generic
spreadsheet writer is far too slow for benchmark-sized samples (millions of rows).
"""

from __future__ import annotations

import random
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import escape

from md.normalize import RAW_COLUMNS

# Cases per column; the first rows walk through every case, the rest are random picks.
CASES: dict[str, list[str]] = {
    "STOPDATE": ["01/02/13", "6/6/2014", "12/31/2015", "03/04/16", "7/4/2017", "12/31/12",
                 "02/30/2015", "2015-01-01", "", "1/1/2013"],
    "TIME_OF_STOP": ["11:23", "11:23 AM", "8:53 PM", "20:53 PM", "24:44", "23:60", ":",
                     " 9:05 ", "12:10 AM", "00:21", "18:06"],
    "LOCATION": ["I-95 N AT EXIT 27", 'MD 140 "WESTMINSTER", MD', "US 50\tE", "RT 1 \\ 2",
                 "CALVERT ST", ""],
    "DURATION": ["1", "2", "10", "", "10M", "< 5", "05"],
    "STOP_REASON": ["21-202(h1)", " 16-303(c)", "21-901.1(b)", "21-1124.1(b)", "64*", "64*-",
                    "64 ", "64-", "64*-` ", "409-b", "412-3", "412.3-b", "801.1", "801-1",
                    "201-a(1)", " 22 - 216", "22-412.3(b)", "22-412.3(c2)", "22-412",
                    "21-201.A1", "21-707A", "21-707a", "21-507G3I(i1)", "13-936E  (2i)",
                    "13-936  E(2i)", "13-936  E(2iI)", "21-2091(iiT)", "21-201-a(1)",
                    "9-220", "06-B1B", "21-904", "20-102", "21-801", "13-411", "55", "",
                    "-201(a)", "13-401", "21-902"],
    "SEARCH_CONDUCTED": ["N", "Y", "N", "N"],
    "SEARCH_REASON": ["", "Probable Cause", "Incident to Arrest", "Consensual", "K-9", "Other"],
    "WHATSEARCHED": ["", "Person", "Property", "Both"],
    "SEIZED": ["Nothing", "Contraband Only", "Property", "Property Only", "n/a",
               "paraphernalia", "Both", "", "12"],
    "STOPOUTCOME": ["Citation", "Warning", "SERO", "Arrest"],
    "CRIME_CHARGED": ["", "21-801", "CDS"],
    "REGISTRATION_STATE": ["MD", "VA", "PA", "XX"],
    "GENDER": ["M", "F", "male", "MALE", "m ", "female", "w", "F ", "m", "f", "U", "", "MD", "n"],
    "DOB": ["05/27/89", "", "02/30/85", "1/1/20", "1985-01-01", "12/1/75", "3/5/9"],
    "RESIDENCE_STATE": ["MD", "DC", "VA", ""],
    "MD_COUNTY": ["Montgomery", "Baltimore", "Cecil", ""],
    "ETHNICITY": ["WHITE", "BLACK", "BLK", "W", "W`", "HISPANIC", "ASIAN", "NATIVE AMERICAN",
                  "UNKNOWN", "OTHER", "", "hiq", "f", "M"],
    "OFFICERID": ["4711", "815", "", "12345", "9"],
    "AGENCY": ["MSP", "BACOPD", "MONTGOMERY", "AACOPD", "MDTA", "CECIL", "ZZSAMPLE"],
}
# Frequent values, so that a random row is usually a clean, loadable stop.
TYPICAL: dict[str, list[str]] = {
    "STOPDATE": [f"{m}/{d}/{y}" for m in (1, 4, 7, 11) for d in (3, 15, 28)
                 for y in ("13", "2014", "15", "2016", "17")],
    "TIME_OF_STOP": ["07:15", "8:53 PM", "13:05", "22:40", "11:23 AM"],
    "STOP_REASON": ["21-801", "13-411", "21-201", "21-1124", "22-412", "13-401", "21-707",
                    "64", "55", "21-801.1(a)"],
    "GENDER": ["M", "M", "F"],
    "ETHNICITY": ["WHITE", "BLACK", "HISPANIC", "ASIAN", "UNKNOWN"],
    "SEIZED": ["Nothing", "Nothing", "Contraband Only"],
    "DOB": ["05/27/89", "1/12/70", "10/3/95", "7/30/01"],
}


def sample_rows(stops: int, seed: int) -> Iterator[list[str]]:
    """``stops`` raw rows: every case in the first rows, then mostly typical values."""
    rng = random.Random(seed)
    walk = max(len(values) for values in CASES.values())
    for index in range(stops):
        row = []
        for column in RAW_COLUMNS:
            cases = CASES[column]
            if index < walk:
                row.append(cases[index % len(cases)])
            elif column in TYPICAL and rng.random() < 0.9:
                row.append(rng.choice(TYPICAL[column]))
            else:
                row.append(rng.choice(cases))
        yield row


def zip_entry(name: str, *, compressed: bool = True) -> zipfile.ZipInfo:
    """A zip member with a fixed timestamp, so the same seed gives the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2019, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED if compressed else zipfile.ZIP_STORED
    return info


def _cell(ref: str, value: str, numeric: bool) -> str:
    if numeric and value:
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{escape(value)}</t></is></c>'


_LETTERS = [chr(ord("A") + i) for i in range(len(RAW_COLUMNS))]
_NUMERIC = [column == "OFFICERID" for column in RAW_COLUMNS]


def _sheet_xml(rows: Iterator[list[str]], out) -> None:
    out.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              b"<sheetData>")
    for number, row in enumerate(rows, start=1):
        cells = "".join(
            _cell(f"{_LETTERS[i]}{number}", value, number > 1 and _NUMERIC[i])
            for i, value in enumerate(row)
        )
        out.write(f'<row r="{number}">{cells}</row>'.encode())
    out.write(b"</sheetData></worksheet>")


def workbook_write(path: Path, sheets: list[tuple[str, list[str], Iterator[list[str]]]]) -> None:
    """A minimal .xlsx: each sheet is (name, header, rows); cells as inline strings."""
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as book:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        book.writestr(zip_entry("[Content_Types].xml"), (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="{ns}/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.'
            'openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"))
        book.writestr(zip_entry("_rels/.rels"), (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        sheet_entries = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _, _) in enumerate(sheets, start=1)
        )
        book.writestr(zip_entry("xl/workbook.xml"), (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{ns}/'
            f'spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
            f"<sheets>{sheet_entries}</sheets></workbook>"))
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{ns}/officeDocument/2006/relationships/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>' for i in range(1, len(sheets) + 1)
        )
        book.writestr(zip_entry("xl/_rels/workbook.xml.rels"), (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{ns}/'
            f'package/2006/relationships">{rels}</Relationships>'))
        for i, (_, header, rows) in enumerate(sheets, start=1):
            entry = zip_entry(f"xl/worksheets/sheet{i}.xml")
            with book.open(entry, "w", force_zip64=True) as out:
                _sheet_xml(_with_header(header, rows), out)


def _with_header(header: list[str], rows: Iterator[list[str]]) -> Iterator[list[str]]:
    yield header
    yield from rows


def sample_zip_write(*, out_dir: Path, stops: int, seed: int, sheets: int = 2) -> Path:
    """Write ``md-sample.zip`` (first entry: the workbook) into ``out_dir``.

    The workbook has ``sheets`` sheets (default two, like the merged extract; benchmarks use
    one per year like the real file); sheets after the first carry a lower-case header,
    which the reader must ignore in favour of the first sheet's column names.
    """
    rows = sample_rows(stops, seed)
    sizes = [stops // sheets + (1 if index < stops % sheets else 0) for index in range(sheets)]
    book_path = out_dir / "PIALog_sample.xlsx"
    workbook_write(book_path, [
        (
            f"Sheet{index + 1}",
            list(RAW_COLUMNS) if index == 0 else [column.lower() for column in RAW_COLUMNS],
            (next(rows) for _ in range(size)),
        )
        for index, size in enumerate(sizes)
    ])
    zip_path = out_dir / "md-sample.zip"
    entry = zip_entry(book_path.name, compressed=False)  # the .xlsx is compressed already
    with (
        zipfile.ZipFile(zip_path, "w", zipfile.ZIP_STORED) as archive,
        open(book_path, "rb") as source,
        archive.open(entry, "w", force_zip64=True) as target,
    ):
        shutil.copyfileobj(source, target, 1 << 20)
    book_path.unlink()
    return zip_path

"""``analyze_md``: counts of a known workbook, and the layout of the original report."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from md.analysis import grouped_series_lines, series_lines
from md.normalize import RAW_COLUMNS
from md.sample_data import workbook_write

REFERENCE = Path(__file__).resolve().parents[2] / ".." / "shared" / "reference-data"


def _row(**values: str) -> list[str]:
    row = dict.fromkeys(RAW_COLUMNS, "")
    row.update(STOPDATE="03/04/13", TIME_OF_STOP="00:21", STOP_REASON="21-801", AGENCY="MSP",
               GENDER="M", ETHNICITY="WHITE", SEIZED="Nothing", SEARCH_CONDUCTED="N")
    row.update(values)
    return [row[column] for column in RAW_COLUMNS]


@pytest.mark.django_db(databases="__all__")
def test_analyze_md_counts_surviving_rows(tmp_path, capsys):
    rows = [
        _row(), _row(STOPDATE="5/6/2014", TIME_OF_STOP="8:53 PM", GENDER="female",
                     SEARCH_CONDUCTED="Y", AGENCY="BACOPD", STOP_REASON="64*"),
        _row(STOPDATE="12/31/12"),  # before 2013: not counted
        _row(STOP_REASON="21-904"),  # investigation: not counted
        _row(STOPDATE="1/1/2014", TIME_OF_STOP="23:60", GENDER="m"),
    ]
    book = tmp_path / "book.xlsx"
    workbook_write(book, [("S", list(RAW_COLUMNS), iter(rows))])
    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.write(book, book.name)
    report = tmp_path / "report.txt"
    call_command("analyze_md", zip_path=archive, report_path=report)
    printed = capsys.readouterr().out.splitlines()
    assert printed == report.read_text().splitlines()
    assert printed[:13] == [
        "", "Dataset facts", "  Time frame: 2013-03-04 00:21:00 - 2014-01-01 00:00:00",
        "  Stops: 3", "  Searches: 1", "  Agencies: 2", "", "Top five agencies:",
        "  MSP                            2", "  BACOPD                         1", "",
        "Column DURATION:", "",
    ]
    start = printed.index("GENDER by year:")
    assert printed[start:start + 7] == [
        "GENDER by year:", "date  GENDER", "2013  M         1", "2014  F         1",
        "      U         1", "Name: GENDER, dtype: int64", "",
    ]
    start = printed.index("STOP_REASON over entire dataset:")
    assert printed[start + 1:start + 3] == ["21-801    2", "64        1"]
    assert printed[-1] == "-" * 50


def _reference_block(lines: list[str], title: str) -> list[str]:
    start = lines.index(title) + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("Name: "))
    return lines[start:end]


@pytest.mark.parametrize("column", ["GENDER", "ETHNICITY", "SEARCH_CONDUCTED", "SEIZED", "AGENCY"])
def test_layout_reproduces_the_original_report(column):
    path = REFERENCE / "PIALog_through-20171231.txt"
    if not path.is_file():
        pytest.skip(f"reference data not present ({path})")
    lines = path.read_text().splitlines()
    overall = _reference_block(lines, f"{column} over entire dataset:")
    items = [(line.rsplit(None, 1)[0].rstrip(), int(line.rsplit(None, 1)[1])) for line in overall]
    assert series_lines(items) == overall
    grouped = _reference_block(lines, f"{column} by year:")
    year_items, year = [], None
    for line in grouped[1:]:
        year = int(line[:4]) if line[:4].strip() else year
        value, count = line[6:].rsplit(None, 1)
        year_items.append(((year, value.rstrip()), int(count)))
    assert grouped_series_lines(column, year_items) == grouped

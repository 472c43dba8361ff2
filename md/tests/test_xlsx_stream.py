"""The streaming .xlsx reader: same values as python-calamine, memory independent of length."""

from __future__ import annotations

import tracemalloc
import zipfile
from itertools import islice
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from md.normalize import RAW_COLUMNS, cell_text
from md.sample_data import sample_rows, workbook_write
from md.workbook import WorkbookError, workbook_rows
from md.xlsx_stream import XlsxReader, XlsxStreamError, format_is_date

NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

SHARED = (
    f'{HEAD}<sst {NS} count="5" uniqueCount="5">'
    "<si><t>STOPDATE</t></si>"
    '<si><t xml:space="preserve"> I-95 &amp; MD 32 </t></si>'
    '<si><r><rPr><b/></rPr><t xml:space="preserve">Rich </t></r><r><t>text</t></r>'
    "<rPh sb=\"0\" eb=\"1\"><t>phonetic</t></rPh></si>"
    "<si><t>line_x000D_break</t></si>"
    "<si><t/></si>"
    "</sst>"
)
STYLES = (
    f"{HEAD}<styleSheet {NS}>"
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="mm/dd/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="&quot;Order &quot;0"/></numFmts>'
    '<cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/>'
    '<xf numFmtId="165"/><xf numFmtId="20"/></cellXfs></styleSheet>'
)
# Every cell form the reader must understand, in a sheet with gaps and empty rows.
SHEET = (
    f'{HEAD}<worksheet {NS}><dimension ref="A1:F9"/><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>B</t></is></c>'
    '<c r="C1" t="inlineStr"><is><t>C</t></is></c><c r="F1" t="inlineStr"><is><t>F</t></is>'
    "</c></row>"
    '<row r="2" spans="1:6"><c r="A2" t="s"><v>1</v></c><c r="B2" s="1"><v>41275</v></c>'
    '<c r="C2" s="2"><v>42000.5</v></c><c r="D2" s="3"><v>12</v></c>'
    '<c r="E2" s="4"><v>0.8125</v></c><c r="F2"><v>4711</v></c></row>'
    '<row r="3"><c r="A3" t="s"><v>2</v></c><c r="C3" t="b"><v>1</v></c>'
    '<c r="D3" t="str"><f>A1&amp;"x"</f><v>STOPDATEx</v></c><c r="F3"><v>2.5</v></c></row>'
    '<row r="4"><c r="A4" s="1"/><c r="B4" s="2"/></row>'
    '<row r="6"><c t="inlineStr" r="A6"><is><t xml:space="preserve">a &lt; b</t></is></c>'
    '<c r="B6" t="s"><v>3</v></c><c r="C6" t="e"><v>#DIV/0!</v></c>'
    '<c r="D6" t="inlineStr"><is><r><t>in</t></r><r><t>line</t></r></is></c>'
    '<c r="E6" t="s"><v>4</v></c><c r="F6"><v>-1.25E-3</v></c></row>'
    '<row r="7" spans="1:6"/>'
    '<row r="8"><c r="B8" t="inlineStr"><is><t>only B</t></is></c></row>'
    '<row r="9"><c r="A9" s="2"/></row>'
    "</sheetData></worksheet>"
)
# The same kind of content under a namespace prefix, as .NET writers produce.
PREFIXED_SHEET = (
    f'{HEAD}<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>h</x:t></x:is></x:c>'
    '<x:c r="B1" t="s"><x:v>0</x:v></x:c></x:row>'
    '<x:row r="3"><x:c r="B3"><x:v>7</x:v></x:c></x:row></x:sheetData></x:worksheet>'
)


def _package_write(path: Path, sheets: list[tuple[str, str]]) -> Path:
    """A hand-made .xlsx: shared strings, styles and the given (name, XML) sheets."""
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", (
            f'{HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
            'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"))
        book.writestr("_rels/.rels", (
            f'{HEAD}<Relationships xmlns="{PKG}"><Relationship Id="rId1" Type="{REL}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        entries = "".join(
            f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in enumerate(sheets, start=1)
        )
        book.writestr("xl/workbook.xml", (
            f'{HEAD}<workbook {NS} xmlns:r="{REL}"><sheets>{entries}</sheets></workbook>'))
        n = len(sheets)
        book.writestr("xl/_rels/workbook.xml.rels", (
            f'{HEAD}<Relationships xmlns="{PKG}">{rels}'
            f'<Relationship Id="rId{n + 1}" Type="{REL}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId{n + 2}" Type="{REL}/styles" Target="/xl/styles.xml"/>'
            "</Relationships>"))
        book.writestr("xl/sharedStrings.xml", SHARED)
        book.writestr("xl/styles.xml", STYLES)
        for i, (_, xml) in enumerate(sheets, start=1):
            book.writestr(f"xl/worksheets/sheet{i}.xml", xml)
    return path


def _as_text(rows, width: int) -> list[list[str]]:
    """Rows as the import sees them: raw text, padded to the sheet's width."""
    out = []
    for row in rows:
        text = [cell_text(cell) for cell in row][:width]
        out.append(text + [""] * (width - len(text)))
    return out


def test_every_cell_form_reads_as_calamine_reads_it(tmp_path):
    path = _package_write(tmp_path / "forms.xlsx", [("Forms", SHEET), ("Prefixed", PREFIXED_SHEET)])
    with XlsxReader(path) as reader:
        assert reader.sheet_names == ["Forms", "Prefixed"]
        streamed = [_as_text(reader.sheet_rows(i), 6) for i in range(2)]
    with CalamineWorkbook.from_path(str(path)) as book:
        loaded = [_as_text(book.get_sheet_by_index(i).iter_rows(), 6) for i in range(2)]
    assert streamed == loaded
    # What those values are, so that an agreement on a wrong answer would still fail.
    forms = streamed[0]
    assert forms[0] == ["STOPDATE", "B", "C", "", "", "F"]
    assert forms[1] == [" I-95 & MD 32 ", "01/01/2013", "12/27/2014 12:00", "12", "19:30", "4711"]
    assert forms[2] == ["Rich text", "", "True", "STOPDATEx", "", "2.5"]
    assert forms[3] == [""] * 6  # styled empty cells: an empty row between data rows
    assert forms[4] == [""] * 6  # the missing row 5
    assert forms[5][:2] == ["a < b", "line\rbreak"]
    assert forms[5][3:] == ["inline", "", "-0.00125"]
    assert forms[6] == [""] * 6 and forms[7] == ["", "only B", "", "", "", ""]
    assert len(forms) == 8  # the trailing empty row 9 is not a row
    assert streamed[1] == [["h", "STOPDATE", "", "", "", ""], [""] * 6, ["", "7", "", "", "", ""]]


def test_sample_workbook_reads_as_calamine_reads_it(tmp_path):
    header = list(RAW_COLUMNS)
    rows = list(sample_rows(300, seed=3))
    book = tmp_path / "sample.xlsx"
    workbook_write(book, [("One", header, iter(rows[:120])), ("Two", header, iter(rows[120:]))])
    streamed = list(workbook_rows(book))
    assert [list(row.values()) for row in streamed] == rows
    with CalamineWorkbook.from_path(str(book)) as calamine:
        loaded = [
            values for i in range(2)
            for values in _as_text(calamine.get_sheet_by_index(i).iter_rows(), 19)[1:]
        ]
    assert [list(row.values()) for row in streamed] == loaded


def test_date_formats_are_told_from_number_formats():
    assert format_is_date("mm/dd/yyyy") and format_is_date("[h]:mm:ss") and format_is_date("d-mmm")
    assert not format_is_date('"Order "0') and not format_is_date("0.00")
    assert not format_is_date("General") and not format_is_date("[Red]#,##0")


def test_truncated_or_inconsistent_sheets_are_refused_with_a_message(tmp_path):
    book = tmp_path / "whole.xlsx"
    workbook_write(book, [("S", list(RAW_COLUMNS), sample_rows(50, seed=2))])
    with zipfile.ZipFile(book) as whole:
        parts = {name: whole.read(name) for name in whole.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet[: sheet.index(b'<row r="30">') + 200]
    cut = tmp_path / "cut.xlsx"
    with zipfile.ZipFile(cut, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    rows = workbook_rows(cut)
    assert len(list(islice(rows, 28))) == 28  # rows before the cut arrive first
    with pytest.raises(WorkbookError, match="not a readable Excel workbook.*ends inside a row"):
        list(rows)

    bad_index = SHEET.replace('<c r="B6" t="s"><v>3</v></c>', '<c r="B6" t="s"><v>99</v></c>')
    path = _package_write(tmp_path / "index.xlsx", [("Bad", bad_index)])
    with XlsxReader(path) as reader, pytest.raises(
        XlsxStreamError, match="shared string index '99' out of range"
    ):
        list(reader.sheet_rows(0))


def _peak_reading(path: Path, *, stop_after: int | None = None) -> tuple[int, int]:
    """(rows read, peak bytes Python allocated) while reading the workbook in chunks."""
    tracemalloc.start()
    try:
        rows = workbook_rows(path)
        count = 0
        while chunk := list(islice(rows, 1000)):  # consumed the way the import's COPY does
            count += len(chunk)
            if stop_after is not None and count >= stop_after:
                rows.close()
                break
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_reading_memory_does_not_grow_with_the_sheet(tmp_path):
    """A whole-sheet reader needs memory in proportion to the rows; this one does not."""
    paths = {}
    for stops in (10_000, 50_000):
        paths[stops] = tmp_path / f"book-{stops}.xlsx"
        workbook_write(paths[stops], [("S", list(RAW_COLUMNS), sample_rows(stops, seed=1))])
    small_rows, small_peak = _peak_reading(paths[10_000])
    large_rows, large_peak = _peak_reading(paths[50_000])
    first_rows, first_peak = _peak_reading(paths[50_000], stop_after=1000)
    assert (small_rows, large_rows, first_rows) == (10_000, 50_000, 1000)
    # Five times the rows (about 70 MB of sheet XML): the same peak within a block's margin.
    assert large_peak < small_peak * 1.5
    assert large_peak < 32 * 2**20
    # The first rows arrive before the sheet is read through: no more memory than all of it.
    assert first_peak <= large_peak

"""Reader of the MSP workbook: every sheet, row by row, cells as raw text (streamed)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

from python_calamine import CalamineWorkbook

from md.normalize import RAW_COLUMNS, cell_text
from md.xlsx_stream import XlsxReader, XlsxStreamError, is_xlsx


class WorkbookError(ValueError):
    """The file is not an MSP workbook in the expected layout (message names the problem)."""


def zip_first_entry_extract(zip_path: Path, dest: Path) -> Path:
    """Extract the zip's first entry (the workbook; docs/data-formats.md) into ``dest``."""
    if not zipfile.is_zipfile(zip_path):
        raise WorkbookError(f"{zip_path} is not a zip file")
    with zipfile.ZipFile(zip_path) as archive:
        entries = [info for info in archive.infolist() if not info.is_dir()]
        if not entries:
            raise WorkbookError(f"{zip_path} contains no files")
        target = dest / Path(entries[0].filename).name
        with archive.open(entries[0]) as source, open(target, "wb") as out:
            while block := source.read(1 << 20):
                out.write(block)
    return target


def header_check(header: list[str], sheet_name: str) -> None:
    """Refuse a first sheet whose columns are missing, renamed or out of order."""
    names = [name.strip() for name in header]
    if names == list(RAW_COLUMNS):
        return
    missing = [name for name in RAW_COLUMNS if name not in names]
    unexpected = [name for name in names if name and name not in RAW_COLUMNS]
    problems = []
    if missing:
        problems.append("missing column(s) " + ", ".join(missing))
    if unexpected:
        problems.append("unexpected column(s) " + ", ".join(unexpected))
    if not problems:
        problems.append("columns out of order; expected " + ",".join(RAW_COLUMNS))
    raise WorkbookError(f"Sheet {sheet_name!r}: " + "; ".join(problems))


def _sheets_open(path: Path) -> tuple[list[str], Callable[[int], Iterator[list]], Callable]:
    """(sheet names, rows of sheet i, close) of a workbook.

    An .xlsx package is streamed (``md.xlsx_stream``: memory independent of the sheet's
    length); any other format calamine reads (.xls, .xlsb, .ods) is loaded one whole sheet
    at a time, which is acceptable only because MSP has sent .xlsx since 2013.
    """
    try:
        if is_xlsx(path):
            reader = XlsxReader(path)
            return reader.sheet_names, reader.sheet_rows, reader.close
        workbook = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for non-workbooks
        raise WorkbookError(f"{path.name} is not a readable Excel workbook: {exc}") from exc
    return (
        workbook.sheet_names,
        lambda index: workbook.get_sheet_by_index(index).iter_rows(),
        workbook.close,
    )


def workbook_rows(path: Path) -> Iterator[dict[str, str]]:
    """Yield every data row of every sheet as ``{column: raw text}``, lazily.

    The first sheet's header must be the documented column list; later sheets carry
    their own header row, which is skipped (they take the first sheet's names) but must
    have the same width. An empty sheet is an error, not silently skipped.
    """
    sheet_names, sheet_rows, close = _sheets_open(path)
    width = len(RAW_COLUMNS)
    try:
        for index, sheet_name in enumerate(sheet_names):
            rows = sheet_rows(index)
            header = next(rows, None)
            if header is None or not any(cell_text(cell).strip() for cell in header):
                raise WorkbookError(f"Sheet {sheet_name!r} is empty (no header row)")
            header_text = [cell_text(cell) for cell in header]
            while header_text and not header_text[-1].strip():
                header_text.pop()
            if index == 0:
                header_check(header_text, sheet_name)
            elif len(header_text) != width:
                raise WorkbookError(
                    f"Sheet {sheet_name!r} has {len(header_text)} columns, expected {width}"
                )
            for cells in rows:
                values = [  # text cells (nearly all) as they are: no call per cell
                    cell if cell.__class__ is str else cell_text(cell) for cell in cells[:width]
                ]
                if len(values) < width:
                    values.extend([""] * (width - len(values)))
                yield dict(zip(RAW_COLUMNS, values, strict=True))
            del rows  # a calamine sheet is freed before the next one is loaded
    except XlsxStreamError as exc:
        raise WorkbookError(f"{path.name} is not a readable Excel workbook: {exc}") from exc
    finally:
        close()

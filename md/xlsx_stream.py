"""Row-by-row reader of .xlsx worksheets that never holds a whole sheet in memory.

python-calamine (even its ``iter_rows``) first loads a complete sheet into a Rust range,
about 1.9 KB per MSP row, so a sheet of 800,000 stops costs 1.5 GiB. This reader inflates
a worksheet's XML in blocks of about a million characters and cuts whole ``<row>``
elements out of each block with compiled regular expressions (C speed; no Python call
per XML element), so memory is one block, the shared-string table and the style list.

Cell values come back as calamine gives them: ``str`` for text, ``float`` for numbers,
``bool``, ``datetime``/``time`` for numbers in a date or time format, ``None`` for empty.
Like calamine, leading empty rows are skipped and trailing empty rows are not returned;
empty rows between data rows are returned as rows of ``None``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from datetime import datetime

from md.xlsx_package import (  # noqa: F401 - XlsxStreamError and format_is_date re-exported
    SerialDates,
    XlsxStreamError,
    date1904,
    date_styles_load,
    format_is_date,
    shared_strings_load,
    sheets_list,
    text_runs,
    text_unescape,
    xml_blocks,
)

# One row element, complete or self-closing; a tag may carry a namespace prefix (``x:row``).
_ROW = re.compile(r"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.DOTALL)
_ROW_NUMBER = re.compile(r'\sr="(\d+)"')
# One cell: its column letters, type and style (attributes in any order, via optional
# look-aheads), then fast paths for ``<v>..</v>`` and a plain inline string, else the body.
_CELL = re.compile(
    r"<(?:\w+:)?c(?=[\s/>])"
    r'(?:(?=[^>]*?\sr="([A-Z]+)))?'
    r'(?:(?=[^>]*?\st="(\w+)"))?'
    r'(?:(?=[^>]*?\ss="(\d+)"))?'
    r"[^>]*?(?:/>|>(?:<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>"
    r"|<(?:\w+:)?is><(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t></(?:\w+:)?is>"
    r"|(.*?))</(?:\w+:)?c>)",
    re.DOTALL,
)
# The forms Excel and most writers produce: ``r`` first, then a value or a plain inline
# string. Only the start of each cell is matched (the rest is implied once every ``<c`` of a
# row matched); the other attributes are kept as one string, decoded once per distinct value.
_FAST_CELL = re.compile(
    r'<c r="([A-Z]+)\d+"([^>/]*)(?:/>|><(?:is><t(?: xml:space="preserve")?>|v>)([^<]*))'
)
_ATTRIBUTE = re.compile(r'\s(\w+)="([^"]*)"')
_VALUE = re.compile(r"<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_DIMENSION = re.compile(r'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)')
_COLUMN_INDEX: dict[str, int] = {}


def column_index(letters: str) -> int:
    """Zero-based index of a column name (``A`` → 0, ``AA`` → 26), memoised."""
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        index = 0
        for letter in letters:
            index = index * 26 + ord(letter) - 64
        index -= 1
        _COLUMN_INDEX[letters] = index
    return index


def _row_elements(blocks: Iterator[str], sheet: str) -> Iterator[tuple[int, str]]:
    """(row number or 0 if absent, inner XML) of each row element, block by block.

    The first item is ``(0, "<first column index>:<prefixed>")``: the first column from
    the ``<dimension>`` element, and whether tags carry a namespace prefix. Rows
    without a namespace prefix are cut with ``str.split`` on ``</row>`` (C speed); a
    prefixed sheet (``<x:row>``) goes through the slower general expression.
    """
    pending = ""
    prefixed = None
    for block in blocks:
        pending += block
        if prefixed is None:
            first_row = re.search(r"<(\w+:)?row\b", pending)
            if first_row is None and len(pending) < 1 << 16:
                continue
            dimension = _DIMENSION.search(pending)
            prefixed = bool(first_row and first_row.group(1))
            yield 0, f"{column_index(dimension.group(1)) if dimension else 0}:{prefixed:d}"
        if prefixed:
            end = 0
            for match in _ROW.finditer(pending):
                end = match.end()
                number = _ROW_NUMBER.search(match.group(1))
                yield (int(number.group(1)) if number else 0), match.group(2) or ""
            pending = pending[end:]
            continue
        pieces = pending.split("</row>")
        pending = pieces.pop()
        for piece in pieces:
            start = piece.rfind("<row")
            close = piece.find(">", start)
            if start < 0 or close < 0:
                raise XlsxStreamError(f"sheet {sheet!r}: a </row> without its <row>")
            number = _ROW_NUMBER.search(piece, start, close)
            yield (int(number.group(1)) if number else 0), piece[close + 1:]
    if prefixed is None:
        yield 0, "0:0"
    tail = pending.rstrip()
    opened = max(tail.rfind("<row"), tail.rfind(":row"))
    if opened >= 0 and not tail[opened:tail.find(">", opened) + 1].endswith("/>"):
        raise XlsxStreamError(f"sheet {sheet!r} ends inside a row")


class XlsxReader:
    """An open .xlsx package: sheet names and a row iterator per sheet."""

    def __init__(self, path) -> None:
        try:
            self.archive = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as exc:
            raise XlsxStreamError(f"not a zip package: {exc}") from exc
        try:
            self.sheets = sheets_list(self.archive)
            self.shared = shared_strings_load(self.archive)
            self.date_styles = date_styles_load(self.archive)
            self.dates = SerialDates(base_1904=date1904(self.archive))
            self._kinds: dict[str, str | tuple[str, str]] = {}
        except Exception:
            self.archive.close()
            raise

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self.sheets]

    def close(self) -> None:
        self.archive.close()

    def __enter__(self) -> XlsxReader:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def sheet_rows(self, index: int) -> Iterator[list]:
        """The rows of one sheet, each a list of cell values (``None`` for empty cells)."""
        name, member = self.sheets[index]
        first_column = None
        cells = self._cells
        expected = 1  # the row number the next row element should have
        empty_pending = 0  # empty rows seen since the last non-empty one
        started = False
        for number, body in _row_elements(xml_blocks(self.archive, member), name):
            if number == 0 and first_column is None:
                column, prefixed = body.split(":")
                first_column = int(column)
                cells = self._cells_general if prefixed == "1" else self._cells
                continue
            number = number or expected
            values = cells(body, first_column)
            gap = max(number - expected, 0)
            expected = number + 1
            if values.count(None) == len(values):
                empty_pending += gap + 1
                continue
            if started:
                for _ in range(empty_pending + gap):
                    yield []
            started = True
            empty_pending = 0
            yield values

    def _cells(self, body: str, first_column: int) -> list:
        """Values of one row's cells; common cell forms in one C-level ``findall``."""
        cells = _FAST_CELL.findall(body)
        if len(cells) != body.count("<c"):  # another attribute order, a formula, a prefix...
            return self._cells_general(body, first_column)
        escaped = "&" in body or "_x" in body
        if cells and not escaped:
            first, last = cells[0][0], cells[-1][0]
            start, stop = _COLUMN_INDEX.get(first), _COLUMN_INDEX.get(last)
            if start == first_column and stop is not None and stop - start == len(cells) - 1:
                return self._cells_contiguous(cells)  # no gap: the common case, a bit faster
        values: list = []
        convert = self._convert
        for letters, attributes, raw in cells:
            position = _COLUMN_INDEX.get(letters)
            if position is None:
                position = column_index(letters)
            position -= first_column
            if position != len(values):
                if position < len(values):
                    continue
                values.extend([None] * (position - len(values)))
            values.append(convert(attributes, raw))
        return values

    def _cells_contiguous(self, cells: list[tuple[str, str, str]]) -> list:
        kinds = self._kinds
        convert = self._convert
        return [
            raw if kinds.get(attributes) == "inlineStr" else convert(attributes, raw)
            for _, attributes, raw in cells
        ]

    def _convert(self, attributes: str, raw: str):
        """The value of a cell that is not a plain inline string (see ``_cells``)."""
        kind = self._kinds.get(attributes) or self._kind_decode(attributes)
        if kind == "inlineStr":
            return text_unescape(raw)
        if not raw:
            return None
        if kind == "s":
            try:
                return self.shared[int(raw)]
            except (ValueError, IndexError) as exc:
                raise XlsxStreamError(f"shared string index {raw!r} out of range") from exc
        if kind == "n":
            try:
                return float(raw)
            except ValueError as exc:
                raise XlsxStreamError(f"cell value {raw!r} is not a number") from exc
        return self._value(kind[0], kind[1], raw, "", "")

    def _kind_decode(self, attributes: str) -> str | tuple[str, str]:
        """How to read cells with these attributes: "inlineStr", "s", "n" or (t, s)."""
        found = dict(_ATTRIBUTE.findall(attributes))
        kind, style = found.get("t", "n"), found.get("s", "")
        if kind == "n" and style and int(style) in self.date_styles:
            decoded: str | tuple[str, str] = ("n", style)
        elif kind in ("inlineStr", "s", "n"):
            decoded = kind
        else:
            decoded = (kind, style)
        self._kinds[attributes] = decoded
        return decoded

    def _cells_general(self, body: str, first_column: int) -> list:
        values: list = []
        for letters, kind, style, number, inline, other in _CELL.findall(body):
            position = column_index(letters) - first_column if letters else len(values)
            if position < len(values):
                continue
            if position > len(values):
                values.extend([None] * (position - len(values)))
            values.append(self._value(kind, style, number, inline, other))
        return values

    def _value(self, kind: str, style: str, number: str, inline: str, other: str):
        if kind == "s":
            if not number:
                number = _VALUE.search(other).group(1) if _VALUE.search(other) else ""
            try:
                return self.shared[int(number)]
            except (ValueError, IndexError) as exc:
                raise XlsxStreamError(f"shared string index {number!r} out of range") from exc
        if kind == "inlineStr":
            return text_unescape(inline) if inline or not other else text_runs(other)
        if not number and other:
            found = _VALUE.search(other)
            number = found.group(1) if found else ""
        if not number:
            return None
        if kind == "e":  # calamine gives no value for an error (#DIV/0!, #N/A)
            return None
        if kind == "str":
            return text_unescape(number)
        if kind == "b":
            return number.strip() in ("1", "true")
        if kind == "d":
            return datetime.fromisoformat(number.strip())
        try:
            value = float(number)
        except ValueError as exc:
            raise XlsxStreamError(f"cell value {number!r} is not a number") from exc
        if style and int(style) in self.date_styles:
            return self.dates.convert(value)
        return value


def is_xlsx(path) -> bool:
    """Whether ``path`` is a zip package with an ``xl/workbook.xml`` part."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return "xl/workbook.xml" in archive.namelist()

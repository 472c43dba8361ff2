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

import html
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from pathlib import PurePosixPath
from xml.etree import ElementTree

BLOCK_CHARS = 1 << 20
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

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
# Text runs of a string item; phonetic runs (<rPh>) are removed first.
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t(?:\s[^>]*)?/>")
_PHONETIC = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.DOTALL)
_SHARED_ITEM = re.compile(r"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.DOTALL)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_DIMENSION = re.compile(r'<(?:\w+:)?dimension\s+ref="\$?([A-Z]+)')
_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')

# Built-in number formats that show a date or a time (ECMA-376 18.8.30 and the CJK ids).
_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)]
)
_COLUMN_INDEX: dict[str, int] = {}


class XlsxStreamError(ValueError):
    """The file is not a well-formed .xlsx package (message names what is wrong)."""


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


def text_unescape(raw: str) -> str:
    """XML character references and OOXML ``_xHHHH_`` escapes of a raw text node."""
    if "&" in raw:
        raw = html.unescape(raw)
    if "_x" in raw:
        raw = _OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), raw)
    return raw


def _text_runs(body: str) -> str:
    if "<rPh" in body or ":rPh" in body:
        body = _PHONETIC.sub("", body)
    return text_unescape("".join(_TEXT.findall(body)))


def _xml_blocks(archive: zipfile.ZipFile, member: str) -> Iterator[str]:
    try:
        with archive.open(member) as raw, io.TextIOWrapper(raw, encoding="utf-8") as text:
            while block := text.read(BLOCK_CHARS):
                yield block
    except KeyError as exc:
        raise XlsxStreamError(f"the package has no part {member}") from exc
    except (zipfile.BadZipFile, UnicodeDecodeError, EOFError, OSError) as exc:
        raise XlsxStreamError(f"part {member} cannot be read: {exc}") from exc


def _elements(archive: zipfile.ZipFile, member: str, pattern: re.Pattern) -> Iterator[re.Match]:
    """Every complete match of ``pattern`` in a part, read block by block."""
    pending = ""
    for block in _xml_blocks(archive, member):
        pending += block
        end = 0
        for match in pattern.finditer(pending):
            end = match.end()
            yield match
        pending = pending[end:]


def shared_strings_load(archive: zipfile.ZipFile) -> list[str]:
    """The shared-string table (kept whole: cells refer to it by position)."""
    try:
        member = _part_path(archive, "sharedStrings") or "xl/sharedStrings.xml"
        archive.getinfo(member)
    except KeyError:
        return []
    return [_text_runs(match.group(1) or "") for match in _elements(archive, member, _SHARED_ITEM)]


def _xml_part(archive: zipfile.ZipFile, member: str) -> ElementTree.Element | None:
    try:
        data = archive.read(member)
    except KeyError:
        return None
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise XlsxStreamError(f"part {member} is not well-formed XML: {exc}") from exc


def _workbook_relations(archive: zipfile.ZipFile) -> dict[str, tuple[str, str]]:
    """Relationship id → (type suffix, part path) of ``xl/workbook.xml``."""
    root = _xml_part(archive, "xl/_rels/workbook.xml.rels")
    relations = {}
    for rel in [] if root is None else root.iter(f"{{{PACKAGE_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else str(
            PurePosixPath("xl") / target
        )
        relations[rel.get("Id", "")] = (rel.get("Type", "").rsplit("/", 1)[-1], path)
    return relations


def _part_path(archive: zipfile.ZipFile, kind: str) -> str | None:
    for rel_type, path in _workbook_relations(archive).values():
        if rel_type == kind:
            return path
    return None


def sheets_list(archive: zipfile.ZipFile) -> list[tuple[str, str]]:
    """(name, part path) of every worksheet, in workbook order."""
    root = _xml_part(archive, "xl/workbook.xml")
    if root is None:
        raise XlsxStreamError("the package has no xl/workbook.xml (not an .xlsx workbook)")
    relations = _workbook_relations(archive)
    sheets = []
    for sheet in root.iter(f"{{{MAIN_NS}}}sheet"):
        rel_type, path = relations.get(sheet.get(f"{{{REL_NS}}}id", ""), ("", ""))
        if rel_type == "worksheet":
            sheets.append((sheet.get("name", ""), path))
    return sheets


def date1904(archive: zipfile.ZipFile) -> bool:
    """Whether serial dates count from 1904 (old Mac workbooks) rather than 1900."""
    root = _xml_part(archive, "xl/workbook.xml")
    properties = None if root is None else root.find(f"{{{MAIN_NS}}}workbookPr")
    return properties is not None and properties.get("date1904", "0") in ("1", "true")


def format_is_date(code: str) -> bool:
    """Whether a custom number format shows a date or time (y, m, d, h or s outside quotes)."""
    bare = _QUOTED_OR_BRACKETED.sub("", code).lower()
    return any(letter in bare for letter in "ymdhs") and "general" not in bare


def date_styles_load(archive: zipfile.ZipFile) -> frozenset[int]:
    """Indices of the cell styles whose number format is a date or a time."""
    root = _xml_part(archive, _part_path(archive, "styles") or "xl/styles.xml")
    if root is None:
        return frozenset()
    custom = {
        int(fmt.get("numFmtId", "-1")): format_is_date(fmt.get("formatCode", ""))
        for fmt in root.iter(f"{{{MAIN_NS}}}numFmt")
    }
    cell_formats = root.find(f"{{{MAIN_NS}}}cellXfs")
    styles = []
    for index, xf in enumerate([] if cell_formats is None else cell_formats):
        format_id = int(xf.get("numFmtId", "0"))
        if custom.get(format_id, format_id in _BUILTIN_DATE_FORMATS):
            styles.append(index)
    return frozenset(styles)


class SerialDates:
    """Excel serial day numbers to ``datetime`` (or ``time`` below one day)."""

    def __init__(self, *, base_1904: bool) -> None:
        self.base_1904 = base_1904

    def convert(self, serial: float) -> datetime | time:
        if 0 <= serial < 1:
            seconds = round(serial * 86400) % 86400
            return time(seconds // 3600, seconds // 60 % 60, seconds % 60)
        if self.base_1904:
            start = datetime(1904, 1, 1)  # noqa: DTZ001 - a wall-clock date, no zone
        else:  # serial 60 is Excel's phantom 29 February 1900
            start = datetime(1899, 12, 30 if serial >= 61 else 31)  # noqa: DTZ001
        return start + timedelta(seconds=round(serial * 86400))


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
        for number, body in _row_elements(_xml_blocks(self.archive, member), name):
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
            return text_unescape(inline) if inline or not other else _text_runs(other)
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

"""The parts of an .xlsx package around its worksheets: the workbook's sheet list and
date system, the shared-string table, the date styles, and block-wise reading of a part.

``md/xlsx_stream.py`` reads the worksheet rows themselves; this module answers everything
the rows refer to (shared strings by index, styles by index, serial dates).
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

# Text runs of a string item; phonetic runs (<rPh>) are removed first.
_TEXT = re.compile(r"<(?:\w+:)?t(?:\s[^>]*)?>([^<]*)</(?:\w+:)?t>|<(?:\w+:)?t(?:\s[^>]*)?/>")
_PHONETIC = re.compile(r"<(?:\w+:)?rPh\b.*?</(?:\w+:)?rPh>", re.DOTALL)
_SHARED_ITEM = re.compile(r"<(?:\w+:)?si\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?si>)", re.DOTALL)
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")

_QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')

# Built-in number formats that show a date or a time (ECMA-376 18.8.30 and the CJK ids).
_BUILTIN_DATE_FORMATS = frozenset(
    [*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)]
)

class XlsxStreamError(ValueError):
    """The file is not a well-formed .xlsx package (message names what is wrong)."""

def text_unescape(raw: str) -> str:
    """XML character references and OOXML ``_xHHHH_`` escapes of a raw text node."""
    if "&" in raw:
        raw = html.unescape(raw)
    if "_x" in raw:
        raw = _OOXML_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), raw)
    return raw


def text_runs(body: str) -> str:
    if "<rPh" in body or ":rPh" in body:
        body = _PHONETIC.sub("", body)
    return text_unescape("".join(_TEXT.findall(body)))


def xml_blocks(archive: zipfile.ZipFile, member: str) -> Iterator[str]:
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
    for block in xml_blocks(archive, member):
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
    return [text_runs(match.group(1) or "") for match in _elements(archive, member, _SHARED_ITEM)]


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

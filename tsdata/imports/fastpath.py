"""Fast path for delimited text: well-formed lines go straight into a typed ``COPY``.

Per megabyte of input, one compiled pass (numba) finds the lines that cannot be sent to
a typed ``COPY`` (wrong number of fields, empty non-text fields, characters a column
does not allow, inside the field's whitespace padding, which is trimmed on the way like
the validation in SQL trims it); those and any
line PostgreSQL refuses (its error names the line; the block is resent without it) go
to the slow path: the raw-lines table, where SQL classifies them (reject with reason,
or load after trimming/truncation). Everything else is parsed only by PostgreSQL's
``COPY`` input functions, which is several times faster than splitting in SQL.

Why one module (534 lines): the compiled screen and the sender that cuts blocks at the
lines it flags share the block layout (line ends, flags, trimmed spans). It also still
carries NC's date and cut-off screening, which belongs with the NC importer; moving it out
is open work (issue 20).
"""

from __future__ import annotations

import contextlib
import functools
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numba
import numpy as np
import psycopg2

from tsdata.imports.rawlines import CHUNK_SIZE, chunk_clean
from tsdata.imports.report import Progress

# Whitespace Python's str.strip() removes that can occur in CP1252 text (not the tab).
WHITESPACE = (32, 11, 12, 160)
IS_WHITESPACE = np.zeros(256, dtype=np.bool_)  # by byte: trimmed from both ends of a field
IS_WHITESPACE[list(WHITESPACE)] = True
MAX_RETRIES_PER_BLOCK = 64
_LINE_RE = re.compile(r"line (\d+)")


@dataclass
class FastCopyResult:
    fast_rows: int = 0
    slow_lines: int = 0
    nul_bytes: int = 0
    refused_by_copy: int = 0
    slow: list[tuple[int, bytes]] = field(default_factory=list)


def charset_table(width: int, charsets: list[bytes | None]) -> np.ndarray:
    """``[column, byte] → allowed`` for :func:`fast_copy`'s ``column_charsets``."""
    table = np.ones((width, 256), dtype=bool)
    for column, charset in enumerate(charsets):
        if charset is not None:
            table[column] = False
            table[column, np.frombuffer(charset, dtype=np.uint8)] = True
    return table


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(nogil=True, cache=True)
def _fnv(arr: np.ndarray, start: int, stop: int) -> np.uint64:
    value = _FNV_OFFSET
    for i in range(start, stop):
        value = (value ^ np.uint64(arr[i])) * _FNV_PRIME
    return value


@numba.njit(nogil=True, cache=True)
def _date_ok(arr: np.ndarray, start: int, stop: int) -> bool:
    """``YYYY-MM-DD[ HH:MM[:SS[.f|.ff|.fff|.fffffff]]]`` with plain ranges, exactly what
    the validation in SQL accepts (PostgreSQL alone would also take other forms, e.g.
    ``24:00:00`` or an explicit UTC offset)."""
    length = stop - start
    if length not in (10, 16, 19, 21, 22, 23, 27):
        return False
    for offset in range(length):
        byte = arr[start + offset]
        if offset in (4, 7):
            expected = 45  # -
        elif offset == 10:
            expected = 32  # space
        elif offset in (13, 16):
            expected = 58  # :
        elif offset == 19:
            expected = 46  # .
        else:
            expected = 0  # a digit
        if expected == 0:
            if byte < 48 or byte > 57:
                return False
        elif byte != expected:
            return False

    def two(offset):
        return (arr[start + offset] - 48) * 10 + arr[start + offset + 1] - 48

    if arr[start] not in (49, 50) or not 1 <= two(5) <= 12 or not 1 <= two(8) <= 31:
        return False
    if length >= 16 and (two(11) > 23 or two(14) > 59):
        return False
    return not (length >= 19 and two(17) > 59)


@numba.njit(nogil=True, cache=True)
def _key_find(arr: np.ndarray, start: int, stop: int, hashes: np.ndarray,
              offsets: np.ndarray, data: np.ndarray, ids: np.ndarray) -> int:
    """The id of ``arr[start:stop]`` among the keys, or -1."""
    value = _fnv(arr, start, stop)
    k = np.searchsorted(hashes, value)
    length = stop - start
    while k < hashes.size and hashes[k] == value:
        offset = offsets[k]
        if offsets[k + 1] - offset == length:
            same = True
            for j in range(length):
                if data[offset + j] != arr[start + j]:
                    same = False
                    break
            if same:
                return ids[k]
        k += 1
    return -1


@numba.njit(nogil=True, cache=True)
def _screen(arr: np.ndarray, line_count: int, width: int, allowed: np.ndarray,
            non_text: np.ndarray, is_space: np.ndarray, key_field: int,
            key_hashes: np.ndarray, key_offsets: np.ndarray, key_bytes: np.ndarray,
            key_ids: np.ndarray, date_field: int, min_year: int,
            exempt_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass over a block of complete lines: (slow per line, looked-up id per line,
    padded per line).

    Each field is taken without its leading and trailing whitespace (``is_space``), as
    the validation in SQL trims it; a line with such padding is marked ``padded`` (its
    fields are trimmed when it is copied, ``_lines_select``). A line is slow when it has
    the wrong number of fields, an empty non-text field, or a byte its column does not
    allow (whitespace inside a non-text value included). With a ``key_field`` (>= 0) its
    value is looked up among the keys (sorted FNV-1a hashes, verified byte for byte) and
    a line whose value is not a key is slow too; with a ``date_field`` a line whose date
    is not in an accepted shape (:func:`_date_ok`) or whose year is before ``min_year``
    is slow unless its id is ``exempt_id`` (the validation in SQL then decides).
    Compiled by numba: a byte loop in Python would be a hundred times slower, and the
    vectorised numpy equivalent needs a dozen passes with per-byte int64 temporaries.
    """
    slow = np.zeros(line_count, np.bool_)
    ids = np.full(line_count, -1, np.int64)
    padded = np.zeros(line_count, np.bool_)
    line = 0
    field = 0
    key_start = 0
    key_stop = 0
    year = 0
    content_start = -1  # first byte of the field's value (-1: none yet)
    content_stop = 0  # after its last byte
    trailing = False  # whitespace after the value so far
    trailing_bad = False  # ... that the column would not allow inside the value
    bad = False
    line_padded = False
    last = width - 1
    for i in range(arr.size):
        byte = arr[i]
        if byte == 9 or byte == 10:
            start, stop = content_start, content_stop
            if start < 0:
                start = stop = i
                if field < width and non_text[field]:
                    bad = True
            if trailing:
                line_padded = True
            if field == key_field:
                key_start, key_stop = start, stop
            elif field == date_field:
                if _date_ok(arr, start, stop):
                    year = ((arr[start] - 48) * 1000 + (arr[start + 1] - 48) * 100
                            + (arr[start + 2] - 48) * 10 + arr[start + 3] - 48)
                else:
                    bad = True
            if byte == 9:
                field += 1
            else:
                if not bad and field == last and key_field >= 0:
                    ids[line] = _key_find(arr, key_start, key_stop, key_hashes, key_offsets,
                                          key_bytes, key_ids)
                    bad = ids[line] < 0
                if date_field >= 0 and year < min_year and ids[line] != exempt_id:
                    bad = True
                if bad or field != last:
                    slow[line] = True
                padded[line] = line_padded
                line += 1
                field = 0
                bad = False
                line_padded = False
                year = 0
            content_start = -1
            trailing = False
            trailing_bad = False
        elif is_space[byte]:
            if content_start < 0:
                line_padded = True  # leading
            else:
                trailing = True
                if not allowed[field if field < last else last, byte]:
                    trailing_bad = True
        else:
            if content_start < 0:
                content_start = i
            elif trailing_bad:
                bad = True  # whitespace inside a value its column does not allow
            trailing = False
            trailing_bad = False
            if not allowed[field if field < last else last, byte]:
                bad = True
            content_stop = i + 1
    return slow, ids, padded


@numba.njit(nogil=True, cache=True)
def _field_hashes(arr: np.ndarray, line_count: int, field_index: int,
                  trim: np.ndarray) -> tuple:
    """Per line: FNV-1a hash, start and stop of field ``field_index`` with ``trim`` bytes
    removed at both ends (an absent field is empty, like SQL's ``split_part``)."""
    hashes = np.empty(line_count, np.uint64)
    starts = np.zeros(line_count, np.int64)
    stops = np.zeros(line_count, np.int64)
    line = 0
    field = 0
    field_start = 0
    found = False
    for i in range(arr.size):
        byte = arr[i]
        if byte == 9 or byte == 10:
            if field == field_index and not found:
                start, stop = field_start, i
                while start < stop and trim[arr[start]]:
                    start += 1
                while stop > start and trim[arr[stop - 1]]:
                    stop -= 1
                starts[line], stops[line] = start, stop
                found = True
            field += 1
            field_start = i + 1
            if byte == 10:
                hashes[line] = _fnv(arr, starts[line], stops[line])
                line += 1
                field = 0
                found = False
    return hashes, starts, stops


@numba.njit(nogil=True, cache=True)
def _lines_select(arr: np.ndarray, ends: np.ndarray, keep: np.ndarray, ids: np.ndarray,
                  append_ids: bool, padded: np.ndarray, is_space: np.ndarray) -> np.ndarray:
    """The kept lines of a block, each with ``\t<id>`` before its newline if asked; the
    fields of ``padded`` lines without their leading and trailing whitespace."""
    size = 0
    start = 0
    for line in range(ends.size):
        if keep[line]:
            size += ends[line] + 1 - start + (21 if append_ids else 0)
        start = ends[line] + 1
    out = np.empty(size, np.uint8)
    position = 0
    start = 0
    digits = np.empty(20, np.uint8)
    for line in range(ends.size):
        stop = ends[line]
        if keep[line]:
            if padded[line]:
                field_start = start
                for i in range(start, stop + 1):
                    if i == stop or arr[i] == 9:
                        first, after = field_start, i
                        while first < after and is_space[arr[first]]:
                            first += 1
                        while after > first and is_space[arr[after - 1]]:
                            after -= 1
                        out[position:position + after - first] = arr[first:after]
                        position += after - first
                        if i < stop:
                            out[position] = 9
                            position += 1
                        field_start = i + 1
            else:
                length = stop - start
                out[position:position + length] = arr[start:stop]
                position += length
            if append_ids:
                out[position] = 9
                position += 1
                value = ids[line]
                count = 0
                while True:
                    digits[count] = 48 + value % 10
                    count += 1
                    value //= 10
                    if value == 0:
                        break
                for j in range(count):
                    out[position + j] = digits[count - 1 - j]
                position += count
            out[position] = 10
            position += 1
        start = stop + 1
    return out[:position]


@dataclass(frozen=True)
class KeyLookup:
    """Map one text field to an id appended as an extra ``COPY`` column (NC: agency name →
    agency id), and send to the slow path lines with an unknown value or, with
    ``date_field``, a date in another shape than the SQL validation accepts or before
    ``min_year`` unless the id is ``exempt_id``."""

    field: int
    ids: dict[bytes, int]
    date_field: int = -1
    min_year: int = 0
    exempt_id: int = -1

    @functools.cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(sorted hashes, byte offsets, concatenated bytes, ids) for :func:`_screen`,
        built once per lookup."""
        entries = sorted(
            (int(_fnv(np.frombuffer(key, np.uint8), 0, len(key))), key, value)
            for key, value in self.ids.items()
        )
        hashes = np.array([entry[0] for entry in entries], dtype=np.uint64)
        offsets = np.zeros(len(entries) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(entry[1]) for entry in entries])
        data = np.frombuffer(b"".join(entry[1] for entry in entries) or b"\0", np.uint8)
        values = np.array([entry[2] for entry in entries], dtype=np.int64)
        return hashes, offsets, data, values


_NO_LOOKUP = (np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(1, np.uint8),
              np.zeros(0, np.int64))


def _slow_mask(arr: np.ndarray, ends: np.ndarray, width: int, non_text: np.ndarray,
               allowed: np.ndarray, lookup: KeyLookup | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
    """(slow, ids, padded) per line (``ends`` = newline positions); see :func:`_screen`."""
    if lookup is None:
        return _screen(arr, len(ends), width, allowed, non_text, IS_WHITESPACE, -1, *_NO_LOOKUP,
                       -1, 0, -1)
    return _screen(arr, len(ends), width, allowed, non_text, IS_WHITESPACE, lookup.field,
                   *lookup.arrays, lookup.date_field, lookup.min_year,
                   lookup.exempt_id)


def field_values_distinct(stream: BinaryIO, field_index: int, trim: bytes) -> set[bytes]:
    """Distinct values of one field over all lines of ``stream`` (cleaned like the load,
    ``trim`` bytes stripped at both ends): one compiled pass per megabyte."""
    trim_table = np.zeros(256, dtype=np.bool_)
    trim_table[list(trim)] = True
    values: dict[tuple[int, bytes], None] = {}
    for block in _clean_blocks(stream, FastCopyResult()):
        arr = np.frombuffer(block, dtype=np.uint8)
        line_count = int(np.count_nonzero(arr == 10))
        hashes, starts, stops = _field_hashes(arr, line_count, field_index, trim_table)
        _, first = np.unique(hashes, return_index=True)
        for line in first:
            values[(int(hashes[line]), block[starts[line]:stops[line]])] = None
    return {value for _, value in values}


@dataclass(frozen=True)
class BlockLoader:
    """One more connection loading blocks of the same file: ``copy_block`` and
    ``slow_sink`` as for :func:`fast_copy`; with a ``gate`` it only starts taking blocks
    once the gate is set (when its connection is free)."""

    copy_block: Callable[[bytes], int]
    slow_sink: Callable[[list[tuple[int, bytes]]], None]
    gate: threading.Event | None = None


def fast_copy(
    stream: BinaryIO,
    *,
    width: int,
    non_text_columns: list[bool],
    copy_block: Callable[[bytes], int],
    slow_sink: Callable[[list[tuple[int, bytes]]], None],
    progress: Progress | None = None,
    column_charsets: list[bytes | None] | None = None,
    lookup: KeyLookup | None = None,
    on_loaded: Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], None] | None = None,
    more_loaders: Sequence[BlockLoader] = (),
) -> FastCopyResult:
    """Split ``stream`` into typed-COPY blocks and slow lines (see the module docstring).

    ``copy_block(data)`` runs one ``COPY ... FROM STDIN`` (text format) of ``data`` and
    returns its row count; ``slow_sink(lines)`` receives (line number, raw bytes) pairs.
    ``column_charsets`` (bytes per column, None for free text) sends lines with other
    characters in a column to the slow path, so both paths accept exactly the same values.
    With a ``lookup`` every fast line gets its looked-up id as an extra last column.
    ``on_loaded(arr, ends, loaded, ids)`` sees each block after its COPY, with the mask of
    the lines it loaded (and their looked-up ids): in file order with one loader; with
    ``more_loaders`` (each on a thread of its own, so PostgreSQL parses blocks on several
    backends at once) blocks finish in any order and ``on_loaded`` and the sinks may be
    called from several threads.
    """
    non_text = np.array(non_text_columns, dtype=bool)
    allowed = charset_table(width, column_charsets or [None] * width)
    result = FastCopyResult()
    # Screening the next block (inflate, compiled screen) overlaps with PostgreSQL parsing
    # the current one: a producer thread feeds a short queue.
    blocks: queue.Queue = queue.Queue(maxsize=3 + len(more_loaders))
    failure: list[BaseException] = []
    finished = threading.Event()  # the last block was taken, or a loader failed

    def produce() -> None:
        try:
            line_base = 0
            for block in _clean_blocks(stream, result):
                arr = np.frombuffer(block, dtype=np.uint8)
                ends = np.flatnonzero(arr == 10)
                slow, ids, padded = _slow_mask(arr, ends, width, non_text, allowed, lookup)
                line_numbers = line_base + 1 + np.arange(len(ends))
                line_base += len(ends)
                if progress is not None:
                    progress.update(len(block), len(ends))
                blocks.put((block, arr, ends, slow, ids, padded, line_numbers))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            failure.append(exc)
        finally:
            blocks.put(None)

    def consume(loader: BlockLoader, partial: FastCopyResult) -> None:
        if loader.gate is not None:
            while not loader.gate.wait(0.05):
                if finished.is_set():
                    return
        try:
            while not failure and (item := blocks.get()) is not None:
                _block_load(*item, lookup is not None, loader.copy_block, loader.slow_sink,
                            partial)
                if on_loaded is not None:
                    block, arr, ends, slow, ids, _, _ = item
                    on_loaded(arr, ends, ~slow, ids)
            if not failure:
                blocks.put(None)  # the end, for the other loaders
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            failure.append(exc)
        finally:
            finished.set()

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    loaders = [BlockLoader(copy_block, slow_sink), *more_loaders]
    partials = [FastCopyResult() for _ in loaders]
    helpers = [threading.Thread(target=consume, args=(loader, partial), daemon=True)
               for loader, partial in zip(loaders[1:], partials[1:], strict=True)]
    for helper in helpers:
        helper.start()
    try:
        consume(loaders[0], partials[0])
        for helper in helpers:
            helper.join()
    finally:
        # Unblock and finish the producer (and helpers) even when a COPY failed.
        while producer.is_alive() or any(helper.is_alive() for helper in helpers):
            with contextlib.suppress(queue.Empty):
                blocks.get(timeout=0.1)
        producer.join()
    for partial in partials:
        result.fast_rows += partial.fast_rows
        result.slow_lines += partial.slow_lines
        result.refused_by_copy += partial.refused_by_copy
    if failure:
        raise failure[0]
    return result


def _clean_blocks(stream: BinaryIO, result: FastCopyResult):
    """Yield the stream per megabyte of complete lines, unloadable bytes removed (NUL
    bytes counted in ``result``); a last line without newline gets one."""
    remainder = b""
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            if remainder:
                yield remainder if remainder.endswith(b"\n") else remainder + b"\n"
            return
        chunk, removed = chunk_clean(chunk)
        result.nul_bytes += removed
        cleaned = remainder + chunk
        cut = cleaned.rfind(b"\n") + 1
        block, remainder = cleaned[:cut], cleaned[cut:]
        if block:
            yield block


def _block_load(block, arr, ends, slow, ids, padded, line_numbers, append_ids, copy_block,
                slow_sink, result) -> None:
    for _ in range(MAX_RETRIES_PER_BLOCK):
        fast = ~slow
        if not fast.any():
            break
        if fast.all() and not append_ids and not padded.any():
            data = block
        else:
            data = _lines_select(arr, ends, fast, ids, append_ids, padded,
                                 IS_WHITESPACE).tobytes()
        try:
            rows = copy_block(data.replace(b"\\", b"\\\\"))
        except (psycopg2.DataError, psycopg2.IntegrityError) as exc:
            context = getattr(exc.diag, "context", None) or ""
            match = _LINE_RE.search(context) or _LINE_RE.search(str(exc))
            if not match:
                slow[:] = True
                break
            # The COPY's line number counts only the lines that were sent.
            refused = np.flatnonzero(fast)[int(match.group(1)) - 1]
            slow[refused] = True
            result.refused_by_copy += 1
            continue
        result.fast_rows += rows
        break
    else:
        slow[:] = True
    slow_lines = []
    for i in np.flatnonzero(slow):
        start = int(ends[i - 1]) + 1 if i else 0
        slow_lines.append((int(line_numbers[i]), block[start:int(ends[i])]))
    if slow_lines:
        result.slow_lines += len(slow_lines)
        slow_sink(slow_lines)

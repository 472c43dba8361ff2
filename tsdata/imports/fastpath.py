"""Fast path for delimited text: well-formed lines go straight into a typed ``COPY``.

Per megabyte of input, one compiled pass (numba) finds the lines that cannot be sent to
a typed ``COPY`` as they are (wrong number of fields, padded fields, empty non-text
fields, characters a column does not allow); those and any
line PostgreSQL refuses (its error names the line; the block is resent without it) go
to the slow path: the raw-lines table, where SQL classifies them (reject with reason,
or load after trimming/truncation). Everything else is parsed only by PostgreSQL's
``COPY`` input functions, which is several times faster than splitting in SQL.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numba
import numpy as np
import psycopg2

from tsdata.imports.rawlines import _TRANSLATION, CHUNK_SIZE, DELETED_BYTES
from tsdata.imports.report import Progress

# Whitespace Python's str.strip() removes that can occur in CP1252 text (not the tab).
WHITESPACE = (32, 11, 12, 160)
_IS_SPACE = np.zeros(256, dtype=np.bool_)
_IS_SPACE[list(WHITESPACE)] = True
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


@numba.njit(nogil=True, cache=False)
def _screen(arr: np.ndarray, line_count: int, width: int, allowed: np.ndarray,
            non_text: np.ndarray, is_space: np.ndarray) -> np.ndarray:  # pragma: no cover
    """One pass over a block of complete lines: True per line that must take the slow path.

    A line is slow when it has the wrong number of fields, a field padded with
    whitespace, an empty non-text field, or a byte its column does not allow. Compiled
    by numba (a byte loop in Python would be a hundred times slower, and the equivalent
    vectorised numpy needs a dozen passes with per-byte int64 temporaries).
    """
    slow = np.zeros(line_count, np.bool_)
    line = 0
    field = 0
    empty = True  # nothing yet in the current field
    bad = False
    last = width - 1
    for i in range(arr.size):
        byte = arr[i]
        if byte == 9 or byte == 10:
            if empty and field < width and non_text[field]:
                bad = True
            if byte == 9:
                field += 1
            else:
                if bad or field != last:
                    slow[line] = True
                line += 1
                field = 0
                bad = False
            empty = True
        else:
            if is_space[byte]:
                after = arr[i + 1]  # a block always ends with a newline
                if empty or after == 9 or after == 10:
                    bad = True
            if not allowed[field if field < last else last, byte]:
                bad = True
            empty = False
    return slow


def _slow_mask(arr: np.ndarray, ends: np.ndarray, width: int, non_text: np.ndarray,
               allowed: np.ndarray) -> np.ndarray:
    """Boolean per line (``ends`` = newline positions): True when the line must take the
    slow path."""
    return _screen(arr, len(ends), width, allowed, non_text, _IS_SPACE)


def fast_copy(
    stream: BinaryIO,
    *,
    width: int,
    non_text_columns: list[bool],
    copy_block: Callable[[bytes], int],
    slow_sink: Callable[[list[tuple[int, bytes]]], None],
    progress: Progress | None = None,
    column_charsets: list[bytes | None] | None = None,
) -> FastCopyResult:
    """Split ``stream`` into typed-COPY blocks and slow lines (see the module docstring).

    ``copy_block(data)`` runs one ``COPY ... FROM STDIN`` (text format) of ``data`` and
    returns its row count; ``slow_sink(lines)`` receives (line number, raw bytes) pairs.
    ``column_charsets`` (bytes per column, None for free text) sends lines with other
    characters in a column to the slow path, so both paths accept exactly the same values.
    """
    non_text = np.array(non_text_columns, dtype=bool)
    allowed = charset_table(width, column_charsets or [None] * width)
    result = FastCopyResult()
    # Screening the next block (inflate, numpy) overlaps with PostgreSQL parsing the
    # current one: a producer thread feeds a short queue.
    blocks: queue.Queue = queue.Queue(maxsize=3)
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            for item in _blocks(stream, width, non_text, allowed, result, progress):
                blocks.put(item)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the consumer
            failure.append(exc)
        finally:
            blocks.put(None)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        while (item := blocks.get()) is not None:
            _block_load(*item, copy_block, slow_sink, result)
    finally:
        # Unblock and finish the producer even when a COPY failed.
        while producer.is_alive():
            with contextlib.suppress(queue.Empty):
                blocks.get(timeout=0.1)
        producer.join()
    if failure:
        raise failure[0]
    return result


def _blocks(stream, width, non_text, allowed, result, progress):
    """Yield (block, arr, ends, slow mask, line numbers) per megabyte of complete lines."""
    remainder = b""
    line_base = 0
    eof = False
    while not eof:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            eof = True
            if not remainder:
                break
            if not remainder.endswith(b"\n"):
                remainder += b"\n"
            block, remainder = remainder, b""
        else:
            result.nul_bytes += chunk.count(b"\x00")
            cleaned = remainder + chunk.translate(_TRANSLATION, DELETED_BYTES)
            cut = cleaned.rfind(b"\n") + 1
            block, remainder = cleaned[:cut], cleaned[cut:]
            if not block:
                continue
        arr = np.frombuffer(block, dtype=np.uint8)
        ends = np.flatnonzero(arr == 10)
        slow = _slow_mask(arr, ends, width, non_text, allowed)
        line_numbers = line_base + 1 + np.arange(len(ends))
        line_base += len(ends)
        if progress is not None:
            progress.update(len(block), len(ends))
        yield block, arr, ends, slow, line_numbers


def _block_load(block, arr, ends, slow, line_numbers, copy_block, slow_sink, result) -> None:
    starts = np.empty(len(ends), dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    lengths = ends - starts + 1
    for _ in range(MAX_RETRIES_PER_BLOCK):
        fast = ~slow
        if not fast.any():
            break
        data = block if fast.all() else arr[np.repeat(fast, lengths)].tobytes()
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
    slow_lines = [(int(line_numbers[i]), block[starts[i]:ends[i]]) for i in np.flatnonzero(slow)]
    if slow_lines:
        result.slow_lines += len(slow_lines)
        slow_sink(slow_lines)

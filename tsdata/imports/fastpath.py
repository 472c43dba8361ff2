"""Fast path for delimited text: well-formed lines go straight into a typed ``COPY``.

Per megabyte of input, numpy finds the lines that cannot be sent to a typed ``COPY`` as
they are (wrong number of fields, padded fields, empty non-text fields); those and any
line PostgreSQL refuses (its error names the line; the block is resent without it) go
to the slow path: the raw-lines table, where SQL classifies them (reject with reason,
or load after trimming/truncation). Everything else is parsed only by PostgreSQL's
``COPY`` input functions, which is several times faster than splitting in SQL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import psycopg2

from tsdata.imports.rawlines import _TRANSLATION, CHUNK_SIZE, DELETED_BYTES
from tsdata.imports.report import Progress

WHITESPACE = np.array([32, 11, 12, 160], dtype=np.uint8)
MAX_RETRIES_PER_BLOCK = 64
_LINE_RE = re.compile(r"line (\d+)")


@dataclass
class FastCopyResult:
    fast_rows: int = 0
    slow_lines: int = 0
    nul_bytes: int = 0
    refused_by_copy: int = 0
    slow: list[tuple[int, bytes]] = field(default_factory=list)


def _slow_mask(arr: np.ndarray, ends: np.ndarray, width: int, non_text: np.ndarray) -> np.ndarray:
    """Boolean per line: True when the line must take the slow path."""
    n = len(ends)
    starts = np.empty(n, dtype=np.int64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    tabs = np.flatnonzero(arr == 9)
    tabs_before_end = np.searchsorted(tabs, ends)
    tabs_before_start = np.searchsorted(tabs, starts)
    counts = tabs_before_end - tabs_before_start
    slow = counts != width - 1
    # Whitespace next to a field boundary (padding to trim).
    boundary = np.zeros(len(arr) + 1, dtype=bool)
    boundary[tabs] = True
    boundary[ends] = True
    is_space = np.isin(arr, WHITESPACE)
    if is_space.any():
        positions = np.flatnonzero(is_space)
        before_is_boundary = np.ones(len(positions), dtype=bool)
        inner = positions > 0
        before_is_boundary[inner] = boundary[positions[inner] - 1]
        padded = positions[before_is_boundary | boundary[positions + 1]]
        # A space right after a newline starts a line: positions-1 is that newline.
        slow[np.searchsorted(ends, padded)] = True
    # Empty fields where the column is not text (ints, codes, dates, flags, amounts).
    empty_after_tab = tabs[boundary[tabs + 1]]
    if len(empty_after_tab):
        line = np.searchsorted(ends, empty_after_tab)
        ordinal = np.searchsorted(tabs, empty_after_tab) - tabs_before_start[line] + 1
        in_range = ordinal < width
        bad = in_range.copy()
        bad[in_range] = non_text[ordinal[in_range]]
        slow[line[bad]] = True
    empty_first = boundary[starts]
    if non_text[0]:
        slow[empty_first] = True
    return slow


def fast_copy(
    stream: BinaryIO,
    *,
    width: int,
    non_text_columns: list[bool],
    copy_block: Callable[[bytes], int],
    slow_sink: Callable[[list[tuple[int, bytes]]], None],
    progress: Progress | None = None,
) -> FastCopyResult:
    """Split ``stream`` into typed-COPY blocks and slow lines (see the module docstring).

    ``copy_block(data)`` runs one ``COPY ... FROM STDIN`` (text format) of ``data`` and
    returns its row count; ``slow_sink(lines)`` receives (line number, raw bytes) pairs.
    """
    non_text = np.array(non_text_columns, dtype=bool)
    result = FastCopyResult()
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
        slow = _slow_mask(arr, ends, width, non_text)
        line_numbers = line_base + 1 + np.arange(len(ends))
        line_base += len(ends)
        if progress is not None:
            progress.update(len(block), len(ends))
        _block_load(block, arr, ends, slow, line_numbers, copy_block, slow_sink, result)
    return result


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

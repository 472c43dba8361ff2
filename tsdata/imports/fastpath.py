"""Fast path for delimited text: well-formed lines go straight into a typed ``COPY``.

Per megabyte of input, one compiled pass (``tsdata.imports.line_screen``) finds the lines
that cannot be sent to a typed ``COPY`` (wrong number of fields, empty non-text fields,
characters a column does not allow, inside the field's whitespace padding, which is
trimmed on the way like the validation in SQL trims it, unknown key values, and what the
caller's per-line rule sends there); those and any line PostgreSQL refuses (its error
names the line; the block is resent without it) go to the slow path: the raw-lines table,
where SQL classifies them (reject with reason, or load after trimming/truncation).
Everything else is parsed only by PostgreSQL's ``COPY`` input functions, which is
several times faster than splitting in SQL. This module cuts the stream into blocks and
sends them, on one or more connections, while the next block is screened.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

import numpy as np
import psycopg2

from tsdata.imports.line_screen import (  # noqa: F401 - the screen stays importable from here
    IS_WHITESPACE,
    WHITESPACE,
    FieldShapeRule,
    KeyLookup,
    _field_hashes,
    _lines_select,
    _screen,
    _slow_mask,
    charset_table,
    fnv_hash,
)
from tsdata.imports.rawlines import CHUNK_SIZE, chunk_clean
from tsdata.imports.report import Progress

_fnv = fnv_hash  # the name ``nc.summary_stream`` imports
MAX_RETRIES_PER_BLOCK = 64
_LINE_RE = re.compile(r"line (\d+)")


@dataclass
class FastCopyResult:
    fast_rows: int = 0
    slow_lines: int = 0
    nul_bytes: int = 0
    refused_by_copy: int = 0
    slow: list[tuple[int, bytes]] = field(default_factory=list)


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

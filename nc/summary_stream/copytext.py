"""Compiled writers of COPY text: summary rows, dirty stop ids, merged and agency rows.

The streamed counts go into PostgreSQL as ``COPY ... FROM STDIN`` text (CP1252) written
here byte by byte, so that millions of rows never become Python objects. A row's measures
are an array in the summary's column order (``layout.TableLayout``); ``count_col`` is the
column of the plain count of stops, which the group table carries.
"""

from __future__ import annotations

from collections.abc import Iterable

import numba
import numpy as np
from psycopg2 import sql

from nc.summary_stream.kernels import (
    CELL_FIELD,
    CODE_MASK,
    COUNT_FIELD,
    COUNT_SHIFT,
    DIRTY,
    YEAR_BASE,
)
from tsdata.imports.staging import BytesIterReader


@numba.njit(nogil=True, cache=True)
def _digits_put(out, position, value):
    if value == 0:
        out[position] = 48
        return position + 1
    count = 0
    rest = value
    while rest:
        count += 1
        rest //= 10
    for i in range(count - 1, -1, -1):
        out[position + i] = 48 + value % 10
        value //= 10
    return position + count


@numba.njit(nogil=True, cache=True)
def _escaped_put(out, position, data, start, stop):
    """Bytes as COPY text: a backslash doubled, tab, newline and carriage return escaped."""
    for i in range(start, stop):
        byte = data[i]
        if byte == 92 or byte == 9 or byte == 10 or byte == 13:
            out[position] = 92
            position += 1
            if byte == 9:
                byte = 116  # t
            elif byte == 10:
                byte = 110  # n
            elif byte == 13:
                byte = 114  # r
        out[position] = byte
        position += 1
    return position


@numba.njit(nogil=True, cache=True)
def rows_text(groups, officer_of, agencies, lengths, names, category_bytes, category_offsets,
              width, measure_count, count_col):
    """COPY text of the counted rows (see ``SummaryStream.rows_copy_text``); the group
    table holds the plain count of stops, the other measures are 0."""
    rows = 0
    for slot in range(groups.size):
        if groups[slot] & COUNT_FIELD:
            rows += 1
    out = np.empty(rows * width, np.uint8)
    position = 0
    measures = np.zeros(measure_count, np.int64)
    for slot in range(groups.size):
        entry = groups[slot]
        if entry & COUNT_FIELD:  # not an empty slot, nor a group whose stops were uncounted
            measures[count_col] = np.int64(entry & COUNT_FIELD)
            position = _row_put(out, position, np.int64(entry >> COUNT_SHIFT), measures,
                                officer_of, agencies, lengths, names, category_bytes,
                                category_offsets)
    return out[:position]


@numba.njit(nogil=True, cache=True)
def ids_text(state, first_id):
    """The dirty stop ids of ``state`` (a slice starting at ``first_id``), one per line."""
    count = 0
    for index in range(state.size):
        if state[index] & DIRTY:
            count += 1
    out = np.empty(count * 11, np.uint8)
    position = 0
    for index in range(state.size):
        if state[index] & DIRTY:
            position = _digits_put(out, position, first_id + index)
            out[position] = 10
            position += 1
    return out[:position]


@numba.njit(nogil=True, cache=True)
def _row_put(out, position, group, measures, officer_of, agencies, lengths, names,
             category_bytes, category_offsets):
    """One summary row as COPY text: agency, officer, year, purpose, category, measures
    (``group`` packed; its officer field indexes ``officer_of``, its category field the
    categories)."""
    officer = officer_of[group >> 19]
    position = _digits_put(out, position, agencies[officer])
    out[position] = 9
    flat_names = names.reshape(-1)
    start = officer * names.shape[1]
    position = _escaped_put(out, position + 1, flat_names, start, start + lengths[officer])
    return _cell_put(out, position, group & CELL_FIELD, measures, category_bytes,
                     category_offsets)


@numba.njit(nogil=True, cache=True)
def _cell_put(out, position, cell, measures, category_bytes, category_offsets):
    """The rest of a summary row as COPY text, after its agency (and officer): year,
    purpose (or search type), category and measures of a packed ``cell``, each after a
    tab, and the newline."""
    out[position] = 9
    position = _digits_put(out, position + 1, YEAR_BASE + ((cell >> 11) & 0xFF))
    out[position] = 9
    position = _digits_put(out, position + 1, (cell >> 6) & 0x1F)
    out[position] = 9
    category = cell & CODE_MASK
    position = _escaped_put(out, position + 1, category_bytes, category_offsets[category],
                            category_offsets[category + 1])
    for measure in range(measures.size):
        out[position] = 9
        position = _digits_put(out, position + 1, measures[measure])
    out[position] = 10
    return position + 1


@numba.njit(nogil=True, cache=True)
def merged_text(entries, upto, part_keys, part_measures, position, officer_by_rank,
                agencies, lengths, names, category_bytes, category_offsets, width, count_col):
    """COPY text of a chunk of sorted counted ``entries`` merged with the sorted part
    rows ``position[0]`` to ``upto`` (those up to the chunk's last key, or all that
    remain for the last chunk); equal groups are summed."""
    out = np.empty((entries.size + upto - position[0]) * width, np.uint8)
    written = 0
    row = position[0]
    measures = np.zeros(part_measures.shape[1], np.int64)
    for index in range(entries.size):
        key = np.int64(entries[index] >> COUNT_SHIFT)
        while row < upto and part_keys[row] < key:
            written = _row_put(out, written, part_keys[row], part_measures[row],
                               officer_by_rank, agencies, lengths, names, category_bytes,
                               category_offsets)
            row += 1
        measures[:] = 0
        measures[count_col] = np.int64(entries[index] & COUNT_FIELD)
        if row < upto and part_keys[row] == key:
            for measure in range(measures.size):
                measures[measure] += part_measures[row, measure]
            row += 1
        written = _row_put(out, written, key, measures, officer_by_rank, agencies, lengths,
                           names, category_bytes, category_offsets)
    while row < upto:
        written = _row_put(out, written, part_keys[row], part_measures[row],
                           officer_by_rank, agencies, lengths, names, category_bytes,
                           category_offsets)
        row += 1
    position[0] = row
    return out[:written]


@numba.njit(nogil=True, cache=True)
def agency_text(agency_ids, agency_cells, sums, category_bytes, category_offsets, width):
    """COPY text of agency summary rows: agency, year, purpose, category, measures."""
    out = np.empty(agency_ids.size * width, np.uint8)
    position = 0
    for row in range(agency_ids.size):
        position = _digits_put(out, position, agency_ids[row])
        position = _cell_put(out, position, agency_cells[row], sums[row], category_bytes,
                             category_offsets)
    return out[:position]


def copy_in(cursor, table: sql.Identifier, chunks: Iterable[bytes]) -> int:
    """COPY text chunks (CP1252) into ``table``; returns the number of rows."""
    cursor.execute("SET client_encoding = 'WIN1252'")
    try:
        cursor.copy_expert(sql.SQL("COPY {} FROM STDIN").format(table).as_string(cursor),
                           BytesIterReader(chunks), size=1 << 20)
        return cursor.rowcount
    finally:
        cursor.execute("SET client_encoding = 'UTF8'")

"""Compiled steps of the merge: the SQL part's rows parsed into packed groups, groups put
in the summary's primary-key order, and the agency rows summed from the officer rows.
"""

from __future__ import annotations

import numba
import numpy as np

from nc.summary_stream import kernels as k


@numba.njit(nogil=True, cache=True)
def _digits_value(arr, start, stop):
    """The unsigned decimal number in ``arr[start:stop]``, or -1 if it is not one."""
    if stop <= start or stop - start > 18:
        return -1
    value = 0
    for i in range(start, stop):
        digit = arr[i] - 48
        if digit < 0 or digit > 9:
            return -1
        value = value * 10 + digit
    return value


@numba.njit(nogil=True, cache=True)
def _nibble(byte):
    if 48 <= byte <= 57:
        return byte - 48
    if 97 <= byte <= 102:
        return byte - 87
    return -1


@numba.njit(nogil=True, cache=True)
def part_rows(arr, ends, slots, hashes, agencies, lengths, names, used, parsed):
    """Parse the COPY text of the SQL part (agency, officer id in hex, year, purpose or
    search type, category code, the measures) into ``parsed`` (packed group, measures),
    interning the officers; False if a row does not fit a packed group."""
    measures = parsed.shape[1] - 1
    fields = 5 + measures
    starts = np.zeros(fields, np.int64)
    stops = np.zeros(fields, np.int64)
    values = np.zeros(fields, np.int64)
    name = np.zeros(names.shape[1], np.uint8)
    start = 0
    for row in range(ends.size):
        stop = ends[row]
        field = 0
        field_start = start
        for i in range(start, stop + 1):
            if i == stop or arr[i] == 9:
                if field < fields:
                    starts[field] = field_start
                    stops[field] = i
                field += 1
                field_start = i + 1
        if field != fields:
            return False
        for field in range(fields):
            if field != 1:
                values[field] = _digits_value(arr, starts[field], stops[field])
                if values[field] < 0:
                    return False
        length = (stops[1] - starts[1]) // 2
        if (stops[1] - starts[1]) % 2 or length > name.size:
            return False
        for j in range(length):
            high = _nibble(arr[starts[1] + 2 * j])
            low = _nibble(arr[starts[1] + 2 * j + 1])
            if high < 0 or low < 0:
                return False
            name[j] = high * 16 + low
        year = values[2] - k.YEAR_BASE
        purpose, code = values[3], values[4]
        if not (0 <= year < 256 and purpose < 32 and 1 <= code <= k.MAX_CODES):
            return False
        officer = k.officer_index(name, 0, length, values[0], slots, hashes, agencies,
                                 lengths, names, used)
        if officer >= k.MAX_OFFICERS:
            return False
        parsed[row, 0] = (officer << 19) | (year << 11) | (purpose << 6) | code
        for measure in range(measures):
            parsed[row, 1 + measure] = values[5 + measure]
        start = stop + 1
    return True


@numba.njit(nogil=True, cache=True)
def _group_ranked(group, officer_rank, code_rank):
    """A packed group with its officer and category replaced by their ranks in the
    summary's primary-key order (so that sorting the numbers sorts the rows)."""
    return ((officer_rank[group >> 19] << 19) | (((group >> 6) & 0x1FFF) << 6)
            | code_rank[group & k.CODE_MASK])


@numba.njit(nogil=True, cache=True)
def groups_ranked(groups, officer_rank, code_rank):
    out = np.empty(groups.size, np.int64)
    for row in range(groups.size):
        out[row] = _group_ranked(groups[row], officer_rank, code_rank)
    return out


@numba.njit(nogil=True, cache=True)
def entries_ranked(groups, officer_rank, code_rank):
    """Compact the group table in place into its entries as (ranked group, count) in one
    uint64 each; returns how many there are."""
    row = 0
    for slot in range(groups.size):
        entry = groups[slot]
        if entry & k.COUNT_FIELD:  # not an empty slot, nor a group whose stops were uncounted
            ranked = _group_ranked(np.int64(entry >> k.COUNT_SHIFT), officer_rank, code_rank)
            groups[row] = (np.uint64(ranked) << k.COUNT_SHIFT) | (entry & k.COUNT_FIELD)
            row += 1
    return row


@numba.njit(nogil=True, cache=True)
def agency_sums(entries, part_keys, part_measures, officer_by_rank, agencies, cells,
                out_agencies, out_cells, out_sums, count_col):
    """Sum the merged officer rows (sorted ``entries`` and part rows, as ``_merged_text``
    writes them) per agency and (year, purpose, category rank) cell, in primary-key
    order. With empty outputs only counts the rows; returns how many there are."""
    touched = np.zeros(cells.shape[0], np.int64)
    seen = np.zeros(cells.shape[0], np.bool_)
    rows = 0
    i = 0
    j = 0
    while i < entries.size or j < part_keys.size:
        agency = np.int64(1) << 62
        if i < entries.size:
            agency = agencies[officer_by_rank[np.int64(entries[i] >> k.COUNT_SHIFT) >> 19]]
        if j < part_keys.size:
            agency = min(agency, agencies[officer_by_rank[part_keys[j] >> 19]])
        count = 0
        while (i < entries.size and agencies[
                officer_by_rank[np.int64(entries[i] >> k.COUNT_SHIFT) >> 19]] == agency):
            cell = np.int64(entries[i] >> k.COUNT_SHIFT) & k.CELL_FIELD
            stops = np.int64(entries[i] & k.COUNT_FIELD)
            if stops:  # not a group whose stops were all uncounted
                if not seen[cell]:
                    seen[cell] = True
                    touched[count] = cell
                    count += 1
                cells[cell, count_col] += stops
            i += 1
        while j < part_keys.size and agencies[officer_by_rank[part_keys[j] >> 19]] == agency:
            cell = part_keys[j] & k.CELL_FIELD
            if not seen[cell]:
                seen[cell] = True
                touched[count] = cell
                count += 1
            for measure in range(part_measures.shape[1]):
                cells[cell, measure] += part_measures[j, measure]
            j += 1
        ordered = np.sort(touched[:count])
        for index in range(count):
            cell = ordered[index]
            if out_agencies.size:
                out_agencies[rows] = agency
                out_cells[rows] = cell
                out_sums[rows] = cells[cell]
            cells[cell] = 0
            seen[cell] = False
            rows += 1
    return rows

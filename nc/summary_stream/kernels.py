"""Compiled kernels that read loaded lines and count simple stops into packed groups.

A counted group is one uint64: officer index (21 bits), year - 1900 (8), detail (5:
purpose or search type), category code (6) and, in the group table, the count (24). The
kernels get the positions of the fields they read as arguments (``layout.StreamLayout``),
never as constants of their own. They run with the GIL released, on the import's counting
thread, while the next block is copied.
"""

from __future__ import annotations

import numba
import numpy as np

from tsdata.imports.line_screen import IS_WHITESPACE, fnv_hash

# Per stop id, one byte: the category code (1-31) of its single driver (or 0) and flags.
DRIVER_CODE = 31
SEARCHED = 32  # has loaded searches (counted here with them once the load is settled)
DIRTY = 64  # counted by SQL
COUNTED = 128  # counted here
MAX_STOP_ID = 400_000_000  # beyond this the per-stop array would be too large
MAX_CODES = DRIVER_CODE
CODE_MASK = 63  # the category field of a packed group
COUNT_BITS = 24
COUNT_MAX = (1 << COUNT_BITS) - 1
COUNT_SHIFT = np.uint64(COUNT_BITS)  # uint64 operands keep numba's arithmetic unsigned
COUNT_FIELD = np.uint64(COUNT_MAX)
MAX_OFFICERS = 1 << 21
YEAR_BASE = 1900
DETAIL_FIELD = np.int64(0x1F << 6)  # a packed group's detail bits (purpose or search type)
CELL_FIELD = 0x7FFFF  # its year, detail and category: the group without its officer
# A listed stop's condition flags (``layout.StreamLayout.conditions``) sit above its group.
CONDITION_SHIFT = 48
GROUP_MASK = (1 << CONDITION_SHIFT) - 1


@numba.njit(nogil=True, cache=True)
def bounds(arr, ends, keep, fields):
    """(starts, stops) of the wanted ``fields`` (ascending indexes) of the kept lines,
    without the whitespace the load trims (``fastpath._screen``)."""
    count = 0
    for line in range(ends.size):
        if keep[line]:
            count += 1
    starts = np.zeros((count, fields.size), np.int64)
    stops = np.zeros((count, fields.size), np.int64)
    row = 0
    start = 0
    for line in range(ends.size):
        stop = ends[line]
        if keep[line]:
            field = 0
            wanted = 0
            field_start = start
            for i in range(start, stop + 1):
                if i == stop or arr[i] == 9:
                    if wanted < fields.size and field == fields[wanted]:
                        first, after = field_start, i
                        while first < after and IS_WHITESPACE[arr[first]]:
                            first += 1
                        while after > first and IS_WHITESPACE[arr[after - 1]]:
                            after -= 1
                        starts[row, wanted] = first
                        stops[row, wanted] = after
                        wanted += 1
                    field += 1
                    field_start = i + 1
            row += 1
        start = stop + 1
    return starts, stops


@numba.njit(nogil=True, cache=True)
def _number(arr, start, stop):
    value = 0
    for i in range(start, stop):
        value = value * 10 + arr[i] - 48
    return value


@numba.njit(nogil=True, cache=True)
def column_numbers(arr, starts, stops, column):
    out = np.empty(starts.shape[0], np.int64)
    for row in range(starts.shape[0]):
        out[row] = _number(arr, starts[row, column], stops[row, column])
    return out


@numba.njit(nogil=True, cache=True)
def _short_text(arr, start, stop):
    """A field of at most two bytes as an int: length, then the bytes."""
    value = stop - start
    for i in range(start, stop):
        value = value * 256 + arr[i]
    return value


@numba.njit(nogil=True, cache=True)
def driver_pairs(arr, starts, stops, roles, driver):
    """Per PERSON line: (is a driver, its two category fields packed as one int).
    ``roles``: the columns of type and of the two category fields; ``driver``: the bytes
    of the driver's type."""
    count = starts.shape[0]
    drivers = np.zeros(count, np.bool_)
    pairs = np.zeros(count, np.int64)
    for row in range(count):
        type_start, type_stop = starts[row, roles[0]], stops[row, roles[0]]
        is_driver = type_stop - type_start == driver.size
        for i in range(driver.size):
            if is_driver and arr[type_start + i] != driver[i]:
                is_driver = False
        drivers[row] = is_driver
        pairs[row] = (_short_text(arr, starts[row, roles[1]], stops[row, roles[1]]) << 24
                      | _short_text(arr, starts[row, roles[2]], stops[row, roles[2]]))
    return drivers, pairs


@numba.njit(nogil=True, cache=True)
def drivers_set(state, stop_ids, codes):
    for row in range(stop_ids.size):
        stop_id = stop_ids[row]
        if state[stop_id] & DRIVER_CODE:
            state[stop_id] |= DIRTY  # several drivers
        else:
            state[stop_id] |= codes[row]


@numba.njit(nogil=True, cache=True)
def flag_set(state, stop_ids, flag):
    """Set ``flag`` on the stops; True if one of them was counted already."""
    conflict = False
    for row in range(stop_ids.size):
        if state[stop_ids[row]] & COUNTED:
            conflict = True
        state[stop_ids[row]] |= flag
    return conflict


@numba.njit(nogil=True, cache=True)
def officer_index(arr, start, stop, agency, slots, hashes, agencies, lengths, names, used):
    """Index of (agency, officer id bytes) in the interning table, added if new."""
    value = fnv_hash(arr, start, stop) ^ np.uint64(agency)
    mask = slots.size - 1
    slot = np.int64(value & np.uint64(mask))
    length = stop - start
    while slots[slot]:
        index = slots[slot] - 1
        if hashes[slot] == value and agencies[index] == agency and lengths[index] == length:
            same = True
            for j in range(length):
                if names[index, j] != arr[start + j]:
                    same = False
                    break
            if same:
                return index
        slot = (slot + 1) & mask
    index = used[0]
    used[0] += 1
    slots[slot] = index + 1
    hashes[slot] = value
    agencies[index] = agency
    lengths[index] = length
    for j in range(length):
        names[index, j] = arr[start + j]
    return index


_MIX_1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX_2 = np.uint64(0xC4CEB9FE1A85EC53)
_MIX_SHIFT = np.uint64(33)


@numba.njit(nogil=True, cache=True)
def _slot(key, mask):
    """Home slot of a group: every bit of the key reaches the low bits (a weak mix puts
    groups that differ only in category or purpose next to each other: long probes)."""
    key ^= key >> _MIX_SHIFT
    key *= _MIX_1
    key ^= key >> _MIX_SHIFT
    key *= _MIX_2
    key ^= key >> _MIX_SHIFT
    return np.int64(key & np.uint64(mask))


@numba.njit(nogil=True, cache=True)
def _count_add(groups, group, used):
    """Add 1 to ``group``'s entry (see ``COUNT_BITS``)."""
    mask = groups.size - 1
    slot = _slot(group, mask)
    while groups[slot] != 0 and groups[slot] >> COUNT_SHIFT != group:
        slot = (slot + 1) & mask
    if groups[slot] == 0:
        groups[slot] = group << COUNT_SHIFT
        used[1] += 1
    if groups[slot] & COUNT_FIELD == COUNT_FIELD:
        used[2] = 1  # 16 million stops in one group: cannot happen in real data
        return
    groups[slot] += np.uint64(1)


@numba.njit(nogil=True, cache=True)
def stops_count(arr, starts, stops, roles, conditions, list_mask, agency_ids, state, slots,
                hashes, agencies, lengths, names, groups, used, listed_stops, listed_groups):
    """Count the loaded simple stops of a block: (officer, year, detail, category) += 1.
    ``roles`` are the columns of id, date, detail and officer, ``conditions`` those of the
    flags the measures count on. A searched stop, or one with a flag of ``list_mask``, is
    also listed (stop id; group with its flags at ``CONDITION_SHIFT``) for its other
    measures, which are added once the load is settled; returns how many were listed."""
    listed = 0
    id_col, date_col, detail_col, officer_col = roles[0], roles[1], roles[2], roles[3]
    for row in range(starts.shape[0]):
        stop_id = _number(arr, starts[row, id_col], stops[row, id_col])
        if stop_id >= state.size:
            continue  # nobody in PERSON.txt: no driver, no row
        flags = state[stop_id]
        if flags & DIRTY or not flags & DRIVER_CODE:
            continue
        if stops[row, officer_col] - starts[row, officer_col] > names.shape[1]:
            used[2] = 1  # cannot happen for a loaded line (officer_id is 15 characters)
            return listed
        date = starts[row, date_col]
        year = _number(arr, date, date + 4) - YEAR_BASE
        detail = _number(arr, starts[row, detail_col], stops[row, detail_col])
        officer = officer_index(arr, starts[row, officer_col], stops[row, officer_col],
                                 agency_ids[row], slots, hashes, agencies, lengths, names, used)
        if not (0 <= year < 256 and 0 <= detail < 32 and officer < MAX_OFFICERS):
            state[stop_id] = flags | DIRTY  # does not fit a packed group: SQL counts it
            continue
        state[stop_id] = flags | COUNTED
        group = (officer << 19) | (year << 11) | (detail << 6) | (flags & DRIVER_CODE)
        _count_add(groups, np.uint64(group), used)
        if not flags & SEARCHED and list_mask == 0:
            continue  # most stops: nothing but the count
        set_flags = np.int64(0)
        for k in range(conditions.size):
            # A loaded flag is exactly "0" or "1" (anything else fails the typed COPY).
            if arr[starts[row, conditions[k]]] == 49:
                set_flags |= np.int64(1) << k
        if flags & SEARCHED or set_flags & list_mask:
            listed_stops[listed] = stop_id
            listed_groups[listed] = group | (set_flags << CONDITION_SHIFT)
            listed += 1
    return listed


@numba.njit(nogil=True, cache=True)
def count_remove(groups, group):
    """Subtract 1 from ``group``'s entry (the entry stays, as a tombstone, at zero)."""
    mask = groups.size - 1
    slot = _slot(np.uint64(group), mask)
    while groups[slot] != 0:
        if groups[slot] >> COUNT_SHIFT == np.uint64(group):
            groups[slot] -= np.uint64(1)
            return True
        slot = (slot + 1) & mask
    return False


@numba.njit(nogil=True, cache=True)
def rehash(groups, new_groups):
    mask = new_groups.size - 1
    for slot in range(groups.size):
        entry = groups[slot]
        if entry:
            target = _slot(entry >> COUNT_SHIFT, mask)
            while new_groups[target] != 0:
                target = (target + 1) & mask
            new_groups[target] = entry


@numba.njit(nogil=True, cache=True)
def officers_rehash(hashes_old, slots_old, slots, hashes):
    mask = slots.size - 1
    for slot in range(slots_old.size):
        if slots_old[slot]:
            target = np.int64(hashes_old[slot] & np.uint64(mask))
            while slots[target]:
                target = (target + 1) & mask
            slots[target] = slots_old[slot]
            hashes[target] = hashes_old[slot]

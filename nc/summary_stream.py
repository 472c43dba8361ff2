"""Officer-level stop counts of the simple stops, counted while the extract streams in.

The officer summary's SQL joins every stop with its driver and groups the joined rows
(about half of a 2-million-stop import). Most stops are simple: one driver, so each adds
1 to ``stops`` of its (agency, officer, year, purpose, category) row, plus, if it was
searched, its number of searches to ``searches`` (and to ``use_of_force`` when force was
used) and the contraband rows of those searches to ``contraband``. The import counts
those stops here, from the lines the fast path has just loaded (PERSON.txt and
Search.txt are loaded before Stop.txt; Contraband.txt beside it, so the searched stops'
measures are added at the end, ``searched_settle``). Every other stop is "dirty" and
left to the summary's SQL template, restricted to the dirty stops
(``tsdata.stats.summaries``): a stop with several drivers, any stop id on a line that
went through the validation in SQL (that line may be loaded, rejected or cut off, which
may change the stop's rows), and a searched stop whose search lost a row after the load
or has contraband on such a line.

The category of a driver comes from the state's ``CategoryScheme.key_for`` (the same
definition as its SQL ``CASE``), the year is the StopDate's own (stops are stored in
the state's time zone and the summary takes the year in that zone), and the result is
only used when nothing removed rows after the load but the reconciliation (the FK
fallback discards it). The import tests check that a streamed build equals a plain SQL
build on dirty extracts.

Why one module (1,222 lines): the compiled kernels (numba, cached next to this file) and
``SummaryStream`` share packed array layouts (the officer slot table, the packed group
keys and their measure columns) that are defined by the code on both sides, so today a
change to one side is a change to the other. The counted measures also repeat what
``nc/stats.py`` says in SQL; deriving them from the statistic definitions and splitting
kernels, stream and COPY text apart is open work (issue 20), guarded meanwhile by the
exactness tests that compare this stream with the SQL build.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numba
import numpy as np
from psycopg2 import errors, sql

from tsdata.imports.fastpath import IS_WHITESPACE, _fnv
from tsdata.imports.staging import BytesIterReader
from tsdata.stats.registry import stats_config
from tsdata.stats.summaries import DIRTY_TABLE, dirty_table_create

logger = logging.getLogger(__name__)

# Per stop id, one byte: the category code (1-31) of its single driver (or 0) and flags.
DRIVER_CODE = 31
SEARCHED = 32  # has loaded searches (counted here with them once the load is settled)
DIRTY = 64  # counted by SQL
COUNTED = 128  # counted here
MAX_STOP_ID = 400_000_000  # beyond this the per-stop array would be too large
MAX_CODES = DRIVER_CODE
CODE_MASK = 63  # the category field of a packed group
# A counted group is one uint64: officer index (21 bits), year - 1900 (8), purpose (5),
# category code (6) and the count (24). A stop whose group does not fit is left to SQL.
COUNT_BITS = 24
COUNT_MAX = (1 << COUNT_BITS) - 1
_COUNT_SHIFT = np.uint64(COUNT_BITS)  # uint64 operands keep numba's arithmetic unsigned
_COUNT_FIELD = np.uint64(COUNT_MAX)
MAX_OFFICERS = 1 << 21
YEAR_BASE = 1900
PURPOSE_FIELD = np.int64(0x1F << 6)  # a packed group's purpose (or search type) bits
CELL_FIELD = 0x7FFFF  # its year, purpose and category: the group without its officer
FORCE_SHIFT = 62  # a listed searched stop's engage force, above its packed group
MERGE_CHUNK_ROWS = 1 << 16  # counted groups per chunk of merged COPY text
# Stop.txt fields (0-based) and PERSON.txt / Search.txt fields the counting reads.
# stop id, date, purpose, engage force, officer id
STOP_FIELDS = np.array([0, 2, 3, 8, 12], np.int64)
PERSON_FIELDS = np.array([1, 2, 5, 6], np.int64)  # stop id, type, ethnicity, race
SEARCH_FIELDS = np.array([0, 1, 3], np.int64)  # search id, stop id, type
CONTRABAND_FIELDS = np.array([0, 1], np.int64)  # contraband id, search id
CONTRABAND_SEARCH_FIELD = 1
_TRIM = b" \n\x0b\x0c\xa0"  # what the validation in SQL trims (importer.TRIM_BYTES)


@numba.njit(nogil=True, cache=True)
def _bounds(arr, ends, keep, fields):
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
def _column_numbers(arr, starts, stops, column):
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
def _driver_pairs(arr, starts, stops):
    """Per PERSON line: (is a driver, ethnicity and race packed as one int)."""
    count = starts.shape[0]
    drivers = np.zeros(count, np.bool_)
    pairs = np.zeros(count, np.int64)
    for row in range(count):
        type_start, type_stop = starts[row, 1], stops[row, 1]
        drivers[row] = type_stop - type_start == 1 and arr[type_start] == 68  # D
        pairs[row] = (_short_text(arr, starts[row, 2], stops[row, 2]) << 24
                      | _short_text(arr, starts[row, 3], stops[row, 3]))
    return drivers, pairs


@numba.njit(nogil=True, cache=True)
def _drivers_set(state, stop_ids, codes):
    for row in range(stop_ids.size):
        stop_id = stop_ids[row]
        if state[stop_id] & DRIVER_CODE:
            state[stop_id] |= DIRTY  # several drivers
        else:
            state[stop_id] |= codes[row]


@numba.njit(nogil=True, cache=True)
def _flag_set(state, stop_ids, flag):
    """Set ``flag`` on the stops; True if one of them was counted already."""
    conflict = False
    for row in range(stop_ids.size):
        if state[stop_ids[row]] & COUNTED:
            conflict = True
        state[stop_ids[row]] |= flag
    return conflict


@numba.njit(nogil=True, cache=True)
def _officer_index(arr, start, stop, agency, slots, hashes, agencies, lengths, names, used):
    """Index of (agency, officer id bytes) in the interning table, added if new."""
    value = _fnv(arr, start, stop) ^ np.uint64(agency)
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
    while groups[slot] != 0 and groups[slot] >> _COUNT_SHIFT != group:
        slot = (slot + 1) & mask
    if groups[slot] == 0:
        groups[slot] = group << _COUNT_SHIFT
        used[1] += 1
    if groups[slot] & _COUNT_FIELD == _COUNT_FIELD:
        used[2] = 1  # 16 million stops in one group: cannot happen in real data
        return
    groups[slot] += np.uint64(1)


@numba.njit(nogil=True, cache=True)
def _stops_count(arr, starts, stops, agency_ids, state, slots, hashes, agencies, lengths,
                 names, groups, used, searched_stops, searched_groups):
    """Count the loaded simple stops of a block: (officer, year, purpose, category) += 1.
    A searched one is also listed (stop id; group with engage force at ``FORCE_SHIFT``)
    for its searches and contraband, which are added once the load is settled; returns
    how many were listed."""
    listed = 0
    for row in range(starts.shape[0]):
        stop_id = _number(arr, starts[row, 0], stops[row, 0])
        if stop_id >= state.size:
            continue  # nobody in PERSON.txt: no driver, no row
        flags = state[stop_id]
        if flags & DIRTY or not flags & DRIVER_CODE:
            continue
        if stops[row, 4] - starts[row, 4] > names.shape[1]:
            used[2] = 1  # cannot happen for a loaded line (officer_id is 15 characters)
            return listed
        date = starts[row, 1]
        year = _number(arr, date, date + 4) - YEAR_BASE
        purpose = _number(arr, starts[row, 2], stops[row, 2])
        officer = _officer_index(arr, starts[row, 4], stops[row, 4], agency_ids[row], slots,
                                 hashes, agencies, lengths, names, used)
        if not (0 <= year < 256 and 0 <= purpose < 32 and officer < MAX_OFFICERS):
            state[stop_id] = flags | DIRTY  # does not fit a packed group: SQL counts it
            continue
        state[stop_id] = flags | COUNTED
        group = (officer << 19) | (year << 11) | (purpose << 6) | (flags & DRIVER_CODE)
        _count_add(groups, np.uint64(group), used)
        if flags & SEARCHED:
            searched_stops[listed] = stop_id
            # A loaded flag is exactly "0" or "1" (anything else fails the typed COPY).
            force = np.int64(arr[starts[row, 3]] == 49)
            searched_groups[listed] = group | (force << FORCE_SHIFT)
            listed += 1
    return listed


@numba.njit(nogil=True, cache=True)
def _count_remove(groups, group):
    """Subtract 1 from ``group``'s entry (the entry stays, as a tombstone, at zero)."""
    mask = groups.size - 1
    slot = _slot(np.uint64(group), mask)
    while groups[slot] != 0:
        if groups[slot] >> _COUNT_SHIFT == np.uint64(group):
            groups[slot] -= np.uint64(1)
            return True
        slot = (slot + 1) & mask
    return False


@numba.njit(nogil=True, cache=True)
def _rehash(groups, new_groups):
    mask = new_groups.size - 1
    for slot in range(groups.size):
        entry = groups[slot]
        if entry:
            target = _slot(entry >> _COUNT_SHIFT, mask)
            while new_groups[target] != 0:
                target = (target + 1) & mask
            new_groups[target] = entry


@numba.njit(nogil=True, cache=True)
def _officers_rehash(hashes_old, slots_old, slots, hashes):
    mask = slots.size - 1
    for slot in range(slots_old.size):
        if slots_old[slot]:
            target = np.int64(hashes_old[slot] & np.uint64(mask))
            while slots[target]:
                target = (target + 1) & mask
            slots[target] = slots_old[slot]
            hashes[target] = hashes_old[slot]


@dataclass(frozen=True)
class _Layout:
    """Columns of an officer summary a packed group stands for: the 5-bit field after
    the year, and the measures."""

    field: str
    measures: tuple[str, ...]


STOPS_LAYOUT = _Layout("purpose", ("stops", "searches", "use_of_force", "contraband"))
SEARCH_TYPES_LAYOUT = _Layout("search_type", ("searches",))


class SearchTypeCounts:
    """The officer search-type summary's rows of the counted stops (``StreamedCounts``):
    one per search of a counted searched stop."""

    def __init__(self, stream: SummaryStream) -> None:
        self.stream = stream

    def merge_into(self, cursor, part: sql.Identifier, target: sql.Identifier) -> int | None:
        return self.stream._merge(cursor, part, target, SEARCH_TYPES_LAYOUT,
                                  self.stream.search_type_rows, groups=False)

    def rows_copy(self, cursor, table: sql.Identifier) -> int:
        return _copy_in(cursor, table,
                        [self.stream.streamed_rows_text(self.stream.search_type_rows)])


class AgencyStopCounts:
    """The agency stop summary, summed from the officer rows the import merged
    (``StreamedTable``); None from ``table_fill`` when SQL merged them instead."""

    def __init__(self, stream: SummaryStream) -> None:
        self.stream = stream

    def table_fill(self, cursor, target: sql.Identifier) -> int | None:
        if self.stream.agency_rows is None:
            return None
        return _copy_in(cursor, target, self.stream.agency_rows_text())


class SummaryStream:
    """Counts of the simple stops of one NC import (see the module docstring).

    ``usable`` turns False for good when something makes the counts unreliable (too many
    categories, huge stop ids, a counted stop id on a later slow line); the summary is
    then built entirely in SQL.
    """

    def __init__(self, state: str = "nc") -> None:
        self.scheme = stats_config(state).categories
        self.usable = True
        # np.zeros of this size is a fresh anonymous mapping: only the pages of the stop
        # ids that occur take memory, and the array never has to be copied to grow.
        self._state_pages = np.zeros(MAX_STOP_ID + 1, np.uint8)
        self.state = self._state_pages[: 1 << 20]
        self.codes: dict[int, int] = {}
        self.keys_by_code: list[str | None] = [None]  # code 0: no driver
        self.used = np.zeros(3, np.int64)  # officers, counted groups, overflow
        self._officers_allocate(1 << 14)
        self.groups = np.zeros(1 << 16, np.uint64)
        # Loaded searches (search id, stop id) and contraband (contraband id, search id),
        # the counted searched stops (stop id, group and engage force) and the search ids
        # of slow Contraband.txt lines, as arrays per block until ``searched_settle``
        # (ids are at most 2147483647: int32).
        self._searches = _Columns(np.int32, np.int32, np.int16)
        self._contraband = _Columns(np.int32, np.int32)
        self._searched = _Columns(np.int32, np.int64)
        self._contraband_slow: list[int] = []
        # (group, 0, searches, use of force, contraband) of the counted searched stops.
        self.extras: np.ndarray | None = None
        # (group with the search type in place of the purpose, searches) of their
        # searches, for the officer search-type summary; None if a type does not fit.
        self.search_type_rows: np.ndarray | None = None
        self._groups_consumed = False
        # The agency stop summary's rows (agency, cell, sums, and how to write them), once
        # the officer rows are merged.
        self.agency_rows: tuple | None = None

    # ---- per-stop state ----------------------------------------------------------------
    def _state_reach(self, stop_ids: np.ndarray) -> bool:
        if stop_ids.size == 0:
            return True
        highest = int(stop_ids.max())
        if highest > MAX_STOP_ID:
            self.usable = False
            return False
        if highest >= self.state.size:
            self.state = self._state_pages[: max(highest + 1, self.state.size * 2)]
        return True

    def _code(self, pair: int) -> int:
        code = self.codes.get(pair)
        if code is None:
            ethnicity, race = _unpack(pair >> 24), _unpack(pair & 0xFFFFFF)
            key = self.scheme.key_for(
                {"p.ethnicity": ethnicity.decode("cp1252"), "p.race": race.decode("cp1252")}
            )
            code = self._code_of_key(key)
            if code is None:
                self.usable = False
                code = 0
            self.codes[pair] = code
        return code

    # ---- the files ---------------------------------------------------------------------
    def persons_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Drivers of loaded PERSON lines: their category codes per stop."""
        if not self.usable:
            return
        starts, stops = _bounds(arr, ends, loaded, PERSON_FIELDS)
        stop_ids = _column_numbers(arr, starts, stops, 0)
        drivers, pairs = _driver_pairs(arr, starts, stops)
        stop_ids, pairs = stop_ids[drivers], pairs[drivers]
        if not self._state_reach(stop_ids):
            return
        unique, inverse = np.unique(pairs, return_inverse=True)
        codes = np.array([self._code(int(pair)) for pair in unique], np.uint8)[inverse]
        if self.usable:
            _drivers_set(self.state, stop_ids, codes)

    def searches_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Loaded searches: their stops are flagged, and counted with them later."""
        starts, stops = _bounds(arr, ends, loaded, SEARCH_FIELDS)
        search_ids = _column_numbers(arr, starts, stops, 0)
        stop_ids = _column_numbers(arr, starts, stops, 1)
        types = _column_numbers(arr, starts, stops, 2)
        if not self._state_reach(stop_ids):
            return
        if _flag_set(self.state, stop_ids, SEARCHED):
            self.usable = False  # Stop.txt is loaded after Search.txt: cannot happen
        self._searches.append(search_ids, stop_ids, types)

    def contraband_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Loaded contraband rows: each counts for the stop of its search."""
        starts, stops = _bounds(arr, ends, loaded, CONTRABAND_FIELDS)
        self._contraband.append(_column_numbers(arr, starts, stops, 0),
                                _column_numbers(arr, starts, stops, 1))

    def contraband_slow(self, _stop_field: int, lines: list[tuple[int, bytes]]) -> None:
        """A slow Contraband.txt line may be loaded (or not): the stop of its search is
        left to SQL (``searched_settle``)."""
        self._contraband_slow.extend(_ids_on_lines(lines, CONTRABAND_SEARCH_FIELD))

    def lines_slow(self, stop_field: int, lines: list[tuple[int, bytes]]) -> None:
        """A stop id on a line the validation in SQL decides is counted in SQL (the rule
        for a stop id is the validation's: trimmed digits, at most 2147483647; a line
        without one is rejected and changes nothing)."""
        stop_ids = np.array(_ids_on_lines(lines, stop_field), np.int64)
        if (self.usable and self._state_reach(stop_ids)
                and _flag_set(self.state, stop_ids, DIRTY)):
            self.usable = False  # a counted stop's id came back on a slow line

    def stops_loaded(self, arr, ends, loaded, agency_ids) -> None:
        """Count the loaded simple stops (their agency ids from the fast path's lookup)."""
        if not self.usable:
            return
        starts, stops = _bounds(arr, ends, loaded, STOP_FIELDS)
        rows = starts.shape[0]
        self._room(rows)
        searched = (np.empty(rows, np.int32), np.empty(rows, np.int64))
        listed = _stops_count(arr, starts, stops, agency_ids[loaded].astype(np.int64),
                              self.state, self.slots, self.hashes, self.agencies, self.lengths,
                              self.names, self.groups, self.used, *searched)
        if self.used[2]:
            self.usable = False
        if listed:
            self._searched.append(*(array[:listed] for array in searched))

    def slow_stops_classified(self, chunks: Iterable[list[tuple]]) -> None:
        """Stop.txt lines that went through the validation in SQL, once it has decided:
        chunks of rows of (stop id, loaded?, date, purpose, engage force, officer id,
        agency id), the fields as loaded (trimmed). A stop id on a line that was not
        loaded is left to SQL (the reconciliation removes its people); a loaded stop is
        counted like one from the fast path. (These stop ids were not flagged during the
        load: a stop id that is also on a counted line turns the counts off.)"""
        for rows in chunks:
            if not self.usable:
                return
            self._slow_stops_count(rows)

    def _slow_stops_count(self, rows: list[tuple]) -> None:
        ids = np.array([row[0] for row in rows], np.int64)
        if not self._state_reach(ids):
            return
        if (self.state[ids] & COUNTED).any():
            self.usable = False  # also on a counted line
            return
        lines, agency_ids, left = [], [], [row[0] for row in rows if not row[1]]
        for stop_id, loaded, date, purpose, engage, officer, agency_id in rows:
            if not loaded or agency_id is None:
                continue  # no agency: no summary row, in SQL either
            try:
                officer_bytes = officer.encode("cp1252")
            except UnicodeEncodeError:
                left.append(stop_id)
                continue
            lines.append(b"%d\t\t%s\t%s\t\t\t\t\t%s\t\t\t\t%s" % (
                stop_id, date.encode("ascii"), purpose.encode("ascii"), engage.encode("ascii"),
                officer_bytes))
            agency_ids.append(agency_id)
        _flag_set(self.state, np.array(left, np.int64), DIRTY)
        if lines:
            arr = np.frombuffer(b"\n".join(lines) + b"\n", np.uint8)
            self.stops_loaded(arr, np.flatnonzero(arr == 10), np.ones(len(lines), bool),
                              np.array(agency_ids, np.int64))

    def _officers_allocate(self, capacity: int) -> None:
        self.slots = np.zeros(capacity * 2, np.int64)
        self.hashes = np.zeros(capacity * 2, np.uint64)
        self.agencies = np.zeros(capacity, np.int64)
        self.lengths = np.zeros(capacity, np.int64)
        self.names = np.zeros((capacity, 16), np.uint8)

    def _room(self, rows: int) -> None:
        """Grow the tables so that ``rows`` more entries keep them at most half full."""
        officers, groups = int(self.used[0]), int(self.used[1])
        if officers + rows > self.agencies.size:
            capacity = self.agencies.size
            while officers + rows > capacity:
                capacity *= 2
            old = (self.slots, self.hashes, self.agencies, self.lengths, self.names)
            self._officers_allocate(capacity)
            _officers_rehash(old[1], old[0], self.slots, self.hashes)
            self.agencies[:officers] = old[2][:officers]
            self.lengths[:officers] = old[3][:officers]
            self.names[:officers] = old[4][:officers]
        if (groups + rows) * 4 > self.groups.size * 3:  # at most three quarters full
            size = self.groups.size
            while (groups + rows) * 4 > size * 3:
                size *= 2
            grown = np.zeros(size, np.uint64)
            _rehash(self.groups, grown)
            self.groups = grown

    def run_guarded(self, method, *args) -> None:
        """Call a counting method; an unexpected error turns the counts off (the summary
        is then built in SQL) instead of failing the import."""
        if not self.usable:
            return
        try:
            method(*args)
        except Exception:
            logger.exception("streamed officer counts turned off")
            self.usable = False

    # ---- the result --------------------------------------------------------------------
    def dirty_store(self, conn, schema: str) -> int:
        """Leave the ids of the stops not counted here in ``schema.summary_dirty`` for the
        summary step (which gets this object in its inputs, ``STREAMED_INPUT``); returns
        how many there are."""
        with conn.cursor() as cursor:
            table = dirty_table_create(cursor, state="nc", schema=schema)
            stored = _copy_in(cursor, table, self.dirty_ids_text())
            cursor.execute(sql.SQL("ANALYZE {}").format(table))
        # The per-stop state is not needed any more: give its pages back before the merge.
        self._state_pages = None
        self.state = np.zeros(0, np.uint8)
        return stored

    def searched_settle(self, conn, schema: str, removed_searches: Iterable[int],
                        removed_contraband: Iterable[int]) -> int:
        """Add the searches and contraband of the counted searched stops, once the rows
        removed after the load are known (``removed_*``: ids the reconciliation took
        out). A searched stop that lost such a row, or whose search has contraband on a
        slow line, is uncounted and left to SQL (its id added to ``summary_dirty``);
        returns how many were."""
        if not self.usable:
            return 0
        search_ids, search_stops, search_types = self._searches.taken()
        contraband_ids, contraband_searches = self._contraband.taken()
        stop_ids, groups = self._searched.taken()
        force = (groups >> FORCE_SHIFT).astype(bool)
        groups &= (1 << FORCE_SHIFT) - 1
        by_search = _IdMap(search_ids, search_stops)
        suspect = np.concatenate([
            np.fromiter(removed_searches, np.int64),
            _IdMap(contraband_ids, contraband_searches).values_of(
                np.fromiter(removed_contraband, np.int64)),
            np.array(self._contraband_slow, np.int64),
        ])
        uncounted = np.isin(stop_ids, by_search.values_of(suspect))
        for group in groups[uncounted]:
            if not _count_remove(self.groups, group):
                raise RuntimeError("a counted searched stop without its group")
        if uncounted.any():
            with conn.cursor() as cursor:
                _copy_in(cursor, sql.Identifier(schema, DIRTY_TABLE),
                         [b"".join(b"%d\n" % stop for stop in stop_ids[uncounted])])
        kept = ~uncounted
        stop_ids, groups, force = stop_ids[kept], groups[kept], force[kept]
        searches = _occurrences(search_stops, stop_ids)
        contraband = _occurrences(by_search.values_of(contraband_searches), stop_ids)
        unique, inverse = np.unique(groups, return_inverse=True)
        extras = np.zeros((unique.size, 5), np.int64)
        extras[:, 0] = unique
        np.add.at(extras[:, 2], inverse, searches)
        np.add.at(extras[:, 3], inverse, np.where(force, searches, 0))
        np.add.at(extras[:, 4], inverse, contraband)
        self.extras = extras
        # Each search of a counted stop: 1 for its stop's group with its type.
        found, stop_groups = _IdMap(stop_ids, groups).lookup(search_stops)
        types = search_types[found].astype(np.int64)
        if types.size == 0 or (types.min() >= 0 and types.max() < 32):
            typed = (stop_groups & ~PURPOSE_FIELD) | (types << 6)
            unique, counts = np.unique(typed, return_counts=True)
            self.search_type_rows = np.column_stack([unique, counts]).astype(np.int64)
        return int(uncounted.sum())

    def groups_counted(self) -> int:
        return int(self.used[1])

    def rows_copy(self, cursor, table: sql.Identifier) -> int:
        """COPY the counted rows into ``table`` (for a merge in SQL)."""
        return _copy_in(cursor, table, self.rows_copy_text())

    def merge_into(self, cursor, part: sql.Identifier, target: sql.Identifier) -> int | None:
        """Sum the counted rows and the SQL template's rows of the dirty stops (``part``)
        into ``target`` in primary-key order, with one COPY: PostgreSQL then neither sorts
        nor aggregates the millions of counted rows again, and the primary key is built on
        sorted rows. None (nothing written) when a row of ``part`` does not fit a packed
        group; the caller then sums the two in SQL."""
        if not self.usable:
            return None
        return self._merge(cursor, part, target, STOPS_LAYOUT, self._extras(), groups=True)

    def search_type_counts(self) -> SearchTypeCounts | None:
        """The officer search-type summary's counts (after ``searched_settle``), if every
        search type fits a packed group."""
        if not self.usable or self.search_type_rows is None:
            return None
        return SearchTypeCounts(self)

    def _merge(self, cursor, part: sql.Identifier, target: sql.Identifier, layout: _Layout,
               rows: np.ndarray, *, groups: bool) -> int | None:
        """``merge_into`` for a summary of ``layout``: the SQL part's rows, the streamed
        ``rows`` (packed group, measures) and, with ``groups``, the counted groups."""
        if not self.usable:
            return None
        cursor.execute(sql.SQL("SELECT DISTINCT category FROM {}").format(part))
        codes = {}
        for (key,) in cursor.fetchall():
            code = self._code_of_key(key)
            if code is None:
                return None
            codes[key] = code
        if not codes:
            values = sql.SQL("SELECT NULL::text, NULL::int WHERE FALSE")
        else:
            values = sql.SQL("VALUES {}").format(sql.SQL(", ").join(
                sql.SQL("({}, {})").format(sql.Literal(key), sql.Literal(code))
                for key, code in codes.items()
            ))
        # Officer ids in hex: no COPY escapes to undo, and their CP1252 bytes as counted.
        query = sql.SQL(
            "COPY (SELECT p.agency_id, encode(convert_to(p.officer_id, 'WIN1252'), 'hex'), "
            "p.year, p.{field}, c.code, {measures} "
            "FROM {part} p JOIN ({values}) c (category, code) ON c.category = p.category) "
            "TO STDOUT"
        ).format(
            field=sql.Identifier(layout.field), part=part, values=values,
            measures=sql.SQL(", ").join(sql.SQL("p.{}").format(sql.Identifier(name))
                                        for name in layout.measures),
        )
        buffer = io.BytesIO()
        try:
            cursor.copy_expert(query.as_string(cursor), buffer)
        except errors.UntranslatableCharacter:
            return None  # cannot happen for ids the import read as CP1252; SQL sums then
        arr = np.frombuffer(buffer.getbuffer(), np.uint8)
        ends = np.flatnonzero(arr == 10)
        self._room(ends.size)
        # packed group, then the measures
        parsed = np.zeros((ends.size, 1 + len(layout.measures)), np.int64)
        fits = _part_rows(arr, ends, self.slots, self.hashes, self.agencies, self.lengths,
                          self.names, self.used, parsed)
        del arr
        buffer.close()
        if not fits:
            return None
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(part))
        if cursor.fetchone()[0] != ends.size:
            return None  # a category or an officer id the join or COPY did not carry
        return _copy_in(cursor, target,
                        self._merged_copy_text(np.concatenate([parsed, rows]), groups=groups))

    def _extras(self) -> np.ndarray:
        if self.extras is None:
            raise RuntimeError("the searched stops are not settled (searched_settle)")
        return self.extras

    def _code_of_key(self, key: str | None) -> int | None:
        """The category code of ``key`` (a new one if need be); None if out of codes."""
        if key is None:
            return None
        if key in self.keys_by_code:
            return self.keys_by_code.index(key)
        if len(self.keys_by_code) > MAX_CODES:
            return None
        self.keys_by_code.append(key)
        return len(self.keys_by_code) - 1

    def _merged_copy_text(self, parsed: np.ndarray, *, groups: bool) -> Iterator[bytes]:
        """COPY text of the ``parsed`` rows and (with ``groups``) the counted groups,
        summed by group, in the summary's primary-key order: officers by (agency, id
        bytes), then year, purpose (or search type) and category (bytewise, as the
        summary's "C" keys)."""
        officers = int(self.used[0])
        order = np.lexsort(
            [self.names[:officers, column] for column in range(self.names.shape[1] - 1, -1, -1)]
            + [self.agencies[:officers]]
        )
        officer_rank = np.empty(officers, np.int64)
        officer_rank[order] = np.arange(officers)
        keys = self.keys_by_code
        by_rank = sorted(range(1, len(keys)), key=lambda code: keys[code].encode("utf-8"))
        code_rank = np.zeros(MAX_CODES + 1, np.int64)
        code_rank[by_rank] = np.arange(1, len(by_rank) + 1)
        category_bytes, offsets, width = self._categories_text(by_rank)
        if groups:
            if self._groups_consumed:
                raise RuntimeError("the counted groups were merged already")
            # The group table becomes the sorted entries (no second array of that size).
            entries = self.groups[:_entries_ranked(self.groups, officer_rank, code_rank)]
            self._groups_consumed = True
            entries.sort()
        else:
            entries = np.zeros(0, np.uint64)
        part_keys = _groups_ranked(np.ascontiguousarray(parsed[:, 0]), officer_rank, code_rank)
        part_order = np.argsort(part_keys)
        part_keys = part_keys[part_order]
        part_measures = parsed[part_order, 1:]
        if part_keys.size:  # a group of the SQL part may have extras too: one row each
            firsts = np.flatnonzero(np.r_[True, part_keys[1:] != part_keys[:-1]])
            part_keys = part_keys[firsts]
            part_measures = np.add.reduceat(part_measures, firsts, axis=0)
        part_measures = np.ascontiguousarray(part_measures)
        position = np.zeros(1, np.int64)  # next row of the part
        entries_per_chunk = MERGE_CHUNK_ROWS
        for start in range(0, max(entries.size, 1), entries_per_chunk):
            chunk = entries[start:start + entries_per_chunk]
            if start + entries_per_chunk >= entries.size:
                upto = part_keys.size
            else:
                last_key = np.int64(chunk[-1] >> _COUNT_SHIFT)
                upto = int(np.searchsorted(part_keys, last_key, side="right"))
            yield _merged_text(chunk, upto, part_keys, part_measures, position, order,
                               self.agencies, self.lengths, self.names, category_bytes,
                               offsets, width).tobytes()
        if groups:
            # The agency summary is the sum of these rows over the officers of an agency
            # (the same sum as its SQL template, ``StateStats.fill_sql``).
            cells = np.zeros((CELL_FIELD + 1, 4), np.int64)  # the cells of one agency
            arguments = (entries, part_keys, part_measures, order, self.agencies, cells)
            rows = _agency_sums(*arguments, np.zeros(0, np.int64), np.zeros(0, np.int64),
                                np.zeros((0, 4), np.int64))
            agency_ids, agency_cells = np.zeros(rows, np.int64), np.zeros(rows, np.int64)
            sums = np.zeros((rows, 4), np.int64)
            _agency_sums(*arguments, agency_ids, agency_cells, sums)
            self.agency_rows = (agency_ids, agency_cells, sums, category_bytes, offsets, width)

    def agency_rows_text(self) -> Iterator[bytes]:
        """COPY text of the agency stop summary (after the officer rows were merged)."""
        agency_ids, agency_cells, sums, category_bytes, offsets, width = self.agency_rows
        for start in range(0, agency_ids.size, MERGE_CHUNK_ROWS):
            stop = start + MERGE_CHUNK_ROWS
            yield _agency_text(agency_ids[start:stop], agency_cells[start:stop],
                               sums[start:stop], category_bytes, offsets, width).tobytes()

    def dirty_ids_text(self, ids_per_chunk: int = 1 << 22) -> Iterator[bytes]:
        """The dirty stop ids as COPY text, in chunks."""
        for start in range(0, self.state.size, ids_per_chunk):
            yield _ids_text(self.state[start:start + ids_per_chunk], start).tobytes()

    def rows_copy_text(self, slots_per_chunk: int = 1 << 16) -> Iterator[bytes]:
        """The counted rows as COPY text (CP1252), in chunks: agency, officer, year,
        purpose, category, stops, searches, use of force, contraband."""
        extras = self._extras()
        category_bytes, offsets, width = self._categories_text(range(1, len(self.keys_by_code)))
        officer_of = np.arange(self.agencies.size)
        for start in range(0, self.groups.size, slots_per_chunk):
            stop = start + slots_per_chunk
            yield _rows_text(self.groups[start:stop], officer_of, self.agencies, self.lengths,
                             self.names, category_bytes, offsets, width).tobytes()
        # The searches and contraband of the counted searched stops, as rows of no stops
        # (the SQL that sums these rows adds them to their groups).
        yield self.streamed_rows_text(extras)

    def streamed_rows_text(self, rows: np.ndarray) -> bytes:
        """COPY text (CP1252) of rows (packed group, measures) as they are."""
        category_bytes, offsets, width = self._categories_text(range(1, len(self.keys_by_code)))
        return _merged_text(np.zeros(0, np.uint64), rows.shape[0],
                            np.ascontiguousarray(rows[:, 0]), np.ascontiguousarray(rows[:, 1:]),
                            np.zeros(1, np.int64), np.arange(self.agencies.size),
                            self.agencies, self.lengths, self.names, category_bytes, offsets,
                            width).tobytes()

    def _categories_text(self, codes) -> tuple[np.ndarray, np.ndarray, int]:
        """The CP1252 bytes of the categories of ``codes`` (numbered from 1 in that order)
        with their offsets, and the most bytes a row of COPY text can take."""
        categories = [b""] + [self.keys_by_code[code].encode("cp1252") for code in codes]
        offsets = np.zeros(len(categories) + 1, np.int64)
        offsets[1:] = np.cumsum([len(key) for key in categories])
        category_bytes = np.frombuffer(b"".join(categories) + b"\0", np.uint8)
        # agency, officer and category (escaped), year, purpose, four measures, separators
        width = 11 + 2 * self.names.shape[1] + 2 * max(map(len, categories)) + 5 + 6 + 80 + 9
        return category_bytes, offsets, width


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
def _rows_text(groups, officer_of, agencies, lengths, names, category_bytes, category_offsets,
               width):
    """COPY text of the counted rows (see ``SummaryStream.rows_copy_text``)."""
    rows = 0
    for slot in range(groups.size):
        if groups[slot] & _COUNT_FIELD:
            rows += 1
    out = np.empty(rows * width, np.uint8)
    position = 0
    measures = np.zeros(4, np.int64)
    for slot in range(groups.size):
        entry = groups[slot]
        if entry & _COUNT_FIELD:  # not an empty slot, nor a group whose stops were uncounted
            measures[0] = np.int64(entry & _COUNT_FIELD)
            position = _row_put(out, position, np.int64(entry >> _COUNT_SHIFT), measures,
                                officer_of, agencies, lengths, names, category_bytes,
                                category_offsets)
    return out[:position]


@numba.njit(nogil=True, cache=True)
def _ids_text(state, first_id):
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
def _part_rows(arr, ends, slots, hashes, agencies, lengths, names, used, parsed):
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
        year = values[2] - YEAR_BASE
        purpose, code = values[3], values[4]
        if not (0 <= year < 256 and purpose < 32 and 1 <= code <= MAX_CODES):
            return False
        officer = _officer_index(name, 0, length, values[0], slots, hashes, agencies,
                                 lengths, names, used)
        if officer >= MAX_OFFICERS:
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
            | code_rank[group & CODE_MASK])


@numba.njit(nogil=True, cache=True)
def _groups_ranked(groups, officer_rank, code_rank):
    out = np.empty(groups.size, np.int64)
    for row in range(groups.size):
        out[row] = _group_ranked(groups[row], officer_rank, code_rank)
    return out


@numba.njit(nogil=True, cache=True)
def _entries_ranked(groups, officer_rank, code_rank):
    """Compact the group table in place into its entries as (ranked group, count) in one
    uint64 each; returns how many there are."""
    row = 0
    for slot in range(groups.size):
        entry = groups[slot]
        if entry & _COUNT_FIELD:  # not an empty slot, nor a group whose stops were uncounted
            ranked = _group_ranked(np.int64(entry >> _COUNT_SHIFT), officer_rank, code_rank)
            groups[row] = (np.uint64(ranked) << _COUNT_SHIFT) | (entry & _COUNT_FIELD)
            row += 1
    return row


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
def _merged_text(entries, upto, part_keys, part_measures, position, officer_by_rank,
                 agencies, lengths, names, category_bytes, category_offsets, width):
    """COPY text of a chunk of sorted counted ``entries`` merged with the sorted part
    rows ``position[0]`` to ``upto`` (those up to the chunk's last key, or all that
    remain for the last chunk); equal groups are summed."""
    out = np.empty((entries.size + upto - position[0]) * width, np.uint8)
    written = 0
    row = position[0]
    measures = np.zeros(part_measures.shape[1], np.int64)
    for index in range(entries.size):
        key = np.int64(entries[index] >> _COUNT_SHIFT)
        while row < upto and part_keys[row] < key:
            written = _row_put(out, written, part_keys[row], part_measures[row],
                               officer_by_rank, agencies, lengths, names, category_bytes,
                               category_offsets)
            row += 1
        measures[:] = 0
        measures[0] = np.int64(entries[index] & _COUNT_FIELD)
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
def _agency_sums(entries, part_keys, part_measures, officer_by_rank, agencies, cells,
                 out_agencies, out_cells, out_sums):
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
            agency = agencies[officer_by_rank[np.int64(entries[i] >> _COUNT_SHIFT) >> 19]]
        if j < part_keys.size:
            agency = min(agency, agencies[officer_by_rank[part_keys[j] >> 19]])
        count = 0
        while (i < entries.size and agencies[
                officer_by_rank[np.int64(entries[i] >> _COUNT_SHIFT) >> 19]] == agency):
            cell = np.int64(entries[i] >> _COUNT_SHIFT) & CELL_FIELD
            stops = np.int64(entries[i] & _COUNT_FIELD)
            if stops:  # not a group whose stops were all uncounted
                if not seen[cell]:
                    seen[cell] = True
                    touched[count] = cell
                    count += 1
                cells[cell, 0] += stops
            i += 1
        while j < part_keys.size and agencies[officer_by_rank[part_keys[j] >> 19]] == agency:
            cell = part_keys[j] & CELL_FIELD
            if not seen[cell]:
                seen[cell] = True
                touched[count] = cell
                count += 1
            for measure in range(4):
                cells[cell, measure] += part_measures[j, measure]
            j += 1
        ordered = np.sort(touched[:count])
        for k in range(count):
            cell = ordered[k]
            if out_agencies.size:
                out_agencies[rows] = agency
                out_cells[rows] = cell
                out_sums[rows] = cells[cell]
            cells[cell] = 0
            seen[cell] = False
            rows += 1
    return rows


@numba.njit(nogil=True, cache=True)
def _agency_text(agency_ids, agency_cells, sums, category_bytes, category_offsets, width):
    """COPY text of agency summary rows: agency, year, purpose, category, measures."""
    out = np.empty(agency_ids.size * width, np.uint8)
    position = 0
    for row in range(agency_ids.size):
        position = _digits_put(out, position, agency_ids[row])
        position = _cell_put(out, position, agency_cells[row], sums[row], category_bytes,
                             category_offsets)
    return out[:position]


def _copy_in(cursor, table: sql.Identifier, chunks: Iterable[bytes]) -> int:
    """COPY text chunks (CP1252) into ``table``; returns the number of rows."""
    cursor.execute("SET client_encoding = 'WIN1252'")
    try:
        cursor.copy_expert(sql.SQL("COPY {} FROM STDIN").format(table).as_string(cursor),
                           BytesIterReader(chunks), size=1 << 20)
        return cursor.rowcount
    finally:
        cursor.execute("SET client_encoding = 'UTF8'")


class _IdMap:
    """Values by id, for arrays of ids (ids found once; missing ids are skipped)."""

    def __init__(self, ids: np.ndarray, values: np.ndarray) -> None:
        order = np.argsort(ids, kind="stable")
        self.ids, self.values = ids[order], values[order]

    def lookup(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(which of ``ids`` are known, the values of those)."""
        if self.ids.size == 0:
            return np.zeros(len(ids), bool), np.zeros(0, self.values.dtype)
        positions = np.minimum(np.searchsorted(self.ids, ids), self.ids.size - 1)
        found = self.ids[positions] == ids
        return found, self.values[positions[found]]

    def values_of(self, ids: np.ndarray) -> np.ndarray:
        return self.lookup(ids)[1]


def _occurrences(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """How often each element of ``of`` occurs in ``values``."""
    found, counts = _IdMap(*np.unique(values, return_counts=True)).lookup(of)
    occurrences = np.zeros(len(of), np.int64)
    occurrences[found] = counts
    return occurrences


class _Columns:
    """Columns of numbers appended block by block, in arrays that double when full.

    Their pages are mapped when first written (the first capacity is above the import's
    mmap threshold), and they are few and large: thousands of small per-block arrays
    kept to the end of the load would pin heap pages the load's buffers come and go
    between (docs/benchmarks.md, "Measurements behind code choices")."""

    FIRST_CAPACITY = 1 << 21

    def __init__(self, *dtypes) -> None:
        self.columns = [np.empty(self.FIRST_CAPACITY, dtype) for dtype in dtypes]
        self.size = 0

    def append(self, *values: np.ndarray) -> None:
        count = len(values[0])
        if self.size + count > len(self.columns[0]):
            capacity = len(self.columns[0])
            while self.size + count > capacity:
                capacity *= 2
            for index, column in enumerate(self.columns):
                grown = np.empty(capacity, column.dtype)
                grown[:self.size] = column[:self.size]
                self.columns[index] = grown
        for column, value in zip(self.columns, values, strict=True):
            column[self.size:self.size + count] = value
        self.size += count

    def taken(self) -> tuple[np.ndarray, ...]:
        """Copies of the columns' values; the arrays are given back."""
        values = tuple(column[:self.size].copy() for column in self.columns)
        self.columns = [np.empty(0, column.dtype) for column in self.columns]
        self.size = 0
        return values


def _ids_on_lines(lines: list[tuple[int, bytes]], field: int) -> list[int]:
    """The ids in ``field`` of raw lines, where the validation in SQL would read one
    (trimmed digits, at most 2147483647); a line without one is rejected."""
    ids = []
    for _, line in lines:
        fields = line.split(b"\t")
        if len(fields) <= field:
            continue
        value = fields[field].strip(_TRIM)
        if value.isdigit() and len(value) <= 10 and int(value) <= 2147483647:
            ids.append(int(value))
    return ids


def _unpack(value: int) -> bytes:
    """Inverse of ``_short_text`` (a length of 0, 1 or 2 above the bytes)."""
    for length in (0, 1, 2):
        if value >> (8 * length) == length:
            return (value & ((1 << 8 * length) - 1)).to_bytes(length, "big")
    raise ValueError(f"not a packed short field: {value}")

"""``SummaryStream``: the counting side of the streamed officer counts of one NC import.

It keeps one byte per stop id (its single driver's category, flags), interns officers,
and counts simple stops into packed groups as blocks of lines are loaded; searched stops
(and stops with a flag a per-stop measure counts on) are listed and their other measures
added once the load is settled (``searched_settle``). Writing the counts out is
``output.StreamOutput``'s job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import numpy as np
from psycopg2 import sql

from nc.stats import DRIVER_TYPE
from nc.summary_stream import kernels as k
from nc.summary_stream.arrays import Columns, IdMap, ids_on_lines, occurrences, unpack
from nc.summary_stream.copytext import copy_in
from nc.summary_stream.layout import LayoutUnsupported, StreamLayout, stream_layout
from nc.summary_stream.output import StreamOutput
from tsdata.stats.registry import stats_config
from tsdata.stats.summaries import DIRTY_TABLE, dirty_table_create

logger = logging.getLogger(__name__)


class SummaryStream(StreamOutput):
    """Counts of the simple stops of one NC import (see the package docstring).

    ``usable`` turns False for good when something makes the counts unreliable (too many
    categories, huge stop ids, a counted stop id on a later slow line, definitions the
    stream cannot count); the summary is then built entirely in SQL.
    """

    def __init__(self, state: str = "nc", layout: StreamLayout | None = None) -> None:
        stats = stats_config(state)
        self.scheme = stats.categories
        self.usable = True
        try:
            self.layout: StreamLayout | None = layout or stream_layout(
                stats, driver_type=DRIVER_TYPE)
        except LayoutUnsupported as error:
            logger.warning("streamed officer counts off: %s", error)
            self.layout = None
            self.usable = False
            return
        self._layout_arrays()
        # np.zeros of this size is a fresh anonymous mapping: only the pages of the stop
        # ids that occur take memory, and the array never has to be copied to grow.
        self._state_pages = np.zeros(k.MAX_STOP_ID + 1, np.uint8)
        self.state = self._state_pages[: 1 << 20]
        self.codes: dict[int, int] = {}
        self.keys_by_code: list[str | None] = [None]  # code 0: no driver
        self.used = np.zeros(3, np.int64)  # officers, counted groups, overflow
        self._officers_allocate(1 << 14)
        self.groups = np.zeros(1 << 16, np.uint64)
        # Loaded searches (search id, stop id, detail) and contraband (contraband id,
        # search id), the listed stops (stop id, group and flags) and the search ids of
        # slow Contraband.txt lines, as growing arrays until ``searched_settle`` (ids are
        # at most 2147483647: int32).
        self._searches = Columns(np.int32, np.int32, np.int16)
        self._contraband = Columns(np.int32, np.int32)
        self._searched = Columns(np.int32, np.int64)
        self._contraband_slow: list[int] = []
        # (group, the stop summary's measures) added by the listed stops: 0 stops each.
        self.extras: np.ndarray | None = None
        # (group with the search type in place of the purpose, the search-type summary's
        # measures) of their searches; None if a type does not fit a packed group.
        self.search_type_rows: np.ndarray | None = None
        self._groups_consumed = False
        # The agency stop summary's rows (agency, cell, sums, and how to write them), once
        # the officer rows are merged.
        self.agency_rows: tuple | None = None

    def _layout_arrays(self) -> None:
        layout = self.layout
        self._stop_roles = layout.stop_roles
        self._condition_roles = layout.condition_roles
        person = layout.person.column
        self._person_roles = np.array([person["type"], person["first"], person["second"]],
                                      np.int64)
        self._driver = np.frombuffer(layout.driver_type, np.uint8)
        self._contraband_search_field = layout.contraband.raw("search")

    # ---- per-stop state ----------------------------------------------------------------
    def _state_reach(self, stop_ids: np.ndarray) -> bool:
        if stop_ids.size == 0:
            return True
        highest = int(stop_ids.max())
        if highest > k.MAX_STOP_ID:
            self.usable = False
            return False
        if highest >= self.state.size:
            self.state = self._state_pages[: max(highest + 1, self.state.size * 2)]
        return True

    def _code(self, pair: int) -> int:
        code = self.codes.get(pair)
        if code is None:
            first, second = unpack(pair >> 24), unpack(pair & 0xFFFFFF)
            first_column, second_column = self.layout.category_columns
            key = self.scheme.key_for(
                {first_column: first.decode("cp1252"), second_column: second.decode("cp1252")}
            )
            code = self._code_of_key(key)
            if code is None:
                self.usable = False
                code = 0
            self.codes[pair] = code
        return code

    def _code_of_key(self, key: str | None) -> int | None:
        """The category code of ``key`` (a new one if need be); None if out of codes."""
        if key is None:
            return None
        if key in self.keys_by_code:
            return self.keys_by_code.index(key)
        if len(self.keys_by_code) > k.MAX_CODES:
            return None
        self.keys_by_code.append(key)
        return len(self.keys_by_code) - 1

    # ---- the files ---------------------------------------------------------------------
    def persons_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Drivers of loaded PERSON lines: their category codes per stop."""
        if not self.usable:
            return
        person = self.layout.person
        starts, stops = k.bounds(arr, ends, loaded, person.fields)
        stop_ids = k.column_numbers(arr, starts, stops, person.column["stop"])
        drivers, pairs = k.driver_pairs(arr, starts, stops, self._person_roles, self._driver)
        stop_ids, pairs = stop_ids[drivers], pairs[drivers]
        if not self._state_reach(stop_ids):
            return
        unique, inverse = np.unique(pairs, return_inverse=True)
        codes = np.array([self._code(int(pair)) for pair in unique], np.uint8)[inverse]
        if self.usable:
            k.drivers_set(self.state, stop_ids, codes)

    def searches_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Loaded searches: their stops are flagged, and counted with them later."""
        search = self.layout.search
        starts, stops = k.bounds(arr, ends, loaded, search.fields)
        search_ids = k.column_numbers(arr, starts, stops, search.column["id"])
        stop_ids = k.column_numbers(arr, starts, stops, search.column["stop"])
        details = k.column_numbers(arr, starts, stops, search.column["detail"])
        if not self._state_reach(stop_ids):
            return
        if k.flag_set(self.state, stop_ids, k.SEARCHED):
            self.usable = False  # Stop.txt is loaded after Search.txt: cannot happen
        self._searches.append(search_ids, stop_ids, details)

    def contraband_loaded(self, arr, ends, loaded, _ids=None) -> None:
        """Loaded contraband rows: each counts for the stop of its search."""
        contraband = self.layout.contraband
        starts, stops = k.bounds(arr, ends, loaded, contraband.fields)
        self._contraband.append(
            k.column_numbers(arr, starts, stops, contraband.column["id"]),
            k.column_numbers(arr, starts, stops, contraband.column["search"]))

    def contraband_slow(self, _stop_field: int, lines: list[tuple[int, bytes]]) -> None:
        """A slow Contraband.txt line may be loaded (or not): the stop of its search is
        left to SQL (``searched_settle``)."""
        self._contraband_slow.extend(ids_on_lines(lines, self._contraband_search_field))

    def lines_slow(self, stop_field: int, lines: list[tuple[int, bytes]]) -> None:
        """A stop id on a line the validation in SQL decides is counted in SQL (the rule
        for a stop id is the validation's: trimmed digits, at most 2147483647; a line
        without one is rejected and changes nothing)."""
        stop_ids = np.array(ids_on_lines(lines, stop_field), np.int64)
        if (self.usable and self._state_reach(stop_ids)
                and k.flag_set(self.state, stop_ids, k.DIRTY)):
            self.usable = False  # a counted stop's id came back on a slow line

    def stops_loaded(self, arr, ends, loaded, agency_ids) -> None:
        """Count the loaded simple stops (their agency ids from the fast path's lookup)."""
        if not self.usable:
            return
        starts, stops = k.bounds(arr, ends, loaded, self.layout.stop.fields)
        rows = starts.shape[0]
        self._room(rows)
        listed_arrays = (np.empty(rows, np.int32), np.empty(rows, np.int64))
        listed = k.stops_count(
            arr, starts, stops, self._stop_roles, self._condition_roles, self.layout.list_mask,
            agency_ids[loaded].astype(np.int64), self.state, self.slots, self.hashes,
            self.agencies, self.lengths, self.names, self.groups, self.used, *listed_arrays)
        if self.used[2]:
            self.usable = False
        if listed:
            self._searched.append(*(array[:listed] for array in listed_arrays))

    def slow_stops_classified(self, chunks: Iterable[list[tuple]]) -> None:
        """Stop.txt lines that went through the validation in SQL, once it has decided:
        chunks of rows of (stop id, loaded?, the fields of ``layout.slow_stop_fields`` as
        loaded (trimmed), agency id). A stop id on a line that was not loaded is left to
        SQL (the reconciliation removes its people); a loaded stop is counted like one
        from the fast path. (These stop ids were not flagged during the load: a stop id
        that is also on a counted line turns the counts off.)"""
        for rows in chunks:
            if not self.usable:
                return
            self._slow_stops_count(rows)

    def _slow_stops_count(self, rows: list[tuple]) -> None:
        ids = np.array([row[0] for row in rows], np.int64)
        if not self._state_reach(ids):
            return
        if (self.state[ids] & k.COUNTED).any():
            self.usable = False  # also on a counted line
            return
        positions = (self.layout.stop.raw("id"), *self.layout.slow_stop_fields)
        lines, agency_ids, left = [], [], [row[0] for row in rows if not row[1]]
        for stop_id, loaded, *values, agency_id in rows:
            if not loaded or agency_id is None:
                continue  # no agency: no summary row, in SQL either
            fields = [b""] * (max(positions) + 1)
            try:
                for position, value in zip(positions, (str(stop_id), *values), strict=True):
                    fields[position] = value.encode("cp1252")
            except UnicodeEncodeError:
                left.append(stop_id)
                continue
            lines.append(b"\t".join(fields))
            agency_ids.append(agency_id)
        k.flag_set(self.state, np.array(left, np.int64), k.DIRTY)
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
            k.officers_rehash(old[1], old[0], self.slots, self.hashes)
            self.agencies[:officers] = old[2][:officers]
            self.lengths[:officers] = old[3][:officers]
            self.names[:officers] = old[4][:officers]
        if (groups + rows) * 4 > self.groups.size * 3:  # at most three quarters full
            size = self.groups.size
            while (groups + rows) * 4 > size * 3:
                size *= 2
            grown = np.zeros(size, np.uint64)
            k.rehash(self.groups, grown)
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

    # ---- the end of the load -----------------------------------------------------------
    def dirty_store(self, conn, schema: str) -> int:
        """Leave the ids of the stops not counted here in ``schema.summary_dirty`` for the
        summary step (which gets this object in its inputs, ``STREAMED_INPUT``); returns
        how many there are."""
        with conn.cursor() as cursor:
            table = dirty_table_create(cursor, state="nc", schema=schema)
            stored = copy_in(cursor, table, self.dirty_ids_text())
            cursor.execute(sql.SQL("ANALYZE {}").format(table))
        # The per-stop state is not needed any more: give its pages back before the merge.
        self._state_pages = None
        self.state = np.zeros(0, np.uint8)
        return stored

    def searched_settle(self, conn, schema: str, removed_searches: Iterable[int],
                        removed_contraband: Iterable[int]) -> int:
        """Add the other measures of the listed stops, once the rows removed after the
        load are known (``removed_*``: ids the reconciliation took out). A listed stop
        that lost such a row, or whose search has contraband on a slow line, is uncounted
        and left to SQL (its id added to ``summary_dirty``); returns how many were."""
        if not self.usable:
            return 0
        search_ids, search_stops, search_details = self._searches.taken()
        contraband_ids, contraband_searches = self._contraband.taken()
        stop_ids, groups = self._searched.taken()
        flags = groups >> k.CONDITION_SHIFT
        groups &= k.GROUP_MASK
        by_search = IdMap(search_ids, search_stops)
        suspect = np.concatenate([
            np.fromiter(removed_searches, np.int64),
            IdMap(contraband_ids, contraband_searches).values_of(
                np.fromiter(removed_contraband, np.int64)),
            np.array(self._contraband_slow, np.int64),
        ])
        uncounted = np.isin(stop_ids, by_search.values_of(suspect))
        for group in groups[uncounted]:
            if not k.count_remove(self.groups, group):
                raise RuntimeError("a counted listed stop without its group")
        if uncounted.any():
            with conn.cursor() as cursor:
                copy_in(cursor, sql.Identifier(schema, DIRTY_TABLE),
                        [b"".join(b"%d\n" % stop for stop in stop_ids[uncounted])])
        kept = ~uncounted
        stop_ids, groups, flags = stop_ids[kept], groups[kept], flags[kept]
        units = {
            "stop": np.ones(stop_ids.size, np.int64),
            "search": occurrences(search_stops, stop_ids),
            "contraband": occurrences(by_search.values_of(contraband_searches), stop_ids),
        }
        self.extras = self._sums(self.layout.stops.measures, groups, flags, units,
                                 skip=self.layout.count_column)
        # Each search of a counted stop: its stop's group with the search's detail.
        found, stop_groups = IdMap(stop_ids, groups).lookup(search_stops)
        search_flags = IdMap(stop_ids, flags).values_of(search_stops)
        details = search_details[found].astype(np.int64)
        if details.size == 0 or (details.min() >= 0 and details.max() < 32):
            typed = (stop_groups & ~k.DETAIL_FIELD) | (details << 6)
            self.search_type_rows = self._sums(
                self.layout.search_types.measures, typed, search_flags,
                {"search": np.ones(typed.size, np.int64)})
        return int(uncounted.sum())

    def _sums(self, measures, groups, flags, units, *, skip: int | None = None) -> np.ndarray:
        """(group, one column per measure) summed over rows of ``groups``: each row adds
        its ``units[measure.unit]``, where its ``flags`` have the measure's condition.
        Column ``skip`` (the plain count of stops, in the group table) stays 0."""
        unique, inverse = np.unique(groups, return_inverse=True)
        sums = np.zeros((unique.size, 1 + len(measures)), np.int64)
        sums[:, 0] = unique
        for column, measure in enumerate(measures):
            if column == skip:
                continue
            values = units[measure.unit]
            if measure.when:
                bit = 1 << self.layout.conditions.index(measure.when)
                values = np.where(flags & bit, values, 0)
            sums[:, 1 + column] = np.bincount(inverse, weights=values,
                                              minlength=unique.size).astype(np.int64)
        return sums

    def groups_counted(self) -> int:
        return int(self.used[1])

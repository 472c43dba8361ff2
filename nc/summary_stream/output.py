"""Writing the streamed counts out: COPY text of the counted rows, the merge with the
SQL template's rows of the dirty stops, and the agency stop summary summed from the merged
officer rows.

``StreamOutput`` is the output half of ``stream.SummaryStream`` (it uses the counting
half's tables: groups, officers, category codes and the layout); ``SearchTypeCounts`` and
``AgencyStopCounts`` hand the summary step (``tsdata.stats.summaries``) what it merges.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import numpy as np
from psycopg2 import errors, sql

from nc.summary_stream import kernels as k
from nc.summary_stream.copytext import agency_text, copy_in, ids_text, merged_text, rows_text
from nc.summary_stream.layout import TableLayout
from nc.summary_stream.merging import agency_sums, entries_ranked, groups_ranked, part_rows

MERGE_CHUNK_ROWS = 1 << 16  # counted groups per chunk of merged COPY text


class StreamOutput:
    """The output methods of ``SummaryStream`` (see the module docstring)."""

    def rows_copy(self, cursor, table: sql.Identifier) -> int:
        """COPY the counted rows into ``table`` (for a merge in SQL)."""
        return copy_in(cursor, table, self.rows_copy_text())

    def merge_into(self, cursor, part: sql.Identifier, target: sql.Identifier) -> int | None:
        """Sum the counted rows and the SQL template's rows of the dirty stops (``part``)
        into ``target`` in primary-key order, with one COPY: PostgreSQL then neither sorts
        nor aggregates the millions of counted rows again, and the primary key is built on
        sorted rows. None (nothing written) when a row of ``part`` does not fit a packed
        group; the caller then sums the two in SQL."""
        if not self.usable:
            return None
        return self._merge(cursor, part, target, self.layout.stops, self._extras(), groups=True)

    def _merge(self, cursor, part: sql.Identifier, target: sql.Identifier, layout: TableLayout,
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
                                        for name in layout.names),
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
        fits = part_rows(arr, ends, self.slots, self.hashes, self.agencies, self.lengths,
                          self.names, self.used, parsed)
        del arr
        buffer.close()
        if not fits:
            return None
        cursor.execute(sql.SQL("SELECT count(*) FROM {}").format(part))
        if cursor.fetchone()[0] != ends.size:
            return None  # a category or an officer id the join or COPY did not carry
        return copy_in(cursor, target,
                        self._merged_copy_text(np.concatenate([parsed, rows]), groups=groups))

    def _extras(self) -> np.ndarray:
        if self.extras is None:
            raise RuntimeError("the searched stops are not settled (searched_settle)")
        return self.extras

    def _merged_copy_text(self, parsed: np.ndarray, *, groups: bool) -> Iterator[bytes]:
        """COPY text of the ``parsed`` rows and (with ``groups``) the counted groups,
        summed by group, in the summary's primary-key order: officers by (agency, id
        bytes), then year, purpose (or search type) and category (bytewise, as the
        summary's "C" keys)."""
        count_col = self.layout.count_column if groups else 0
        officers = int(self.used[0])
        order = np.lexsort(
            [self.names[:officers, column] for column in range(self.names.shape[1] - 1, -1, -1)]
            + [self.agencies[:officers]]
        )
        officer_rank = np.empty(officers, np.int64)
        officer_rank[order] = np.arange(officers)
        keys = self.keys_by_code
        by_rank = sorted(range(1, len(keys)), key=lambda code: keys[code].encode("utf-8"))
        code_rank = np.zeros(k.MAX_CODES + 1, np.int64)
        code_rank[by_rank] = np.arange(1, len(by_rank) + 1)
        category_bytes, offsets, width = self._categories_text(by_rank)
        if groups:
            if self._groups_consumed:
                raise RuntimeError("the counted groups were merged already")
            # The group table becomes the sorted entries (no second array of that size).
            entries = self.groups[:entries_ranked(self.groups, officer_rank, code_rank)]
            self._groups_consumed = True
            entries.sort()
        else:
            entries = np.zeros(0, np.uint64)
        part_keys = groups_ranked(np.ascontiguousarray(parsed[:, 0]), officer_rank, code_rank)
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
                last_key = np.int64(chunk[-1] >> k.COUNT_SHIFT)
                upto = int(np.searchsorted(part_keys, last_key, side="right"))
            yield merged_text(chunk, upto, part_keys, part_measures, position, order,
                              self.agencies, self.lengths, self.names, category_bytes,
                              offsets, width, count_col).tobytes()
        if groups:
            # The agency summary is the sum of these rows over the officers of an agency
            # (the same sum as its SQL template, ``StateStats.fill_sql``).
            measures = part_measures.shape[1]
            cells = np.zeros((k.CELL_FIELD + 1, measures), np.int64)  # one agency's cells
            arguments = (entries, part_keys, part_measures, order, self.agencies, cells)
            rows = agency_sums(*arguments, np.zeros(0, np.int64), np.zeros(0, np.int64),
                               np.zeros((0, measures), np.int64), count_col)
            agency_ids, agency_cells = np.zeros(rows, np.int64), np.zeros(rows, np.int64)
            sums = np.zeros((rows, measures), np.int64)
            agency_sums(*arguments, agency_ids, agency_cells, sums, count_col)
            self.agency_rows = (agency_ids, agency_cells, sums, category_bytes, offsets, width)

    def agency_rows_text(self) -> Iterator[bytes]:
        """COPY text of the agency stop summary (after the officer rows were merged)."""
        agency_ids, agency_cells, sums, category_bytes, offsets, width = self.agency_rows
        for start in range(0, agency_ids.size, MERGE_CHUNK_ROWS):
            stop = start + MERGE_CHUNK_ROWS
            yield agency_text(agency_ids[start:stop], agency_cells[start:stop],
                              sums[start:stop], category_bytes, offsets, width).tobytes()

    def dirty_ids_text(self, ids_per_chunk: int = 1 << 22) -> Iterator[bytes]:
        """The dirty stop ids as COPY text, in chunks."""
        for start in range(0, self.state.size, ids_per_chunk):
            yield ids_text(self.state[start:start + ids_per_chunk], start).tobytes()

    def rows_copy_text(self, slots_per_chunk: int = 1 << 16) -> Iterator[bytes]:
        """The counted rows as COPY text (CP1252), in chunks: agency, officer, year,
        purpose, category, stops, searches, use of force, contraband."""
        extras = self._extras()
        category_bytes, offsets, width = self._categories_text(range(1, len(self.keys_by_code)))
        officer_of = np.arange(self.agencies.size)
        for start in range(0, self.groups.size, slots_per_chunk):
            stop = start + slots_per_chunk
            yield rows_text(self.groups[start:stop], officer_of, self.agencies, self.lengths,
                            self.names, category_bytes, offsets, width, extras.shape[1] - 1,
                            self.layout.count_column).tobytes()
        # The other measures of the listed stops, as rows of no stops (the SQL that sums
        # these rows adds them to their groups).
        yield self.streamed_rows_text(extras)

    def streamed_rows_text(self, rows: np.ndarray) -> bytes:
        """COPY text (CP1252) of rows (packed group, measures) as they are."""
        category_bytes, offsets, width = self._categories_text(range(1, len(self.keys_by_code)))
        return merged_text(np.zeros(0, np.uint64), rows.shape[0],
                           np.ascontiguousarray(rows[:, 0]), np.ascontiguousarray(rows[:, 1:]),
                           np.zeros(1, np.int64), np.arange(self.agencies.size),
                           self.agencies, self.lengths, self.names, category_bytes, offsets,
                           width, 0).tobytes()

    def _categories_text(self, codes) -> tuple[np.ndarray, np.ndarray, int]:
        """The CP1252 bytes of the categories of ``codes`` (numbered from 1 in that order)
        with their offsets, and the most bytes a row of COPY text can take."""
        categories = [b""] + [self.keys_by_code[code].encode("cp1252") for code in codes]
        offsets = np.zeros(len(categories) + 1, np.int64)
        offsets[1:] = np.cumsum([len(key) for key in categories])
        category_bytes = np.frombuffer(b"".join(categories) + b"\0", np.uint8)
        measures = max(len(self.layout.stops.measures), len(self.layout.search_types.measures))
        # agency, officer and category (escaped), year, detail, the measures, separators
        width = (11 + 2 * self.names.shape[1] + 2 * max(map(len, categories)) + 5 + 6
                 + 20 * measures + 5 + measures)
        return category_bytes, offsets, width

    def search_type_counts(self) -> SearchTypeCounts | None:
        """The officer search-type summary's counts (after ``searched_settle``), if every
        search type fits a packed group."""
        if not self.usable or self.search_type_rows is None:
            return None
        return SearchTypeCounts(self)


class SearchTypeCounts:
    """The officer search-type summary's rows of the counted stops (``StreamedCounts``):
    one per search of a counted searched stop."""

    def __init__(self, stream: StreamOutput) -> None:
        self.stream = stream

    def merge_into(self, cursor, part: sql.Identifier, target: sql.Identifier) -> int | None:
        return self.stream._merge(cursor, part, target, self.stream.layout.search_types,
                                  self.stream.search_type_rows, groups=False)

    def rows_copy(self, cursor, table: sql.Identifier) -> int:
        return copy_in(cursor, table,
                       [self.stream.streamed_rows_text(self.stream.search_type_rows)])


class AgencyStopCounts:
    """The agency stop summary, summed from the officer rows the import merged
    (``StreamedTable``); None from ``table_fill`` when SQL merged them instead."""

    def __init__(self, stream: StreamOutput) -> None:
        self.stream = stream

    def table_fill(self, cursor, target: sql.Identifier) -> int | None:
        if self.stream.agency_rows is None:
            return None
        return copy_in(cursor, target, self.stream.agency_rows_text())

"""The compiled screen of the fast path: which lines of a block can go to a typed ``COPY``.

One pass (numba) over a block of complete lines flags the lines that cannot be sent
as they are (wrong number of fields, empty non-text fields, characters a column does
not allow, inside the field's whitespace padding, which is trimmed on the way like the
validation in SQL trims it), looks a key field up among known values (:class:`KeyLookup`)
and applies the caller's per-line rule (:class:`FieldShapeRule`) to the rest. A second
kernel then cuts the kept lines out of the block for the ``COPY``
(``tsdata.imports.fastpath`` sends them). Compiled by numba: a byte loop in Python
would be a hundred times slower, and the vectorised numpy equivalent needs a dozen
passes with per-byte int64 temporaries.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numba
import numpy as np

# Whitespace Python's str.strip() removes that can occur in CP1252 text (not the tab).
WHITESPACE = (32, 11, 12, 160)
IS_WHITESPACE = np.zeros(256, dtype=np.bool_)  # by byte: trimmed from both ends of a field
IS_WHITESPACE[list(WHITESPACE)] = True


def charset_table(width: int, charsets: list[bytes | None]) -> np.ndarray:
    """``[column, byte] → allowed`` for ``fast_copy``'s ``column_charsets``."""
    table = np.ones((width, 256), dtype=bool)
    for column, charset in enumerate(charsets):
        if charset is not None:
            table[column] = False
            table[column, np.frombuffer(charset, dtype=np.uint8)] = True
    return table


_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)


@numba.njit(nogil=True, cache=True)
def fnv_hash(arr: np.ndarray, start: int, stop: int) -> np.uint64:
    """64-bit FNV-1a hash of ``arr[start:stop]`` (the key lookup's and the streamed
    counts' hash of a field)."""
    value = _FNV_OFFSET
    for i in range(start, stop):
        value = (value ^ np.uint64(arr[i])) * _FNV_PRIME
    return value


@dataclass(frozen=True)
class FieldShapeRule:
    """A per-line rule, configured by the caller, that sends lines the screen would let
    through to the slow path instead, by the trimmed value of one ``field``: a value not
    in one of ``shapes`` (``9`` stands for any digit, any other character for itself),
    or with a number out of its range (``ranges``: offset, digits, lowest, highest; each
    checked when the value reaches that far), or whose number at ``minimum`` (offset,
    digits, least value) is smaller, unless the line's looked-up id is ``exempt_id``.
    Data rather than code, so that the screen stays one compiled (and cached) kernel
    with the check inlined."""

    field: int
    shapes: tuple[str, ...]
    ranges: tuple[tuple[int, int, int, int], ...] = ()
    minimum: tuple[int, int, int] = (0, 0, 0)
    exempt_id: int = -1

    def __post_init__(self) -> None:
        offset, digits, _ = self.minimum
        if any(shape[offset:offset + digits] != "9" * digits for shape in self.shapes):
            raise ValueError("the minimum's number must be digits in every shape")
        for offset, digits, _, _ in self.ranges:
            for shape in self.shapes:
                if shape[offset:offset + digits] not in ("", "9" * digits):
                    raise ValueError(f"a range's number is not digits in {shape!r}")

    @functools.cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(shapes as rows of bytes, their lengths, ranges, minimum) for :func:`_screen`."""
        longest = max((len(shape) for shape in self.shapes), default=0)
        shapes = np.zeros((len(self.shapes), max(longest, 1)), np.uint8)
        for row, shape in enumerate(self.shapes):
            shapes[row, :len(shape)] = np.frombuffer(shape.encode("ascii"), np.uint8)
        lengths = np.array([len(shape) for shape in self.shapes], np.int64)
        ranges = np.array(self.ranges, np.int64).reshape(len(self.ranges), 4)
        return shapes, lengths, ranges, np.array(self.minimum, np.int64)


@dataclass(frozen=True)
class KeyLookup:
    """Map one text field to an id appended as an extra ``COPY`` column (NC: agency name →
    agency id), and send to the slow path lines with an unknown value or, with a
    ``line_rule``, lines the rule sends there."""

    field: int
    ids: dict[bytes, int]
    line_rule: FieldShapeRule | None = None

    @functools.cached_property
    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(sorted hashes, byte offsets, concatenated bytes, ids) for :func:`_screen`,
        built once per lookup."""
        entries = sorted(
            (int(fnv_hash(np.frombuffer(key, np.uint8), 0, len(key))), key, value)
            for key, value in self.ids.items()
        )
        hashes = np.array([entry[0] for entry in entries], dtype=np.uint64)
        offsets = np.zeros(len(entries) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(entry[1]) for entry in entries])
        data = np.frombuffer(b"".join(entry[1] for entry in entries) or b"\0", np.uint8)
        values = np.array([entry[2] for entry in entries], dtype=np.int64)
        return hashes, offsets, data, values


@numba.njit(nogil=True, cache=True)
def _key_find(arr: np.ndarray, start: int, stop: int, hashes: np.ndarray,
              offsets: np.ndarray, data: np.ndarray, ids: np.ndarray) -> int:
    """The id of ``arr[start:stop]`` among the keys, or -1."""
    value = fnv_hash(arr, start, stop)
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
            key_ids: np.ndarray, rule_field: int, rule_shapes: np.ndarray,
            rule_lengths: np.ndarray, rule_ranges: np.ndarray, rule_minimum: np.ndarray,
            exempt_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One pass over a block of complete lines: (slow per line, looked-up id per line,
    padded per line).

    Each field is taken without its leading and trailing whitespace (``is_space``), as
    the validation in SQL trims it; a line with such padding is marked ``padded`` (its
    fields are trimmed when it is copied, ``_lines_select``). A line is slow when it has
    the wrong number of fields, an empty non-text field, or a byte its column does not
    allow (whitespace inside a non-text value included). With a ``key_field`` (>= 0) its
    value is looked up among the keys (sorted FNV-1a hashes, verified byte for byte) and
    a line whose value is not a key is slow too; with a ``rule_field`` (>= 0) so is a
    line whose value there breaks the :class:`FieldShapeRule` given as its arrays.
    """
    slow = np.zeros(line_count, np.bool_)
    ids = np.full(line_count, -1, np.int64)
    padded = np.zeros(line_count, np.bool_)
    line = 0
    field = 0
    key_start = 0
    key_stop = 0
    number = 0  # the rule field's number compared with the rule's minimum
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
            elif field == rule_field:
                # The FieldShapeRule spelled out here: a helper function taking its arrays
                # would pay for their reference counts on every line.
                number = -1  # until the value fits a shape and the ranges
                length = stop - start
                for shape in range(rule_lengths.size):
                    fits = rule_lengths[shape] == length
                    for offset in range(length if fits else 0):
                        actual, expected = arr[start + offset], rule_shapes[shape, offset]
                        fits = 48 <= actual <= 57 if expected == 57 else actual == expected
                        if not fits:
                            break
                    for row in range(rule_ranges.shape[0] if fits else 0):
                        first = start + rule_ranges[row, 0]
                        after = first + rule_ranges[row, 1]
                        if after <= stop:
                            value = 0
                            for j in range(first, after):
                                value = value * 10 + arr[j] - 48
                            fits = rule_ranges[row, 2] <= value <= rule_ranges[row, 3]
                            if not fits:
                                break
                    if fits:
                        number = 0
                        first = start + rule_minimum[0]
                        for j in range(first, first + rule_minimum[1]):
                            number = number * 10 + arr[j] - 48
                        break
                if number < 0:
                    bad = True
            if byte == 9:
                field += 1
            else:
                if not bad and field == last and key_field >= 0:
                    ids[line] = _key_find(arr, key_start, key_stop, key_hashes, key_offsets,
                                          key_bytes, key_ids)
                    bad = ids[line] < 0
                if rule_field >= 0 and number < rule_minimum[2] and ids[line] != exempt_id:
                    bad = True
                if bad or field != last:
                    slow[line] = True
                padded[line] = line_padded
                line += 1
                field = 0
                bad = False
                line_padded = False
                number = 0
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


_NO_LOOKUP = (np.zeros(0, np.uint64), np.zeros(1, np.int64), np.zeros(1, np.uint8),
              np.zeros(0, np.int64))
_NO_RULE = FieldShapeRule(field=-1, shapes=())


def _slow_mask(arr: np.ndarray, ends: np.ndarray, width: int, non_text: np.ndarray,
               allowed: np.ndarray, lookup: KeyLookup | None = None,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(slow, ids, padded) per line (``ends`` = newline positions); see :func:`_screen`."""
    if lookup is None:
        return _screen(arr, len(ends), width, allowed, non_text, IS_WHITESPACE, -1, *_NO_LOOKUP,
                       -1, *_NO_RULE.arrays, -1)
    rule = lookup.line_rule or _NO_RULE
    return _screen(arr, len(ends), width, allowed, non_text, IS_WHITESPACE, lookup.field,
                   *lookup.arrays, rule.field, *rule.arrays, rule.exempt_id)


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
                hashes[line] = fnv_hash(arr, starts[line], stops[line])
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

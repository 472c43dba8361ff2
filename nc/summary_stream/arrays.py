"""Array helpers of the streamed counts: id lookups, growing columns, raw id fields."""

from __future__ import annotations

import numpy as np

from nc.raw_files import TRIM_BYTES


class IdMap:
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


def occurrences(values: np.ndarray, of: np.ndarray) -> np.ndarray:
    """How often each element of ``of`` occurs in ``values``."""
    found, counts = IdMap(*np.unique(values, return_counts=True)).lookup(of)
    occurrences = np.zeros(len(of), np.int64)
    occurrences[found] = counts
    return occurrences


class Columns:
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


def ids_on_lines(lines: list[tuple[int, bytes]], field: int) -> list[int]:
    """The ids in ``field`` of raw lines, where the validation in SQL would read one
    (trimmed digits, at most 2147483647); a line without one is rejected."""
    ids = []
    for _, line in lines:
        fields = line.split(b"\t")
        if len(fields) <= field:
            continue
        value = fields[field].strip(TRIM_BYTES)
        if value.isdigit() and len(value) <= 10 and int(value) <= 2147483647:
            ids.append(int(value))
    return ids


def unpack(value: int) -> bytes:
    """Inverse of ``kernels._short_text`` (a length of 0, 1 or 2 above the bytes)."""
    for length in (0, 1, 2):
        if value >> (8 * length) == length:
            return (value & ((1 << 8 * length) - 1)).to_bytes(length, "big")
    raise ValueError(f"not a packed short field: {value}")

"""The fast-path screen against a plain per-line statement of its rules."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tsdata.imports.fastpath import WHITESPACE, _slow_mask, charset_table

WIDTH = 4
# int, free text, flag, float: the kinds the NC files use.
CHARSETS = [b"0123456789", None, b"01", b"0123456789.-+eE"]
NON_TEXT = [True, False, True, True]


def reference_slow(line: bytes) -> bool:
    """The rules as the module docstring states them, one line at a time."""
    fields = line.split(b"\t")
    if len(fields) != WIDTH:
        return True
    for index, value in enumerate(fields):
        if not value:
            if NON_TEXT[index]:
                return True
            continue
        if value[0] in WHITESPACE or value[-1] in WHITESPACE:
            return True
        allowed = CHARSETS[index]
        if allowed is not None and any(byte not in allowed for byte in value):
            return True
    return False


def screen(lines: list[bytes]) -> list[bool]:
    block = b"".join(line + b"\n" for line in lines)
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    allowed = charset_table(WIDTH, CHARSETS)
    return _slow_mask(arr, ends, WIDTH, np.array(NON_TEXT), allowed).tolist()


def test_screen_examples() -> None:
    lines = [
        b"12\tSome Agency\t1\t2.5",  # fine
        b"12\t\t0\t",  # empty text field: fine; empty float: slow
        b"12\tSome Agency\t1",  # too few fields
        b"12\tSome Agency\t1\t2.5\textra",  # too many fields
        b" 12\tSome Agency\t1\t2.5",  # padded id
        b"12\tSome Agency \t1\t2.5",  # padded text
        b"12\tSome \xa0Agency\t1\t2.5",  # inner NBSP in text: fine
        b"+12\tSome Agency\t1\t2.5",  # sign in an id
        b"12\tSome Agency\tt\t2.5",  # 't' is not a 0/1 flag
        b"12\tAgency\t1\t1e5",  # exponent allowed in a float column
        b"",  # blank line
    ]
    assert screen(lines) == [
        False, True, True, True, True, True, False, True, True, False, True,
    ]


FIELD_BYTES = st.sampled_from(list(b"0123456789 \t.-+eEtAb\xa0\x0b\x0c"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(FIELD_BYTES, max_size=14).map(bytes), min_size=1, max_size=40))
def test_screen_matches_reference(lines: list[bytes]) -> None:
    assert screen(lines) == [reference_slow(line) for line in lines]

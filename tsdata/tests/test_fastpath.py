"""The fast-path screen against a plain per-line statement of its rules."""

from __future__ import annotations

import io
import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nc.fast_rules import stop_date_rule
from nc.importer import DATE_SHAPES
from tsdata.imports.fastpath import (
    IS_WHITESPACE,
    WHITESPACE,
    BlockLoader,
    KeyLookup,
    _lines_select,
    _slow_mask,
    charset_table,
    fast_copy,
    field_values_distinct,
)

WIDTH = 4
# int, free text, flag, float: the kinds the NC files use.
CHARSETS = [b"0123456789", None, b"01", b"0123456789.-+eE"]
NON_TEXT = [True, False, True, True]


def reference_slow(line: bytes) -> bool:
    """The rules as the module docstring states them, one line at a time."""
    fields = line.split(b"\t")
    if len(fields) != WIDTH:
        return True
    for index, raw in enumerate(fields):
        value = raw.strip(bytes(WHITESPACE))
        if not value:
            if NON_TEXT[index]:
                return True
            continue
        allowed = CHARSETS[index]
        if allowed is not None and any(byte not in allowed for byte in value):
            return True
    return False


def screen(lines: list[bytes]) -> list[bool]:
    block = b"".join(line + b"\n" for line in lines)
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    allowed = charset_table(WIDTH, CHARSETS)
    return _slow_mask(arr, ends, WIDTH, np.array(NON_TEXT), allowed)[0].tolist()


def trimmed_copy(lines: list[bytes]) -> bytes:
    """What the fast path sends to COPY for ``lines`` (the fast ones)."""
    block = b"".join(line + b"\n" for line in lines)
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    slow, ids, padded = _slow_mask(arr, ends, WIDTH, np.array(NON_TEXT),
                                   charset_table(WIDTH, CHARSETS))
    return _lines_select(arr, ends, ~slow, ids, False, padded, IS_WHITESPACE).tobytes()


def test_screen_examples() -> None:
    lines = [
        b"12\tSome Agency\t1\t2.5",  # fine
        b"12\t\t0\t",  # empty text field: fine; empty float: slow
        b"12\tSome Agency\t1",  # too few fields
        b"12\tSome Agency\t1\t2.5\textra",  # too many fields
        b" 12\tSome Agency\t1\t2.5",  # padded id: trimmed
        b"12\tSome Agency \t1\t2.5",  # padded text: trimmed
        b"12\tSome \xa0Agency\t1\t2.5",  # inner NBSP in text: fine
        b"+12\tSome Agency\t1\t2.5",  # sign in an id
        b"12\tSome Agency\tt\t2.5",  # 't' is not a 0/1 flag
        b"12\tAgency\t1\t1e5",  # exponent allowed in a float column
        b"",  # blank line
    ]
    assert screen(lines) == [
        False, True, True, True, False, False, False, True, True, False, True,
    ]


def test_padded_fields_are_trimmed_on_the_way():
    lines = [
        b" 12 \t\xa0Some  Agency \t1\x0b\t 2.5",  # every field padded; inner spaces kept
        b"13\tAgency\t0\t1e5",  # not padded: as it is
        b"1 4\tAgency\t0\t1",  # a space inside an id: slow
        b"15\t  \t1\t3",  # a text field of whitespace only: empty
    ]
    assert screen(lines) == [False, False, True, False]
    assert trimmed_copy(lines) == (b"12\tSome  Agency\t1\t2.5\n13\tAgency\t0\t1e5\n"
                                   b"15\t\t1\t3\n")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(list(b"0123456789 \t.\xa0\x0bAb")), max_size=14)
                .map(bytes), min_size=1, max_size=20))
def test_trimmed_copy_matches_reference(lines: list[bytes]) -> None:
    """The fast lines as COPY gets them: every field stripped of its padding."""
    expected = b"".join(
        b"\t".join(field.strip(bytes(WHITESPACE)) for field in line.split(b"\t")) + b"\n"
        for line in lines if not reference_slow(line)
    )
    assert trimmed_copy(lines) == expected


FIELD_BYTES = st.sampled_from(list(b"0123456789 \t.-+eEtAb\xa0\x0b\x0c"))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(FIELD_BYTES, max_size=14).map(bytes), min_size=1, max_size=40))
def test_screen_matches_reference(lines: list[bytes]) -> None:
    assert screen(lines) == [reference_slow(line) for line in lines]


# ---- key lookup, date shapes, distinct values --------------------------------------------
STOP_WIDTH = 3  # id, agency name, date
STOP_CHARSETS = [b"0123456789", None, b"0123456789-: ."]
ACCEPTED_DATES = ("2019-11-10", "2019-11-10 21:26", "2019-11-10 21:26:49",
                  "2019-11-10 21:26:49.1", "2019-11-10 21:26:49.12",
                  "2019-11-10 21:26:49.123", "2019-11-10 21:26:49.1234567")


def lookup_screen(lines: list[bytes], lookup: KeyLookup) -> tuple[list[bool], list[int]]:
    block = b"".join(line + b"\n" for line in lines)
    arr = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(arr == 10)
    slow, ids, _ = _slow_mask(arr, ends, STOP_WIDTH, np.array([True, False, True]),
                              charset_table(STOP_WIDTH, STOP_CHARSETS), lookup)
    return slow.tolist(), ids.tolist()


def test_lookup_and_cutoff() -> None:
    lookup = KeyLookup(field=1, ids={b"Raleigh PD": 7, b"NC State Highway Patrol": 3,
                                     b"Caf\xe9 PD": 12},
                       line_rule=stop_date_rule(date_field=2, cutoff_year=2002, exempt_id=3))
    lines = [
        b"1\tRaleigh PD\t2019-11-10 21:26:49.000",
        b"2\tCaf\xe9 PD\t2002-01-01",
        b"3\tUnknown PD\t2019-11-10",  # not a key: slow, SQL decides
        b"4\tRaleigh P\t2019-11-10",  # a prefix is not the key
        b"5\tRaleigh PD\t2001-12-31 23:59:59",  # before the cut-off: slow
        b"6\tNC State Highway Patrol\t2001-12-31",  # exempt from the cut-off
        b"7\t\t2019-11-10",  # empty name: no agency, SQL decides
    ]
    slow, ids = lookup_screen(lines, lookup)
    assert slow == [False, False, True, True, True, False, True]
    assert [ids[i] for i in (0, 1, 5)] == [7, 12, 3]
    kept = _lines_select(np.frombuffer(b"".join(x + b"\n" for x in lines), np.uint8),
                         np.flatnonzero(np.frombuffer(b"".join(x + b"\n" for x in lines),
                                                      np.uint8) == 10),
                         ~np.array(slow), np.array(ids), True, np.zeros(len(slow), bool),
                         IS_WHITESPACE).tobytes()
    assert kept == (b"1\tRaleigh PD\t2019-11-10 21:26:49.000\t7\n"
                    b"2\tCaf\xe9 PD\t2002-01-01\t12\n"
                    b"6\tNC State Highway Patrol\t2001-12-31\t3\n")


@settings(max_examples=300, deadline=None)
@given(st.one_of(
    st.sampled_from(ACCEPTED_DATES),
    st.text(alphabet="0123456789-: .", max_size=28),
    st.builds(lambda d, i, c: d[:i] + c + d[i + 1:], st.sampled_from(ACCEPTED_DATES),
              st.integers(0, 26), st.sampled_from("0123456789-: .")),
))
def test_date_shapes_match_sql_rules(date: str) -> None:
    """The compiled date check accepts exactly the shapes and ranges the SQL validation
    accepts, after trimming (days beyond the month's end are left to PostgreSQL, which
    refuses them)."""
    lookup = KeyLookup(field=1, ids={b"PD": 1},
                       line_rule=stop_date_rule(date_field=2, cutoff_year=0, exempt_id=-1))
    slow, _ = lookup_screen([b"1\tPD\t" + date.encode()], lookup)
    date = date.strip(" ")  # both paths trim the field first
    digits_as_nine = "".join("9" if ch.isdigit() else ch for ch in date)
    shape_ok = digits_as_nine in DATE_SHAPES

    def two(offset: int) -> int:
        return int(date[offset:offset + 2])

    expected = shape_ok and date[0] in "12" and 1 <= two(5) <= 12 and 1 <= two(8) <= 31 and (
        len(date) < 16 or (two(11) <= 23 and two(14) <= 59)) and (
        len(date) < 19 or two(17) <= 59)
    assert slow == [not expected]


def test_field_values_distinct_trims_like_sql() -> None:
    data = (b"1\tRaleigh PD\tx\n2\t Raleigh PD \xa0\tx\n3\tDurham\x00 PD\tx\n4\n"
            b"5\tCary PD")
    values = field_values_distinct(io.BytesIO(data), 1, b" \n\x0b\x0c\xa0")
    assert values == {b"Raleigh PD", b"Durham PD", b"", b"Cary PD"}


def _loader_into(received: list[bytes], *, fail_after: int | None = None) -> BlockLoader:
    """A loader that keeps the blocks it is given (after a short pause, so that the other
    loaders get blocks too) and refuses once it has taken ``fail_after`` blocks."""

    def copy_block(data: bytes) -> int:
        if fail_after is not None and len(received) >= fail_after:
            raise RuntimeError("the connection broke")
        time.sleep(0.01)
        received.append(data)
        return data.count(b"\n")

    return BlockLoader(copy_block, lambda lines: received.extend(line for _, line in lines))


def _stream(lines: int) -> bytes:
    return b"".join(b"%d\tagency %d\t1\t2.5\n" % (number, number) for number in range(lines))


def test_more_loaders_take_every_block_exactly_once() -> None:
    data = _stream(400_000)  # about ten blocks
    received: list[list[bytes]] = [[], [], []]
    gate = threading.Event()
    loaded_blocks: list[int] = []

    def on_loaded(arr, ends, loaded, ids) -> None:
        loaded_blocks.append(int(loaded.sum()))
        gate.set()  # the third loader joins after the first block

    first, second, third = (_loader_into(blocks) for blocks in received)
    result = fast_copy(
        io.BytesIO(data), width=WIDTH, non_text_columns=NON_TEXT, column_charsets=CHARSETS,
        copy_block=first.copy_block, slow_sink=first.slow_sink, on_loaded=on_loaded,
        more_loaders=[second, BlockLoader(third.copy_block, third.slow_sink, gate=gate)],
    )
    assert result.fast_rows == sum(loaded_blocks) == 400_000
    assert all(received)  # every loader took blocks
    lines = b"".join(b"".join(blocks) for blocks in received).splitlines()
    assert sorted(lines) == sorted(data.splitlines())


def test_a_failing_loader_stops_the_copy() -> None:
    received: list[bytes] = []
    first = _loader_into([])
    with pytest.raises(RuntimeError, match="the connection broke"):
        fast_copy(io.BytesIO(_stream(400_000)), width=WIDTH, non_text_columns=NON_TEXT,
                  column_charsets=CHARSETS, copy_block=first.copy_block,
                  slow_sink=first.slow_sink,
                  more_loaders=[_loader_into(received, fail_after=1)])

"""Cleaning raw bytes before they are loaded (``tsdata.imports.rawlines.chunk_clean``)."""

from __future__ import annotations

import pytest

from tsdata.imports.rawlines import chunk_clean


def test_a_clean_chunk_is_kept_as_it_is():
    chunk = b"1\tRaleigh Police Department\t2015-01-01 10:00:00\n" * 100
    cleaned, removed = chunk_clean(chunk)
    assert cleaned is chunk and removed == 0


@pytest.mark.parametrize(("dirty", "expected", "nul"), [
    (b"a\x00b\n", b"ab\n", 1),
    (b"a\x01b\n", b"ab\n", 0),
    (b"a\x02b\n", b"ab\n", 0),
    (b"a\r\n", b"a\n", 0),
    (b"\x81\x8d\x8f\x90\x9d\n", b"?????\n", 0),
    (b"Pe\xf1a\x00\x00\r\n", b"Pe\xf1a\n", 2),
])
def test_each_byte_postgresql_would_not_load_is_cleaned(dirty, expected, nul):
    """Any one of them alone sends the chunk through the cleaning (CP1252 text such as
    ñ stays)."""
    assert chunk_clean(b"x" * 1000 + dirty) == (b"x" * 1000 + expected, nul)

"""Page cursors in URLs: ``?after=`` / ``?before=`` carry one row's keyset values.

The stop date travels as integer microseconds since the Unix epoch (exact, no time-zone
spelling in the URL), the ids as integers, joined by ``_``.
"""

from __future__ import annotations

import datetime as dt

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def cursor_encode(cursor: tuple) -> str:
    date, *ids = cursor
    micros = (date - EPOCH) // dt.timedelta(microseconds=1)
    return "_".join(str(part) for part in (micros, *ids))


def cursor_decode(text: str | None, length: int) -> tuple | None:
    """The cursor of ``text``; None when absent or malformed (the page starts at the top)."""
    if not text:
        return None
    parts = text.split("_")
    if len(parts) != length:
        return None
    try:
        micros, *ids = (int(part) for part in parts)
        return (EPOCH + dt.timedelta(microseconds=micros), *ids)
    except (ValueError, OverflowError):
        return None

"""Reads of Find a Stop: the rows of a search, a keyset page, the count, all rows in chunks.

Rows come newest first by the state's keyset (stop date, stop id[, person id]); pages are
cut by a cursor on that key, never by OFFSET, so page 1,000 costs what page 1 costs when an
index of (agency, date, stop id) exists (see docs/find-a-stop.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar
from zoneinfo import ZoneInfo

from django.core.cache import cache
from django.db import OperationalError, connections, models, router, transaction
from django.db.models import F, Max, Q
from psycopg2.extensions import TRANSACTION_STATUS_IDLE

from tsdata.data_version import data_version_get
from tsdata.states import state_config
from tsdata.stopsearch.config import PAGE_SIZE, StopSearchConfig

COUNT_CAP = 10_000  # exact counts beyond this cost too much on the largest agency (see docs)
COUNT_CACHE_SECONDS = 60 * 60
# A rare person attribute on the largest agency without dates can make PostgreSQL scan all
# of its stops to find (or count) a few rows: such reads are cut off instead of tying up a
# connection, and the page says so.
COUNT_TIMEOUT_MS = 500
READ_TIMEOUT_MS = 10_000
QUERY_CANCELED = "57014"
Cursor = tuple  # the keyset values of one row: (date, stop_id[, person_id])
T = TypeVar("T")


class SearchTooSlow(Exception):
    """A read of the search was cut off by its statement timeout."""


@dataclass(frozen=True)
class SearchCount:
    value: int
    capped: bool  # more rows than ``value`` exist
    timed_out: bool = False  # not counted: counting took longer than COUNT_TIMEOUT_MS


@dataclass(frozen=True)
class SearchPage:
    rows: list[dict]
    newer: Cursor | None  # cursor for the "Newer" link (rows before this page)
    older: Cursor | None  # cursor for the "Older" link (rows after this page)


def stop_search_q(config: StopSearchConfig, cleaned: Mapping[str, object]) -> Q:
    """The restriction of the rows for a valid form's cleaned data.

    Dates are whole local days of the state: from the start date's midnight to the midnight
    that ends the end date (excluded), so the end date counts entirely and nothing after it.
    """
    tz = ZoneInfo(state_config(config.state).tz_name)
    q = Q(**config.always)
    person = False
    for name, spec in config.filters.items():
        value = cleaned.get(name)
        if value is None or value == "" or value == []:
            continue
        if spec.lookup == "date_from":
            q &= Q(**{f"{spec.path}__gte": _local_midnight(value, tz)})
        elif spec.lookup == "date_until":
            q &= Q(**{f"{spec.path}__lt": _local_midnight(value + dt.timedelta(days=1), tz)})
        elif spec.lookup == "in":
            q &= Q(**{f"{spec.path}__in": list(value)})
        else:
            q &= Q(**{spec.path: value})
        person = person or spec.person
    if person:
        q &= Q(**config.person_restriction)
    return q


def _local_midnight(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


def with_timeout(config: StopSearchConfig, milliseconds: int, read: Callable[[], T]) -> T:
    """``read()`` under a statement timeout local to its own transaction (the setting never
    outlives it on a shared connection); ``SearchTooSlow`` when PostgreSQL cancels it."""
    alias = router.db_for_read(config.row_model)
    try:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                # No parallel workers: a cancelled parallel read can leave the connection in
                # a failed transaction after the rollback (seen under gunicorn), and one
                # page's read gains nothing from them.
                cursor.execute("SELECT set_config('statement_timeout', %s, true), "
                               "set_config('max_parallel_workers_per_gather', '0', true)",
                               [str(milliseconds)])
            return read()
    except OperationalError as error:
        if getattr(error.__cause__, "pgcode", None) == QUERY_CANCELED:
            _connection_settle(alias)
            raise SearchTooSlow from error
        raise


def _connection_settle(alias: str) -> None:
    """End a failed transaction the cancellation may have left behind, so the next request
    on this persistent connection starts clean (Django's rollback is a no-op once it has
    switched the connection back to autocommit)."""
    raw = connections[alias].connection
    # Only outside any transaction Django knows of (never inside a caller's atomic block).
    if raw is not None and raw.autocommit and \
            raw.get_transaction_status() != TRANSACTION_STATUS_IDLE:
        with raw.cursor() as cursor:
            cursor.execute("ROLLBACK")


def _rows(config: StopSearchConfig, q: Q) -> models.QuerySet:
    plain = [key for key, path in config.values.items() if key == path]
    aliased = {key: F(path) for key, path in config.values.items() if key != path}
    return config.row_model.objects.filter(q).values(*plain, **aliased)


def _order(config: StopSearchConfig, *, newest_first: bool) -> list[str]:
    sign = "-" if newest_first else ""
    return [sign + config.path_of(key) for key in config.keyset]


def _beyond(config: StopSearchConfig, cursor: Cursor, *, older: bool) -> Q:
    """Rows strictly older (or newer) than ``cursor`` in keyset order.

    The leading bound on the date alone lets the index range start at the cursor; the
    disjunction then only sorts out the rows that share its date.
    """
    paths = [config.path_of(key) for key in config.keyset]
    op = "lt" if older else "gt"
    beyond = Q()
    for position, path in enumerate(paths):
        equal = {paths[i]: cursor[i] for i in range(position)}
        beyond |= Q(**equal, **{f"{path}__{op}": cursor[position]})
    return Q(**{f"{paths[0]}__{op}e": cursor[0]}) & beyond


def _read(config: StopSearchConfig, rows: models.QuerySet) -> list[dict]:
    return with_timeout(config, READ_TIMEOUT_MS, lambda: list(rows))


def row_cursor(config: StopSearchConfig, row: Mapping[str, object]) -> Cursor:
    return tuple(row[key] for key in config.keyset)


def stop_search_page(config: StopSearchConfig, q: Q, *, after: Cursor | None = None,
                     before: Cursor | None = None, size: int = PAGE_SIZE) -> SearchPage:
    """The ``size`` rows older than ``after``, or newer than ``before``, or the newest."""
    if before is not None:
        rows = _read(config, _rows(config, q & _beyond(config, before, older=False))
                     .order_by(*_order(config, newest_first=False))[: size + 1])
        if len(rows) <= size:
            # Back at the top: show the full first page rather than a short one.
            return stop_search_page(config, q, size=size)
        rows = rows[:size][::-1]
        return SearchPage(rows=rows, newer=row_cursor(config, rows[0]),
                          older=row_cursor(config, rows[-1]))
    restricted = q if after is None else q & _beyond(config, after, older=True)
    rows = _read(config, _rows(config, restricted)
                 .order_by(*_order(config, newest_first=True))[: size + 1])
    older = row_cursor(config, rows[size - 1]) if len(rows) > size else None
    rows = rows[:size]
    newer = row_cursor(config, rows[0]) if after is not None and rows else None
    return SearchPage(rows=rows, newer=newer, older=older)


def stop_search_rows_iter(config: StopSearchConfig, q: Q, *, limit: int,
                          chunk: int = 5_000) -> Iterator[dict]:
    """Up to ``limit`` rows newest first, read in keyset chunks (bounded memory, no long
    transaction or server-side cursor held open while a slow client downloads)."""
    cursor: Cursor | None = None
    sent = 0
    while sent < limit:
        restricted = q if cursor is None else q & _beyond(config, cursor, older=True)
        take = min(chunk, limit - sent)
        rows = _read(config, _rows(config, restricted)
                     .order_by(*_order(config, newest_first=True))[:take])
        yield from rows
        sent += len(rows)
        if len(rows) < take:
            return
        cursor = row_cursor(config, rows[-1])


def stop_search_count(config: StopSearchConfig, q: Q, *, cache_key: str,
                      cap: int | None = None) -> SearchCount:
    """The number of matching rows, exact up to ``cap`` (default ``COUNT_CAP``); cached per
    state data version so that paging through a search counts once."""
    cap = COUNT_CAP if cap is None else cap
    version, _ = data_version_get(config.state)
    digest = hashlib.sha256(cache_key.encode()).hexdigest()[:32]
    key = f"stopsearch:{config.state}:{version}:{cap}:{digest}"
    found = cache.get(key)
    if found is None:
        try:
            found = with_timeout(config, COUNT_TIMEOUT_MS, lambda: _count(config, q, cap + 1))
        except SearchTooSlow:
            found = -1  # remembered too: the same search would be as slow again
        cache.set(key, found, COUNT_CACHE_SECONDS)
    if found < 0:
        return SearchCount(value=0, capped=True, timed_out=True)
    return SearchCount(value=min(found, cap), capped=found > cap)


def _count(config: StopSearchConfig, q: Q, limit: int) -> int:
    return config.row_model.objects.filter(q).values("pk")[:limit].count()


def agency_last_reported(config: StopSearchConfig, agency: models.Model) -> dt.datetime | None:
    """When the agency last reported a stop: the import records it; otherwise (data loaded
    by other means) the latest stop date, one probe of the (agency, date) index."""
    if agency.last_reported_stop is not None:
        return agency.last_reported_stop
    stop_model = agency._meta.get_field("stops").related_model
    return stop_model.objects.filter(agency=agency).aggregate(last=Max("date"))["last"]


def agency_names(config: StopSearchConfig) -> list[str]:
    """Every agency name of the state, sorted, each once (the agency field's suggestions)."""
    return list(config.agency_model.objects.order_by("name")
                .values_list("name", flat=True).distinct())

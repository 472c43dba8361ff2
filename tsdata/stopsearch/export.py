"""The CSV download of a search: every matching row, streamed while it is read."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.http import StreamingHttpResponse
from django.utils.text import slugify

from tsdata.states import state_config
from tsdata.stopsearch.config import SearchColumn, StopSearchConfig
from tsdata.stopsearch.selectors import SearchTooSlow, stop_search_rows_iter

CSV_ROW_LIMIT = 1_000_000
# Spreadsheets run a cell starting with one of these as a formula; raw text fields (agency
# names, locations) come from the states' files, so such cells get a leading quote.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose ``write`` returns the line, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _cell(column: SearchColumn, value: object, tz: ZoneInfo) -> object:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).isoformat()
    if column.choices is not None:
        return column.choices.get(value, value)
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def stop_search_csv_lines(config: StopSearchConfig, q: Q, *, agency_name: str,
                          limit: int = CSV_ROW_LIMIT) -> Iterator[str]:
    """Header, up to ``limit`` rows, and a closing note when more rows matched."""
    tz = ZoneInfo(state_config(config.state).tz_name)
    writer = csv.writer(_Echo())
    yield writer.writerow([column.label for column in config.csv_columns])
    rows = stop_search_rows_iter(config, q, limit=limit + 1)
    try:
        for count, row in enumerate(rows, start=1):
            if count > limit:
                yield writer.writerow([f"# Only the newest {limit:,} rows are included; "
                                       "narrow the search (dates or officer) for the rest."])
                return
            values = {**row, "agency": agency_name}
            yield writer.writerow([_cell(column, values.get(column.key), tz)
                                   for column in config.csv_columns])
    except SearchTooSlow:
        # The status line is long gone: the file itself says it is incomplete.
        yield writer.writerow(["# Incomplete: reading further rows took too long; narrow "
                               "the search (dates or officer) and download again."])


def stop_search_csv_response(config: StopSearchConfig, q: Q, *,
                             agency_name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        stop_search_csv_lines(config, q, agency_name=agency_name),
        content_type="text/csv; charset=utf-8",
    )
    filename = f"{config.state}-stops-{slugify(agency_name) or 'agency'}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

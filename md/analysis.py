"""Dataset facts and value frequencies of an MSP workbook (``analyze_md``, docs/data-formats.md).

Counts are gathered while streaming (one pass, memory bounded by the number of distinct
values) and printed in the layout of the original report (pandas' Series printing), so a
new extract can be compared line by line with the published 2013-2017 report.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from md import normalize

REPORT_COLUMNS = (
    "DURATION", "STOP_REASON", "SEARCH_CONDUCTED", "SEARCH_REASON", "WHATSEARCHED", "SEIZED",
    "STOPOUTCOME", "CRIME_CHARGED", "REGISTRATION_STATE", "GENDER", "RESIDENCE_STATE",
    "MD_COUNTY", "ETHNICITY", "AGENCY",
)
# Report column -> normalised field replacing the raw value (the others stay raw).
NORMALISED = {"STOP_REASON": "stop_reason", "SEIZED": "seized", "GENDER": "gender",
              "ETHNICITY": "ethnicity", "AGENCY": "agency_description"}
RULE = "-" * 50


class WorkbookStatistics:
    """Running counts over the rows that survive normalisation."""

    def __init__(self) -> None:
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.stops = 0
        self.searches = 0
        self.overall: dict[str, Counter] = {column: Counter() for column in REPORT_COLUMNS}
        self.by_year: dict[str, Counter] = {column: Counter() for column in REPORT_COLUMNS}

    def add(self, raw: dict[str, str], row: dict) -> None:
        when = row["date"]
        if self.first is None:
            self.first = when
        self.last = when
        self.stops += 1
        self.searches += raw["SEARCH_CONDUCTED"] == "Y"
        for column in REPORT_COLUMNS:
            value = row[NORMALISED[column]] if column in NORMALISED else raw[column]
            self.overall[column][value] += 1
            self.by_year[column][(when.year, value)] += 1

    def lines(self) -> list[str]:
        agencies = self.overall["AGENCY"]
        stamp = "%Y-%m-%d %H:%M:%S"
        first = self.first.strftime(stamp) if self.first else ""
        last = self.last.strftime(stamp) if self.last else ""
        out = [
            "", "Dataset facts", f"  Time frame: {first} - {last}", f"  Stops: {self.stops:,}",
            f"  Searches: {self.searches:,}", f"  Agencies: {len(agencies):,}", "",
            "Top five agencies:",
        ]
        out.extend(f"  {name:<30} {count:,}" for name, count in agencies.most_common(5))
        out.append("")
        for index, column in enumerate(REPORT_COLUMNS):
            if index:
                out.append(RULE)
            out.extend([f"Column {column}:", "", f"{column} over entire dataset:"])
            out.extend(series_lines(self.overall[column].most_common()))
            out.extend([f"Name: {column}, dtype: int64", "", f"{column} by year:"])
            out.extend(grouped_series_lines(column, sorted(self.by_year[column].items())))
            out.extend([f"Name: {column}, dtype: int64", ""])
        out.append(RULE)
        return out


def series_lines(items: Iterable[tuple[str, int]]) -> list[str]:
    """A value-count series as pandas prints it: index left-aligned, counts right-aligned."""
    items = list(items)
    if not items:
        return ["Series([], )"]
    key_width = max(len(key) for key, _ in items)
    count_width = max(len(str(count)) for _, count in items)
    return [f"{key:<{key_width}}    {count:>{count_width}}" for key, count in items]


def grouped_series_lines(name: str, items: list[tuple[tuple[int, str], int]]) -> list[str]:
    """Counts grouped by (year, value) as pandas prints a two-level index (year sparsified)."""
    if not items:
        return ["Series([], )"]
    year_width = max(len("date"), *(len(str(year)) for (year, _), _ in items))
    value_width = max(len(name), *(len(value) for (_, value), _ in items))
    count_width = max(len(str(count)) for _, count in items)
    out = [f"{'date':<{year_width}}  {name:<{value_width}}"]
    previous = None
    for (year, value), count in items:
        label = str(year) if year != previous else ""
        previous = year
        out.append(f"{label:<{year_width}}  {value:<{value_width}}    {count:>{count_width}}")
    return out


def workbook_statistics(
    raw_rows: Iterable[dict[str, str]], agency_names: dict[str, str]
) -> WorkbookStatistics:
    """Normalise every raw row as the import does and count the surviving ones."""
    statistics = WorkbookStatistics()
    for raw in raw_rows:
        row, reason = normalize.row_normalize(raw, agency_names)
        if reason is None:
            statistics.add(raw, row)
    return statistics

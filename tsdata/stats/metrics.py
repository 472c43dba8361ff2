"""The derived measures of the dashboards, computed from API arrays (one definition each).

Every function takes the JSON arrays the statistics API returns (rows of group keys plus one
count per category key) so that a page, a CSV export and a test reading the API compute the
same number the same way. ``year=None`` means all years added up. What each measure means is
written out in docs/api.md ("Derived measures").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

Row = dict[str, Any]
GROUP_KEYS = ("year", "purpose", "search_type")


def ratio(part: int | float, whole: int | float) -> float | None:
    """``part / whole``, or None when the whole is zero (undefined, never shown as 0)."""
    return part / whole if whole else None


def row_categories(rows: Iterable[Row]) -> list[str]:
    """Category keys present in the rows (the API adds unknown codes as extra keys)."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            if key not in GROUP_KEYS:
                seen.setdefault(key, None)
    return list(seen)


def years_of(rows: Iterable[Row], *, start_year: int | None = None) -> list[int]:
    """Distinct years of the rows from ``start_year`` on, ascending."""
    return sorted({row["year"] for row in rows if start_year is None or row["year"] >= start_year})


class CategoryCounts:
    """An API array's counts per category, summed once per (year, group), so that a chart
    can ask for many slices (a year, all years, one purpose) without re-reading the array."""

    def __init__(self, rows: Iterable[Row], categories: Sequence[str],
                 group_key: str | None = None) -> None:
        self.categories = list(categories)
        self._cells: dict[tuple[int, Any], list[int]] = {}
        for row in rows:
            key = (row["year"], row[group_key] if group_key else None)
            cell = self._cells.get(key)
            if cell is None:
                cell = self._cells[key] = [0] * len(self.categories)
            for index, category in enumerate(self.categories):
                cell[index] += row.get(category, 0)

    def counts(self, *, year: int | None = None, start_year: int | None = None,
               group: Any = None) -> dict[str, int]:
        """Counts per category of ``year`` (all years from ``start_year`` when None), of one
        ``group`` (all groups when None)."""
        totals = [0] * len(self.categories)
        for (row_year, row_group), cell in self._cells.items():
            if year is not None and row_year != year:
                continue
            if year is None and start_year is not None and row_year < start_year:
                continue
            if group is not None and row_group != group:
                continue
            for index, count in enumerate(cell):
                totals[index] += count
        return dict(zip(self.categories, totals, strict=True))


def shares(counts: dict[str, int]) -> dict[str, float | None]:
    """Each category's share of the counts' total (None when the total is zero)."""
    total = sum(counts.values())
    return {category: ratio(count, total) for category, count in counts.items()}


def search_rates(
    stops: dict[str, int], searches: dict[str, int]
) -> dict[str, float | None]:
    """Searches per stop for each category and for ``total`` (all categories together)."""
    rates = {category: ratio(searches.get(category, 0), stops[category]) for category in stops}
    rates["total"] = ratio(sum(searches.values()), sum(stops.values()))
    return rates


def likelihood_vs_base(
    stops: dict[str, int], searches: dict[str, int], *, base: str
) -> dict[str, float | None]:
    """How much more (or less) likely each category is to be searched than ``base``:
    (rate − base rate) / base rate. None when either rate is undefined or the base rate is
    zero, or when the category itself was never searched (no evidence either way)."""
    base_rate = ratio(searches.get(base, 0), stops.get(base, 0))
    result: dict[str, float | None] = {}
    for category in stops:
        if category == base:
            continue
        rate = ratio(searches.get(category, 0), stops[category])
        if rate is None or not base_rate or rate == 0:
            result[category] = None
        else:
            result[category] = (rate - base_rate) / base_rate
    return result


def hit_rates(searches: dict[str, int], contraband: dict[str, int]) -> dict[str, float | None]:
    """Contraband finds per search for each category: 0 when searched and nothing found,
    None when never searched."""
    return {
        category: ratio(contraband.get(category, 0), count)
        for category, count in searches.items()
    }


# What each derived measure means, in the words the about page shows next to the API's own
# endpoint descriptions (``ENDPOINTS``); the functions above compute exactly this.
DERIVED_MEASURES: tuple[tuple[str, str], ...] = (
    ("Share of stops (or searches)",
     "A group's stops (or searches) divided by the stops (or searches) of all groups in the "
     "same year, or over all years shown."),
    ("Search rate",
     "Searches divided by stops, for each group and for all drivers together (the Total "
     "line). Undefined, and shown as a dash, when the group had no stops."),
    ("Likelihood of search by stop cause",
     "For one stop purpose: (the group's search rate − the comparison group's search rate) "
     "÷ the comparison group's search rate. +100% means twice as likely to be searched. "
     "Undefined when either group had no stops, the comparison group was never searched, or "
     "the group itself was never searched."),
    ("Contraband hit rate",
     "Searches that found contraband divided by searches. 0% when a group was searched and "
     "nothing was found; undefined when the group was never searched."),
    ("Population share",
     "A census group divided by the sum of the groups shown together (race groups, and "
     "Hispanic / non-Hispanic, separately where the state's data distinguish them)."),
)

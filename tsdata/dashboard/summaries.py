"""One plain-language sentence per chart, computed from the chart's own numbers.

The sentences name the state's focus and base groups (e.g. Black and White drivers) so that a
reader gets the chart's main comparison without reading it; when the numbers do not allow a
statement (nothing counted, an undefined rate) the sentence says so instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tsdata.dashboard.charts import Scope


def _plain(label: str) -> str:
    """A category label without its footnote marker ("White*" → "White")."""
    return label.rstrip("*")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def share_summary(scope: Scope, counts: dict[str, int], shares: dict[str, float | None],
                  categories: list[tuple[str, str]], *, noun: str) -> str:
    total = sum(counts.values())
    if not total:
        return f"{scope.when}, no {noun} were reported."
    ranked = sorted(categories, key=lambda item: counts[item[0]], reverse=True)[:2]
    parts = [f"{_percent(shares[key])} were of {_plain(label)} {scope.config.noun}"
             for key, label in ranked if counts[key]]
    return f"{scope.when}, of {total:,} {noun}, " + " and ".join(parts) + "."


def over_time_summary(years: list[int], table: list[list[Any]], *, noun: str) -> str:
    if not table:
        return f"No {noun} were reported."
    totals = [(sum(row[1:]), row[0]) for row in table]
    high, low = max(totals), min(totals)
    if len(totals) == 1:
        return f"{high[0]:,} {noun} were reported in {high[1]}."
    return (f"From {years[0]} to {years[-1]}, {noun} were most numerous in {high[1]} "
            f"({high[0]:,}) and least in {low[1]} ({low[0]:,}).")


def reason_summary(scope: Scope, table: list[list[Any]], *, noun: str, group_label: str) -> str:
    if not table:
        return f"{scope.when}, no {noun} were reported."
    total = sum(row[-1] for row in table)
    top = max(table, key=lambda row: row[-1])
    return (f"{scope.when}, the most common {group_label.lower()} was {top[0]} "
            f"({top[-1]:,} of {total:,} {noun}, {top[-1] / total * 100:.1f}%).")


def rate_summary(scope: Scope, rates: dict[str, float | None]) -> str:
    config = scope.config
    labels = config.labels
    focus, base = config.focus_category, config.base_category
    focus_label, base_label = _plain(labels[focus]), _plain(labels[base])
    focus_rate, base_rate = rates.get(focus), rates.get(base)
    if focus_rate is None or not base_rate:
        return (f"{scope.when}, the search rates of {focus_label} and {base_label} "
                f"{config.noun} cannot be compared (no stops or no searches of one group).")
    times = focus_rate / base_rate
    return (f"{scope.when}, {focus_label} {config.noun} were searched at {times:.1f} times "
            f"the rate of {base_label} {config.noun} ({_percent(focus_rate)} against "
            f"{_percent(base_rate)} of stops).")


def likelihood_summary(scope: Scope, table: list[list[Any]],
                       compared: list[tuple[str, str]], base_label: str) -> str:
    config = scope.config
    keys = [key for key, _ in compared]
    if config.focus_category not in keys or not table:
        return f"{scope.when}, no stop purpose has searches to compare."
    column = 1 + keys.index(config.focus_category)
    defined = [row for row in table if row[column] is not None]
    if not defined:
        return (f"{scope.when}, no stop purpose allows comparing "
                f"{_plain(config.labels[config.focus_category])} and {_plain(base_label)} "
                f"{config.noun}.")
    row = max(defined, key=lambda item: abs(item[column]))
    value = row[column]
    direction = "more" if value >= 0 else "less"
    return (f"{scope.when}, the largest difference is for {row[0]} stops: "
            f"{_plain(config.labels[config.focus_category])} {config.noun} were "
            f"{abs(value):.0f}% {direction} likely to be searched than "
            f"{_plain(base_label)} {config.noun}.")


def hit_rate_summary(scope: Scope, rates: dict[str, float | None],
                     categories: list[tuple[str, str]]) -> str:
    config = scope.config
    parts = [f"{_percent(rates[key])} of searches of {_plain(label)} {config.noun}"
             for key, label in categories
             if key in (config.base_category, config.focus_category) and rates[key] is not None]
    if not parts:
        return f"{scope.when}, there were no searches to compare."
    return f"{scope.when}, contraband was found in " + " and in ".join(parts) + "."

"""Planner settings of the summary fill: the build's, a part's, a table's own, and a
context manager that applies them to a session and restores them.

Kept apart from ``summaries`` because they are tuning, not the build's logic: each setting
says why in a line, measurements are in docs/benchmarks.md.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping

from psycopg2 import errors

from tsdata.stats.registry import stats_config

# Settings of the build transaction. The import runs the build beside its index builds
# and FK checks, so the two cores are busy anyway: a serial plan that merge-joins stops
# and drivers along their stop_id indexes uses the least CPU and memory; a parallel hash
# join spills to disk at large sizes (docs/benchmarks.md, "Measurements behind code
# choices").
BUILD_SETTINGS = {
    "work_mem": "32MB",
    "hash_mem_multiplier": "1",
    "max_parallel_workers_per_gather": "0",
    "enable_hashjoin": "off",
    "jit": "off",  # compiling costs seconds per statement here and saves less
}

# A part is unordered: hash aggregation (spilling to disk beyond ``work_mem``) is then
# cheaper than sorting every joined row, but the planner, estimating one group per row,
# would sort; only the merge of the parts sorts (far fewer rows).
PART_SETTINGS = {"enable_sort": "off", "enable_nestloop": "off"}
STREAMED_PART_SETTINGS = {"enable_material": "off", "enable_memoize": "off"}


def fill_settings(state: str, table: str,
                   base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Planner settings for filling ``table``: ``base`` under the state's own for that
    table (``StateStats.fill_settings``)."""
    return {**(base or {}), **stats_config(state).fill_settings.get(table, {})}


@contextlib.contextmanager
def settings_applied(cursor, settings: dict[str, str]) -> Iterator[None]:
    """Session settings for the block, restored afterwards (the import's connections are in
    autocommit mode, where ``SET LOCAL`` would only last one statement)."""
    previous = {}
    for name, value in settings.items():
        cursor.execute("SELECT current_setting(%s), set_config(%s, %s, false)",
                       [name, name, value])
        previous[name] = cursor.fetchone()[0]
    try:
        yield
    finally:
        # In a failed transaction the settings are rolled back with it.
        with contextlib.suppress(errors.InFailedSqlTransaction):
            for name, value in previous.items():
                cursor.execute("SELECT set_config(%s, %s, false)", [name, value])



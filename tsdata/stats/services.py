"""Writes of the statistics API: rebuilding the live summary tables."""

from __future__ import annotations

from django.db import connections, transaction
from psycopg2 import sql

from tsdata.data_version import data_version_bump
from tsdata.states import state_config
from tsdata.stats.summaries import summary_fill, summary_table_names


def summary_rebuild(state: str, *, publish: bool = False) -> dict[str, int]:
    """Recompute ``state``'s live summary tables from its live raw tables, atomically.

    Readers keep seeing the old summaries until the transaction commits (DELETE, not
    TRUNCATE). Returns the row count of each summary table. With ``publish`` the state's
    data version is bumped afterwards so that cached API answers are replaced (operators);
    tests and the import (which bumps after its swap) leave it alone.
    """
    alias = state_config(state).db_alias
    tables = summary_table_names(state)
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema = cursor.fetchone()[0]
        for table in tables:
            cursor.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(table)))
        summary_fill(cursor.cursor, state=state, source_schema=schema, target_schema=schema)
        counts = {}
        for table in tables:
            cursor.execute(sql.SQL("SELECT COUNT(*) FROM {}").format(sql.Identifier(table)))
            counts[table] = cursor.fetchone()[0]
    if publish:
        data_version_bump(state)
    return counts

"""After a successful swap (all states): agency last stop dates, facts, data version."""

from __future__ import annotations

import logging

from django.db import connections
from psycopg2 import sql

from tsdata.data_version import data_version_bump
from tsdata.dataset_facts import FACTS_CONFIG, dataset_facts_compute
from tsdata.states import state_config

logger = logging.getLogger(__name__)

# Per state: the start text shown for a full import (NC: few agencies reported before 2002).
FACTS_START_OVERRIDE = {"nc": "Jan 01, 2002"}


def agency_last_reported_update(state: str) -> int:
    """Store each agency's latest stop (NULL when it has none); returns agencies updated."""
    date_field = FACTS_CONFIG[state].date_field
    if date_field is None:
        return 0
    statement = sql.SQL(
        """
        UPDATE {agency} a
           SET last_reported_stop = s.last_stop
          FROM (SELECT a2.id, m.last_stop
                  FROM {agency} a2
                  LEFT JOIN (SELECT agency_id, max({date}) AS last_stop
                               FROM {stop} GROUP BY agency_id) m ON m.agency_id = a2.id) s
         WHERE a.id = s.id AND a.last_reported_stop IS DISTINCT FROM s.last_stop
        """
    ).format(
        agency=sql.Identifier(f"{state}_agency"),
        stop=sql.Identifier(f"{state}_stop"),
        date=sql.Identifier(date_field),
    )
    with connections[state_config(state).db_alias].cursor() as cursor:
        cursor.execute(statement.as_string(cursor.connection))
        return cursor.rowcount


def state_data_finalize(state: str, *, full_dataset: bool = True) -> list[str]:
    """Run after every successful import of ``state``; returns log lines (the facts).

    ``full_dataset=False`` (a developer subset) shows the real first stop date.
    """
    updated = agency_last_reported_update(state)
    override = FACTS_START_OVERRIDE.get(state) if full_dataset else None
    lines = dataset_facts_compute(state, override_start_date=override)
    version = data_version_bump(state)
    for line in lines:
        logger.info("%s facts: %s", state.upper(), line)
    return [f"last reported stop updated for {updated} agencies", f"data version {version}"]

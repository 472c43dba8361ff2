"""The import-history migration keeps the Imports recorded before it, both ways."""

from __future__ import annotations

import pytest
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tsdata", "0003_data_version")]
AFTER = [("tsdata", "0004_import_history")]


def migrate(targets=None) -> None:
    executor = MigrationExecutor(connections["default"])
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes("tsdata"))


def _rows(sql: str) -> list[tuple]:
    with connections["default"].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchall()


@pytest.mark.django_db(databases="__all__", transaction=True)
def test_earlier_imports_get_statuses_and_survive_the_reversal() -> None:
    migrate(BEFORE)
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute(
                "INSERT INTO tsdata_dataset (id, state, name, date_added, date_received, url, "
                "destination, report_email_1, report_email_2) VALUES (7, 'nc', 'Automated NC "
                "import', now(), '2019-01-01', 'ftp://nc.us/', '', '', '')"
            )
            cursor.execute(
                "INSERT INTO tsdata_import (id, dataset_id, date_started, date_finished, "
                "successful, report, error) VALUES "
                "(1, 7, '2019-01-07 03:00+00', '2019-01-07 04:00+00', true, '{}', ''), "
                "(2, 7, '2019-01-14 03:00+00', '2019-01-14 03:10+00', false, '{}', 'FTP down'), "
                "(3, 7, '2019-01-21 03:00+00', NULL, false, '{}', '')"
            )
        migrate(AFTER)
        rows = _rows("SELECT id, state, source, status, successful, trigger, "
                     "date_queued = date_started, error FROM tsdata_import ORDER BY id")
        assert rows == [
            (1, "nc", "ftp://nc.us/", "succeeded", True, "task", True, ""),
            (2, "nc", "ftp://nc.us/", "failed", False, "task", True, "FTP down"),
            (3, "nc", "ftp://nc.us/", "failed", False, "task", True,
             "No record of how this import ended (recorded before statuses)."),
        ]
        migrate(BEFORE)
        assert _rows("SELECT id, successful, date_started IS NOT NULL FROM tsdata_import "
                     "ORDER BY id") == [(1, True, True), (2, False, True), (3, False, True)]
    finally:
        migrate()
        with connections["default"].cursor() as cursor:
            cursor.execute("TRUNCATE tsdata_import, tsdata_dataset CASCADE")

"""Statements that need an exclusive lock on a live table, run without stalling readers.

The swap, and dropping a staged or old table with an FK to a live table (which removes
triggers on the live table), each need an exclusive lock that readers would queue behind.
Such a statement waits only briefly for its lock and is retried, so no reader waits long.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from psycopg2 import errors, sql

from tsdata.imports.staging.catalog import alter, quote

SWAP_LOCK_TIMEOUT_MS = 500
SWAP_ATTEMPTS = 40


def politely(conn, statement: str) -> None:
    """Run ``statement`` in its own transaction, giving up on a lock after 0.5 s and
    retrying, so that live readers never queue behind it for long."""
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        conn.autocommit = False
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'")
                cursor.execute(statement)
            conn.commit()
            return
        except (errors.LockNotAvailable, errors.DeadlockDetected):
            conn.rollback()
            if attempt == SWAP_ATTEMPTS:
                raise
            time.sleep(min(0.2 * attempt, 2.0))
        except Exception:
            conn.rollback()
            raise
        finally:
            conn.autocommit = True


def schema_drop_politely(conn, schema: str) -> None:
    """Drop an import schema without stalling readers of live tables.

    Dropping a table with a foreign key to a live table (old ``nc_stop`` → ``nc_agency``)
    removes triggers on the live table, which needs an exclusive lock on it: those
    constraints are dropped first, each with a short lock timeout; the schema drop then
    only locks tables nobody reads any more.
    """
    external_foreign_keys_drop_politely(conn, schema)
    politely(
        conn,
        sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)).as_string(
            conn
        ),
    )


def schemas_drop(conn, schemas: Iterable[str]) -> None:
    for schema in schemas:
        schema_drop_politely(conn, schema)


def external_foreign_keys_drop_politely(conn, schema: str) -> None:
    """Drop the FKs from tables of ``schema`` to tables outside it, each in a short
    transaction that gives up on a lock after a moment and retries."""
    with conn.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, k.conname
              FROM pg_constraint k
              JOIN pg_class c ON c.oid = k.conrelid
              JOIN pg_namespace n ON n.oid = c.relnamespace
              JOIN pg_class r ON r.oid = k.confrelid
              JOIN pg_namespace rn ON rn.oid = r.relnamespace
             WHERE k.contype = 'f' AND n.nspname = %s AND rn.nspname <> %s
            """,
            [schema, schema],
        )
        external = cursor.fetchall()
    for table, constraint in external:
        politely(conn, alter(schema, table) + f"DROP CONSTRAINT IF EXISTS {quote(constraint)}")

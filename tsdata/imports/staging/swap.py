"""The swap: the staged tables replace the live ones in one short transaction.

The live tables move to the schema ``import_old`` and the staged ones to ``public`` under
``SET LOCAL lock_timeout``: when a long-running reader holds a lock, the swap gives up
quickly (so it never queues readers behind it for long) and is retried. Foreign keys to
tables that are not swapped and were not checked in staging are added ``NOT VALID`` inside
the swap and validated after it (validation does not block readers).
"""

from __future__ import annotations

import logging
import time

from psycopg2 import errors, sql

from tsdata.imports.staging.catalog import (
    LIVE_SCHEMA,
    OLD_SCHEMA,
    STAGING_SCHEMA,
    alter,
    quote,
    table_exists,
)
from tsdata.imports.staging.errors import ImportValidationError
from tsdata.imports.staging.foreign_keys import ForeignKey
from tsdata.imports.staging.polite import SWAP_ATTEMPTS, SWAP_LOCK_TIMEOUT_MS

logger = logging.getLogger(__name__)


def tables_swap(conn, swapped: list[str], swap_statements: list[tuple[str, list]],
                deferred_fks: list[ForeignKey]) -> int:
    """Move ``swapped`` from staging to live (the live ones to ``import_old``), run the
    ``swap_statements`` and add the ``deferred_fks`` NOT VALID, in one transaction;
    retried when readers hold locks longer than the timeout. Returns the attempts."""
    conn.autocommit = False
    attempt = 0
    while True:
        attempt += 1
        try:
            with conn.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{SWAP_LOCK_TIMEOUT_MS}ms'")
                cursor.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(
                        sql.Identifier(OLD_SCHEMA)
                    )
                )
                # Lock every live table first (in one statement) so the moves are quick.
                live = [t for t in swapped if table_exists(cursor, LIVE_SCHEMA, t)]
                if live:
                    cursor.execute(
                        sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(
                            sql.SQL(", ").join(
                                sql.Identifier(LIVE_SCHEMA, t) for t in live
                            )
                        )
                    )
                for statement, params in swap_statements:
                    cursor.execute(statement.replace("{staging}", STAGING_SCHEMA), params)
                for table in live:
                    cursor.execute(
                        sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                            sql.Identifier(LIVE_SCHEMA), sql.Identifier(table),
                            sql.Identifier(OLD_SCHEMA),
                        )
                    )
                for table in swapped:
                    cursor.execute(
                        sql.SQL("ALTER TABLE {}.{} SET SCHEMA {}").format(
                            sql.Identifier(STAGING_SCHEMA), sql.Identifier(table),
                            sql.Identifier(LIVE_SCHEMA),
                        )
                    )
                for table, name, condef in deferred_fks:
                    cursor.execute(alter(LIVE_SCHEMA, table)
                                   + f"ADD CONSTRAINT {quote(name)} {condef} NOT VALID")
            conn.commit()
            break
        except (errors.LockNotAvailable, errors.DeadlockDetected) as exc:
            conn.rollback()
            if attempt >= SWAP_ATTEMPTS:
                raise ImportValidationError(
                    f"Could not swap tables after {attempt} attempts: readers kept "
                    "locks for too long"
                ) from exc
            logger.info("swap attempt %d waited too long for a lock; retrying", attempt)
            time.sleep(min(0.2 * attempt, 2.0))
        except Exception:
            conn.rollback()
            raise
    conn.autocommit = True
    return attempt


def deferred_foreign_keys_validate(conn, deferred_fks: list[ForeignKey]) -> None:
    """Validate the FKs ``tables_swap`` added NOT VALID (a scan of the new tables that
    only share-locks the tables they refer to)."""
    with conn.cursor() as cursor:
        for table, name, _ in deferred_fks:
            cursor.execute(alter(LIVE_SCHEMA, table) + f"VALIDATE CONSTRAINT {quote(name)}")

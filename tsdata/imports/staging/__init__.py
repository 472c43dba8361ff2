"""Load a state's tables into a staging schema and swap them in without blocking readers.

Usage (any state)::

    from tsdata.imports.staging import staging_import

    with staging_import("md", tables=["md_stop"], report=report) as staging:
        staging.copy_rows("md_stop", ["stop_id", "date", ...], file_like)  # COPY FROM STDIN
        staging.execute("UPDATE {staging}.md_stop SET ...")                 # more SQL
        staging.on_swap("INSERT INTO public.md_agency ...", params)         # tiny live writes
    # leaving the block without an exception: keys, FKs, indexes and CHECKs are built in the
    # staging schema with the live names, the state's post-load steps run there, counts are
    # validated, and the tables are swapped in one short transaction. Any exception leaves
    # the live tables exactly as they were (the staging schema is dropped, now or at the
    # start of the next run).

Rules the machinery keeps:

* Staging tables are created ``LIKE`` the live ones (defaults, identity, CHECKs, storage)
  but without indexes, so the COPY runs at full speed; indexes and constraints are then
  built from ``pg_get_indexdef``/``pg_get_constraintdef`` of the live table, with the same
  names (names are unique per schema, so that is allowed), and therefore the swapped-in
  table is indistinguishable from one created by the migrations.
* Foreign keys between swapped tables are built and validated in staging. Foreign keys
  to tables that are *not* swapped (e.g. ``nc_stop.agency_id`` → ``nc_agency``) are added
  ``NOT VALID`` inside the swap transaction and validated right after it (validation does
  not block readers). Tables that are not swapped are never altered.
* The swap moves the live tables to the schema ``import_old`` and the staging tables to
  ``public`` in one transaction with ``SET LOCAL lock_timeout``; when a long-running
  reader holds a lock, the swap gives up quickly (so it never queues readers behind it for
  long) and is retried.
* One import per state at a time: a session-level advisory lock on the state database.

The modules:

* ``context``: ``staging_import``, the ``with`` block above, and the finalization after it.
* ``stage``: ``StagingImport``, the object the block yields; it opens and closes the
  import, and ``build``/``finish`` put the parts below together in the order the swap
  relies on.
* ``connections``: connections to the state database with the import's session settings,
  the advisory-lock key, and the SQL, COPY and extra connections a loader works through.
* ``copyio``: the ``COPY ... FROM STDIN`` statement and ``BytesIterReader``, which streams
  a generator of bytes into it.
* ``catalog``: the schema names, the live tables' definitions read from the catalog and
  rewritten for staging, and quoting helpers.
* ``keys``: keys, indexes, ``VACUUM`` and ``ANALYZE`` of staged tables.
* ``foreign_keys``: ``ForeignKeyChecks``, the queues of FK checks that the connections
  take from, their settlement after a violation, and how PostgreSQL's check is steered.
* ``reads``: ``FinalReads``, the reads of the finished staged tables and the row counts.
* ``swap``: the swap transaction and the validation of the FKs it adds.
* ``polite``: statements that need exclusive locks on live tables (schema and FK drops),
  retried with a short lock timeout so readers never wait long.
* ``errors``: the failures whose message is meant for the operator.
"""

from tsdata.imports.staging.catalog import LIVE_SCHEMA, OLD_SCHEMA, STAGING_SCHEMA, table_exists
from tsdata.imports.staging.connections import SESSION_SETTINGS, state_connection
from tsdata.imports.staging.context import STOPS_BY_AGENCY_READ, staging_import
from tsdata.imports.staging.copyio import BytesIterReader
from tsdata.imports.staging.errors import ImportBusyError, ImportError_, ImportValidationError
from tsdata.imports.staging.polite import (
    SWAP_ATTEMPTS,
    SWAP_LOCK_TIMEOUT_MS,
    external_foreign_keys_drop_politely,
    schema_drop_politely,
)
from tsdata.imports.staging.stage import StagingImport

__all__ = [
    "LIVE_SCHEMA",
    "OLD_SCHEMA",
    "SESSION_SETTINGS",
    "STAGING_SCHEMA",
    "STOPS_BY_AGENCY_READ",
    "SWAP_ATTEMPTS",
    "SWAP_LOCK_TIMEOUT_MS",
    "BytesIterReader",
    "ImportBusyError",
    "ImportError_",
    "ImportValidationError",
    "StagingImport",
    "external_foreign_keys_drop_politely",
    "schema_drop_politely",
    "staging_import",
    "state_connection",
    "table_exists",
]

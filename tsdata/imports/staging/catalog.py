"""The schemas an import uses, and what it reads from the catalog about the live tables.

Staged tables get the live tables' keys, indexes and constraints under the same names, so
the swapped-in table is indistinguishable from one created by the migrations: the
definitions are read from the catalog (``table_definition``) and rewritten to point into
the staging schema (``staged_index``, ``staged_reference``). The SQL helpers quote names
the way PostgreSQL prints them, so the rewritten definitions match what it printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tsdata.imports.staging.errors import ImportValidationError

STAGING_SCHEMA = "import_staging"
OLD_SCHEMA = "import_old"
LIVE_SCHEMA = "public"


@dataclass
class TableDefinition:
    name: str
    constraints: list[tuple[str, str, str, str | None]] = field(default_factory=list)
    # (name, type p/u/f/c/x, definition, referenced table or None)
    indexes: list[tuple[str, str]] = field(default_factory=list)  # (name, CREATE INDEX ...)


def table_definition(cursor, table: str) -> TableDefinition:
    """Read the live table's constraints and indexes (fully qualified definitions)."""
    cursor.execute("SELECT set_config('search_path', '', false)")
    try:
        cursor.execute(
            """
            SELECT c.conname, c.contype, pg_get_constraintdef(c.oid), ref.relname
              FROM pg_constraint c
              LEFT JOIN pg_class ref ON ref.oid = c.confrelid
             WHERE c.conrelid = %s::regclass
             ORDER BY c.contype = 'f', c.conname
            """,
            [f"{LIVE_SCHEMA}.{table}"],
        )
        definition = TableDefinition(name=table, constraints=list(cursor.fetchall()))
        cursor.execute(
            """
            SELECT ic.relname, pg_get_indexdef(i.indexrelid)
              FROM pg_index i
              JOIN pg_class ic ON ic.oid = i.indexrelid
             WHERE i.indrelid = %s::regclass
               AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                                  AND c.conrelid = i.indrelid AND c.contype IN ('p','u','x'))
             ORDER BY ic.relname
            """,
            [f"{LIVE_SCHEMA}.{table}"],
        )
        definition.indexes = list(cursor.fetchall())
    finally:
        cursor.execute("SELECT set_config('search_path', 'public', false)")
    return definition


def table_exists(cursor, schema: str, table: str) -> bool:
    cursor.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", [schema, table]
    )
    return cursor.fetchone() is not None


def dependent_views(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """(view, table) for the views on live ``tables``: views bind to table OIDs and would
    keep pointing at the old tables after a swap."""
    cursor.execute(
        """
        SELECT DISTINCT v.relname, t.relname
          FROM pg_depend d
          JOIN pg_rewrite r ON r.oid = d.objid
          JOIN pg_class v ON v.oid = r.ev_class
          JOIN pg_class t ON t.oid = d.refobjid
          JOIN pg_namespace n ON n.oid = t.relnamespace
         WHERE n.nspname = %s AND t.relname = ANY(%s) AND v.oid <> t.oid
        """,
        [LIVE_SCHEMA, tables],
    )
    return cursor.fetchall()


def staged_index(indexdef: str, table: str) -> str:
    """A live ``CREATE INDEX`` definition rewritten to build the index in staging."""
    live = f" ON {LIVE_SCHEMA}.{quote(table)} "
    if live not in indexdef:
        raise ImportValidationError(f"Unexpected index definition: {indexdef}")
    return indexdef.replace(live, f" ON {STAGING_SCHEMA}.{quote(table)} ", 1)


def staged_reference(condef: str, ref: str) -> str:
    """A live FK definition rewritten to refer to the staged table ``ref``."""
    live = f"REFERENCES {LIVE_SCHEMA}.{quote(ref)}("
    if live not in condef:
        raise ImportValidationError(f"Unexpected foreign key definition: {condef}")
    return condef.replace(live, f"REFERENCES {STAGING_SCHEMA}.{quote(ref)}(", 1)


def alter(schema: str, table: str) -> str:
    """``ALTER TABLE schema.table `` (quoted), for statements that append clauses."""
    return f"ALTER TABLE {quote(schema)}.{quote(table)} "


def quote(identifier: str) -> str:
    """Quote an identifier like PostgreSQL's quote_ident (only when needed)."""
    if identifier.isidentifier() and identifier == identifier.lower() and identifier.isascii():
        return identifier
    return '"' + identifier.replace('"', '""') + '"'

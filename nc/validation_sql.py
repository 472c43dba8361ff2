"""The validation in SQL of NC's slow lines: one classifying ``SELECT`` per file.

Lines the fast path could not send straight to a typed ``COPY`` wait in a raw-lines table;
:func:`classified_select` splits and trims their fields and gives each line a reason (NULL
to load, the cut-off, the stop-id subset, or why it is rejected), and :func:`insert_sql`
and :func:`rejects_sql` turn one classification into the loaded rows and the rejects.
The rules are the ones the fast path's screen applies (``nc.fast_rules``,
docs/data-formats.md, "Conversion rules"), so both paths accept exactly the same values.
"""

from __future__ import annotations

from nc.raw_files import (
    CUTOFF_YEAR,
    DATE_SHAPES,
    DIGITS,
    FLOAT_RE,
    TRIM,
    Column,
    FileSpec,
)
from nc.state import STATE


def field_column(index: int) -> str:
    """The classified lines' column of raw field ``index`` (``c1`` for the first)."""
    return f"c{index + 1}"


def _key(index: int) -> str:
    """A raw id field as bigint, NULL when it is not a plain number."""
    c = field_column(index)
    return (f"(CASE WHEN {c} <> '' AND length({c}) <= 18 AND ltrim({c}, {DIGITS}) = '' "
            f"THEN {c}::bigint END)")


def _invalid(column: Column, c: str) -> list[tuple[str, str]]:
    """(condition, reason) pairs, checked in order, that reject a field.

    Plain string functions instead of regular expressions: they run on every field of
    tens of millions of rows.
    """
    raw = column.raw
    if column.kind == "int":
        return [(
            f"({c} = '' OR ltrim({c}, {DIGITS}) <> '' OR length({c}) > 10 OR "
            f"(length({c}) = 10 AND {c} COLLATE \"C\" > '2147483647'))",
            f"{raw} is not an integer",
        )]
    if column.kind == "small":
        return [(f"({c} = '' OR ltrim({c}, {DIGITS}) <> '' OR length({c}) > 4)",
                 f"{raw} is not a code number")]
    if column.kind == "flag":
        return [(f"{c} NOT IN ('0', '1')", f"{raw} is not 0 or 1")]
    if column.kind == "float":
        return [(f"{c} <> '' AND {c} !~ '{FLOAT_RE}'", f"{raw} is not a number")]
    if column.kind == "date":
        reason = f"{raw} is not a valid date (YYYY-MM-DD HH:MM:SS)"
        shapes = ", ".join(f"'{shape}'" for shape in DATE_SHAPES)
        month, day = f"substr({c}, 6, 2) COLLATE \"C\"", f"substr({c}, 9, 2) COLLATE \"C\""
        hour, minute = f"substr({c}, 12, 2) COLLATE \"C\"", f"substr({c}, 15, 2) COLLATE \"C\""
        second = f"substr({c}, 18, 2) COLLATE \"C\""
        return [
            (f"translate({c}, {DIGITS}, '9999999999') NOT IN ({shapes})", reason),
            (
                f"({month} NOT BETWEEN '01' AND '12' OR {day} NOT BETWEEN '01' AND '31' "
                f"OR left({c}, 1) NOT IN ('1', '2') OR {hour} > '23' OR {minute} > '59' "
                f"OR {second} > '59')",
                reason,
            ),
            (
                f"{day} > '28' AND substr({c}, 9, 2)::int > extract(day FROM "
                f"make_date(left({c}, 4)::int, substr({c}, 6, 2)::int, 1) "
                f"+ interval '1 month - 1 day')",
                reason,
            ),
        ]
    if column.kind == "text":
        return [(f"length({c}) > {column.max_length}",
                 f"{raw} longer than {column.max_length} characters")]
    raise ValueError(column.kind)


def _value(column: Column, c: str) -> str:
    if column.kind == "int":
        return f"{c}::integer"
    if column.kind == "small":
        return f"{c}::smallint"
    if column.kind == "flag":
        return f"({c} = '1')"
    if column.kind == "float":
        return f"NULLIF({c}, '')::double precision"
    if column.kind == "date":
        return f"({c}::timestamp AT TIME ZONE '{STATE.time_zone}')"
    return c


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def classified_select(
    spec: FileSpec,
    *,
    subset: tuple[int, int] | None,
    shp_id: int | None,
) -> str:
    """SELECT of raw lines with their trimmed fields and ``reason``.

    ``reason`` is NULL for a row to load, ``'~cut'`` for a cut-off row, ``'~subset'`` for a
    row outside the stop-id subset, otherwise the reject reason. Rows whose stop, person
    or search was excluded are removed later (``files_reconcile``).
    """
    n = spec.width
    fields = ", ".join(f"btrim(f[{i + 1}], {TRIM}) AS {field_column(i)}" for i in range(n))
    joins = []
    cases = [(f"nf < {n}", _quote_literal(f"fewer than {n} fields"))]
    stop_c = field_column(spec.stop_field)
    stop_col = spec.columns[spec.stop_field]
    for condition, reason in _invalid(stop_col, stop_c):
        cases.append((condition, _quote_literal(reason)))
    if subset is not None:
        cases.append((f"NOT {stop_c}::bigint BETWEEN {subset[0]} AND {subset[1]}", "'~subset'"))
    for index, column in enumerate(spec.columns):
        if index == spec.stop_field:
            continue
        for condition, reason in _invalid(column, field_column(index)):
            cases.append((condition, _quote_literal(reason)))
    extra = ""
    if spec.table == "nc_stop":
        joins.append("LEFT JOIN {staging}.agency_map m ON m.raw_name = c2")
        extra = ", m.agency_id"
        shp = "NULL" if shp_id is None else str(int(shp_id))
        cases.append((
            f"left(c3, 4) < '{CUTOFF_YEAR}' AND m.agency_id IS DISTINCT FROM {shp}", "'~cut'"
        ))
    case = "CASE " + " ".join(f"WHEN {cond} THEN {reason}" for cond, reason in cases) + " END"
    columns = ", ".join(field_column(i) for i in range(n))
    source = f"{{staging}}.{spec.raw_table} r WHERE line IS NOT NULL"
    return (
        f"SELECT line_no, {columns}{extra}, {case} AS reason, {_key(0)} AS own_key "
        f"FROM (SELECT line_no, cardinality(f) AS nf, {fields} "
        f"      FROM (SELECT line_no, string_to_array(line, E'\\t') AS f "
        f"              FROM {source} OFFSET 0) a "
        f"      OFFSET 0) b "
        + " ".join(joins)
        + " OFFSET 0"
    )


def insert_sql(spec: FileSpec, classified: str) -> str:
    names = [column.name for column in spec.columns]
    values = [_value(column, field_column(i)) for i, column in enumerate(spec.columns)]
    if spec.table == "nc_stop":
        names.append("agency_id")
        values.append("agency_id")
    return (
        f"INSERT INTO {{staging}}.{spec.table} ({', '.join(names)}) "
        f"SELECT {', '.join(values)} FROM ({classified}) k WHERE reason IS NULL"
    )


def rejects_sql(spec: FileSpec, classified: str) -> str:
    return (
        "INSERT INTO {staging}.import_rejects (file, line_no, reason, key) "
        f"SELECT {_quote_literal(spec.filename)}, line_no, reason, own_key "
        f"FROM ({classified}) k WHERE reason IS NOT NULL"
    )

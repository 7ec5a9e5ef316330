#!/usr/bin/env python3
"""Prints the SQL that builds the benchmark's PostgreSQL source, shaped like the real Xilnex
point-of-sale database (schema COM_5013), deterministically, at a given scale.

    make_source.py SCALE > source.sql ; psql -f source.sql

Tables (rows at scale 1; every count grows linearly with the scale):
  APP_4_SALES          184 columns   36,000 rows over 12 months
  APP_4_SALESITEM      197 columns   72,000 rows over 12 months
  APP_4_PAYMENT         48 columns  120,000 rows over 12 months
  APP_4_VOIDSALESITEM   52 columns   60,000 rows over 12 months
  APP_4_ITEM            60 columns   12,000 rows (reference, full refresh)
  LOCATION_DETAIL       24 columns      200 rows (reference, full refresh)

The type mix is the real one: about 60% varchar(n), 25% numeric(16,4), smallint and boolean
flags, int, bigint, date, timestamp(3), an 8-byte row version (bytea), about 20% NULLs, and
some non-ASCII text (Malay, Chinese, Tamil, emoji) at varying positions. Values come from
integer hashing of (row, column), so two runs at the same scale make the same bytes.
"""
import sys

MONTHS_START = "2024-11-01"
DAYS = 365  # 2024-11-01 .. 2025-10-31

# Text fragments outside ASCII, picked by the hash (the real data has Malay, Chinese and Tamil
# names, and receipts with emoji).
FRAGMENTS = ["Kopi", "Nasi lemak", "café", "面包", "தமிழ்", "Teh tarik", "🍜", "Roti",
             "Ayam", "Señor", "kuih", "牛奶"]


def column_types(n, seed):
    """n column types after the fixed ones: 60% varchar, 25% numeric(16,4), the rest spread
    over flags, integers, dates and timestamps, in a deterministic interleaving."""
    kinds = []
    for i in range(n):
        r = (i * 37 + seed) % 20
        if r < 12:
            kinds.append(("varchar", [20, 50, 50, 100, 255][(i * 7 + seed) % 5]))
        elif r < 17:
            kinds.append(("numeric", None))
        elif r == 17:
            kinds.append(("smallint" if i % 2 else "boolean", None))
        elif r == 18:
            kinds.append(("int" if i % 3 else "bigint", None))
        else:
            kinds.append(("date" if i % 2 else "timestamp", None))
    return kinds


def h(expr_g, i):
    """An SQL expression: a deterministic pseudo-random non-negative bigint for row g."""
    return f"((({expr_g}) * 2654435761 + {i * 40503 + 17}) % 1000003)"


def value_sql(kind, width, i, g):
    x = h(g, i)
    null_if = f"CASE WHEN ({g} * 7 + {i * 13}) % 5 = 0 THEN NULL ELSE "
    if kind == "varchar":
        frag = "(ARRAY[" + ",".join("'" + f + "'" for f in FRAGMENTS) + f"])[1 + {x} % {len(FRAGMENTS)}]"
        # Mostly short codes and names, sometimes near the column's length.
        body = (f"left(CASE WHEN {x} % 9 = 0 THEN {frag} || ' ' || {x}::text ELSE "
                f"'C{i}-' || {x}::text END || CASE WHEN {x} % 11 = 0 THEN repeat('z', {width}) "
                f"ELSE '' END, {width})")
        return null_if + body + " END"
    expr = {
        "numeric": f"(({x} - 500000)::numeric * 12.3457 / 1000)::numeric(16,4)",
        "smallint": f"({x} % 2)::smallint",
        "boolean": f"({x} % 2 = 1)",
        "int": f"({x} - 500000)::int",
        "bigint": f"({x}::bigint * 9000000 + {g})",
        "date": f"(DATE '{MONTHS_START}' + ({x} % 400)::int)",
        "timestamp": (f"(TIMESTAMP '{MONTHS_START}' + ({x} % 400) * interval '1 day' "
                      f"+ ({x} % 86400000) * interval '1 millisecond')::timestamp(3)"),
    }
    if kind in expr:
        return null_if + expr[kind] + " END"
    raise ValueError(kind)


def sql_type(kind, width):
    return {"varchar": f"varchar({width})", "numeric": "numeric(16,4)", "smallint": "smallint",
            "boolean": "boolean", "int": "integer", "bigint": "bigint", "date": "date",
            "timestamp": "timestamp(3)"}[kind]


def table(name, columns, rows, dated, seed):
    """CREATE TABLE and INSERT ... SELECT for one table."""
    fixed = [("ID", "bigint NOT NULL", "g"),
             ("LOCATION_ID", "integer NOT NULL", "((g % 200) + 1)::int")]
    if dated:
        # The date column: rows spread evenly over the 12 months, millisecond times.
        fixed.append(("SALES_DATE", "timestamp(3) NOT NULL",
                      f"(TIMESTAMP '{MONTHS_START}' + ((g - 1) * {DAYS * 86400000} / {rows})"
                      " * interval '1 millisecond')::timestamp(3)"))
        fixed.append(("ROW_VERSION", "bytea NOT NULL", "int8send(g * 1000003)"))
    kinds = column_types(columns - len(fixed), seed)
    defs = [f'"{c}" {t}' for c, t, _ in fixed]
    exprs = [e for _, _, e in fixed]
    for i, (kind, width) in enumerate(kinds):
        col = f"{name.split('_')[-1][:6]}_C{i + 1:03d}_{kind[:3].upper()}"
        defs.append(f'"{col}" {sql_type(kind, width)}')
        exprs.append(value_sql(kind, width, i + seed, "g"))
    out = [f'DROP TABLE IF EXISTS "{name}";',
           f'CREATE TABLE "{name}" (\n  ' + ",\n  ".join(defs) + ',\n  PRIMARY KEY ("ID"));',
           f'INSERT INTO "{name}" SELECT\n  ' + ",\n  ".join(exprs) +
           f"\nFROM generate_series(1::bigint, {rows}) AS g;"]
    if dated:
        out.append(f'CREATE INDEX ON "{name}" ("SALES_DATE");')
    out.append(f'ANALYZE "{name}";')
    return "\n".join(out)


def main():
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    if scale <= 0:
        sys.exit("make_source.py: the scale must be positive, e.g. 1 or 0.1")
    n = lambda rows: max(1, int(rows * scale))
    print("SET client_min_messages = warning;")
    print(table("APP_4_SALES", 184, n(36000), True, 1))
    print(table("APP_4_SALESITEM", 197, n(72000), True, 2))
    print(table("APP_4_PAYMENT", 48, n(120000), True, 3))
    print(table("APP_4_VOIDSALESITEM", 52, n(60000), True, 4))
    print(table("APP_4_ITEM", 60, n(12000), False, 5))
    print(table("LOCATION_DETAIL", 24, 200, False, 6))


if __name__ == "__main__":
    main()

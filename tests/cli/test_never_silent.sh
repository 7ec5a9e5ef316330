#!/usr/bin/env bash
# Never silent (issue 21): situations and data the product did not shape, each made with the
# DBMS's own client and read back with it. Every value arrives exactly or the partition fails
# naming table, row and column, with a non-zero exit and nothing of it in the target.
# - MariaDB target: a source month with '1,5' in one decimal cell, and a value outside a
#   pre-created ENUM column: MariaDB Connector/ODBC answered the refused parameter array with
#   success and 0 rows (the month was lost, the ledger said 2,000): now exit 1 naming the row
#   and the column, the month absent from the target and the ledger, the other month copied.
# Usage: test_never_silent.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin --default-character-set=utf8mb4 replicate_test -N -B -e "$1"; }
tag="ns$$"
trap 'maria_q "DROP TABLE IF EXISTS \`${tag}_T\`, \`${tag}_E\`; DELETE FROM replicate_ledger WHERE table_name LIKE \"${tag}_%\"" 2>/dev/null;
      kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# ---- 1. MariaDB: one value the server refuses, a whole month gone ------------------------------
# Two months of 1,000 rows each, by sqlite3; row 1,500 (February) holds '1,5' in a decimal
# column, which SQLite keeps as text.
sqlite3 source.db "CREATE TABLE T (ID integer PRIMARY KEY, D date, N decimal(16,4));
    WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 2000)
    INSERT INTO T SELECT i, date('2025-01-01', '+' || ((i - 1) / 1000 * 31 + (i % 28)) || ' days'), i * 0.5 FROM c;
    UPDATE T SET N = '1,5' WHERE ID = 1500;"
printf '[source]\nconnection = "Driver=SQLite3;Database=%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s_"\n[[sales]]\ntable = "T"\ndate_column = "D"\n' \
    "$work/source.db" "$maria_conn" "$tag" >m.toml
"$bin/replicate_all_sales" --config m.toml --start-date 2025-01-01 --end-date 2025-02-28 >m.out 2>&1
code=$?
jan=$(maria_q "SELECT COUNT(*) FROM \`${tag}_T\` WHERE D < '2025-02-01'")
feb=$(maria_q "SELECT COUNT(*) FROM \`${tag}_T\` WHERE D >= '2025-02-01'")
ledger=$(maria_q "SELECT GROUP_CONCAT(range_lo ORDER BY range_lo) FROM replicate_ledger WHERE table_name = '${tag}_T'")
[ "$code" = 1 ] && grep -q "row 500.*column 'N'\|row 500.*'N'" m.out && [ "$jan" = 1000 ] && [ "$feb" = 0 ] && [ "$ledger" = 2025-01-01 ] \
    && ok "MariaDB: '1,5' in a decimal fails February naming row 500 and column N (exit 1); January copied, February absent, ledger January only" \
    || { bad "MariaDB '1,5': exit $code, January $jan, February $feb rows, ledger '$ledger'"; grep -E "FAILED|error" m.out | head -3; }

# A pre-created ENUM column and a value outside it.
sqlite3 enum.db "CREATE TABLE E (ID integer PRIMARY KEY, D date, S varchar(6));
    INSERT INTO E VALUES (1, '2025-01-05', 'open'), (2, '2025-01-06', 'closed'), (3, '2025-01-07', 'lost');"
maria_q "DROP TABLE IF EXISTS \`${tag}_E\`; CREATE TABLE \`${tag}_E\` (ID bigint PRIMARY KEY, D date, S ENUM('open', 'closed'))"
printf '[source]\nconnection = "Driver=SQLite3;Database=%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s_"\n[[sales]]\ntable = "E"\ndate_column = "D"\n' \
    "$work/enum.db" "$maria_conn" "$tag" >e.toml
"$bin/replicate_all_sales" --config e.toml --start-date 2025-01-01 --end-date 2025-01-31 >e.out 2>&1
code=$?
n=$(maria_q "SELECT COUNT(*) FROM \`${tag}_E\`")
[ "$code" = 1 ] && grep -q "row 3" e.out && grep -q "'S'" e.out && [ "$n" = 0 ] \
    && ok "MariaDB: a value outside a pre-created ENUM fails the month naming row 3 and column S; nothing written" \
    || { bad "MariaDB ENUM: exit $code, $n rows"; grep -E "FAILED|error" e.out | head -3; }

finish

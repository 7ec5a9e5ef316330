#!/usr/bin/env bash
# The demo through a SQL Server warehouse and back out, exact:
#   MSSQL_CONNECTION='Driver=FreeTDS;Server=...;Port=1433;Database=...;UID=...;PWD=...;TDS_Version=7.4' \
#       bash examples/demo/sqlserver.sh
# (or Driver={ODBC Driver 18 for SQL Server};...; MSSQL_CONNECTION may also come from ./.env).
# Generates the demo source (SQLite), checks the SQL Server connection, copies the sales tables
# month by month and the reference tables in full into SQL Server (com_5013_* in the login's
# default schema), verifies them there, copies them back out into demo/back.db, and prints
# source and round trip side by side with the rows differing (0). Exit 1 if any differ.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ -z "${MSSQL_CONNECTION:-}" ] && [ -f .env ]; then
    MSSQL_CONNECTION=$(sed -n 's/^MSSQL_CONNECTION=//p' .env | tail -1)
fi
if [ -z "${MSSQL_CONNECTION:-}" ]; then
    echo "error: set MSSQL_CONNECTION to the ODBC connection string of a SQL Server database the demo may write into" >&2
    exit 2
fi
export MSSQL_CONNECTION
bash tests/support/install_deps.sh build
case ${MSSQL_CONNECTION,,} in *freetds*) bash tests/support/install_deps.sh freetds ;; esac
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
echo "== built $(./build/apps/replicate_all_sales --version)"

rm -rf demo && mkdir demo
sqlite3 demo/source.db <examples/demo/make_source.sql >/dev/null
echo "== generated demo/source.db"
in=examples/demo/sqlserver_in.toml
out=examples/demo/sqlserver_out.toml
range=(--start-date 2024-10-01 --end-date 2025-10-31)

echo "== test_connection (SQL Server target)"
./build/apps/test_connection --config "$in" --target
echo "== into SQL Server: replicate_all_sales with --verify, replicate_reference --full-table"
./build/apps/replicate_all_sales --config "$in" "${range[@]}" --verify --log-level warning
./build/apps/replicate_reference --config "$in" --full-table --verify --log-level warning
echo "== back out of SQL Server into demo/back.db"
./build/apps/replicate_all_sales --config "$out" "${range[@]}" --log-level warning
./build/apps/replicate_reference --config "$out" --full-table --log-level warning

echo "== source vs round trip (rows; rows differing in either direction, decimals compared by value)"
printf '%-28s %10s %10s %10s\n' table source back differ
differ_total=0
for t in $(sqlite3 demo/source.db "select name from sqlite_master where type='table' order by name"); do
    cols=$(sqlite3 demo/source.db "select group_concat('\"' || name || '\"' ||
        case when lower(type) like 'decimal%' then ' + 0' else '' end, ', ') from pragma_table_info('$t')")
    read -r s d x <<<"$(sqlite3 -separator ' ' demo/back.db "attach 'demo/source.db' as s;
        select (select count(*) from s.$t), (select count(*) from com_5013_$t),
               (select count(*) from (select $cols from s.$t except select $cols from com_5013_$t))
             + (select count(*) from (select $cols from com_5013_$t except select $cols from s.$t));")"
    printf '%-28s %10s %10s %10s\n' "$t" "$s" "$d" "$x"
    [ "$s" = "$d" ] && [ "$x" = 0 ] || differ_total=$((differ_total + 1))
done
[ "$differ_total" = 0 ] || { echo "error: $differ_total table(s) differ after the round trip" >&2; exit 1; }
echo "== the round trip through SQL Server is exact"

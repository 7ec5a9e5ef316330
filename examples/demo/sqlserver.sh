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
case ${MSSQL_CONNECTION,,} in *freetds*) bash tests/support/install_deps.sh freetds ;; esac
bash examples/demo/prepare.sh
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
bash examples/demo/compare.sh demo/source.db demo/back.db back
echo "== the round trip through SQL Server is exact"

#!/usr/bin/env bash
# Quick start, command 1: installs what is missing, builds, generates the demo point-of-sale
# source (SQLite), checks the connections, replicates the sales tables month by month and the
# reference tables in full, and shows source and target side by side.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash examples/demo/prepare.sh
job=examples/demo/demo.toml

echo "== test_connection"
./build/apps/test_connection --config "$job"
echo "== replicate_all_sales, Oct 2024 .. Oct 2025, 2 workers"
./build/apps/replicate_all_sales --config "$job" --start-date 2024-10-01 --end-date 2025-10-31 --max-workers 2 --log-level warning
echo "== replicate_reference --full-table"
./build/apps/replicate_reference --config "$job" --full-table --log-level warning

echo "== source vs target (rows; rows differing in either direction, decimals compared by value)"
bash examples/demo/compare.sh demo/source.db demo/target.db target
echo "== ledger: $(sqlite3 demo/target.db 'select count(*) from replicate_ledger') partitions recorded in demo/target.db"

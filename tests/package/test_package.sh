#!/usr/bin/env bash
# Packaging is tested, not assumed: install libreplicate into a temporary prefix, build the
# custom-sink example as a separate project with find_package(replicate), run it on a small
# SQLite source, check its output. Usage: test_package.sh BUILD_DIR SOURCE_DIR [CXXFLAGS]
# (CXXFLAGS: the library's own, e.g. sanitizers, which the consumer must share)
set -euo pipefail
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
test -f "$work/prefix/include/replicate/orchestrator.hpp"
! grep -rlE '#include <(soci|sql\.h|sqlext\.h|boost/log)' "$work/prefix/include/replicate" \
    || { echo "FAIL: a public header includes SOCI, ODBC or Boost.Log"; exit 1; }

cmake -S "$src/examples/custom_sink" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS="${3:-}" >/dev/null
cmake --build "$work/consumer" -j2 >/dev/null
echo "ok   - a separate project builds against the installed package"

sqlite3 "$work/src.db" "CREATE TABLE sales (id bigint, sold_at datetime, amount decimal(16,4), note varchar(20));
  INSERT INTO sales VALUES (1, '2025-01-31 23:59:59.999', '1.5000', 'a\"b'),
                           (2, '2025-02-01 00:00:00.000', '2.2500', NULL),
                           (3, '2025-02-14 12:00:00.000', '-3.0001', 'héllo'),
                           (4, '2025-03-01 08:00:00.000', '4.0000', '');"
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" \
    "$work/consumer/csv_export" "Driver=SQLite3;Database=$work/src.db" sales sold_at 2025-01-01 2025-03-31 "$work/out"
n=$(cat "$work/out"/sales__*.csv | grep -vc '^id,')
files=$(ls "$work/out"/*.csv | wc -l)
ledger=$(cat "$work/out"/*.csv.ledger | cut -f1 | tr '\n' ' ')
[ "$n" = 4 ] && [ "$files" = 3 ] && [ "$ledger" = "1 2 1 " ] \
    || { echo "FAIL: $files files, $n rows, ledger rows '$ledger'"; ls -l "$work/out"; exit 1; }
grep -q '^2,2025-02-01 00:00:00,2.2500,$' "$work/out/sales__2025-02-01_2025-03-01.csv" \
    || { echo "FAIL: February file:"; cat "$work/out/sales__2025-02-01_2025-03-01.csv"; exit 1; }
echo "ok   - the installed library replicates 4 rows into 3 monthly files, each with the ledger entry handed to commit()"
# A second run with resume skips the three months: the sink's ledger lists them.
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/x86_64-linux-gnu" \
    "$work/consumer/csv_export" "Driver=SQLite3;Database=$work/src.db" sales sold_at 2025-01-01 2025-03-31 "$work/out" >"$work/again.out"
[ "$(grep -c ' skipped ' "$work/again.out")" = 3 ] || { echo "FAIL: resume:"; cat "$work/again.out"; exit 1; }
echo "ok   - a rerun skips the three months its ledger lists"
echo "3 passed, 0 failed"

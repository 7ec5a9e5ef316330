#!/usr/bin/env bash
# Benchmark: copies the demo's largest table (APP_4_SALESITEM, 155,002 rows, 42 columns) and
# the whole demo at 1, 2 and 4 workers, and prints rows/s and peak memory next to the
# reference: the previous Python/pyodbc tool's ~2,000 rows/s per month-stream (design brief).
# Not part of ctest: numbers vary with the machine; nothing here asserts a time.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash tests/support/install_deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
# GNU time for peak memory, bc for arithmetic.
[ -x /usr/bin/time ] && command -v bc >/dev/null || apt-get install -y -qq time bc >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sqlite3 "$work/source.db" <examples/demo/make_source.sql >/dev/null

reference=2000
printf '%-34s %8s %10s %10s %12s %12s\n' run workers rows seconds rows/s "peak RSS MB"
run() {  # name workers table-args...
    local name=$1 workers=$2
    shift 2
    rm -f "$work/target.db"
    sed -e "s|demo/source.db|$work/source.db|" -e "s|demo/target.db|$work/target.db|" \
        examples/demo/demo.toml >"$work/job.toml"
    local start end rss
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" ./build/apps/replicate_all_sales --config "$work/job.toml" \
        --start-date 2024-10-01 --end-date 2025-10-31 --max-workers "$workers" --log-level error "$@" \
        >"$work/out" 2>/dev/null
    rss=$(tail -1 "$work/rss")
    end=$(date +%s.%N)
    local rows
    rows=$(awk '/^total/ {print $5}' "$work/out")
    local secs
    secs=$(echo "$end - $start" | bc -l)
    printf '%-34s %8s %10s %10.2f %12.0f %12.1f\n' "$name" "$workers" "$rows" "$secs" \
        "$(echo "$rows / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}
for w in 1 2 4; do run "APP_4_SALESITEM (SQLite->SQLite)" "$w" --table APP_4_SALESITEM; done
for w in 1 2 4; do run "all 10 sales tables" "$w"; done
printf '%-34s %8s %10s %10s %12s %12s\n' "reference: previous Python tool" 1 - - "$reference" -
echo "rows/s here is end to end (process start to exit, including connect and DDL)."

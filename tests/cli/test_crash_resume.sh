#!/usr/bin/env bash
# Crash and resume on real PostgreSQL (PG -> PG), through the command-line tools:
# - SIGKILL at 10 moments (9 spread over a multi-table sales run, from before the first commit
#   to between partitions, and 1 during a full-refresh swap, held there by a lock): after each,
#   the target holds only whole committed partitions (ledger invariant), and --resume makes it
#   equal to the source, table by table, with no duplicate and no missing row (EXCEPT ALL).
# - SIGINT: exit 130, nothing half-written, --resume completes.
# - A reader polling a reference table during refreshes sees the old or the new table, never
#   an empty or partial one.
# Usage: test_crash_resume.sh BIN_DIR SOURCE_DIR SERVERS_ENV
set -u
bin=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
servers_env=$3
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
pg_conn=$(server_setting REPLICATE_TEST_PG)
require_servers PostgreSQL "$pg_conn"
port=$(echo "$pg_conn" | sed 's/.*Port=\([0-9]*\).*/\1/')
export PGPASSWORD='Pg-test-pw;1'
export PGOPTIONS="-c client_min_messages=warning"
psql_q() { psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q -t -A -v ON_ERROR_STOP=1 "$@"; }

sales=(APP_4_SALES APP_4_PAYMENT APP_4_VOUCHER)
declare -A date_col=([APP_4_SALES]=DATETIME__SALES_DATE [APP_4_SALESITEM]=DATETIME__SALES_DATE
                     [APP_4_PAYMENT]=DATETIME__PAYMENT_DATE [APP_4_VOUCHER]=DATE__ISSUE_DATE)
job() {  # job SOURCE_CONNECTION TARGET_PREFIX SOURCE_PREFIX
    echo "[source]"; echo "connection = \"$1\""
    echo "[target]"; echo "connection = \"$pg_conn\""; echo "table_prefix = \"$2\""
    echo "[run]"; echo "batch_rows = 700"; echo "retry_base_delay_ms = 50"
    for t in "${sales[@]}"; do echo "[[sales]]"; echo "table = \"$3$t\""; echo "date_column = \"${date_col[$t]}\""; done
    echo "[[reference]]"; echo "table = \"${3}APP_4_ITEM\""
}
range=(--start-date 2024-10-01 --end-date 2025-10-31)

# The source: the demo loaded into PostgreSQL as crash_src_*.
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
job "Driver=SQLite3;Database=$work/demo.db" "crash_src_" "" >load.toml
"$bin/replicate_all_sales" --config load.toml "${range[@]}" --log-level error >/dev/null \
    && "$bin/replicate_reference" --config load.toml --full-table --log-level error >/dev/null \
    || { echo "FAIL - could not load the source"; exit 1; }
job "$pg_conn" "crash_dst_" "crash_src_" >copy.toml

reset_target() {
    for t in "${sales[@]}" APP_4_ITEM; do psql_q -c "DROP TABLE IF EXISTS \"crash_dst_crash_src_$t\", \"crash_dst_crash_src_${t}__staging\""; done
    psql_q -c "DELETE FROM replicate_ledger WHERE table_name LIKE 'crash_dst_%'" 2>/dev/null
}
# Rows of source and target that differ, duplicates included (EXCEPT ALL), over all tables.
differences() {
    local total=0 t n
    for t in "${sales[@]}" APP_4_ITEM; do
        n=$(psql_q -c "SELECT (SELECT count(*) FROM (SELECT * FROM \"crash_src_$t\" EXCEPT ALL SELECT * FROM \"crash_dst_crash_src_$t\") a)
                            + (SELECT count(*) FROM (SELECT * FROM \"crash_dst_crash_src_$t\" EXCEPT ALL SELECT * FROM \"crash_src_$t\") b)")
        total=$((total + n))
    done
    echo "$total"
}
# Whole partitions only: each ledger month holds exactly its recorded rows, other months none.
half_written() {
    local bad_rows=0 t c n
    for t in "${sales[@]}"; do
        c=${date_col[$t]}
        psql_q -c "SELECT 1 FROM pg_tables WHERE tablename = 'crash_dst_crash_src_$t'" | grep -q 1 || continue
        n=$(psql_q -c "
          WITH l AS (SELECT range_lo::date lo, range_hi::date hi, row_count FROM replicate_ledger
                     WHERE table_name = 'crash_dst_crash_src_$t' AND range_lo <> 'NULL'),
               t AS (SELECT \"$c\"::date d FROM \"crash_dst_crash_src_$t\")
          SELECT (SELECT count(*) FROM l WHERE row_count <> (SELECT count(*) FROM t WHERE d >= l.lo AND d < l.hi))
               + (SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM l WHERE t.d >= l.lo AND t.d < l.hi))")
        bad_rows=$((bad_rows + n))
    done
    echo "$bad_rows"
}
resume_until_done() {
    local i
    for i in 1 2 3; do
        "$bin/replicate_all_sales" --config copy.toml "${range[@]}" --resume --log-level error >resume.out 2>&1 && break
    done
    "$bin/replicate_reference" --config copy.toml --full-table --log-level error >>resume.out 2>&1
}

# Baseline: how long a whole sales run takes.
reset_target
start=$(date +%s%N)
"$bin/replicate_all_sales" --config copy.toml "${range[@]}" --log-level error >/dev/null 2>&1 \
    && "$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
duration_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(differences)" = 0 ] && ok "an uninterrupted PG -> PG run is exact (${duration_ms} ms)" || bad "the baseline run differs"

for i in 1 2 3 4 5 6 7 8 9; do
    reset_target
    delay_ms=$(( duration_ms * i / 10 ))
    [ $i = 1 ] && delay_ms=60   # before the first commit
    "$bin/replicate_all_sales" --config copy.toml "${range[@]}" --max-workers 2 --log-level error >/dev/null 2>&1 &
    pid=$!
    sleep "$(printf '%d.%03d' $((delay_ms / 1000)) $((delay_ms % 1000)))"
    kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
    done_parts=$(psql_q -c "SELECT count(*) FROM replicate_ledger WHERE table_name LIKE 'crash_dst_%'")
    h=$(half_written)
    [ "$h" = 0 ] && ok "kill $i at ${delay_ms} ms ($done_parts partitions committed): nothing half-written" \
                 || bad "kill $i at ${delay_ms} ms: $h inconsistent partitions or stray rows"
    resume_until_done
    d=$(differences)
    [ "$d" = 0 ] && ok "kill $i: --resume makes the target equal to the source" || { bad "kill $i: $d rows differ after --resume"; cat resume.out; }
done

# Kill 10: during a full-refresh swap. A lock the swap's DELETE must wait for holds it there.
reset_target
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
before=$(psql_q -c "SELECT count(*), sum(hashtext(t::text)) FROM \"crash_dst_crash_src_APP_4_ITEM\" t")
psql_q -c "UPDATE \"crash_src_APP_4_ITEM\" SET \"ITEM_NAME\" = 'renamed' WHERE \"ITEM_ID\" <= 10"
psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q -c \
    "BEGIN; LOCK TABLE \"crash_dst_crash_src_APP_4_ITEM\" IN SHARE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &
locker=$!
sleep 0.5
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1 &
pid=$!
waiting=0
for _ in $(seq 100); do
    waiting=$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                         WHERE c.relname = 'crash_dst_crash_src_APP_4_ITEM' AND NOT l.granted")
    [ "$waiting" != 0 ] && break
    sleep 0.1
done
kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
kill $locker 2>/dev/null; wait $locker 2>/dev/null
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%pg_sleep(20)%' AND pid <> pg_backend_pid()" >/dev/null
[ "$waiting" != 0 ] && ok "kill 10 landed inside the refresh swap (waiting on the lock)" || bad "kill 10 did not reach the swap"
after=$(psql_q -c "SELECT count(*), sum(hashtext(t::text)) FROM \"crash_dst_crash_src_APP_4_ITEM\" t")
[ "$after" = "$before" ] && ok "kill 10: the old table is intact after a kill during the swap" || bad "kill 10: the table changed ($before -> $after)"
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
n=$(psql_q -c "SELECT count(*) FROM (SELECT * FROM \"crash_src_APP_4_ITEM\" EXCEPT ALL SELECT * FROM \"crash_dst_crash_src_APP_4_ITEM\") a")
s=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE tablename LIKE '%APP_4_ITEM__staging'")
[ "$n" = 0 ] && [ "$s" = 0 ] && ok "kill 10: the next refresh completes, no staging table left" || bad "kill 10: $n rows differ, $s staging tables"

# SIGINT and SIGTERM: exit 130, in-flight partitions rolled back, the run history says
# cancelled, --resume completes.
interrupt() {
    local sig=$1
    reset_target
    "$bin/replicate_all_sales" --config copy.toml "${range[@]}" --log-level error >int.out 2>&1 &
    local pid=$!
    sleep "$(printf '%d.%03d' $((duration_ms / 2000)) $((duration_ms / 2 % 1000)))"
    kill -"$sig" $pid
    wait $pid
    local code=$?
    [ "$code" = 130 ] && ok "SIG$sig: exit code 130" || bad "SIG$sig: exit code $code"
    grep -q "INTERRUPTED" int.out && ok "SIG$sig: the summary says interrupted" || bad "SIG$sig: no INTERRUPTED line"
    [ "$(half_written)" = 0 ] && ok "SIG$sig: nothing half-written" || bad "SIG$sig: half-written partitions"
    local run_id h
    run_id=$(awk '/^run / {print $2}' int.out)
    h=$(psql_q -c "SELECT status FROM replicate_run WHERE run_id = '$run_id'")
    [ "$h" = cancelled ] && ok "SIG$sig: the run history says cancelled" || bad "SIG$sig: run history status '$h'"
    resume_until_done
    [ "$(differences)" = 0 ] && ok "SIG$sig: --resume completes exactly" || bad "SIG$sig: differences after --resume"
}
interrupt INT
interrupt TERM

# A reader during refreshes sees the old table or the new one, never an empty or partial one.
old=$(psql_q -c "SELECT count(*) FROM \"crash_dst_crash_src_APP_4_ITEM\"")
psql_q -c "DELETE FROM \"crash_src_APP_4_ITEM\" WHERE \"ITEM_ID\" > 1500"
new=$(psql_q -c "SELECT count(*) FROM \"crash_src_APP_4_ITEM\"")
( for _ in $(seq 400); do psql_q -c "SELECT count(*) FROM \"crash_dst_crash_src_APP_4_ITEM\""; done ) >seen.txt 2>&1 &
reader=$!
for _ in 1 2 3; do
    "$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
    psql_q -c "INSERT INTO \"crash_src_APP_4_ITEM\" SELECT * FROM \"crash_dst_crash_src_APP_4_ITEM\" WHERE \"ITEM_ID\" > 1500 ON CONFLICT DO NOTHING" >/dev/null 2>&1
done
wait $reader
odd=$(grep -vxE "$old|$new|2000" seen.txt | sort | uniq -c)
seen=$(sort -u seen.txt | tr '\n' ' ')
[ -z "$odd" ] && ok "a reader polling during refreshes saw only whole tables (counts seen: $seen)" || bad "a reader saw partial tables: $odd"

for t in "${sales[@]}" APP_4_ITEM; do psql_q -c "DROP TABLE IF EXISTS \"crash_src_$t\", \"crash_dst_crash_src_$t\""; done
finish

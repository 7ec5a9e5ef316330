#!/usr/bin/env bash
# Crash and resume on real PostgreSQL (PG -> PG), through the command-line tools:
# - SIGKILL at 10 moments (9 spread over a multi-table sales run, from before the first commit
#   to between partitions, and 1 during a full-refresh swap, held there by a lock): after each,
#   the target holds only whole committed partitions (ledger invariant), and --resume makes it
#   equal to the generated demo file, table by table, as sqlite3 and psql print them
#   (tests/support/canonical.sh): no duplicate, no missing row, every value. Kill moments follow
#   observed progress (ledger rows), and each kill must land while the run is still going.
# - SIGINT: exit 130, nothing half-written, --resume completes.
# - A reader polling a reference table during refreshes that alternate between 1,500 and 2,000
#   rows sees the old or the new table, never an empty or partial one, and sees both.
# Usage: test_crash_resume.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
tag="cr$$"   # this process's tables: two runs of the suite on one server do not meet
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

# The source: the demo loaded into PostgreSQL as <tag>_src_*.
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
job "Driver=SQLite3;Database=$work/demo.db" "${tag}_src_" "" >load.toml
"$bin/replicate_all_sales" --config load.toml "${range[@]}" --log-level error >/dev/null \
    && "$bin/replicate_reference" --config load.toml --full-table --log-level error >/dev/null \
    || { echo "FAIL - could not load the source"; exit 1; }
job "$pg_conn" "${tag}_dst_" "${tag}_src_" >copy.toml

reset_target() {
    for t in "${sales[@]}" APP_4_ITEM; do psql_q -c "DROP TABLE IF EXISTS \"${tag}_dst_${tag}_src_$t\", \"${tag}_dst_${tag}_src_${t}__staging\""; done
    psql_q -c "DELETE FROM replicate_ledger WHERE table_name LIKE '${tag}_dst_%'" 2>/dev/null
}
# The tables whose canonical dump (sqlite3 on the generated file, psql on the target) differs
# from the original, by name; "none" when every row and value is there exactly once.
for t in "${sales[@]}" APP_4_ITEM; do canonical sqlite:"$work/demo.db" "$t" >"original_$t.txt"; done
differences() {
    local t out=""
    for t in "${sales[@]}" APP_4_ITEM; do
        canonical postgresql "${tag}_dst_${tag}_src_$t" >"copy_$t.txt" 2>&1
        cmp -s "original_$t.txt" "copy_$t.txt" || out+="$t "
    done
    echo "${out:-none}"
}
# Whole partitions only: each ledger month holds exactly its recorded rows, other months none.
half_written() {
    local bad_rows=0 t c n
    for t in "${sales[@]}"; do
        c=${date_col[$t]}
        psql_q -c "SELECT 1 FROM pg_tables WHERE tablename = '${tag}_dst_${tag}_src_$t'" | grep -q 1 || continue
        n=$(psql_q -c "
          WITH l AS (SELECT range_lo::date lo, range_hi::date hi, row_count FROM replicate_ledger
                     WHERE table_name = '${tag}_dst_${tag}_src_$t' AND range_lo <> 'NULL'),
               t AS (SELECT \"$c\"::date d FROM \"${tag}_dst_${tag}_src_$t\")
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

ledger_rows() { psql_q -c "SELECT count(*) FROM replicate_ledger WHERE table_name LIKE '${tag}_dst_%'" 2>/dev/null || echo 0; }

# Baseline: an uninterrupted run, and how many partitions a whole sales run commits.
reset_target
"$bin/replicate_all_sales" --config copy.toml "${range[@]}" --log-level error >/dev/null 2>&1 \
    && "$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
d=$(differences)
[ "$d" = none ] && ok "an uninterrupted PG -> PG run equals the generated demo" || bad "the baseline run differs from the demo in: $d"
total=$(psql_q -c "SELECT count(*) FROM replicate_ledger WHERE table_name LIKE '${tag}_dst_%' AND range_lo <> 'NULL'")
[ "$total" -ge 30 ] && ok "a whole run commits $total partitions" || bad "a whole run commits only $total partitions"

# Each of this test's ledger rows takes 0.1 s to insert (a trigger added to the ledger, as a
# DBA might add one): the kills below aim at moments of the run, and the run is otherwise
# over in about a second. Other runs' rows are not slowed.
psql_q -c "CREATE OR REPLACE FUNCTION ${tag}_pace() RETURNS trigger LANGUAGE plpgsql AS
             \$\$ BEGIN IF NEW.table_name LIKE '${tag}_dst_%' THEN PERFORM pg_sleep(0.1); END IF;
             RETURN NEW; END \$\$" \
       -c "CREATE TRIGGER ${tag}_pace BEFORE INSERT ON replicate_ledger FOR EACH ROW
             EXECUTE FUNCTION ${tag}_pace()"
trap 'psql_q -c "DROP TRIGGER IF EXISTS ${tag}_pace ON replicate_ledger" -c "DROP FUNCTION IF EXISTS ${tag}_pace()" 2>/dev/null;
      kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT

# Kill 1 as soon as the run reads (no partition committed yet), kills 2-9 once the ledger
# holds about i/10 of the partitions. The run must still be going when the kill lands (exit
# 137), and what it committed must be whole.
for i in 1 2 3 4 5 6 7 8 9; do
    reset_target
    want=$(( total * (i - 1) / 10 ))
    "$bin/replicate_all_sales" --config copy.toml "${range[@]}" --max-workers 2 --log-level error >/dev/null 2>&1 &
    pid=$!
    seen=0
    for _ in $(seq 1500); do
        if [ $i = 1 ]; then
            seen=$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'libreplicate source'
                                  AND query LIKE '%${tag}_src_%'")
            [ "$seen" -gt 0 ] && break
        else
            seen=$(ledger_rows)
            [ "$seen" -ge "$want" ] && break
        fi
        sleep 0.02
    done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    code=$?
    done_parts=$(ledger_rows)
    [ "$code" = 137 ] && ok "kill $i landed while the run was going ($done_parts of $total partitions committed)" \
                      || bad "kill $i did not land during the run (exit $code, $done_parts of $total partitions)"
    if [ $i = 1 ]; then
        [ "$done_parts" -lt "$total" ] && ok "kill 1 came before the end of the run" || bad "kill 1: all $done_parts partitions were committed"
    else
        [ "$done_parts" -ge "$want" ] && [ "$done_parts" -lt "$total" ] && ok "kill $i: between $want and $total partitions committed ($done_parts)" \
            || bad "kill $i: $done_parts partitions committed, wanted at least $want and fewer than $total"
    fi
    h=$(half_written)
    [ "$h" = 0 ] && ok "kill $i: nothing half-written" || bad "kill $i: $h inconsistent partitions or stray rows"
    resume_until_done
    d=$(differences)
    [ "$d" = none ] && ok "kill $i: --resume makes the target equal to the generated demo" || { bad "kill $i: differs after --resume in: $d"; cat resume.out; }
done

# Kill 10: during a full-refresh swap. A lock the swap's DELETE must wait for holds it there.
reset_target
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
before=$(psql_q -c "SELECT count(*), sum(hashtext(t::text)) FROM \"${tag}_dst_${tag}_src_APP_4_ITEM\" t")
psql_q -c "DROP TABLE IF EXISTS ${tag}_items_first; CREATE TABLE ${tag}_items_first AS SELECT * FROM \"${tag}_src_APP_4_ITEM\" WHERE \"ITEM_ID\" <= 10"
psql_q -c "UPDATE \"${tag}_src_APP_4_ITEM\" SET \"ITEM_NAME\" = 'renamed' WHERE \"ITEM_ID\" <= 10"
psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q -c \
    "BEGIN; LOCK TABLE \"${tag}_dst_${tag}_src_APP_4_ITEM\" IN SHARE MODE; SELECT pg_sleep(20); COMMIT;" >/dev/null 2>&1 &
locker=$!
sleep 0.5
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1 &
pid=$!
waiting=0
for _ in $(seq 100); do
    waiting=$(psql_q -c "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
                         WHERE c.relname = '${tag}_dst_${tag}_src_APP_4_ITEM' AND NOT l.granted")
    [ "$waiting" != 0 ] && break
    sleep 0.1
done
kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
kill $locker 2>/dev/null; wait $locker 2>/dev/null
psql_q -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE '%${tag}_%pg_sleep(20)%' AND pid <> pg_backend_pid()" >/dev/null
[ "$waiting" != 0 ] && ok "kill 10 landed inside the refresh swap (waiting on the lock)" || bad "kill 10 did not reach the swap"
after=$(psql_q -c "SELECT count(*), sum(hashtext(t::text)) FROM \"${tag}_dst_${tag}_src_APP_4_ITEM\" t")
[ "$after" = "$before" ] && ok "kill 10: the old table is intact after a kill during the swap" || bad "kill 10: the table changed ($before -> $after)"
"$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1
n=$(psql_q -c "SELECT count(*) FROM (SELECT * FROM \"${tag}_src_APP_4_ITEM\" EXCEPT ALL SELECT * FROM \"${tag}_dst_${tag}_src_APP_4_ITEM\") a")
s=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE tablename = '${tag}_dst_${tag}_src_APP_4_ITEM__staging'")
[ "$n" = 0 ] && [ "$s" = 0 ] && ok "kill 10: the next refresh completes, no staging table left" || bad "kill 10: $n rows differ, $s staging tables"
# The source as generated again, for the checks that follow.
psql_q -c "DELETE FROM \"${tag}_src_APP_4_ITEM\" WHERE \"ITEM_ID\" <= 10; INSERT INTO \"${tag}_src_APP_4_ITEM\" SELECT * FROM ${tag}_items_first; DROP TABLE ${tag}_items_first"

# SIGINT and SIGTERM: exit 130, in-flight partitions rolled back, the run history says
# cancelled, --resume completes.
interrupt() {
    local sig=$1
    reset_target
    "$bin/replicate_all_sales" --config copy.toml "${range[@]}" --log-level error >int.out 2>&1 &
    local pid=$!
    for _ in $(seq 1500); do [ "$(ledger_rows)" -ge $((total / 3)) ] && break; sleep 0.02; done
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
    local d
    d=$(differences)
    [ "$d" = none ] && ok "SIG$sig: --resume completes exactly" || bad "SIG$sig: differs from the demo after --resume in: $d"
}
interrupt INT
interrupt TERM

# A reader during refreshes sees the old table or the new one, never an empty or partial one.
# The source alternates between 1,500 and 2,000 items, so every refresh swaps in a different
# table, and the reader must see both sizes.
psql_q -c "DROP TABLE IF EXISTS ${tag}_items_all; CREATE TABLE ${tag}_items_all AS SELECT * FROM \"${tag}_src_APP_4_ITEM\""
all=$(psql_q -c "SELECT count(*) FROM ${tag}_items_all")
( for _ in $(seq 600); do psql_q -c "SELECT count(*) FROM \"${tag}_dst_${tag}_src_APP_4_ITEM\""; done ) >seen.txt 2>&1 &
reader=$!
for k in 1 2 3 4 5 6; do
    if [ $((k % 2)) = 1 ]; then
        psql_q -c "DELETE FROM \"${tag}_src_APP_4_ITEM\" WHERE \"ITEM_ID\" > 1500"
    else
        psql_q -c "INSERT INTO \"${tag}_src_APP_4_ITEM\" SELECT * FROM ${tag}_items_all WHERE \"ITEM_ID\" > 1500"
    fi
    "$bin/replicate_reference" --config copy.toml --full-table --log-level error >/dev/null 2>&1 || bad "refresh $k failed"
    n=$(psql_q -c "SELECT count(*) FROM \"${tag}_dst_${tag}_src_APP_4_ITEM\"")
    want=$([ $((k % 2)) = 1 ] && echo 1500 || echo "$all")
    [ "$n" = "$want" ] || bad "refresh $k left $n items, wanted $want"
    sleep 0.3
done
wait $reader
odd=$(grep -vxE "1500|$all" seen.txt | sort | uniq -c)
seen=$(sort -u seen.txt | tr '\n' ' ')
[ -z "$odd" ] && ok "a reader polling during 6 refreshes saw only whole tables (counts seen: $seen)" || bad "a reader saw partial tables: $odd"
grep -qx 1500 seen.txt && grep -qx "$all" seen.txt && ok "the reader saw both sizes: every refresh swapped in a different table" \
    || bad "the reader did not see both 1500 and $all items (seen: $seen)"
psql_q -c "DROP TABLE ${tag}_items_all"

for t in "${sales[@]}" APP_4_ITEM; do psql_q -c "DROP TABLE IF EXISTS \"${tag}_src_$t\", \"${tag}_dst_${tag}_src_$t\""; done
psql_q -c "DELETE FROM replicate_ledger WHERE table_name LIKE '${tag}_dst_%'"
finish

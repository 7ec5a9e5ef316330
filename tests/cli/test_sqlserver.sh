#!/usr/bin/env bash
# The tools against SQL Server (REPLICATE_TEST_MSSQL), as a SQL Server target and as a SQL
# Server source: the SQL Server parts of cli.crash_resume, cli.concurrency, cli.verify and
# cli.real_operation. Every result is read back with FreeTDS's own tsql
# (tests/support/canonical.sh), never through the library:
# - target: the demo (SQLite) copied into SQL Server equals the generated file value for value;
#   SIGKILL at three moments leaves only whole months (ledger against row counts, in T-SQL) and
#   --resume makes it equal again; SIGINT exits 130, says cancelled in the run history;
# - two runs at once: a run for a month the first one already committed does not wait for the
#   first to end (the month lock is released at commit), a one-day run while the first still
#   writes, and the target then equals the source;
# - --verify-only finds a deleted row, a changed value and a doubled row made with tsql (exit
#   1, that month alone), --repair copies that month again, and the target equals the demo;
# - real operation: text with 1- to 4-byte characters at every position, a pre-created column
#   that would round (exit 2, nothing written), a full refresh twice;
# - source: the SQL Server copy read back out into SQLite equals the demo; killed mid-run and
#   resumed; verified, damaged in SQLite, repaired.
# Skipped (exit 77, the reason printed) without REPLICATE_TEST_MSSQL: no SQL Server runs on
# the CI machines.
# Usage: test_sqlserver.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
mssql_conn=${REPLICATE_TEST_MSSQL:-$(server_setting REPLICATE_TEST_MSSQL)}
if [ -z "$mssql_conn" ]; then
    echo "SKIPPED: SQL Server: REPLICATE_TEST_MSSQL is not set (no SQL Server runs here)"
    exit 77
fi
command -v tsql >/dev/null || { echo "FAIL - tsql (freetds-bin) is needed to read SQL Server back"; exit 1; }
export REPLICATE_TEST_MSSQL=$mssql_conn
tag="ms$$"
range=(--start-date 2024-10-01 --end-date 2025-10-31)
sales=(APP_4_SALES APP_4_PAYMENT)
declare -A date_col=([APP_4_SALES]=DATETIME__SALES_DATE [APP_4_PAYMENT]=DATETIME__PAYMENT_DATE)
# mssql SQL: one batch through tsql, rows tab-separated; a server error fails it.
mssql() { bash "$src/tests/support/canonical.sh" "$servers_env" sqlserver --sql "$1"; }

# job SOURCE TARGET PREFIX [EXTRA TARGET LINES]
job() {
    printf '[source]\nconnection = "%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n%s\n' "$1" "$2" "$3" "${4:-}"
    printf '[run]\nbatch_rows = 500\nretry_base_delay_ms = 50\n'
    for t in "${sales[@]}"; do printf '[[sales]]\ntable = "%s%s"\ndate_column = "%s"\n' "${5:-}" "$t" "${date_col[$t]}"; done
    printf '[[reference]]\ntable = "%sAPP_4_ITEM"\n' "${5:-}"
}
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
for t in "${sales[@]}" APP_4_ITEM; do canonical sqlite:"$work/demo.db" "$t" >"original_$t.txt"; done
job "Driver=SQLite3;Database=$work/demo.db" "$mssql_conn" "${tag}_" >to_mssql.toml

drop_target() {  # drop_target PREFIX
    for t in "${sales[@]}" APP_4_ITEM; do
        mssql "IF OBJECT_ID(N'$1$t', N'U') IS NOT NULL DROP TABLE [$1$t]; IF OBJECT_ID(N'$1${t}__staging', N'U') IS NOT NULL DROP TABLE [$1${t}__staging]" >/dev/null
    done
    mssql "IF OBJECT_ID(N'replicate_ledger', N'U') IS NOT NULL DELETE FROM replicate_ledger WHERE table_name LIKE N'$1%'" >/dev/null
}
trap 'kill $(jobs -p) 2>/dev/null; drop_target "${tag}_"; drop_target "${tag}_b_"; rm -rf "$work"' EXIT
# differs PREFIX: the tables whose tsql dump differs from sqlite3's of the demo, or "none".
differs() {
    local t out=""
    for t in "${sales[@]}" APP_4_ITEM; do
        canonical sqlserver "$1$t" >"copy_$t.txt" 2>&1
        cmp -s "original_$t.txt" "copy_$t.txt" || out+="$t "
    done
    echo "${out:-none}"
}
ledger_rows() { mssql "SELECT COUNT(*) FROM replicate_ledger WHERE table_name LIKE N'${tag}_%' AND range_lo <> 'NULL'" 2>/dev/null || echo 0; }
# half_written: months whose rows differ from their ledger row, plus rows in no ledger month.
half_written() {
    local t c n bad=0
    for t in "${sales[@]}"; do
        c=${date_col[$t]}
        [ "$(mssql "SELECT COUNT(*) FROM sys.tables WHERE name = N'${tag}_$t'")" = 1 ] || continue
        n=$(mssql "SELECT (SELECT COUNT(*) FROM replicate_ledger l WHERE l.table_name = N'${tag}_$t' AND l.range_lo <> 'NULL'
                     AND l.row_count <> (SELECT COUNT(*) FROM [${tag}_$t] t WHERE t.[$c] >= CAST(l.range_lo AS date)
                                         AND t.[$c] < CAST(l.range_hi AS date)))
                 + (SELECT COUNT(*) FROM [${tag}_$t] t WHERE NOT EXISTS (SELECT 1 FROM replicate_ledger l
                     WHERE l.table_name = N'${tag}_$t' AND l.range_lo <> 'NULL' AND t.[$c] >= CAST(l.range_lo AS date)
                     AND t.[$c] < CAST(l.range_hi AS date)))")
        bad=$((bad + n))
    done
    echo "$bad"
}
copy_all() {  # copy_all TOML [ARGS...]: sales then reference
    "$bin/replicate_all_sales" --config "$1" "${range[@]}" --log-level error "${@:2}" >run.out 2>&1 &&
        "$bin/replicate_reference" --config "$1" --full-table --log-level error >>run.out 2>&1
}

# ---- a SQL Server target: baseline, kills, SIGINT ---------------------------------------------
drop_target "${tag}_"
copy_all to_mssql.toml && ok "the demo copied into SQL Server (exit 0)" || { bad "the copy failed"; cat run.out; }
d=$(differs "${tag}_")
[ "$d" = none ] && ok "SQL Server target: tsql prints every table as sqlite3 prints the demo" || bad "SQL Server target differs in: $d"
total=$(ledger_rows)
[ "$total" -ge 20 ] && ok "a whole run commits $total months" || bad "a whole run commits only $total months"

for i in 1 2 3; do
    drop_target "${tag}_"
    want=$(( total * i / 4 ))
    "$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --max-workers 2 --log-level error >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 600); do [ "$(ledger_rows)" -ge "$want" ] && break; sleep 0.1; done
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    code=$?
    n=$(ledger_rows)
    [ "$code" = 137 ] && [ "$n" -lt "$total" ] && ok "kill -9 $i landed during the run ($n of $total months committed)" \
        || bad "kill -9 $i: exit $code, $n of $total months"
    h=$(half_written)
    [ "$h" = 0 ] && ok "kill -9 $i: only whole months in SQL Server (ledger against counts, in T-SQL)" || bad "kill -9 $i: $h rows or months half-written"
    "$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --resume --log-level error >resume.out 2>&1 &&
        "$bin/replicate_reference" --config to_mssql.toml --full-table --log-level error >>resume.out 2>&1
    d=$(differs "${tag}_")
    [ "$d" = none ] && ok "kill -9 $i: --resume makes SQL Server equal to the demo" || { bad "kill -9 $i: differs after --resume in: $d"; tail -3 resume.out; }
done

drop_target "${tag}_"
"$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" >int.out 2>&1 &
pid=$!
for _ in $(seq 600); do [ "$(ledger_rows)" -ge $((total / 3)) ] && break; sleep 0.1; done
kill -INT $pid
wait $pid
code=$?
run_id=$(awk '/^run / {print $2}' int.out)
status=$(mssql "SELECT status FROM replicate_run WHERE run_id = N'$run_id'")
[ "$code" = 130 ] && [ "$status" = cancelled ] && [ "$(half_written)" = 0 ] \
    && ok "SIGINT: exit 130, the run history says cancelled, nothing half-written" || bad "SIGINT: exit $code, status '$status'"
copy_all to_mssql.toml --resume
[ "$(differs "${tag}_")" = none ] && ok "SIGINT: --resume completes exactly" || bad "SIGINT: differs after --resume"

# ---- two runs at once on one SQL Server target ------------------------------------------------
# Run A copies all months with one worker. Run B, for the first month (already committed by
# A), may wait 5 s: the month lock ends with A's commit, not with A's session, so B is done
# long before A. Run C copies a day of a month A has written, while A goes on.
drop_target "${tag}_"
"$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --max-workers 1 --table APP_4_SALES >a.out 2>&1 &
a=$!
for _ in $(seq 600); do [ "$(ledger_rows)" -ge 3 ] && break; sleep 0.1; done
job "Driver=SQLite3;Database=$work/demo.db" "$mssql_conn" "${tag}_" "wait_for_other_run = 5" >impatient.toml
start=$(date +%s)
"$bin/replicate_all_sales" --config impatient.toml --start-date 2024-10-01 --end-date 2024-10-31 --table APP_4_SALES >b.out 2>&1
b_code=$?
b_secs=$(( $(date +%s) - start ))
kill -0 $a 2>/dev/null && a_running=yes || a_running=no
[ "$b_code" = 0 ] && [ "$a_running" = yes ] \
    && ok "a second run for a month the first already committed is done in ${b_secs} s while the first still runs" \
    || { bad "second run: exit $b_code after $b_secs s (first still running: $a_running)"; tail -3 b.out; }
grep -q "is being written by another run" b.out && bad "the second run waited for a committed month" || ok "the second run did not wait"
month=$(mssql "SELECT MIN(range_hi) FROM replicate_ledger WHERE table_name = N'${tag}_APP_4_SALES'")
"$bin/replicate_all_sales" --config to_mssql.toml --start-date "$month" --end-date "$month" --table APP_4_SALES >c.out 2>&1
c_code=$?
wait $a
a_code=$?
[ "$a_code" = 0 ] && [ "$c_code" = 0 ] && ok "the first run and a one-day run during it both exit 0" \
    || { bad "first run exit $a_code, one-day run exit $c_code"; tail -3 c.out; }
canonical sqlserver "${tag}_APP_4_SALES" >copy_APP_4_SALES.txt
cmp -s original_APP_4_SALES.txt copy_APP_4_SALES.txt && ok "after the overlapping runs, APP_4_SALES equals the demo (tsql)" \
    || bad "after the overlapping runs, APP_4_SALES differs"

# ---- --verify-only, damage made with tsql, --repair -------------------------------------------
copy_all to_mssql.toml
s="[${tag}_APP_4_SALES]"
"$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --table APP_4_SALES --verify-only >v.out 2>&1
[ $? = 0 ] && ! grep -q MISMATCH v.out && ok "--verify-only: every month matches" || { bad "--verify-only before damage"; tail -3 v.out; }
damage=("DELETE FROM $s WHERE SALES_ID = (SELECT MIN(SALES_ID) FROM $s WHERE DATETIME__SALES_DATE >= '2025-03-01' AND DATETIME__SALES_DATE < '2025-04-01')"
        "UPDATE $s SET GRAND_TOTAL = GRAND_TOTAL + 0.0001 WHERE SALES_ID = (SELECT MAX(SALES_ID) FROM $s WHERE DATETIME__SALES_DATE >= '2025-03-01' AND DATETIME__SALES_DATE < '2025-04-01')"
        "UPDATE $s SET CUSTOMER_NAME = N'changed' WHERE SALES_ID = (SELECT MIN(SALES_ID) FROM $s WHERE DATETIME__SALES_DATE >= '2025-03-01' AND DATETIME__SALES_DATE < '2025-04-01')")
names=("a deleted row" "a changed decimal" "a changed name")
for k in 0 1 2; do
    mssql "${damage[$k]}" >/dev/null
    "$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --table APP_4_SALES --verify-only >v.out 2>&1
    code=$?
    [ "$code" = 1 ] && grep -q "2025-03-01..2025-04-01.*MISMATCH" v.out && ! grep MISMATCH v.out | grep -qv "2025-03-01" \
        && ok "--verify-only finds ${names[$k]} made with tsql: exit 1, March alone" || { bad "--verify-only, ${names[$k]}: exit $code"; grep -E "MISMATCH|error" v.out | head -3; }
    "$bin/replicate_all_sales" --config to_mssql.toml "${range[@]}" --table APP_4_SALES --repair >r.out 2>&1
    code=$?
    canonical sqlserver "${tag}_APP_4_SALES" >copy_APP_4_SALES.txt
    [ "$code" = 0 ] && cmp -s original_APP_4_SALES.txt copy_APP_4_SALES.txt \
        && ok "--repair copies March again: the table equals the demo (tsql)" || { bad "--repair, ${names[$k]}: exit $code"; tail -3 r.out; }
done

# ---- real operation ---------------------------------------------------------------------------
# Text of 1- to 4-byte characters at the start, middle and end, into a created nvarchar.
sqlite3 text.db "CREATE TABLE T (ID integer PRIMARY KEY, D date, S varchar(12));
    INSERT INTO T VALUES (1, '2025-01-02', 'a'), (2, '2025-01-02', 'é'), (3, '2025-01-02', '€'), (4, '2025-01-02', '🍜'),
      (5, '2025-01-02', '🍜mid€dleé'), (6, '2025-01-02', 'é€🍜 '), (7, '2025-01-02', ' 🍜🍜🍜🍜🍜🍜'), (8, '2025-01-02', '');"
printf '[source]\nconnection = "Driver=SQLite3;Database=%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n[[sales]]\ntable = "T"\ndate_column = "D"\n' \
    "$work/text.db" "$mssql_conn" "${tag}_" >text.toml
mssql "IF OBJECT_ID(N'${tag}_T', N'U') IS NOT NULL DROP TABLE [${tag}_T]" >/dev/null
"$bin/replicate_all_sales" --config text.toml --start-date 2025-01-01 --end-date 2025-01-31 --log-level error >t.out 2>&1
canonical sqlite:"$work/text.db" T >want_T.txt
canonical sqlserver "${tag}_T" >got_T.txt
[ $? = 0 ] && cmp -s want_T.txt got_T.txt && ok "1- to 4-byte characters at every position arrive whole (tsql, UTF-8 bytes)" \
    || { bad "text differs"; diff want_T.txt got_T.txt | head -5; }
# A pre-created decimal(16,2) for a decimal(16,4) source would round: exit 2, nothing written.
mssql "IF OBJECT_ID(N'${tag}_b_APP_4_PAYMENT', N'U') IS NOT NULL DROP TABLE [${tag}_b_APP_4_PAYMENT]" >/dev/null
mssql "CREATE TABLE [${tag}_b_APP_4_PAYMENT] (PAYMENT_ID bigint, SALES_ID bigint, SALES_NO nvarchar(60),
       DATETIME__PAYMENT_DATE datetime2(3), PAYMENT_METHOD nvarchar(40), AMOUNT decimal(16,2), TENDERED decimal(16,4),
       CARD_LAST4 nvarchar(8), APPROVAL_CODE nvarchar(40), IS_VOID smallint, ROWVERSION binary(8))" >/dev/null
job "Driver=SQLite3;Database=$work/demo.db" "$mssql_conn" "${tag}_b_" >narrow.toml
"$bin/replicate_all_sales" --config narrow.toml "${range[@]}" --table APP_4_PAYMENT >n.out 2>&1
code=$?
[ "$code" = 2 ] && grep -q "AMOUNT" n.out && [ "$(mssql "SELECT COUNT(*) FROM [${tag}_b_APP_4_PAYMENT]")" = 0 ] \
    && ok "a SQL Server column that would round: exit 2 naming AMOUNT, nothing written" || { bad "narrow column: exit $code"; tail -2 n.out; }

# ---- a SQL Server source ------------------------------------------------------------------------
# The copy above (equal to the demo, as tsql printed it) is the source, into SQLite.
job "$mssql_conn" "Driver=SQLite3;Database=$work/out.db" "" "" "${tag}_" >from_mssql.toml
sqlite_differs() {
    local t out=""
    for t in "${sales[@]}" APP_4_ITEM; do
        canonical sqlite:"$work/out.db" "${tag}_$t" >"out_$t.txt" 2>&1
        cmp -s "original_$t.txt" "out_$t.txt" || out+="$t "
    done
    echo "${out:-none}"
}
copy_all from_mssql.toml && ok "SQL Server source copied into SQLite (exit 0)" || { bad "copy from SQL Server failed"; tail -3 run.out; }
d=$(sqlite_differs)
[ "$d" = none ] && ok "SQL Server source: sqlite3 prints the copy as it prints the demo" || bad "SQL Server source: the copy differs in: $d"
rm -f out.db
"$bin/replicate_all_sales" --config from_mssql.toml "${range[@]}" --max-workers 2 --log-level error >/dev/null 2>&1 &
pid=$!
for _ in $(seq 300); do
    [ "$(sqlite3 out.db "SELECT COUNT(*) FROM replicate_ledger" 2>/dev/null || echo 0)" -ge $((total / 2)) ] && break
    sleep 0.1
done
kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
code=$?
copy_all from_mssql.toml --resume
d=$(sqlite_differs)
[ "$code" = 137 ] && [ "$d" = none ] && ok "SQL Server source: killed mid-run (exit 137), --resume completes exactly" \
    || bad "SQL Server source: kill exit $code, after --resume differs in: $d"
"$bin/replicate_all_sales" --config from_mssql.toml "${range[@]}" --table "${tag}_APP_4_SALES" --verify-only >v.out 2>&1
[ $? = 0 ] && ok "SQL Server source: --verify-only matches every month" || { bad "SQL Server source: --verify-only"; tail -3 v.out; }
sqlite3 out.db "UPDATE ${tag}_APP_4_SALES SET CUSTOMER_NAME = 'changed' WHERE rowid = (SELECT MIN(rowid) FROM ${tag}_APP_4_SALES
                WHERE DATETIME__SALES_DATE >= '2025-05-01' AND DATETIME__SALES_DATE < '2025-06-01')"
"$bin/replicate_all_sales" --config from_mssql.toml "${range[@]}" --table "${tag}_APP_4_SALES" --verify-only >v.out 2>&1
code=$?
"$bin/replicate_all_sales" --config from_mssql.toml "${range[@]}" --table "${tag}_APP_4_SALES" --repair >/dev/null 2>&1
[ "$code" = 1 ] && grep -q "2025-05.*MISMATCH" v.out && [ "$(sqlite_differs)" = none ] \
    && ok "SQL Server source: a value changed in the SQLite copy is found (May) and repaired" || bad "SQL Server source: verify/repair (exit $code)"

drop_target "${tag}_b_"
mssql "IF OBJECT_ID(N'${tag}_T', N'U') IS NOT NULL DROP TABLE [${tag}_T]; DELETE FROM replicate_ledger WHERE table_name = N'${tag}_T'" >/dev/null
finish

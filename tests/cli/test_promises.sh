#!/usr/bin/env bash
# What the README promises and no other test exercised, through the tools on real servers:
# - exit 1 with the failed month named (table, range, the driver's error), the other months
#   done and the failed one empty;
# - [source] schema and [target] schema on PostgreSQL and MariaDB (the production layout),
#   with the ledger and the run history inside the target schema;
# - the migrations applied by each DBMS's own client (psql, mariadb, sqlite3), then used by a
#   run that leaves their definitions as they were;
# - source safety: at most --max-workers source sessions at once, counted by the server
#   (pg_stat_activity, information_schema.processlist).
# Results are read with the DBMS's own client and compared with the generated demo.
# Usage: test_promises.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin -N -B -e "$1"; }
range=(--start-date 2024-10-01 --end-date 2025-10-31)
tag="pr$$"   # this process's objects: two runs of the suite on one server do not meet
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
for t in APP_4_SALES APP_4_VOUCHER; do canonical sqlite:"$work/demo.db" "$t" >"original_$t.txt"; done

job() {  # job SOURCE SOURCE_SCHEMA TARGET TARGET_SCHEMA
    printf '[source]\nconnection = "%s"\nschema = "%s"\n[target]\nconnection = "%s"\nschema = "%s"\n' "$1" "$2" "$3" "$4"
    printf '[run]\nretry_attempts = 1\n'
    printf '[[sales]]\ntable = "APP_4_SALES"\ndate_column = "DATETIME__SALES_DATE"\n'
    printf '[[sales]]\ntable = "APP_4_VOUCHER"\ndate_column = "DATE__ISSUE_DATE"\n'
}
same_as_demo() {  # same_as_demo WHAT DBMS SCHEMA
    local t d="" n
    for t in APP_4_SALES APP_4_VOUCHER; do
        canonical "$2" "$t" "$3" >copy.txt 2>&1
        cmp -s "original_$t.txt" copy.txt || d+="$t "
    done
    n=$(($(wc -l <copy.txt) - 1))
    [ -z "$d" ] && ok "$1: equal to the generated demo as the DBMS's client prints it" || bad "$1: differs in $d"
}

# ---- schemas, and migrations applied by the DBMS's own client --------------------------------
psql_q -c "DROP SCHEMA IF EXISTS ${tag}_src CASCADE; DROP SCHEMA IF EXISTS ${tag}_dw CASCADE;
           CREATE SCHEMA ${tag}_src; CREATE SCHEMA ${tag}_dw"
maria_q "DROP DATABASE IF EXISTS ${tag}_dw; CREATE DATABASE ${tag}_dw DEFAULT CHARSET utf8mb4;
         GRANT ALL ON ${tag}_dw.* TO 'replicate'@'127.0.0.1'; GRANT ALL ON ${tag}_dw.* TO 'replicate'@'localhost'"
# The migrations, each with its own client, into the target schemas and a fresh SQLite file.
# Every script of each folder, in order (001 the ledger and run history, 002 the ledger's
# verification columns).
{ echo "SET search_path = ${tag}_dw;"; cat "$src"/migrations/postgresql/*.sql; } | psql_q >/dev/null \
    && ok "migrations/postgresql applied with psql" || bad "migrations/postgresql failed under psql"
cat "$src"/migrations/mariadb/*.sql | $maria_admin "${tag}_dw" && ok "migrations/mariadb applied with mariadb" \
    || bad "migrations/mariadb failed under the mariadb client"
cat "$src"/migrations/sqlite/*.sql | sqlite3 dw.db && ok "migrations/sqlite applied with sqlite3" || bad "migrations/sqlite failed under sqlite3"
pg_def() { psql_q -c "SELECT string_agg(table_name || '.' || column_name || ' ' || data_type, ',' ORDER BY table_name, ordinal_position)
                      FROM information_schema.columns WHERE table_schema = '${tag}_dw' AND table_name LIKE 'replicate_%'"; }
maria_def() { maria_q "SELECT GROUP_CONCAT(CONCAT(TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE) ORDER BY TABLE_NAME, ORDINAL_POSITION)
                       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '${tag}_dw' AND TABLE_NAME LIKE 'replicate%'"; }
sqlite_def() { sqlite3 dw.db "SELECT group_concat(sql, ';') FROM (SELECT sql FROM sqlite_master WHERE name LIKE 'replicate%' ORDER BY name)"; }
pg_before=$(pg_def); maria_before=$(maria_def); sqlite_before=$(sqlite_def)

# The source in a PostgreSQL schema (loaded by the tool, checked against the demo by psql).
job "Driver=SQLite3;Database=$work/demo.db" "" "$pg_conn" "${tag}_src" >load.toml
"$bin/replicate_all_sales" --config load.toml "${range[@]}" --log-level error >load.out 2>&1 \
    && ok "the demo loaded into PostgreSQL schema ${tag}_src" || { bad "loading into ${tag}_src failed"; cat load.out; }
same_as_demo "the source in schema ${tag}_src" postgresql "${tag}_src"
n=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename IN ('APP_4_SALES', 'APP_4_VOUCHER')")
[ "$n" = 0 ] && ok "nothing was created outside the target schema" || bad "$n demo tables appeared in public"

# PostgreSQL schema -> PostgreSQL schema, MariaDB database, SQLite file: all with migrated ledgers.
job "$pg_conn" "${tag}_src" "$pg_conn" "${tag}_dw" >to_pg.toml
job "$pg_conn" "${tag}_src" "$maria_conn" "${tag}_dw" >to_maria.toml
job "$pg_conn" "${tag}_src" "Driver=SQLite3;Database=$work/dw.db" "" >to_sqlite.toml
for t in pg maria sqlite; do
    "$bin/replicate_all_sales" --config to_$t.toml "${range[@]}" --max-workers 3 --log-level error >run_$t.out 2>&1
    code=$?
    [ "$code" = 0 ] && ok "schema ${tag}_src -> $t target: exit 0" || { bad "schema ${tag}_src -> $t: exit $code"; head -5 run_$t.out; }
done
same_as_demo "PostgreSQL schema ${tag}_dw" postgresql "${tag}_dw"
same_as_demo "MariaDB database ${tag}_dw" mariadb "${tag}_dw"
same_as_demo "SQLite target with the migrated ledger" sqlite:"$work/dw.db" ""
n=$(psql_q -c "SELECT count(*) FROM ${tag}_dw.replicate_ledger WHERE table_name IN ('${tag}_dw.APP_4_SALES', '${tag}_dw.APP_4_VOUCHER')")
r=$(psql_q -c "SELECT count(*) FROM ${tag}_dw.replicate_run WHERE status = 'ok'")
[ "$n" = 26 ] && [ "$r" = 1 ] && ok "PostgreSQL: 26 ledger rows (${tag}_dw.APP_4_SALES ...) and the run in schema ${tag}_dw's migrated tables" \
    || bad "PostgreSQL: $n ledger rows, $r ok runs in ${tag}_dw"
n=$(psql_q -c "SELECT count(*) FROM public.replicate_ledger WHERE run_id IN (SELECT run_id FROM ${tag}_dw.replicate_run)" 2>/dev/null || echo 0)
[ "$n" = 0 ] && ok "PostgreSQL: no ledger row of this run outside ${tag}_dw" || bad "PostgreSQL: ledger rows of this run in public"
n=$(maria_q "SELECT count(*) FROM ${tag}_dw.replicate_ledger WHERE table_name IN ('${tag}_dw.APP_4_SALES', '${tag}_dw.APP_4_VOUCHER')")
r=$(maria_q "SELECT count(*) FROM ${tag}_dw.replicate_run WHERE status = 'ok'")
[ "$n" = 26 ] && [ "$r" = 1 ] && ok "MariaDB: 26 ledger rows and the run in database ${tag}_dw's migrated tables" \
    || bad "MariaDB: $n ledger rows, $r ok runs in ${tag}_dw"
n=$(sqlite3 dw.db "SELECT count(*) FROM replicate_ledger")
[ "$n" = 26 ] && ok "SQLite: 26 ledger rows in the migrated table" || bad "SQLite: $n ledger rows"
[ "$(pg_def)" = "$pg_before" ] && [ -n "$pg_before" ] && ok "PostgreSQL: the migrated tables' definitions are unchanged" || bad "PostgreSQL: migrated tables changed"
[ "$(maria_def)" = "$maria_before" ] && [ -n "$maria_before" ] && ok "MariaDB: the migrated tables' definitions are unchanged" || bad "MariaDB: migrated tables changed"
[ "$(sqlite_def)" = "$sqlite_before" ] && [ -n "$sqlite_before" ] && ok "SQLite: the migrated tables' definitions are unchanged" || bad "SQLite: migrated tables changed"

# ---- source safety: sessions on the source, counted by the server ----------------------------
# The run's own sessions are told from those of other runs on the server (cli.shared_server
# runs this script twice at once) by their client ports: the process's TCP sockets, from /proc.
client_ports() {  # PID: the local ports of its TCP connections, comma-separated
    local inodes port ports=""
    inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*socket:\[\([0-9]*\)\]$/\1/p' | paste -sd'|')
    [ -n "$inodes" ] || return 0
    for port in $(awk -v re="^(${inodes})\$" 'FNR > 1 && $10 ~ re { split($2, a, ":"); print a[2] }' \
                  /proc/net/tcp /proc/net/tcp6 2>/dev/null); do
        ports+="${ports:+,}$((16#$port))"
    done
    echo "$ports"
}
peak_pg=0
"$bin/replicate_all_sales" --config to_pg.toml "${range[@]}" --max-workers 3 --log-level error >/dev/null 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
    ports=$(client_ports $pid)
    if [ -n "$ports" ]; then
        n=$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'libreplicate source'
                       AND client_port IN ($ports)")
        [ "$n" -gt "$peak_pg" ] && peak_pg=$n
    fi
    sleep 0.01
done
wait $pid
[ "$peak_pg" -ge 1 ] && [ "$peak_pg" -le 3 ] && ok "--max-workers 3: at most $peak_pg source sessions seen in pg_stat_activity" \
    || bad "--max-workers 3: $peak_pg source sessions in pg_stat_activity"
# MariaDB as the source: its sessions are the test user's in ${tag}_dw (the target is SQLite).
maria_src=${maria_conn/Database=replicate_test/Database=${tag}_dw}
job "$maria_src" "" "Driver=SQLite3;Database=$work/from_maria.db" "" >from_maria.toml
peak_my=0
"$bin/replicate_all_sales" --config from_maria.toml "${range[@]}" --max-workers 2 --log-level error >from_maria.out 2>&1 &
pid=$!
while kill -0 $pid 2>/dev/null; do
    n=$(maria_q "SELECT count(*) FROM information_schema.PROCESSLIST WHERE USER = 'replicate' AND DB = '${tag}_dw'")
    [ "$n" -gt "$peak_my" ] && peak_my=$n
    sleep 0.01
done
wait $pid
code=$?
[ "$code" = 0 ] && [ "$peak_my" -ge 1 ] && [ "$peak_my" -le 2 ] \
    && ok "--max-workers 2: at most $peak_my MariaDB source sessions in the processlist" \
    || { bad "--max-workers 2 from MariaDB: exit $code, $peak_my sessions"; head -3 from_maria.out; }

# ---- exit 1: the failed month is named, the others are done ----------------------------------
# A target pre-created with a CHECK that refuses March 2025: that month fails, no other.
psql_q -c "CREATE TABLE ${tag}_dw.\"checked_APP_4_VOUCHER\" (LIKE ${tag}_src.\"APP_4_VOUCHER\",
           CONSTRAINT no_march CHECK (\"DATE__ISSUE_DATE\" < '2025-03-01' OR \"DATE__ISSUE_DATE\" >= '2025-04-01'))"
cat >fail.toml <<TOML
[source]
connection = "$pg_conn"
schema = "${tag}_src"
[target]
connection = "$pg_conn"
schema = "${tag}_dw"
table_prefix = "checked_"
[run]
retry_attempts = 1
[[sales]]
table = "APP_4_VOUCHER"
date_column = "DATE__ISSUE_DATE"
TOML
"$bin/replicate_all_sales" --config fail.toml --start-date 2025-01-01 --end-date 2025-05-31 --log-level error >fail.out 2>fail.err
code=$?
[ "$code" = 1 ] && ok "a month the target refuses: exit 1" || { bad "a refused month: exit $code, wanted 1"; cat fail.err | head -5; }
cat fail.out fail.err >fail.all
grep -q "APP_4_VOUCHER" fail.all && grep -q "2025-03-01" fail.all && grep -q "no_march" fail.all \
    && ok "the failure names the table, the month and the driver's error (constraint no_march)" \
    || { bad "the failed month is not named with its error"; head -8 fail.all; }
months=$(psql_q -c "SELECT string_agg(DISTINCT to_char(\"DATE__ISSUE_DATE\", 'YYYY-MM'), ' ' ORDER BY to_char(\"DATE__ISSUE_DATE\", 'YYYY-MM'))
                    FROM ${tag}_dw.\"checked_APP_4_VOUCHER\"")
[ "$months" = "2025-01 2025-02 2025-04 2025-05" ] && ok "the other four months are there, March is empty" || bad "months in the target: $months"
want=$(psql_q -c "SELECT count(*) FROM ${tag}_src.\"APP_4_VOUCHER\" WHERE \"DATE__ISSUE_DATE\" >= '2025-01-01' AND \"DATE__ISSUE_DATE\" < '2025-06-01'
                  AND NOT (\"DATE__ISSUE_DATE\" >= '2025-03-01' AND \"DATE__ISSUE_DATE\" < '2025-04-01')")
got=$(psql_q -c "SELECT count(*) FROM ${tag}_dw.\"checked_APP_4_VOUCHER\"")
[ "$want" = "$got" ] && ok "the four done months hold all their $got rows" || bad "the done months hold $got rows, wanted $want"
l=$(psql_q -c "SELECT string_agg(range_lo, ' ' ORDER BY range_lo) FROM ${tag}_dw.replicate_ledger WHERE table_name = '${tag}_dw.checked_APP_4_VOUCHER'")
[ "$l" = "2025-01-01 2025-02-01 2025-04-01 2025-05-01" ] && ok "the ledger holds the four done months, not March (a --resume retries it)" \
    || bad "the ledger holds: $l"

[ -n "${KEEP:-}" ] || psql_q -c "DROP SCHEMA ${tag}_src CASCADE; DROP SCHEMA ${tag}_dw CASCADE"
maria_q "DROP DATABASE ${tag}_dw"
finish

#!/usr/bin/env bash
# Failures against real servers, through the tools: connections killed mid-partition (source
# and target), four workers on one table (PostgreSQL, MariaDB), a provoked deadlock,
# wrong passwords, names that try to be SQL, and secrets kept out of every output and log.
# Usage: test_failures.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
tag="fl$$"   # this process's tables: two runs of the suite on one server do not meet
both_servers
maria_q() { $maria_admin replicate_test -N -B -e "$1"; }
range=(--start-date 2024-10-01 --end-date 2025-10-31)

job() {  # job SOURCE TARGET TARGET_PREFIX SOURCE_PREFIX [EXTRA_RUN_LINES]
    printf '[source]\nconnection = "%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n' "$1" "$2" "$3"
    printf '[run]\nbatch_rows = 500\nretry_attempts = 5\nretry_base_delay_ms = 100\n%s\n' "${5:-}"
    printf '[[sales]]\ntable = "%sAPP_4_SALESITEM"\ndate_column = "DATETIME__SALES_DATE"\n' "$4"
}
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
job "Driver=SQLite3;Database=$work/demo.db" "$pg_conn" "${tag}_src_" "" >load_pg.toml
"$bin/replicate_all_sales" --config load_pg.toml "${range[@]}" --log-level error >/dev/null \
    || { echo "FAIL - could not load the PostgreSQL source"; exit 1; }
pg_diff() {  # rows differing between the source and TABLE, duplicates included
    psql_q -c "SELECT (SELECT count(*) FROM (SELECT * FROM \"${tag}_src_APP_4_SALESITEM\" EXCEPT ALL SELECT * FROM \"$1\") a)
                    + (SELECT count(*) FROM (SELECT * FROM \"$1\" EXCEPT ALL SELECT * FROM \"${tag}_src_APP_4_SALESITEM\") b)"
}

# ---- connections killed mid-partition ------------------------------------------------------
# Only sessions copying a partition are killed: the reading cursor's FETCH (named after the
# table) and the target's COPY. A session killed during the checks before the copy fails the
# run by design (checks are not retried).
job "$pg_conn" "$pg_conn" "${tag}_killed_" "${tag}_src_" >kill.toml
psql_q -c "DROP TABLE IF EXISTS \"${tag}_killed_${tag}_src_APP_4_SALESITEM\""
"$bin/replicate_all_sales" --config kill.toml "${range[@]}" --max-workers 2 --log-level info >kill.out 2>&1 &
pid=$!
killed_source=0
killed_target=0
for _ in $(seq 200); do
    if [ "$killed_source" = 0 ]; then
        killed_source=$(psql_q -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE application_name = 'libreplicate source' AND state IN ('active', 'idle in transaction')
            AND query LIKE 'FETCH%${tag}_%'")
    elif [ "$killed_target" = 0 ]; then
        killed_target=$(psql_q -c "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
            WHERE application_name = 'libreplicate target' AND state IN ('active', 'idle in transaction')
            AND query LIKE 'COPY%${tag}_%'")
    else
        break
    fi
    sleep 0.05
done
wait $pid
code=$?
[ "$killed_source" -gt 0 ] && [ "$killed_target" -gt 0 ] && ok "killed $killed_source source and $killed_target target session(s) mid-partition" \
    || bad "could not kill sessions mid-run (source $killed_source, target $killed_target)"
[ "$code" = 0 ] && ok "the run still ends successfully (exit 0)" || { bad "exit $code after killed connections"; grep -E 'error|failed' kill.out | head -5; }
grep -q "failed (transient)" kill.out && ok "the lost connections were classified transient and retried" || bad "no transient retry in the log"
[ "$(pg_diff ${tag}_killed_${tag}_src_APP_4_SALESITEM)" = 0 ] && ok "the target is exact after the retries" || bad "the target differs after the retries"

# ---- four workers on one table, PostgreSQL and MariaDB ----------------------------------------
job "$pg_conn" "$pg_conn" "${tag}_four_" "${tag}_src_" >four_pg.toml
job "$pg_conn" "$maria_conn" "${tag}_four_" "${tag}_src_" >four_maria.toml
for target in pg maria; do
    "$bin/replicate_all_sales" --config four_$target.toml "${range[@]}" --max-workers 4 --log-level info >four.out 2>&1
    code=$?
    [ "$code" = 0 ] && ok "4 workers writing months of one table into $target: exit 0" || bad "4 workers into $target: exit $code"
    grep -qiE "deadlock|failed \(" four.out && bad "4 workers into $target: a deadlock or failure surfaced" \
        || ok "4 workers into $target: no deadlock, no retry"
done
[ "$(pg_diff ${tag}_four_${tag}_src_APP_4_SALESITEM)" = 0 ] && ok "4 workers into PostgreSQL: exact" || bad "4 workers into PostgreSQL: differs"
# MariaDB's copy against the generated demo, both as their own clients print them.
canonical sqlite:"$work/demo.db" APP_4_SALESITEM >original.txt
canonical mariadb ${tag}_four_${tag}_src_APP_4_SALESITEM >maria_copy.txt 2>&1
n=$(($(wc -l <maria_copy.txt) - 1))
cmp -s original.txt maria_copy.txt && ok "4 workers into MariaDB: all $n rows equal the generated demo, value for value" \
    || { bad "4 workers into MariaDB: differs from the demo ($n rows)"; diff original.txt maria_copy.txt | head -3 | cut -c1-200; }

# ---- a real deadlock, provoked: our sink must be the victim, classified transient, retried ----
# Session X (psql fed through a FIFO) locks the ledger row of February, waits until our sink
# (which has already deleted February's rows) blocks on that row, then asks for a SHARE lock
# on the target table, which the sink's open transaction holds in ROW EXCLUSIVE: a cycle.
# X's deadlock_timeout is 60 s, so PostgreSQL breaks the cycle by aborting our sink.
feb=(--start-date 2025-02-01 --end-date 2025-02-28)
job "$pg_conn" "$pg_conn" "${tag}_four_" "${tag}_src_" >deadlock.toml
mkfifo x.fifo
PGPASSWORD=postgres-superuser psql -h 127.0.0.1 -p "$port" -U postgres -d replicate_test -X -q <x.fifo >x.out 2>&1 &
xpid=$!
exec 3>x.fifo
echo "BEGIN; SET LOCAL deadlock_timeout = '60s'; SELECT 1 FROM replicate_ledger WHERE table_name = '${tag}_four_${tag}_src_APP_4_SALESITEM' AND range_lo = '2025-02-01' FOR UPDATE;" >&3
sleep 0.5
"$bin/replicate_all_sales" --config deadlock.toml "${feb[@]}" --max-workers 1 --log-level info >deadlock.out 2>&1 &
pid=$!
blocked=0
for _ in $(seq 200); do
    # Our sink, waiting on session X (whose query names this run's table): not another suite's.
    # As the superuser, who sees other users' queries.
    blocked=$(PGPASSWORD=postgres-superuser psql -h 127.0.0.1 -p "$port" -U postgres -d replicate_test -X -q -t -A -c "SELECT count(*) FROM pg_stat_activity a WHERE application_name = 'libreplicate target'
                         AND wait_event_type = 'Lock' AND EXISTS (SELECT 1 FROM pg_stat_activity b
                         WHERE b.pid = ANY (pg_blocking_pids(a.pid)) AND b.query LIKE '%${tag}_%')")
    [ "$blocked" != 0 ] && break
    sleep 0.05
done
echo "LOCK TABLE \"${tag}_four_${tag}_src_APP_4_SALESITEM\" IN SHARE MODE;" >&3
sleep 2
echo "COMMIT;" >&3
exec 3>&-
wait $pid
code=$?
wait $xpid 2>/dev/null
[ "$blocked" != 0 ] && ok "the sink blocked on the ledger row held by another session" || bad "the sink never blocked"
grep -q "40P01" deadlock.out && ok "PostgreSQL reported a deadlock (40P01) to our sink" || { bad "no deadlock reached our sink"; cat x.out; }
grep -q "failed (transient)" deadlock.out && ok "the deadlock was classified transient and retried" || bad "the deadlock was not retried"
[ "$code" = 0 ] && ok "the run ends successfully after the deadlock" || bad "exit $code after the deadlock"
[ "$(pg_diff ${tag}_four_${tag}_src_APP_4_SALESITEM)" = 0 ] && ok "the target is exact after the deadlock" || bad "the target differs after the deadlock"

# ---- wrong passwords, a closed port, and secrets in every output --------------------------
contains_reason() {
    grep -qF -- "$1" err.txt && ok "$name, $tool: the error says '$1'" || { bad "$name, $tool: '$1' not in the error"; head -3 err.txt; }
}
secret_pg='Pg-test-pw;1'
secret_maria='Maria-test-pw;1'
wrong_pg=${pg_conn/Pg-test-pw;1/Wr0ng-Secret-Pw;9}
wrong_maria=${maria_conn/Maria-test-pw;1/Wr0ng-Maria-Pw;9}
closed=${pg_conn/Port=$port/Port=1}
for case in ok:"$pg_conn":"$maria_conn" wrongpg:"$wrong_pg":"$maria_conn" wrongmaria:"$pg_conn":"$wrong_maria" closed:"$closed":"$maria_conn"; do
    name=${case%%:*}
    rest=${case#*:}
    source=${rest%%:Driver=\{MariaDB*}
    target=${rest#"$source":}
    job "$source" "$target" "${tag}_secret_" "${tag}_src_" >secret_$name.toml
    printf '[[reference]]\ntable = "%s"\n' "${tag}_src_APP_4_SALESITEM" >>secret_$name.toml
    for tool in test_connection replicate_all_sales replicate_reference; do
        args=(--config secret_$name.toml --log-level trace --log-file secret_$name.log)
        [ $tool = replicate_all_sales ] && args+=(--start-date 2025-01-01 --end-date 2025-01-31)
        [ $tool = replicate_reference ] && args+=(--full-table)
        "$bin/$tool" "${args[@]}" >out.txt 2>err.txt
        code=$?
        case $name:$tool in
            ok:*) want=0 ;;
            *) want=3 ;;
        esac
        [ "$code" = $want ] && ok "$name, $tool: exit $code" || { bad "$name, $tool: exit $code, wanted $want"; head -3 err.txt; }
        # The driver's reason reaches the user (without the password, checked below).
        case $name:$tool in
            wrongpg:replicate_all_sales) contains_reason "password authentication failed" ;;
            wrongmaria:replicate_all_sales) contains_reason "Access denied" ;;
            closed:replicate_all_sales) contains_reason "Connection refused" ;;
        esac
        if [ "$want" = 3 ]; then
            # test_connection reports on its screen: one [FAIL] line per failed check.
            if [ $tool = test_connection ]; then n=$(grep -c '\[FAIL\] cannot connect' out.txt); else n=$(grep -c 'error' err.txt); fi
            [ "$n" = 1 ] && ok "$name, $tool: one error line" || bad "$name, $tool: $n error lines on stderr"
        fi
        for secret in "$secret_pg" "$secret_maria" "Wr0ng-Secret-Pw;9" "Wr0ng-Maria-Pw;9" "Wr0ng-Secret" "Pg-test-pw"; do
            if grep -qF -- "$secret" out.txt err.txt secret_$name.log 2>/dev/null; then
                bad "$name, $tool: a password appears in the output or log"
            fi
        done
    done
    [ -s secret_$name.log ] && ok "$name: trace log written and checked" || bad "$name: no log file"
done

# This run's tables and ledger rows.
for t in "${tag}_src_" "${tag}_killed_${tag}_src_" "${tag}_four_${tag}_src_" "${tag}_secret_${tag}_src_"; do
    psql_q -c "DROP TABLE IF EXISTS \"${t}APP_4_SALESITEM\"; DELETE FROM replicate_ledger WHERE table_name = '${t}APP_4_SALESITEM'"
done
maria_q "DROP TABLE IF EXISTS \`${tag}_four_${tag}_src_APP_4_SALESITEM\`, \`${tag}_secret_${tag}_src_APP_4_SALESITEM\`; DELETE FROM replicate_ledger WHERE table_name LIKE '${tag}_%'"
finish

#!/usr/bin/env bash
# Runs that overlap, through the tools, into PostgreSQL, MariaDB and SQLite targets (fresh and
# pre-created): two identical runs at once, a one-day run during a month run, two refreshes of
# one reference table at once, a run that gives up waiting and names the run in its way.
# Every result is checked with the DBMS's own client (psql, mariadb, sqlite3): no row doubled
# or lost, and the exit codes tell the truth.
# Usage: test_concurrency.sh BIN_DIR SOURCE_DIR SERVERS_ENV
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" "$@"
both_servers
maria_q() { $maria_admin --default-character-set=utf8mb4 replicate_test -N -B -e "$1"; }
# Names unique to this process: two runs of the suite may share the servers.
tag="cc$$"
range=(--start-date 2024-10-01 --end-date 2025-10-31)

job() {  # job SOURCE_CONN TARGET_CONN PREFIX [TARGET_LINES]
    printf '[source]\nconnection = "%s"\n[target]\nconnection = "%s"\ntable_prefix = "%s"\n%s\n' "$1" "$2" "$3" "${4:-}"
    printf '[run]\nbatch_rows = 200\nretry_attempts = 2\nretry_base_delay_ms = 100\n'
    printf '[[sales]]\ntable = "%s_src_APP_4_SALES"\ndate_column = "DATETIME__SALES_DATE"\n' "$tag"
    printf '[[reference]]\ntable = "%s_src_APP_4_ITEM"\n' "$tag"
}

# The source: the demo, in PostgreSQL, loaded by psql from sqlite3's own dump of it (CSV).
sqlite3 demo.db <"$src/examples/demo/make_source.sql" >/dev/null
# load_source TABLE: sqlite3 prints CSV (binary as hex), psql loads it into a table of
# equivalent PostgreSQL types, with the same primary key.
load_source() {
    local types cols
    types=$(sqlite3 demo.db "SELECT group_concat('\"' || name || '\" ' || CASE WHEN type LIKE 'datetime%' THEN 'timestamp(3)'
        WHEN type LIKE 'tinyint%' THEN 'smallint' WHEN type LIKE 'nvarchar%' THEN substr(type, 2)
        WHEN type LIKE 'binary%' THEN 'bytea' ELSE type END || CASE WHEN pk > 0 THEN ' PRIMARY KEY' ELSE '' END, ', ')
        FROM pragma_table_info('$1')")
    cols=$(sqlite3 demo.db "SELECT group_concat(CASE WHEN type LIKE 'binary%' THEN 'CASE WHEN \"' || name || '\" IS NULL THEN NULL
        ELSE ''\\x'' || hex(\"' || name || '\") END' ELSE '\"' || name || '\"' END, ', ') FROM pragma_table_info('$1')")
    psql_q -c "DROP TABLE IF EXISTS \"${tag}_src_$1\"; CREATE TABLE \"${tag}_src_$1\" ($types)" &&
        sqlite3 -csv demo.db "SELECT $cols FROM $1" | psql_q -c "\\copy \"${tag}_src_$1\" FROM STDIN (FORMAT csv)"
}
load_source APP_4_SALES || { echo "FAIL - could not load the PostgreSQL source"; exit 1; }
load_source APP_4_ITEM || { echo "FAIL - could not load APP_4_ITEM"; exit 1; }
n_sales=$(sqlite3 demo.db "SELECT count(*) FROM APP_4_SALES")
n_items=$(sqlite3 demo.db "SELECT count(*) FROM APP_4_ITEM")
[ "$(psql_q -c "SELECT count(*) FROM \"${tag}_src_APP_4_SALES\"")" = "$n_sales" ] \
    && ok "source loaded by psql from sqlite3: $n_sales sales, $n_items items" || bad "source load"

# pg_diff TABLE SOURCE: rows differing between the PostgreSQL source and target, duplicates
# included (EXCEPT ALL both ways).
pg_diff() {
    psql_q -c "SELECT (SELECT count(*) FROM (SELECT * FROM \"$2\" EXCEPT ALL SELECT * FROM \"$1\") a)
                    + (SELECT count(*) FROM (SELECT * FROM \"$1\" EXCEPT ALL SELECT * FROM \"$2\") b)"
}
# The same rows in MariaDB/SQLite, compared on what every copy prints alike: the key, the
# sales date, two decimals and the customer name, as text; duplicates count.
pg_rows() { psql_q -F $'\t' -c "SELECT \"SALES_ID\", to_char(\"DATETIME__SALES_DATE\", 'YYYY-MM-DD HH24:MI:SS.MS'),
    \"SUBTOTAL\", \"GRAND_TOTAL\", coalesce(\"CUSTOMER_NAME\", 'NULL') FROM \"${tag}_src_APP_4_SALES\" ORDER BY 1"; }
maria_rows() { maria_q "SELECT SALES_ID, DATE_FORMAT(DATETIME__SALES_DATE, '%Y-%m-%d %H:%i:%s.%f'), SUBTOTAL, GRAND_TOTAL,
    coalesce(CUSTOMER_NAME, 'NULL') FROM \`$1\` ORDER BY 1" | sed 's/\(\.[0-9]\{3\}\)000\t/\1\t/'; }
sqlite_rows() { sqlite3 -separator $'\t' "$2" "SELECT SALES_ID, substr(DATETIME__SALES_DATE, 1, 23), printf('%.4f', SUBTOTAL),
    printf('%.4f', GRAND_TOTAL), coalesce(CUSTOMER_NAME, 'NULL') FROM \"$1\" ORDER BY 1"; }
pg_rows >expected.tsv

# wait_writing KIND TABLE [FILE]: until a run is writing TABLE in an open transaction, so a
# second run starts while the first holds its first months.
wait_writing() {
    for _ in $(seq 400); do
        case $1 in
        pg) [ "$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'libreplicate target'
                 AND state IN ('active', 'idle in transaction') AND query LIKE '%$2%'")" -gt 0 ] && return 0 ;;
        maria) [ "$(maria_q "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED; SELECT count(*) FROM \`$2\`" 2>/dev/null)" \
                 -gt 0 ] 2>/dev/null && return 0 ;;
        sqlite) [ -f "$3-journal" ] || [ -f "$3-wal" ] && return 0 ;;
        esac
        sleep 0.05
    done
    return 1
}

# check_target KIND TABLE [FILE]: the target equals the source, each row once.
check_target() {
    case $1 in
    pg) [ "$(pg_diff "$2" "${tag}_src_APP_4_SALES")" = 0 ] ;;
    maria) maria_rows "$2" >got.tsv && cmp -s expected.tsv got.tsv ;;
    sqlite) sqlite_rows "$2" "$3" >got.tsv && cmp -s expected.tsv got.tsv ;;
    esac
}

# hold_lock KIND TABLE: another session (the DBMS's client, fed through a FIFO) takes a lock
# that makes a writer of TABLE wait inside its partition, after it took its partition lock.
# release_lock ends that session.
hold_lock() {
    rm -f holder.fifo && mkfifo holder.fifo
    case $1 in
    pg | pg-sql) psql -h 127.0.0.1 -p "$port" -U replicate -d replicate_test -X -q <holder.fifo >holder.out 2>&1 & ;;
    maria) $maria_admin --unbuffered replicate_test <holder.fifo >holder.out 2>&1 & ;;
    esac
    holder=$!
    exec 7>holder.fifo
    case $1 in
    pg) echo "BEGIN; LOCK TABLE \"$2\" IN SHARE MODE; SELECT 'locked';" >&7 ;;
    maria) echo "LOCK TABLES \`$2\` READ; SELECT 'locked';" >&7 ;;
    pg-sql) echo "BEGIN; $2; SELECT 'locked';" >&7 ;;
    esac
    for _ in $(seq 100); do grep -q locked holder.out 2>/dev/null && return 0; sleep 0.05; done
    return 1
}
release_lock() {
    case $1 in
    pg) echo "COMMIT;" >&7 ;;
    maria) echo "UNLOCK TABLES;" >&7 ;;
    esac
    exec 7>&-
    wait "$holder" 2>/dev/null
}
# wait_blocked KIND TABLE: until a statement on TABLE waits for a lock.
wait_blocked() {
    for _ in $(seq 400); do
        case $1 in
        pg) [ "$(psql_q -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%$2%'")" -gt 0 ] && return 0 ;;
        maria) [ "$(maria_q "SELECT count(*) FROM information_schema.processlist WHERE state LIKE 'Waiting for table%' AND info LIKE '%$2%'")" -gt 0 ] && return 0 ;;
        esac
        sleep 0.05
    done
    return 1
}
# wait_for_line FILE TEXT: until FILE shows TEXT (20 s at most).
wait_for_line() {
    for _ in $(seq 400); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

conn_of() {  # KIND [FILE]
    case $1 in pg) echo "$pg_conn" ;; maria) echo "$maria_conn" ;; sqlite) echo "Driver=SQLite3;Database=$2" ;; esac
}

# ---- two identical runs at once, and a one-day run during a month run ------------------------
for kind in ${CONCURRENCY_KINDS-pg maria sqlite}; do
    for prepared in fresh prepared; do
        prefix="${tag}_${prepared}_"
        table="${prefix}${tag}_src_APP_4_SALES"
        file="$work/$kind-$prepared.db"
        conn=$(conn_of $kind "$file")
        if [ "$prepared" = prepared ]; then
            # Created by the DBMS's own client, with a primary key, before any run.
            case $kind in
            pg) psql_q -c "DROP TABLE IF EXISTS \"$table\"; CREATE TABLE \"$table\" (LIKE \"${tag}_src_APP_4_SALES\" INCLUDING ALL)" ;;
            maria) maria_q "DROP TABLE IF EXISTS \`$table\`"
                   sqlite3 demo.db "SELECT sql FROM sqlite_master WHERE name = 'APP_4_SALES'" \
                       | sed -e "s/CREATE TABLE APP_4_SALES/CREATE TABLE \`$table\`/" -e 's/nvarchar/varchar/g' -e 's/tinyint/smallint/g' \
                             -e 's/datetime/datetime(3)/g' -e 's/varchar(\([0-9]*\))/varchar(\1) CHARACTER SET utf8mb4/g' \
                       | $maria_admin replicate_test ;;
            sqlite) sqlite3 demo.db "SELECT sql FROM sqlite_master WHERE name = 'APP_4_SALES'" \
                       | sed "s/CREATE TABLE APP_4_SALES/CREATE TABLE \"$table\"/" | sqlite3 "$file" ;;
            esac
        else
            case $kind in
            pg) psql_q -c "DROP TABLE IF EXISTS \"$table\"" ;;
            maria) maria_q "DROP TABLE IF EXISTS \`$table\`" ;;
            sqlite) rm -f "$file" ;;
            esac
        fi
        job "$pg_conn" "$conn" "$prefix" >job.toml
        what="$kind, $prepared target"
        # On a prepared PostgreSQL or MariaDB target, a lock held by another session keeps the
        # first run inside its first month until the second run has asked for that month, so
        # the overlap is certain; elsewhere the runs overlap as they happen to.
        forced=false
        if [ "$prepared" = prepared ] && [ $kind != sqlite ]; then
            hold_lock $kind "$table" && forced=true || bad "$what: could not lock the target table"
        fi
        "$bin/replicate_all_sales" --config job.toml "${range[@]}" --table "${tag}_src_APP_4_SALES" >a.out 2>&1 7>&- &
        a=$!
        if [ "$forced" = true ]; then
            wait_blocked $kind "$table" || bad "$what: the first run never reached the locked table"
        else
            wait_writing $kind "$table" "$file" || bad "$what: the first run never started writing"
        fi
        "$bin/replicate_all_sales" --config job.toml "${range[@]}" --table "${tag}_src_APP_4_SALES" >b.out 2>&1 7>&- &
        b=$!
        if [ "$forced" = true ]; then
            wait_for_line b.out "is being written by another run" && ok "$what: the second run waits for the month the first holds" \
                || bad "$what: the second run did not wait for the first"
            release_lock $kind
        fi
        wait $a; ca=$?
        wait $b; cb=$?
        [ "$ca" = 0 ] && [ "$cb" = 0 ] && ok "$what: two identical runs at once both exit 0" \
            || { bad "$what: two runs exit $ca and $cb"; tail -n 3 a.out b.out; }
        check_target $kind "$table" "$file" && ok "$what: target equals source, no row doubled or lost" \
            || { bad "$what: target differs from source after two runs at once"; diff expected.tsv got.tsv | head -3; }

        # A one-day run (the nightly) while a month run (the backfill) writes the same table.
        "$bin/replicate_all_sales" --config job.toml "${range[@]}" --table "${tag}_src_APP_4_SALES" >a.out 2>&1 &
        a=$!
        wait_writing $kind "$table" "$file" || bad "$what: the month run never started writing"
        "$bin/replicate_all_sales" --config job.toml --start-date 2024-10-15 --end-date 2024-10-15 \
            --table "${tag}_src_APP_4_SALES" >b.out 2>&1 &
        b=$!
        wait $a; ca=$?
        wait $b; cb=$?
        [ "$ca" = 0 ] && [ "$cb" = 0 ] && ok "$what: a one-day run during a month run: both exit 0" \
            || { bad "$what: month run exit $ca, day run exit $cb"; tail -n 3 a.out b.out; }
        check_target $kind "$table" "$file" && ok "$what: after the day run within the month run, target equals source" \
            || { bad "$what: target differs after a day run within a month run"; diff expected.tsv got.tsv | head -3; }
    done
done

# ---- two refreshes of one reference table at once -----------------------------------------
for kind in ${CONCURRENCY_KINDS-pg maria sqlite}; do
    prefix="${tag}_ref_"
    table="${prefix}${tag}_src_APP_4_ITEM"
    file="$work/$kind-ref.db"
    conn=$(conn_of $kind "$file")
    job "$pg_conn" "$conn" "$prefix" >job.toml
    for i in 1 2 3; do
        "$bin/replicate_reference" --config job.toml --full-table >r$i.out 2>&1 &
        eval "r$i=\$!"
    done
    codes=""
    for i in 1 2 3; do eval "wait \$r$i"; codes="$codes $?"; done
    [ "$codes" = " 0 0 0" ] && ok "$kind: three refreshes of one table at once all exit 0" \
        || { bad "$kind: three refreshes exit$codes"; tail -n 2 r1.out r2.out r3.out; }
    case $kind in
    pg) n=$(psql_q -c "SELECT count(*), count(DISTINCT \"ITEM_ID\") FROM \"$table\"")
        d=$(psql_q -c "SELECT count(*) FROM (SELECT * FROM \"$table\" EXCEPT ALL SELECT * FROM \"${tag}_src_APP_4_ITEM\") x")
        staging=$(psql_q -c "SELECT count(*) FROM pg_tables WHERE tablename = '${table}__staging'") ;;
    maria) n=$(maria_q "SELECT count(*), count(DISTINCT ITEM_ID) FROM \`$table\`" | tr '\t' '|'); d=0
        staging=$(maria_q "SELECT count(*) FROM information_schema.tables WHERE table_name = '${table}__staging'") ;;
    sqlite) n=$(sqlite3 "$file" "SELECT count(*), count(DISTINCT ITEM_ID) FROM \"$table\""); d=0
        staging=$(sqlite3 "$file" "SELECT count(*) FROM sqlite_master WHERE name = '${table}__staging'") ;;
    esac
    [ "$n" = "$n_items|$n_items" ] && [ "$d" = 0 ] && ok "$kind: after three refreshes at once the table holds each of the $n_items items once" \
        || bad "$kind: after three refreshes: count|distinct = $n (expected $n_items), $d differing"
    [ "$staging" = 0 ] && ok "$kind: no staging table is left" || bad "$kind: ${table}__staging is left"
done

# ---- a run that waits too long fails its partitions and names the run in its way -------------
# In a schema of its own: another session locks October's ledger row, so the first run stays
# inside October (holding that month) while the second one waits for it; November and December
# stay free.
prefix="wait_"
schema="${tag}_wait"
psql_q -c "DROP SCHEMA IF EXISTS \"$schema\" CASCADE; CREATE SCHEMA \"$schema\""
job "$pg_conn" "$pg_conn" "$prefix" "schema = \"$schema\"" >slow.toml
job "$pg_conn" "$pg_conn" "$prefix" "schema = \"$schema\"
wait_for_other_run = 1" >impatient.toml
"$bin/replicate_all_sales" --config slow.toml "${range[@]}" --table "${tag}_src_APP_4_SALES" --log-level error >/dev/null 2>&1
hold_lock pg-sql "SELECT * FROM \"$schema\".replicate_ledger WHERE range_lo = '2024-10-01' FOR UPDATE" \
    || bad "could not lock October's ledger row"
"$bin/replicate_all_sales" --config slow.toml "${range[@]}" --max-workers 1 --table "${tag}_src_APP_4_SALES" >a.out 2>&1 7>&- &
a=$!
wait_blocked pg "replicate_ledger" || bad "the first run never reached the locked ledger"
"$bin/replicate_all_sales" --config impatient.toml --start-date 2024-10-01 --end-date 2024-12-31 \
    --max-workers 1 --table "${tag}_src_APP_4_SALES" >b.out 2>&1 7>&-
cb=$?
release_lock pg
wait $a; ca=$?
first=$(psql_q -c "SELECT run_id FROM \"$schema\".replicate_run WHERE command LIKE '%slow.toml%--max-workers 1%' ORDER BY started_at DESC LIMIT 1")
[ "$cb" = 1 ] && ok "a run that gives up waiting exits 1" || bad "the impatient run exited $cb"
grep -q "another run is writing .*$first started" b.out && ok "its error names the run that holds the month ($first)" \
    || { bad "the error does not name the holding run $first"; grep -m2 "another run" b.out; }
grep -q "2024-11-01..2024-12-01] done" b.out && ok "the months it could take were done" || bad "the impatient run did no month"
[ "$ca" = 0 ] && [ "$(pg_diff "$schema\".\"${prefix}${tag}_src_APP_4_SALES" "${tag}_src_APP_4_SALES")" = 0 ] \
    && ok "the run that held the months finished exact (exit 0)" || bad "the holding run: exit $ca or target differs"

finish
